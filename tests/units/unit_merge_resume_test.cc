// `hotline-admin units merge` of two districts killed while it moves orders,
// then run again, against a real redis-server (no services: what the merge
// itself writes). 越秀区 (440104) into 天河区 (440106) with 3,000 open orders
// located in 越秀区 and held by nobody yet (only their district moves) and two
// closed ones. The first run is frozen (CLIENT PAUSE WRITE) as soon as some
// orders moved and killed with SIGKILL; the second completes: every open
// order is located in NEW once (idx:district, the record), with exactly one
// merge_unit trail entry and one event each; the closed orders stay in OLD;
// hotline-fsck's order and trail checks are clean, and still name an order
// whose district disagrees with its index.
#include <catch2/catch.hpp>
#include <signal.h>

#include <atomic>
#include <future>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "clock/clock.h"
#include "orders/merge_action.h"
#include "orders/order_record.h"
#include "orders/redis_order_store.h"
#include "support/redis_server.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace hotline {
namespace {

constexpr char kOld[] = "440104";
constexpr char kNew[] = "440106";
constexpr int kOpen = 3000;

struct World {
  testing::RedisServer server;
  redis::Client redis{redis::Options{.port = server.port(), .connections = 4}};
  orders::RedisOrderStore store{redis};
  testing::TempDir dir{"merge-resume"};

  redis::Reply Run(std::vector<std::string> command) {
    absl::StatusOr<redis::Reply> r = redis.Execute(std::move(command));
    REQUIRE(r.ok());
    return *r;
  }
  int64_t Card(const std::string& key) { return Run({"ZCARD", key}).integer; }

  // `n` orders located in OLD, in `state` (created so), all at once.
  std::vector<std::string> Create(int n, v1::OrderState state) {
    std::vector<std::promise<absl::StatusOr<orders::CreateResult>>> done(n);
    const absl::Time at = absl::FromCivil(absl::CivilSecond(2026, 11, 20, 10, 0, 0), CityTimeZone());
    for (int i = 0; i < n; ++i) {
      orders::NewOrder o;
      o.order.set_version(1);
      o.order.set_type(state == v1::ORDER_STATE_CLOSED ? v1::ORDER_TYPE_CONSULTATION : v1::ORDER_TYPE_COMPLAINT);
      o.order.mutable_caller()->set_phone_masked("138****5678");
      o.order.mutable_location()->set_district_code(kOld);
      o.order.set_category_code("0101");
      o.order.set_content("噪声");
      o.order.set_state(state);
      *o.order.mutable_created_at() = orders::FromMillis(absl::ToUnixMillis(at + absl::Seconds(i)));
      *o.order.mutable_updated_at() = o.order.created_at();
      o.first_entry.set_seq(1);
      o.first_entry.set_action("create");
      o.first_entry.set_to_state(state);
      o.fingerprint = "f";
      store.Create(std::move(o), [&done, i](absl::StatusOr<orders::CreateResult> r) { done[i].set_value(std::move(r)); });
    }
    std::vector<std::string> ids;
    for (auto& d : done) {
      absl::StatusOr<orders::CreateResult> r = d.get_future().get();
      REQUIRE(r.ok());
      ids.push_back(r->order.id());
    }
    return ids;
  }

