// The demo city simulator against the real services: in a few seconds of
// compressed time, calls come in and orders live their whole lives (dispatch,
// sign, hand-down, reply, review, callback, archive) with no call refused.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "e2e/stack.h"
#include "support/temp_dir.h"

namespace hotline::testing {
namespace {

long long Count(Stack& stack, const std::string& key) {
  absl::StatusOr<redis::Reply> r = stack.redis_client().Execute({"ZCARD", "hotline:" + key});
  return r.ok() ? r->integer : -1;
}

TEST_CASE("the simulator drives orders through their whole life through the gateway", "[e2e]") {
  const hotline::testing::TempDir temp("hotline-sim");
  const std::string dir = temp.path(), tokens = dir + "/tokens.textproto";
  const std::string data = std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data";
  REQUIRE(
      std::system(absl::StrCat(HOTLINE_SIMULATOR_BIN, " ", data, " --tokens=", HOTLINE_SOURCE_DIR,
                               "/config/tokens.textproto --write_tokens=", tokens, " 2>/dev/null")
                      .c_str()) == 0);

  Stack stack(Stack::Options{.tokens_file = tokens});
  {
    ServiceProcess sim(
        HOTLINE_SIMULATOR_BIN,
        {"--gateway=" + stack.gateway_address(), "--tokens=" + tokens, data, "--minute=20ms",
         "--sweep=250ms", "--calls_per_minute=600", "--duration=10s"},
        dir + "/simulator.log");
    const absl::Time until = absl::Now() + absl::Seconds(40);
    while (sim.Running() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(200));
    const std::string log = sim.Log();
    INFO(log);
    REQUIRE_FALSE(sim.Running());
    CHECK(log.find("\"msg\":\"simulated so far\"") != std::string::npos);
    CHECK(log.find("\"errors\":\"0\"") != std::string::npos);
    CHECK(log.find("ACTION_REQUEST_HAND_DOWN=") != std::string::npos);
  }
  const long long orders = Count(stack, "idx:all");
  const long long archived = Count(stack, "idx:state:9");
  INFO("orders " << orders << ", archived " << archived);
  CHECK(orders >= 50);  // ~10 calls a second for 10 s, on a loaded machine
  CHECK(archived >= 20);
  CHECK(Count(stack, "idx:state:1") <= 5);  // auto-dispatch keeps up: few wait
  // Every simulated call reported a plausible handling time (2 to 9 minutes),
  // kept with its order for the agents' average handling time.
  absl::StatusOr<redis::Reply> some = stack.redis_client().Execute({"ZRANGE", "hotline:idx:all", "0", "9"});
  REQUIRE(some.ok());
  REQUIRE(some->elements.size() == 10);
  for (const redis::Reply& id : some->elements) {
    absl::StatusOr<redis::Reply> ms =
        stack.redis_client().Execute({"HGET", absl::StrCat("hotline:order:{", id.str, "}"), "handling_ms"});
    REQUIRE(ms.ok());
    INFO(id.str << " handling_ms " << ms->str);
    int64_t value = 0;
    CHECK(absl::SimpleAtoi(ms->str, &value));
    CHECK((value >= 120000 && value <= 540000));
  }
}

}  // namespace
}  // namespace hotline::testing
