// hotline-fsck, the real binary, against a Redis the real services filled:
// the demo city simulator drives orders through their whole lives through
// the gateway (intake, dispatch, sla, scoring running). First two clean runs
// (live, then with the consumers stopped and no grace), then one planted
// fault per invariant, each found by name and order, and the system clean
// again once the fault is undone by its documented repair.
//
// One Redis for every TEST_CASE: the binary runs as one ctest entry (the
// stack and its simulated traffic are built once), the cases in order.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "e2e/stack.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace hotline::testing {
namespace {

struct World {
  TempDir temp{"hotline-fsck"};
  std::string tokens = temp.path() + "/tokens.textproto";
  std::string data = std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data";
  std::unique_ptr<Stack> stack;

  World() {
    REQUIRE(
        std::system(absl::StrCat(HOTLINE_SIMULATOR_BIN, " ", data, " --tokens=", HOTLINE_SOURCE_DIR,
                                 "/config/tokens.textproto --write_tokens=", tokens, " 2>/dev/null")
                        .c_str()) == 0);
    stack = std::make_unique<Stack>(
        Stack::Options{.tokens_file = tokens, .sla_replicas = 1, .scoring_replicas = 1});
    ServiceProcess sim(
        HOTLINE_SIMULATOR_BIN,
        {"--gateway=" + stack->gateway_address(), "--tokens=" + tokens, data, "--minute=20ms",
         "--sweep=250ms", "--calls_per_minute=600", "--duration=8s"},
        temp.path() + "/simulator.log");
    const absl::Time until = absl::Now() + absl::Seconds(40);
    while (sim.Running() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(200));
    REQUIRE_FALSE(sim.Running());
    WaitSettled();
  }

  // Every consumer group has read and acknowledged everything.
  void WaitSettled() {
    const absl::Time until = absl::Now() + absl::Seconds(60);
    for (;;) {
      redis::Reply groups = Run({"XINFO", "GROUPS", "hotline:events"});
      bool settled = groups.elements.size() >= 3;
      for (const redis::Reply& g : groups.elements) {
        for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
          const std::string& name = g.elements[i].str;
          if ((name == "pending" || name == "lag") && g.elements[i + 1].integer != 0)
            settled = false;
        }
      }
      if (settled) break;
      REQUIRE(absl::Now() < until);
      absl::SleepFor(absl::Milliseconds(200));
    }
    absl::SleepFor(absl::Seconds(1));  // the SLA monitor's record of the last transitions
  }

  redis::Reply Run(redis::Command c) {
    absl::StatusOr<redis::Reply> r = stack->redis_client().Execute(std::move(c));
    REQUIRE(r.ok());
    REQUIRE(!r->is_error());
    return *r;
  }

  ShellResult Fsck(const std::string& extra = "--grace=0s") {
    return RunShell(absl::StrCat(HOTLINE_FSCK_BIN, " --redis=", stack->redis().address(), " ", data,
                                 " ", extra, " 2>&1"));
  }
  ShellResult Admin(const std::string& args) {
    return RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " ", args,
                                 " --redis=", stack->redis().address(), " ", data, " 2>&1"));
  }

  // An order with these fields set (non-empty), else "".
  std::string OrderWith(const std::vector<std::string>& fields, const std::string& state = "") {
    redis::Reply ids = Run({"ZRANGE", "hotline:idx:all", "0", "-1"});
    for (const redis::Reply& id : ids.elements) {
      redis::Command c = {"HMGET", "hotline:order:{" + id.str + "}", "state"};
      c.insert(c.end(), fields.begin(), fields.end());
      redis::Reply r = Run(c);
      bool all = state.empty() || r.elements[0].str == state;
      for (size_t i = 1; i < r.elements.size(); ++i) all = all && !r.elements[i].str.empty();
      if (all) return id.str;
    }
    return "";
  }
  std::string Field(const std::string& id, const std::string& field) {
    return Run({"HGET", "hotline:order:{" + id + "}", field}).str;
  }
};

World& W() {
  static World* world = new World();  // lives until the process ends (its stack with it)
  return *world;
}

