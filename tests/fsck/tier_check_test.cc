// hotline-fsck's tier check (tools/fsck/tier_check.cc), the real binary,
// against a real redis-server and PostgreSQL 15 whose orders the real intake
// and dispatch cores worked and the archive mover moved: clean when every
// order is in one tier; a planted order in both tiers is tier_both, and an
// order Redis names that no tier holds (in an index, or in an event) is
// tier_neither, each naming the order.
#include <catch2/catch.hpp>
#include <cstdio>

#include "archive/legacy_audit.h"
#include "tests/archive/archive_fixture.h"

namespace hotline::testing {
namespace {

const absl::Time kStart =
    absl::FromCivil(absl::CivilSecond(2026, 9, 14, 10, 0, 0), absl::UTCTimeZone());

struct Ran {
  int exit_code = -1;
  std::string out;
};

Ran Fsck(ArchiveFixture& f, const std::string& checks = "tiers", bool with_postgres = true) {
  const std::string postgres =
      with_postgres ? absl::StrCat(" --postgres='", f.pg_server.conninfo(), "'") : "";
  const std::string cmd =
      absl::StrCat(HOTLINE_FSCK_BIN, " --redis=", f.redis_server.address(), postgres,
                   " --data_dir=", HOTLINE_SOURCE_DIR, "/data --checks=", checks,
                   " --recheck_after=10ms 2>&1");
  Ran r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST_CASE("hotline-fsck finds an order in both tiers and one in neither, naming each") {
  FakeClock clock(kStart);
  ArchiveFixture f(clock);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    auto id = f.Create(absl::StrCat("1381234567", i));
    REQUIRE(id.ok());
    REQUIRE(f.Work(*id, 0, 9).ok());
    ids.push_back(*id);
  }
  auto open_id = f.Create("13800000000");
  REQUIRE(open_id.ok());
  // Two move; two stay (max_orders).
  archive::MoveOptions o;
  o.now = kStart + absl::Hours(24 * 31);
  o.min_age = absl::Hours(24 * 30);
  o.max_orders = 2;
  o.batch = 2;
  auto moved = archive::MoveDueOrders(f.client, f.pg, f.store.keys(), o);
  REQUIRE(moved.ok());
  REQUIRE(moved->moved == 2);

  Ran clean = Fsck(f);
  INFO(clean.out);
  CHECK(clean.exit_code == 0);
  CHECK(clean.out.find("archived orders 2") != std::string::npos);

  SECTION("an order in both tiers") {
    // A live archived order copied into PostgreSQL without leaving Redis.
    std::string live;
    for (const std::string& id : ids) {
      if (f.InRedis(id)) live = id;
    }
    REQUIRE_FALSE(live.empty());
    auto rec = f.client.Execute({"HGETALL", f.store.keys().Order(live)});
    auto hist = f.client.Execute({"LRANGE", f.store.keys().History(live), "0", "-1"});
    REQUIRE(rec.ok());
    REQUIRE(hist.ok());
    archive::OrderCopy copy;
    copy.id = live;
    for (const auto& e : rec->elements) copy.record.push_back(e.str);
    for (const auto& e : hist->elements) copy.history.push_back(e.str);
    for (size_t i = 0; i + 1 < copy.record.size(); i += 2) {
      if (copy.record[i] == "version") copy.version = std::atoll(copy.record[i + 1].c_str());
    }
    REQUIRE(archive::UpsertCopy(f.pg, copy, absl::Now()).ok());
    Ran r = Fsck(f);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("FINDING tier_both " + live + " ") != std::string::npos);
    CHECK(r.out.find("tier_neither") == std::string::npos);
  }
  SECTION("an order in neither tier") {
    // A moved order's row lost from PostgreSQL while Redis still names it.
    std::string gone;
    for (const std::string& id : ids) {
      if (!f.InRedis(id)) gone = id;
    }
    REQUIRE_FALSE(gone.empty());
    REQUIRE(f.pg.Exec("DELETE FROM archived_orders WHERE id = $1", {gone}).ok());
    REQUIRE(f.client.Execute({"ZADD", f.store.keys().IndexAll(), "1", gone}).ok());
    Ran r = Fsck(f);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("FINDING tier_neither " + gone + " named by idx:all") != std::string::npos);
    CHECK(r.out.find("tier_both") == std::string::npos);
  }
  SECTION("an order only an event names, read through the event's codec") {
    const std::string ghost = "GZ20260914999999";
    REQUIRE(f.client.Execute({"XADD", f.store.keys().Events(), "*", "event", "order.dispatch",
                              "order_id", ghost, "version", "2"}).ok());
    Ran r = Fsck(f);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("FINDING tier_neither " + ghost + " named by the events stream") !=
          std::string::npos);
  }
}

TEST_CASE("hotline-fsck counts legacy per-order audit streams and points at compact-audit") {
  FakeClock clock(kStart);
  ArchiveFixture f(clock);
  const audit::AuditKeys keys(f.store.keys().prefix());
  Ran clean = Fsck(f, "audit");
  INFO(clean.out);
  CHECK(clean.exit_code == 0);
  CHECK(clean.out.find("legacy audit streams 0") != std::string::npos);

  // One stream an older version wrote: an entry naming the order, stored whole.
  v1::AuditEntry entry;
  *entry.mutable_actor() = f.auditor;
  entry.set_action(v1::AUDIT_ACTION_READ_ORDER);
  entry.set_order_id("GZ20260914000001");
  entry.set_reason("a citizen's call back");
  REQUIRE(f.client.Execute({"XADD", keys.LegacyOrderLog("GZ20260914000001"), "1700000000000-0",
                            "e", entry.SerializeAsString()}).ok());
  Ran found = Fsck(f, "audit");
  INFO(found.out);
  CHECK(found.exit_code == 1);
  CHECK(found.out.find("FINDING audit_legacy_streams - 1 per-order access-log streams") !=
        std::string::npos);
  CHECK(found.out.find("hotline-admin archive compact-audit") != std::string::npos);

  // Without an archive the stream is the only copy: counted, not a finding.
  Ran redis_only = Fsck(f, "audit", /*with_postgres=*/false);
  INFO(redis_only.out);
  CHECK(redis_only.exit_code == 0);
  CHECK(redis_only.out.find("legacy audit streams 1") != std::string::npos);

  // The repair it names: compacted, fsck is clean again.
  auto compacted = archive::CompactLegacyAudit(f.client, f.pg, keys, {});
  REQUIRE(compacted.ok());
  CHECK(compacted->streams == 1);
  Ran after = Fsck(f, "audit");
  INFO(after.out);
  CHECK(after.exit_code == 0);
}

}  // namespace
}  // namespace hotline::testing
