#pragma once
// The one-off sealing of numbers stored before sealing existed: orders whose
// record still has a plain caller_phone get it sealed, keyed and indexed
// (idx:phone) and the plain field deleted, each in one atomic step that
// writes nothing if the order changed meanwhile. Intake runs it in the
// background at every start; once every order is sealed a pass only reads.
#include <atomic>

#include "absl/status/statusor.h"
#include "crypto/phone_vault.h"
#include "orders/order_store.h"

namespace hotline::intake {

struct LegacySealCounts {
  int scanned = 0;
  int sealed = 0;
};

// Walks idx:all `batch` orders at a time until its end or `stop`. Blocking.
absl::StatusOr<LegacySealCounts> SealLegacyPhones(orders::LegacyPhoneStore& store,
                                                  const crypto::PhoneVault& vault,
                                                  const std::atomic<bool>& stop, int batch = 500);

}  // namespace hotline::intake