bool Found(const ShellResult& r, const std::string& invariant, const std::string& order) {
  return absl::StrContains(r.output, absl::StrCat("FINDING ", invariant, " ", order, " "));
}

void RequireClean(const ShellResult& r) {
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  REQUIRE(absl::StrContains(r.output, "hotline-fsck: clean"));
}

TEST_CASE("fsck is clean over a populated live system, and prints counts") {
  World& w = W();
  const long long orders = w.Run({"ZCARD", "hotline:idx:all"}).integer;
  REQUIRE(orders >= 30);
  // Live: the services still run, the default grace for their work in flight.
  ShellResult live = w.Fsck("--grace=10m");
  INFO(live.output);
  RequireClean(live);
  CHECK(absl::StrContains(live.output, absl::StrCat("orders ", orders)));
  CHECK(std::regex_search(live.output, std::regex("trail entries [1-9][0-9]*")));
  CHECK(std::regex_search(live.output, std::regex("scoring facts [1-9][0-9]*")));
  CHECK(absl::StrContains(live.output, "consumer groups 3"));
  CHECK(absl::StrContains(live.output, "fsck: orders:"));  // progress on stderr
  std::printf("fsck over %lld orders (live):\n%s\n", orders, live.output.c_str());

  // While the city keeps working (the simulator again): orders move between
  // fsck's reads; its second look and the grace keep that from being a
  // finding. (Scoring's aggregates are left out: compared with facts read a
  // moment earlier, a busy system can differ by an order in flight; see the
  // README.)
  {
    ServiceProcess sim(HOTLINE_SIMULATOR_BIN,
                       {"--gateway=" + w.stack->gateway_address(), "--tokens=" + w.tokens, w.data,
                        "--minute=20ms", "--sweep=250ms", "--calls_per_minute=600", "--duration=6s"},
                       w.temp.path() + "/simulator2.log");
    absl::SleepFor(absl::Seconds(1));
    int runs = 0;
    while (sim.Running() && runs < 3) {
      ShellResult busy = w.Fsck("--grace=10m --checks=orders,trails,sla,events");
      INFO(busy.output);
      CHECK(busy.exit_code == 0);
      ++runs;
    }
    CHECK(runs >= 1);
    const absl::Time until = absl::Now() + absl::Seconds(40);
    while (sim.Running() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(200));
  }
  w.WaitSettled();
  RequireClean(w.Fsck("--grace=10m"));

  // Quiet: the consumers stopped, nothing in flight, no grace at all.
  w.stack->dispatch(0).Terminate();
  w.stack->sla(0).Terminate();
  w.stack->scoring(0).Terminate();
  RequireClean(w.Fsck("--grace=0s"));
}

TEST_CASE("fsck: an index entry removed is found, by order and index") {
  World& w = W();
  const std::string id = w.OrderWith({"district", "unit"});
  REQUIRE(!id.empty());
  const std::string district = w.Field(id, "district"), created = w.Field(id, "created_ms");
  w.Run({"ZREM", "hotline:idx:district:" + district, id});
  ShellResult r = w.Fsck();
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(Found(r, "index_district", id));
  w.Run({"ZADD", "hotline:idx:district:" + district, created, id});  // the README's repair
  RequireClean(w.Fsck());
}

TEST_CASE("fsck: an order left in another state's index and queue is found") {
  World& w = W();
  const std::string id = w.OrderWith({"unit"});
  REQUIRE(!id.empty());
  const std::string unit = w.Field(id, "unit"), state = w.Field(id, "state"),
                    created = w.Field(id, "created_ms");
  const std::string other = state == "3" ? "2" : "3";
  w.Run({"ZADD", "hotline:idx:state:" + other, created, id});
  w.Run({"ZREM", "hotline:idx:queue:" + unit + ":" + state, id});
  ShellResult r = w.Fsck();
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(Found(r, "index_stray", id));
  CHECK(Found(r, "queue", id));
  w.Run({"ZREM", "hotline:idx:state:" + other, id});
  w.Run({"ZADD", "hotline:idx:queue:" + unit + ":" + state, created, id});
  RequireClean(w.Fsck());
}

