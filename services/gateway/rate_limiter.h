#pragma once
// Per-identity rate limit: a token bucket per user id (`rate` calls a second
// on average, bursts of up to `burst`). Thread-safe. Buckets idle long enough
// to be full again are dropped, so memory follows the active users.
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace hotline::gateway {

class RateLimiter {
 public:
  // rate <= 0: no limit.
  RateLimiter(double rate_per_second, double burst);

  // Zero when `user` may call now (and takes a token); else how long until
  // the next token.
  absl::Duration Take(const std::string& user, absl::Time now);

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
  };
  void DropFullBuckets(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const double rate_;
  const double burst_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  absl::Time last_sweep_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace hotline::gateway
