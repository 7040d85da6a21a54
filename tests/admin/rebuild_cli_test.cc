// `hotline-admin rebuild scoring|sla`, the real binary against a real
// redis-server holding a month of orders as intake keeps them: the tally on
// stdout, exit 0; a second run writes no facts; a verb or flag it does not
// know exits 2 and changes nothing; --bulk refuses stored scoring keys and
// fills an empty scoring keyspace.
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "orders/order_keys.h"
#include "orders/order_record.h"
#include "redis/client.h"
#include "scoring/scoring_fixture.h"
#include "support/redis_server.h"
#include "support/service_process.h"

namespace hotline::rebuild {
namespace {

using testing::RunShell;
using testing::ShellResult;

struct World {
  hotline::testing::RedisServer server;
  redis::Client redis{redis::Options{.port = server.port(), .connections = 1}};

  explicit World(int n) {
    const orders::OrderKeys keys;
    for (const v1::WorkOrder& o :
         scoring::fixture::BusyMonth(scoring::fixture::Dir(), absl::CivilMonth(2026, 11), n, 5)) {
      redis::Command hset = {"HSET", keys.Order(o.id()), "id", o.id()};
      for (auto& [field, value] : orders::ToRecord(o)) {
        hset.push_back(field);
        hset.push_back(value);
      }
      Run(std::move(hset));
      redis::Command rpush = {"RPUSH", keys.History(o.id())};
      for (const v1::HistoryEntry& e : o.history()) rpush.push_back(orders::HistoryEntryToJson(e));
      Run(std::move(rpush));
      Run({"ZADD", keys.IndexAll(), absl::StrCat(orders::ToMillis(o.created_at())), o.id()});
    }
  }
  redis::Reply Run(redis::Command c) {
    absl::StatusOr<redis::Reply> r = redis.Execute(std::move(c));
    REQUIRE(r.ok());
    REQUIRE(!r->is_error());
    return *r;
  }
  ShellResult Admin(const std::string& args) {
    return RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " rebuild ", args, " --redis=",
                                 server.address(), " --data_dir=", HOTLINE_SOURCE_DIR, "/data"));
  }
  int64_t Count(const std::string& pattern) {
    return static_cast<int64_t>(Run({"KEYS", pattern}).elements.size());
  }
};

TEST_CASE(
    "hotline-admin rebuild scoring and sla: every order, a tally, idempotent, bad input exits 2") {
  World w(300);
  ShellResult scoring = w.Admin("scoring --batch 70");
  INFO(scoring.output);
  CHECK(scoring.exit_code == 0);
  CHECK(absl::StrContains(scoring.output, "rebuild scoring: 300 orders in"));
  CHECK(absl::StrContains(scoring.output, "300 written, 0 missing, 0 failed"));
  CHECK(absl::StrContains(scoring.output, "300 / 300 orders (100 %)"));  // the progress line
  CHECK(w.Count("hotline:scoring:facts:*") == 300);

  ShellResult again = w.Admin("scoring");
  INFO(again.output);
  CHECK(again.exit_code == 0);
  CHECK(absl::StrContains(again.output, "0 written, 0 missing, 0 failed"));

  ShellResult sla = w.Admin("sla --parallel 4");
  INFO(sla.output);
  CHECK(sla.exit_code == 0);
  CHECK(absl::StrContains(sla.output, "rebuild sla: 300 orders in"));
  CHECK(absl::StrContains(sla.output, "300 settled, 0 missing, 0 failed"));
  // The open orders got their deadlines filed (the closed ones need none).
  CHECK(w.Run({"ZCARD", "hotline:sla:due"}).integer > 0);

  const int64_t keys_before = w.Run({"DBSIZE"}).integer;
  ShellResult unknown = w.Admin("dispatch");
  CHECK(unknown.exit_code == 2);
  ShellResult bad_batch = w.Admin("scoring --batch 0");
  CHECK(bad_batch.exit_code == 2);
  CHECK(absl::StrContains(bad_batch.output, "--batch"));
  ShellResult sla_bulk = w.Admin("sla --bulk");
  CHECK(sla_bulk.exit_code == 2);
  CHECK(absl::StrContains(sla_bulk.output, "--bulk: scoring only"));
  // Over stored scoring keys the bulk path refuses.
  ShellResult not_empty = w.Admin("scoring --bulk");
  INFO(not_empty.output);
  CHECK(not_empty.exit_code != 0);
  CHECK(absl::StrContains(not_empty.output, "not empty"));
  CHECK(w.Run({"DBSIZE"}).integer == keys_before);

  // Into an empty scoring keyspace it writes every order's facts.
  for (const redis::Reply& k : w.Run({"KEYS", "hotline:scoring:*"}).elements) w.Run({"DEL", k.str});
  ShellResult bulk = w.Admin("scoring --bulk --batch 70");
  INFO(bulk.output);
  CHECK(bulk.exit_code == 0);
  CHECK(absl::StrContains(bulk.output, "300 written, 0 missing, 0 failed"));
  CHECK(w.Count("hotline:scoring:facts:*") == 300);
  CHECK(w.Count("hotline:scoring:rebuild_bulk") == 0);
}

}  // namespace
}  // namespace hotline::rebuild