TEST_CASE("fsck: an open order's closing deadline missing is found, and rebuild sla repairs it") {
  World& w = W();
  const std::string id = w.OrderWith({"sla_close_due_ms", "sla_unit"});
  REQUIRE(!id.empty());
  w.Run({"HDEL", "hotline:order:{" + id + "}", "sla_close_due_ms"});
  ShellResult r = w.Fsck();
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(Found(r, "sla_deadlines", id));
  CHECK(Found(r, "sla_unit_list", id));  // its unit list entry no longer matches its fields
  ShellResult repair = w.Admin("rebuild sla");
  INFO(repair.output);
  REQUIRE(repair.exit_code == 0);
  CHECK(!w.Field(id, "sla_close_due_ms").empty());
  RequireClean(w.Fsck());
}

TEST_CASE("fsck: an order missing from the due set is found") {
  World& w = W();
  const std::string id = w.Run({"ZRANGE", "hotline:sla:due", "0", "0"}).elements.at(0).str;
  const std::string due = w.Run({"ZSCORE", "hotline:sla:due", id}).str;
  w.Run({"ZREM", "hotline:sla:due", id});
  ShellResult r = w.Fsck("--grace=0s --checks=sla");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(Found(r, "sla_deadlines", id));
  CHECK(absl::StrContains(r.output, "next due (sla:due)"));
  w.Run({"ZADD", "hotline:sla:due", due, id});
  RequireClean(w.Fsck());
}

TEST_CASE("fsck: a scoring aggregate off by one is found") {
  World& w = W();
  const std::vector<std::string> keys = [&] {
    std::vector<std::string> out;
    std::string cursor = "0";
    do {
      redis::Reply r =
          w.Run({"SCAN", cursor, "MATCH", "hotline:scoring:cityday:volume:*", "COUNT", "1000"});
      cursor = r.elements[0].str;
      for (const redis::Reply& k : r.elements[1].elements) out.push_back(k.str);
    } while (cursor != "0");
    return out;
  }();
  REQUIRE(!keys.empty());
  const std::string field = w.Run({"HKEYS", keys[0]}).elements.at(0).str;
  w.Run({"HINCRBY", keys[0], field, "1"});
  ShellResult r = w.Fsck("--grace=0s --checks=scoring");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(absl::StrContains(r.output,
                          absl::StrCat("FINDING scoring_aggregate - ", keys[0], ": ", field)));
  // The README's repair (scoring is stopped): every scoring key deleted,
  // then rebuilt from the orders.
  std::string cursor = "0";
  int deleted = 0;
  do {
    redis::Reply page = w.Run({"SCAN", cursor, "MATCH", "hotline:scoring:*", "COUNT", "1000"});
    cursor = page.elements[0].str;
    for (const redis::Reply& k : page.elements[1].elements)
      deleted += static_cast<int>(w.Run({"DEL", k.str}).integer);
  } while (cursor != "0");
  CHECK(deleted > 0);
  ShellResult repair = w.Admin("rebuild scoring");
  INFO(repair.output);
  REQUIRE(repair.exit_code == 0);
  RequireClean(w.Fsck());
}

TEST_CASE("fsck: an order missing from its SLA status set is found, and re-filed by rebuild sla") {
  World& w = W();
  const std::string id = w.OrderWith({"sla_status", "sla_level"});
  REQUIRE(!id.empty());
  const std::string set =
      "hotline:sla:status:" + w.Field(id, "sla_status") + ":" + w.Field(id, "sla_level");
  REQUIRE(w.Run({"SREM", set, id}).integer == 1);
  ShellResult r = w.Fsck("--grace=0s --checks=sla");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(Found(r, "sla_status_set", id));
  w.Run({"HDEL", "hotline:order:{" + id + "}", "sla_status"});  // the README's repair
  ShellResult repair = w.Admin("rebuild sla");
  INFO(repair.output);
  REQUIRE(repair.exit_code == 0);
  CHECK(w.Run({"SISMEMBER", set, id}).integer == 1);
  RequireClean(w.Fsck());
}

