#include "gateway/revocation_list.h"

#include "absl/strings/str_cat.h"
#include "log/log.h"

namespace hotline::gateway {

RevocationList::RevocationList(auth::TokenRegistry& registry, absl::Duration interval,
                               prometheus::Registry& metrics)
    : registry_(registry),
      interval_(interval),
      stale_(prometheus::BuildGauge()
                 .Name("hotline_gateway_revocation_list_stale")
                 .Help("1 while the revoked-token list cannot be read from Redis (the last "
                       "list read stays in force), else 0.")
                 .Register(metrics)
                 .Add({})),
      size_(prometheus::BuildGauge()
                .Name("hotline_gateway_revoked_tokens")
                .Help("Revoked tokens not yet expired, as last read.")
                .Register(metrics)
                .Add({})) {
  Refresh();
  thread_ = std::thread([this] { Run(); });
}

RevocationList::~RevocationList() {
  stop_.Notify();
  thread_.join();
}

bool RevocationList::IsRevoked(const std::string& jti) const {
  absl::ReaderMutexLock lock(&mu_);
  return revoked_.contains(jti);
}

bool RevocationList::Refresh() {
  absl::StatusOr<std::vector<std::string>> ids = registry_.RevokedIds(absl::Now());
  absl::MutexLock lock(&mu_);
  if (!ids.ok()) {
    if (!failing_) {
      log::Warning("cannot read revoked tokens; keeping the last list",
                   {{"error", ids.status().ToString()}, {"revoked", absl::StrCat(revoked_.size())}});
    }
    failing_ = true;
    stale_.Set(1);
    return false;
  }
  if (failing_) log::Info("revoked tokens readable again");
  failing_ = false;
  stale_.Set(0);
  revoked_ = absl::flat_hash_set<std::string>(ids->begin(), ids->end());
  size_.Set(static_cast<double>(revoked_.size()));
  return true;
}

void RevocationList::Run() {
  while (!stop_.WaitForNotificationWithTimeout(interval_)) Refresh();
}

}  // namespace hotline::gateway
