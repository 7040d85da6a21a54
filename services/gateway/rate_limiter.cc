#include "gateway/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace hotline::gateway {

RateLimiter::RateLimiter(double rate_per_second, double burst)
    : rate_(rate_per_second), burst_(std::max(1.0, burst)) {}

absl::Duration RateLimiter::Take(const std::string& user, absl::Time now) {
  if (rate_ <= 0) return absl::ZeroDuration();
  absl::MutexLock lock(&mu_);
  DropFullBuckets(now);
  auto [it, inserted] = buckets_.try_emplace(user, Bucket{burst_, now});
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + absl::ToDoubleSeconds(now - b.updated) * rate_);
  b.updated = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return absl::ZeroDuration();
  }
  return absl::Seconds((1 - b.tokens) / rate_);
}

void RateLimiter::DropFullBuckets(absl::Time now) {
  // A bucket untouched for burst/rate seconds is full: the same as none.
  const absl::Duration refill = absl::Seconds(burst_ / rate_);
  if (now - last_sweep_ < std::max(refill, absl::Seconds(10))) return;
  last_sweep_ = now;
  absl::erase_if(buckets_, [&](const auto& entry) { return now - entry.second.updated > refill; });
}

}  // namespace hotline::gateway
