#include "gateway/screen_cache.h"

#include <utility>

namespace hotline::gateway {

ScreenCache::ScreenCache(absl::Duration ttl, const Clock& clock, std::function<Answer()> fetch)
    : ttl_(ttl), clock_(clock), fetch_(std::move(fetch)) {}

ScreenCache::Answer ScreenCache::Get(Source* source) {
  Source ignored;
  if (source == nullptr) source = &ignored;
  mu_.Lock();
  if (kept_ && clock_.Now() < kept_at_ + ttl_) {
    *source = Source::kCache;
    Answer answer = *kept_;
    mu_.Unlock();
    return answer;
  }
  if (in_flight_) {
    // Share the computation under way: wait until it (not a later one) ends.
    const uint64_t awaited = flights_done_ + 1;
    ++waiting_;
    while (flights_done_ < awaited) done_.Wait(&mu_);
    --waiting_;
    *source = Source::kShared;
    Answer answer = last_;
    mu_.Unlock();
    return answer;
  }
  in_flight_ = true;
  mu_.Unlock();
  Answer answer = fetch_();  // no lock held: GETs meanwhile queue on in_flight_
  mu_.Lock();
  in_flight_ = false;
  ++flights_done_;
  last_ = answer;
  if (answer.http_status == 200) {
    kept_ = answer;
    kept_at_ = clock_.Now();
  }
  done_.SignalAll();
  mu_.Unlock();
  *source = Source::kComputed;
  return answer;
}

int ScreenCache::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

}  // namespace hotline::gateway
