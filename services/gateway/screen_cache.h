#pragma once
// The wall screen's answer, computed once for every wall (issue 17, item 7).
// Each GET of /api/screen used to run a full scoring query; a centre with a
// dozen walls and browsers refreshing every 5 s made scoring do the same work
// a dozen times over. ScreenCache keeps the last good answer for `ttl` and lets
// one computation run at a time (single flight): a GET that finds no fresh
// answer while a computation is under way waits for that one and shares its
// answer, good or bad, instead of starting another. Only a good answer (HTTP
// 200) is kept; a failure is shared by the GETs that waited for it and the next
// GET tries again.
//
// Time comes from `clock` (tests move a FakeClock). Thread-safe; `fetch` runs
// on the calling thread, with no lock held.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clock/clock.h"

namespace hotline::gateway {

class ScreenCache {
 public:
  struct Answer {
    int http_status = 0;  // 200: kept for ttl
    std::string body;
  };
  // Where an answer came from.
  enum class Source { kCache, kComputed, kShared };

  // ttl <= 0: nothing is kept, but concurrent GETs still share one computation.
  ScreenCache(absl::Duration ttl, const Clock& clock, std::function<Answer()> fetch);

  // The answer: the kept one while it is fresh, else the one being computed,
  // else a new computation's. `source` (if given) says which.
  Answer Get(Source* source = nullptr);

  // How many callers are waiting for a computation under way (for tests that
  // need every caller to have arrived).
  int waiting() const;

 private:
  const absl::Duration ttl_;
  const Clock& clock_;
  const std::function<Answer()> fetch_;
  mutable absl::Mutex mu_;
  absl::CondVar done_;
  std::optional<Answer> kept_ ABSL_GUARDED_BY(mu_);  // the last good answer
  absl::Time kept_at_ ABSL_GUARDED_BY(mu_);
  bool in_flight_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t flights_done_ ABSL_GUARDED_BY(mu_) = 0;  // computations finished
  Answer last_ ABSL_GUARDED_BY(mu_);                // the latest one's answer
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hotline::gateway
