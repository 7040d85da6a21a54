// The wall screen's cache (services/gateway/screen_cache.h): one computation
// however many GETs arrive at once, answers kept for the ttl and no longer,
// failures not kept.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "clock/clock.h"
#include "gateway/screen_cache.h"

namespace hotline::gateway {
namespace {

TEST_CASE("concurrent GETs of the screen share one computation") {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  std::atomic<int> computations{0};
  absl::Notification release;
  ScreenCache cache(absl::Seconds(3), clock, [&] {
    ++computations;
    release.WaitForNotification();  // held open until every GET has arrived
    return ScreenCache::Answer{200, "{\"n\":1}"};
  });
  constexpr int kGets = 16;
  std::vector<std::thread> walls;
  std::vector<ScreenCache::Answer> answers(kGets);
  std::vector<ScreenCache::Source> sources(kGets);
  for (int i = 0; i < kGets; ++i) {
    walls.emplace_back([&, i] { answers[i] = cache.Get(&sources[i]); });
  }
  // One GET computes, the other 15 wait for it.
  for (int spin = 0; cache.waiting() < kGets - 1; ++spin) {
    REQUIRE(spin < 10'000);
    absl::SleepFor(absl::Milliseconds(1));
  }
  release.Notify();
  for (std::thread& t : walls) t.join();
  CHECK(computations == 1);
  int computed = 0, shared = 0;
  for (int i = 0; i < kGets; ++i) {
    CHECK(answers[i].http_status == 200);
    CHECK(answers[i].body == "{\"n\":1}");
    computed += sources[i] == ScreenCache::Source::kComputed;
    shared += sources[i] == ScreenCache::Source::kShared;
  }
  CHECK(computed == 1);
  CHECK(shared == kGets - 1);
  // Within the ttl, the kept answer.
  ScreenCache::Source source;
  CHECK(cache.Get(&source).body == "{\"n\":1}");
  CHECK(source == ScreenCache::Source::kCache);
  CHECK(computations == 1);
}

TEST_CASE("the kept screen expires after its ttl") {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  int computations = 0;
  ScreenCache cache(absl::Seconds(3), clock, [&] {
    ++computations;
    return ScreenCache::Answer{200, std::to_string(computations)};
  });
  CHECK(cache.Get().body == "1");
  clock.Advance(absl::Seconds(3) - absl::Milliseconds(1));
  CHECK(cache.Get().body == "1");
  CHECK(computations == 1);
  clock.Advance(absl::Milliseconds(1));
  ScreenCache::Source source;
  CHECK(cache.Get(&source).body == "2");
  CHECK(source == ScreenCache::Source::kComputed);
  CHECK(computations == 2);
  CHECK(cache.Get().body == "2");
  CHECK(computations == 2);
}

TEST_CASE("a failed screen computation is not kept, and no ttl keeps nothing") {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  int computations = 0;
  int status = 503;
  ScreenCache cache(absl::Seconds(3), clock, [&] {
    ++computations;
    return ScreenCache::Answer{status, "x"};
  });
  CHECK(cache.Get().http_status == 503);
  CHECK(cache.Get().http_status == 503);
  CHECK(computations == 2);  // the next GET tried again
  status = 200;
  CHECK(cache.Get().http_status == 200);
  status = 503;
  CHECK(cache.Get().http_status == 200);  // the good one is kept
  CHECK(computations == 3);

  ScreenCache none(absl::ZeroDuration(), clock, [&] {
    ++computations;
    return ScreenCache::Answer{200, "y"};
  });
  none.Get();
  none.Get();
  CHECK(computations == 5);
}

}  // namespace
}  // namespace hotline::gateway