TEST_CASE("fsck: a trail entry altered is found, with the entry") {
  World& w = W();
  const std::string id = w.OrderWith({"trail_head"});
  REQUIRE(!id.empty());
  const std::string history = "hotline:order:{" + id + "}:history";
  const std::string entry = w.Run({"LINDEX", history, "0"}).str;
  std::string altered = entry;
  const size_t at = altered.find("\"action\":\"");
  REQUIRE(at != std::string::npos);
  altered.insert(at + 10, "x");
  w.Run({"LSET", history, "0", altered});
  ShellResult r = w.Fsck("--grace=0s --checks=trails");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(Found(r, "trail_broken", id));
  CHECK(absl::StrContains(r.output, "TRAIL_PROBLEM_ALTERED at entry 1"));
  w.Run({"LSET", history, "0", entry});
  RequireClean(w.Fsck());
}

TEST_CASE("fsck: a pending event whose entry is gone from the stream is found") {
  World& w = W();
  const std::string id =
      w.Run({"XADD", "hotline:events", "*", "event", "order.fsck_probe", "order_id", "GZPROBE"})
          .str;
  redis::Reply read = w.Run({"XREADGROUP", "GROUP", "dispatch", "fsck-ghost", "COUNT", "1",
                             "STREAMS", "hotline:events", ">"});
  REQUIRE(read.elements.size() == 1);
  w.Run({"XDEL", "hotline:events", id});
  ShellResult r = w.Fsck("--grace=0s --checks=events");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(Found(r, "events_pending_orphan", "-"));
  CHECK(absl::StrContains(
      r.output, absl::StrCat("group dispatch has ", id, " pending (consumer fsck-ghost)")));
  w.Run({"XACK", "hotline:events", "dispatch", id});  // the README's repair
  w.Run({"XGROUP", "DELCONSUMER", "hotline:events", "dispatch", "fsck-ghost"});
  RequireClean(w.Fsck());
}

TEST_CASE("fsck: a pending event no replica reclaims, and a missing consumer group, are found") {
  World& w = W();
  const std::string id =
      w.Run({"XADD", "hotline:events", "*", "event", "order.fsck_probe", "order_id", "GZPROBE"}).str;
  REQUIRE(w.Run({"XREADGROUP", "GROUP", "sla", "fsck-ghost", "COUNT", "1", "STREAMS", "hotline:events", ">"})
              .elements.size() == 1);
  absl::SleepFor(absl::Milliseconds(50));
  ShellResult r = w.Fsck("--grace=0s --checks=events --stuck_pending=10ms --groups=dispatch,sla,scoring,archive");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(Found(r, "events_pending_stuck", "GZPROBE"));
  CHECK(Found(r, "events_group_missing", "-"));
  CHECK(absl::StrContains(r.output, "consumer group \"archive\""));
  // Not stuck yet by the default 30 minutes; the group list as deployed.
  RequireClean(w.Fsck("--grace=0s --checks=events"));
  w.Run({"XACK", "hotline:events", "sla", id});
  w.Run({"XGROUP", "DELCONSUMER", "hotline:events", "sla", "fsck-ghost"});
  // dispatch and scoring never read the probe: acknowledge it for them too
  // (their services are stopped), so the stream settles.
  for (const char* g : {"dispatch", "scoring"}) {
    w.Run({"XREADGROUP", "GROUP", g, "fsck-ghost", "STREAMS", "hotline:events", ">"});
    w.Run({"XACK", "hotline:events", g, id});
    w.Run({"XGROUP", "DELCONSUMER", "hotline:events", g, "fsck-ghost"});
  }
  RequireClean(w.Fsck());
}

TEST_CASE("fsck: an index member without its order is found") {
  World& w = W();
  w.Run({"ZADD", "hotline:idx:all", "1764000000000", "GZ20991231999999"});
  ShellResult r = w.Fsck("--grace=0s --checks=orders");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(Found(r, "index_stray", "GZ20991231999999"));
  w.Run({"ZREM", "hotline:idx:all", "GZ20991231999999"});
  RequireClean(w.Fsck());
}

TEST_CASE("fsck: bad usage exits 2") {
  World& w = W();
  CHECK(w.Fsck("--checks=nonsense").exit_code == 2);
  CHECK(w.Fsck("--no_such_flag").exit_code == 2);
  CHECK(w.Fsck("--batch=0").exit_code == 2);
}

}  // namespace
}  // namespace hotline::testing
