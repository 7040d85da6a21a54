// The backup drill: a city loaded by the real services (the simulator through
// the gateway, its archived orders moved to PostgreSQL by `hotline-admin
// archive run`, plus a few hundred creates), then `hotline-admin backup` of
// both tiers while creates keep coming, then `hotline-admin restore` into a
// fresh Redis and a fresh PostgreSQL. Every order acknowledged before the
// backup began is there with its whole trail, every archived order is in the
// restored archive, hotline-fsck (with --postgres: the tier check too) finds
// the restored system clean, and the restore time is printed. Also: restore
// refuses a Redis that holds anything, and a backup whose file does not match
// its manifest.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "archive/pg.h"
#include "e2e/stack.h"
#include "orders/trail.h"
#include "support/postgres_server.h"
#include "support/redis_server.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace hotline::testing {
namespace {

redis::Reply Run(redis::Client& c, redis::Command command) {
  absl::StatusOr<redis::Reply> r = c.Execute(std::move(command));
  REQUIRE(r.ok());
  REQUIRE(!r->is_error());
  return *r;
}

long long ArchivedOrders(const std::string& conninfo) {
  archive::PgConnection pg(conninfo);
  absl::StatusOr<archive::PgRows> r = pg.Exec("SELECT count(*) FROM archived_orders");
  REQUIRE(r.ok());
  return std::stoll(r->rows[0][0].value_or("0"));
}

TEST_CASE(
    "backup drill: back up while creating, restore into a fresh Redis, every acknowledged order "
    "and trail is there, fsck clean") {
  TempDir temp("hotline-drill");
  const std::string tokens = temp.path() + "/tokens.textproto";
  const std::string data = std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data";
  REQUIRE(
      std::system(absl::StrCat(HOTLINE_SIMULATOR_BIN, " ", data, " --tokens=", HOTLINE_SOURCE_DIR,
                               "/config/tokens.textproto --write_tokens=", tokens, " 2>/dev/null")
                      .c_str()) == 0);
  Stack stack(Stack::Options{
      .tokens_file = tokens, .sla_replicas = 1, .scoring_replicas = 1, .postgres = true});
  {
    ServiceProcess sim(
        HOTLINE_SIMULATOR_BIN,
        {"--gateway=" + stack.gateway_address(), "--tokens=" + tokens, data, "--minute=20ms",
         "--sweep=250ms", "--calls_per_minute=600", "--duration=6s"},
        temp.path() + "/simulator.log");
    const absl::Time until = absl::Now() + absl::Seconds(40);
    while (sim.Running() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(200));
    REQUIRE_FALSE(sim.Running());
  }
  // The orders the simulator archived move to PostgreSQL (1 s instead of the
  // policy's 30 days): the backup holds both tiers.
  const std::string source_pg = stack.postgres()->conninfo();
  ShellResult moved =
      RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " archive run --redis=", stack.redis().address(),
                            " --postgres='", source_pg, "' --policy=", HOTLINE_SOURCE_DIR,
                            "/data/archive_policy.textproto --min_age=1s 2>&1"));
  INFO(moved.output);
  REQUIRE(moved.exit_code == 0);
  const long long archived = ArchivedOrders(source_pg);
  std::printf("drill: %lld orders moved to PostgreSQL before the backup\n%s", archived,
              moved.output.c_str());
  REQUIRE(archived > 0);
  auto stub = stack.NewClient();
  std::atomic<int> seq{0};
  auto create = [&](std::vector<std::string>* into, std::mutex* mu) {
    v1::CreateWorkOrderRequest request = SampleComplaint();
    request.set_idempotency_key(absl::StrCat("drill-", seq++));
    v1::CreateWorkOrderResponse response;
    auto ctx = CallContext(kAgentToken);
    if (!stub->CreateWorkOrder(ctx.get(), request, &response).ok()) return false;
    std::lock_guard<std::mutex> lock(*mu);
    into->push_back(response.order().id());
    return true;
  };
  std::mutex mu;
  std::vector<std::string> acknowledged;
  for (int i = 0; i < 300; ++i) REQUIRE(create(&acknowledged, &mu));

  // Creates keep coming while the backup runs.
  std::atomic<bool> stop{false};
  std::atomic<int> failed{0};
  std::thread writer([&] {
    while (!stop) {
      if (!create(&acknowledged, &mu)) ++failed;
    }
  });
  absl::SleepFor(absl::Milliseconds(500));
  std::vector<std::string> before_backup;
  {
    std::lock_guard<std::mutex> lock(mu);
    before_backup = acknowledged;  // acknowledged before the backup began
  }
  const std::string dir = temp.path() + "/backup";
  ShellResult backup = RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " backup ", dir,
                                             " --redis=", stack.redis().address(), " --pg_url='",
                                             source_pg, "' 2>&1"));
  absl::SleepFor(absl::Milliseconds(500));
  stop = true;
  writer.join();
  INFO(backup.output);
  REQUIRE(backup.exit_code == 0);
  const size_t after = acknowledged.size();
  CHECK(after > before_backup.size());  // creates went on during the backup
  CHECK(failed == 0);
  std::printf("drill: %zu orders acknowledged before the backup began, %zu by its end\n%s",
              before_backup.size(), after, backup.output.c_str());
  {
    std::ifstream in(dir + "/manifest.json");
    std::stringstream ss;
    ss << in.rdbuf();
    INFO(ss.str());
    CHECK(absl::StrContains(ss.str(), "\"sha256\""));
    CHECK(absl::StrContains(ss.str(), "\"orders_when_begun\""));
    CHECK(absl::StrContains(ss.str(), "\"lastsave\""));
  }

  RedisServer fresh;
  PostgresServer fresh_pg;
  const absl::Time restore_start = absl::Now();
  ShellResult restore =
      RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " restore ", dir, " --redis=", fresh.address(),
                            " --pg_url='", fresh_pg.conninfo(PostgresServer::kOwner), "' 2>&1"));
  const absl::Duration restore_time = absl::Now() - restore_start;
  INFO(restore.output);
  REQUIRE(restore.exit_code == 0);
  redis::Client restored(redis::Options{.port = fresh.port(), .connections = 2});
  const long long orders = Run(restored, {"ZCARD", "hotline:idx:all"}).integer;
  std::printf("drill: restore of %lld orders (%lld keys) took %.2f s (wall, the whole command)\n%s",
              orders, Run(restored, {"DBSIZE"}).integer, absl::ToDoubleSeconds(restore_time),
              restore.output.c_str());
  CHECK(orders >= static_cast<long long>(before_backup.size()));
  CHECK(absl::StrContains(restore.output, "PostgreSQL restored"));
  CHECK(ArchivedOrders(fresh_pg.conninfo()) == archived);

  // Every order acknowledged before the backup began, with its whole trail.
  int missing = 0, broken = 0;
  for (const std::string& id : before_backup) {
    redis::Reply rec =
        Run(restored, {"HMGET", "hotline:order:{" + id + "}", "id", "trail_head", "trail_legacy"});
    if (rec.elements[0].type == redis::Reply::Type::kNil) {
      ++missing;
      continue;
    }
    orders::StoredTrail trail;
    trail.order_id = id;
    trail.head = rec.elements[1].str;
    trail.legacy = rec.elements[2].str;
    for (const redis::Reply& e :
         Run(restored, {"LRANGE", "hotline:order:{" + id + "}:history", "0", "-1"}).elements)
      trail.entries.push_back(e.str);
    if (trail.entries.empty() || !orders::VerifyTrail(trail).intact()) ++broken;
  }
  CHECK(missing == 0);
  CHECK(broken == 0);

  // The restored system is whole (the orders created just before the save
  // have events their consumers had not read yet: work in flight, within
  // the grace).
  // With --postgres the tier check runs too: each order in exactly one tier.
  ShellResult fsck = RunShell(absl::StrCat(HOTLINE_FSCK_BIN, " --redis=", fresh.address(), " ",
                                           data, " --postgres='", fresh_pg.conninfo(), "' 2>&1"));
  INFO(fsck.output);
  CHECK(fsck.exit_code == 0);
  CHECK(absl::StrContains(fsck.output, "hotline-fsck: clean"));
  CHECK(absl::StrContains(fsck.output, absl::StrCat("archived orders ", archived)));
  CHECK_FALSE(absl::StrContains(fsck.output, "tier check is skipped"));
  std::printf("drill: fsck of the restored Redis:\n%s", fsck.output.c_str());

  // Restore refuses a Redis that holds anything.
  ShellResult again = RunShell(
      absl::StrCat(HOTLINE_ADMIN_BIN, " restore ", dir, " --redis=", fresh.address(), " 2>&1"));
  CHECK(again.exit_code == 1);
  CHECK(absl::StrContains(again.output, "refusing to restore: the target Redis holds"));
  // ... and a backup that does not match its manifest.
  const std::string damaged = temp.path() + "/damaged";
  std::filesystem::copy(dir, damaged);
  {
    std::ofstream out(damaged + "/redis.rdb", std::ios::app | std::ios::binary);
    out << "x";
  }
  RedisServer empty;
  ShellResult bad = RunShell(
      absl::StrCat(HOTLINE_ADMIN_BIN, " restore ", damaged, " --redis=", empty.address(), " 2>&1"));
  CHECK(bad.exit_code == 1);
  CHECK(absl::StrContains(bad.output, "does not match the manifest"));
  redis::Client empty_client(redis::Options{.port = empty.port(), .connections = 1});
  CHECK(Run(empty_client, {"DBSIZE"}).integer == 0);
}

}  // namespace
}  // namespace hotline::testing
