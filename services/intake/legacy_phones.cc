#include "intake/legacy_phones.h"

#include "absl/strings/str_cat.h"

#include "log/log.h"
#include "orders/phone.h"

namespace hotline::intake {

absl::StatusOr<LegacySealCounts> SealLegacyPhones(orders::LegacyPhoneStore& store,
                                                  const crypto::PhoneVault& vault,
                                                  const std::atomic<bool>& stop, int batch) {
  LegacySealCounts counts;
  for (int64_t offset = 0; !stop.load();) {
    absl::StatusOr<orders::LegacyPhones> found = store.FindLegacyPhones(offset, batch);
    if (!found.ok()) return found.status();
    if (found->scanned == 0) break;
    offset += found->scanned;
    counts.scanned += found->scanned;
    for (const auto& [id, plain] : found->plain) {
      // Stored numbers were normalized at intake; an odd one is sealed as found.
      const std::string number = orders::NormalizePhone(plain).value_or(plain);
      absl::StatusOr<std::string> sealed = vault.Seal(number, id);
      if (!sealed.ok()) return sealed.status();
      absl::StatusOr<bool> done = store.SealLegacyPhone(id, plain, *sealed,
                                                        vault.LookupHash(number),
                                                        orders::MaskPhone(number));
      if (!done.ok()) return done.status();
      if (*done) ++counts.sealed;
    }
    for (const auto& [id, old_sealed] : found->unbound) {
      absl::StatusOr<std::string> number = vault.Open(old_sealed, id);
      if (!number.ok()) {
        log::Warning("a sealed phone number cannot be opened to bind it to its order",
                     {{"order_id", id}, {"error", number.status().ToString()}});
        continue;
      }
      absl::StatusOr<std::string> sealed = vault.Seal(*number, id);
      if (!sealed.ok()) return sealed.status();
      absl::StatusOr<bool> done = store.ResealPhone(id, old_sealed, *sealed);
      if (!done.ok()) return done.status();
      if (*done) ++counts.resealed;
    }
  }
  return counts;
}

void LegacySealer::Start() {
  thread_ = std::thread([this] {
    absl::StatusOr<LegacySealCounts> counts = SealLegacyPhones(store_, vault_, stop_);
    if (!counts.ok()) {
      log::Warning("sealing of legacy phone numbers stopped (retried at the next start)",
                   {{"error", counts.status().ToString()}});
    } else if (counts->sealed > 0 || counts->resealed > 0) {
      log::Info("legacy phone numbers sealed", {{"orders_scanned", absl::StrCat(counts->scanned)},
                                                {"sealed", absl::StrCat(counts->sealed)},
                                                {"resealed", absl::StrCat(counts->resealed)}});
    }
  });
}

void LegacySealer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace hotline::intake
