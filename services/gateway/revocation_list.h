#pragma once
// The gateway's copy of the revoked token ids: a thread re-reads the whole
// (small: unexpired revoked tokens only) set from Redis every `interval`, so a
// revocation is seen by every replica within about that long. While Redis
// cannot be read the last list read stays in force, and
// hotline_gateway_revocation_list_stale says so (1), as does the log.
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "auth/token_registry.h"

namespace hotline::gateway {

class RevocationList {
 public:
  RevocationList(auth::TokenRegistry& registry, absl::Duration interval,
                 prometheus::Registry& metrics);
  ~RevocationList();  // stops the thread

  bool IsRevoked(const std::string& jti) const;
  // One read now (the thread calls it each interval); false when it failed.
  bool Refresh();

 private:
  void Run();

  auth::TokenRegistry& registry_;
  const absl::Duration interval_;
  prometheus::Gauge& stale_;
  prometheus::Gauge& size_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::string> revoked_ ABSL_GUARDED_BY(mu_);
  bool failing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hotline::gateway