  std::vector<std::string> MergeArgs() const {
    return {"units", "merge", kOld, kNew, absl::StrCat("--redis=", server.address()),
            absl::StrCat("--data_dir=", HOTLINE_SOURCE_DIR, "/data"), "--user=ops01", "--settle=0s"};
  }
  testing::ShellResult Fsck() {
    return testing::RunShell(absl::StrCat(HOTLINE_FSCK_BIN, " --redis=", server.address(), " --data_dir=",
                                          HOTLINE_SOURCE_DIR, "/data --checks=orders,trails --grace=0s"));
  }
};

TEST_CASE("a district merge killed while moving orders completes when run again, nothing moved twice") {
  World w;
  const std::vector<std::string> open = w.Create(kOpen, v1::ORDER_STATE_CREATED);
  const std::vector<std::string> closed = w.Create(2, v1::ORDER_STATE_CLOSED);
  REQUIRE(w.Card(absl::StrCat("hotline:idx:district:", kOld)) == kOpen + 2);

  // The first run, frozen and killed once orders began to move.
  {
    testing::ServiceProcess first(HOTLINE_ADMIN_BIN, w.MergeArgs(), w.dir.path() + "/first.log");
    const absl::Time until = absl::Now() + absl::Seconds(30);
    while (w.Card(absl::StrCat("hotline:idx:district:", kNew)) == 0 && absl::Now() < until && first.Running()) {
      absl::SleepFor(absl::Microseconds(500));
    }
    w.Run({"CLIENT", "PAUSE", "20000", "WRITE"});
    // Killed only while it is known to be ours and not reaped: a reaped
    // ServiceProcess has pid -1, and kill(-1) would signal every process.
    const bool running = first.Running();
    if (running && first.pid() > 0) ::kill(first.pid(), SIGKILL);
    first.Terminate(absl::Seconds(5));
    w.Run({"CLIENT", "UNPAUSE"});
    INFO(first.Log());
    REQUIRE(running);  // it had not finished: killed midway
  }
  const int64_t moved_first = w.Card(absl::StrCat("hotline:idx:district:", kNew));
  INFO("moved by the killed run: " << moved_first);
  REQUIRE(moved_first > 0);
  REQUIRE(moved_first < kOpen);

  // The second run finds OLD retired and moves the rest.
  const std::string command = absl::StrCat(HOTLINE_ADMIN_BIN, " ", absl::StrJoin(w.MergeArgs(), " "));
  const testing::ShellResult second = testing::RunShell(command);
  INFO(second.output);
  REQUIRE(second.exit_code == 0);
  CHECK(absl::StrContains(second.output, absl::StrCat("(retired already), ", kOpen - moved_first,
                                                      " open orders moved")));

  // Every open order located in NEW, once; the closed ones where they were.
  CHECK(w.Card(absl::StrCat("hotline:idx:district:", kNew)) == kOpen);
  CHECK(w.Card(absl::StrCat("hotline:idx:district:", kOld)) == 2);
  for (const std::string& id : closed) {
    CHECK(w.Run({"HGET", absl::StrCat("hotline:order:{", id, "}"), "district"}).str == kOld);
  }
  int merge_entries = 0;
  for (const std::string& id : open) {
    const std::string key = absl::StrCat("hotline:order:{", id, "}");
    const redis::Reply f = w.Run({"HMGET", key, "district", "version", "state"});
    INFO(id);
    CHECK(f.elements[0].str == kNew);
    CHECK(f.elements[1].str == "2");  // created, moved: once
    CHECK(f.elements[2].str == absl::StrCat(int{v1::ORDER_STATE_CREATED}));
    for (const redis::Reply& e : w.Run({"LRANGE", key + ":history", "0", "-1"}).elements) {
      if (absl::StrContains(e.str, absl::StrCat("\"action\":\"", orders::kMergeUnitAction, "\""))) ++merge_entries;
    }
  }
  CHECK(merge_entries == kOpen);
  int events = 0;
  for (const redis::Reply& e : w.Run({"XRANGE", "hotline:events", "-", "+"}).elements) {
    for (const redis::Reply& field : e.elements[1].elements) {
      if (field.str == orders::kMergeUnitEvent) ++events;
    }
  }
  CHECK(events == kOpen);

  // fsck: clean; and it still names an order whose district is not its index's.
  const testing::ShellResult clean = w.Fsck();
  INFO(clean.output);
  CHECK(clean.exit_code == 0);
  CHECK(absl::StrContains(clean.output, "hotline-fsck: clean"));
  w.Run({"HSET", absl::StrCat("hotline:order:{", open[0], "}"), "district", kOld});
  const testing::ShellResult broken = w.Fsck();
  INFO(broken.output);
  CHECK(broken.exit_code != 0);
  CHECK(absl::StrContains(broken.output, open[0]));
  CHECK(absl::StrContains(broken.output, absl::StrCat("idx:district:", kOld)));
}

}  // namespace
}  // namespace hotline
