#pragma once
// The one-off sealing of numbers stored before sealing existed: orders whose
// record still has a plain caller_phone get it sealed, keyed and indexed
// (idx:phone) and the plain field deleted, each in one atomic step that
// writes nothing if the order changed meanwhile. Numbers sealed before the
// sealed value was bound to its order (version 1, crypto/phone_vault.h) are
// opened and sealed again bound to their order, the same way. Intake runs it
// in the background at every start; once every order is sealed as version 2
// a pass only reads.
#include <atomic>
#include <thread>

#include "absl/status/statusor.h"
#include "crypto/phone_vault.h"
#include "orders/order_store.h"

namespace hotline::intake {

struct LegacySealCounts {
  int scanned = 0;
  int sealed = 0;    // plain numbers sealed
  int resealed = 0;  // version 1 values sealed again, bound to their order
};

// Walks idx:all `batch` orders at a time until its end or `stop`. Blocking.
// A version 1 value that does not open (damaged, or a key no longer in the
// file) is left as it is and logged: its reveal names the error.
absl::StatusOr<LegacySealCounts> SealLegacyPhones(orders::LegacyPhoneStore& store,
                                                  const crypto::PhoneVault& vault,
                                                  const std::atomic<bool>& stop, int batch = 500);
// SealLegacyPhones on a thread of its own, once, with its outcome logged
// (what it sealed, or why it stopped: retried at the next start). Stop (or
// the destructor) asks it to stop and joins it.
class LegacySealer {
 public:
  LegacySealer(orders::LegacyPhoneStore& store, const crypto::PhoneVault& vault) : store_(store), vault_(vault) {}
  ~LegacySealer() { Stop(); }
  LegacySealer(const LegacySealer&) = delete;
  LegacySealer& operator=(const LegacySealer&) = delete;
  void Start();  // at most once
  void Stop();

 private:
  orders::LegacyPhoneStore& store_;
  const crypto::PhoneVault& vault_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace hotline::intake
