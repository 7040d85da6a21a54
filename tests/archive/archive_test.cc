// The archive tier against a real redis-server and a real PostgreSQL 15:
// what the mover takes out of Redis, that it takes nothing it should not,
// that a move interrupted between its steps is completed by the next run,
// and that archived orders read through the same calls as live ones (history
// pages, trail verification, lookup by phone, unit scoping, the access log).
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include "absl/strings/str_replace.h"
#include "support/temp_dir.h"

#include "google/protobuf/util/message_differencer.h"
#include "tests/archive/archive_fixture.h"

namespace hotline::testing {
namespace {

const absl::Time kStart = absl::FromCivil(absl::CivilSecond(2026, 9, 14, 10, 0, 0), absl::UTCTimeZone());
constexpr absl::Duration kPolicyAge = absl::Hours(24 * 30);

// The order as a reader sees it, but for where it was read from.
v1::WorkOrder WithoutTier(v1::WorkOrder o) {
  o.clear_storage_tier();
  return o;
}

bool Same(const v1::WorkOrder& a, const v1::WorkOrder& b) {
  return google::protobuf::util::MessageDifferencer::Equals(WithoutTier(a), WithoutTier(b));
}

TEST_CASE("an order archived longer than the policy moves to PostgreSQL whole and reads the same") {
  FakeClock clock(kStart);
  ArchiveFixture f(clock);
  auto old_id = f.Create("13812345678");
  REQUIRE(old_id.ok());
  REQUIRE(f.Work(*old_id, 0, 9).ok());  // archived at kStart
  auto open_id = f.Create("13812345678");
  REQUIRE(open_id.ok());
  REQUIRE(f.Work(*open_id, 0, 2).ok());  // signed, open
  clock.Set(kStart + absl::Hours(24 * 20));
  auto young_id = f.Create("13987654321");
  REQUIRE(young_id.ok());
  REQUIRE(f.Work(*young_id, 0, 9).ok());  // archived 20 days later

  auto before = f.Read(*old_id, f.centre);
  REQUIRE(before.ok());
  CHECK(before->storage_tier() == v1::STORAGE_TIER_LIVE);
  CHECK(before->history_total() == 10);

  auto moved = f.Move(kStart + kPolicyAge + absl::Hours(1), kPolicyAge);
  REQUIRE(moved.ok());
  CHECK(moved->scanned == 2);  // the two ARCHIVED orders
  CHECK(moved->moved == 1);
  CHECK(moved->young == 1);
  CHECK(moved->failed == 0);

  // Out of Redis: record, history, every index and queue entry.
  CHECK_FALSE(f.InRedis(*old_id));
  CHECK(f.InRedis(*open_id));
  CHECK(f.InRedis(*young_id));
  CHECK(f.RowsInArchive(*old_id) == 1);
  CHECK(f.RowsInArchive(*young_id) == 0);
  auto keys = f.client.Execute({"KEYS", "hotline:idx:*"});
  REQUIRE(keys.ok());
  for (const redis::Reply& k : keys->elements) {
    auto score = f.client.Execute({"ZSCORE", k.str, *old_id});
    REQUIRE(score.ok());
    INFO(k.str);
    CHECK(score->is_nil());
  }

  // The same order through the same call, saying where it lives.
  auto after = f.Read(*old_id, f.centre);
  REQUIRE(after.ok());
  CHECK(after->storage_tier() == v1::STORAGE_TIER_ARCHIVE);
  CHECK(Same(*before, *after));
  // History pages as for a live order.
  auto page = f.Read(*old_id, f.centre, 3, 4);
  REQUIRE(page.ok());
  REQUIRE(page->history_size() == 4);
  CHECK(page->history(0).seq() == 4);
  CHECK(page->history(3).seq() == 7);
  CHECK(page->history_total() == 10);
  auto tail = Wait<v1::WorkOrder>([&](auto done) { f.tiered.GetPage(*old_id, {-3, 3}, std::move(done)); });
  REQUIRE(tail.ok());
  REQUIRE(tail->history_size() == 3);
  CHECK(tail->history(0).seq() == 8);
  CHECK(tail->history(2).seq() == 10);
  auto none = f.Read(*old_id, f.centre, 20, 5);
  REQUIRE(none.ok());
  CHECK(none->history_size() == 0);

  // Its trail verifies in the archive.
  auto verdict = f.Verify(*old_id);
  REQUIRE(verdict.ok());
  CHECK(verdict->intact());
  CHECK(verdict->entries() == 10);
  CHECK(verdict->storage_tier() == v1::STORAGE_TIER_ARCHIVE);
  auto live_verdict = f.Verify(*open_id);
  REQUIRE(live_verdict.ok());
  CHECK(live_verdict->storage_tier() == v1::STORAGE_TIER_LIVE);

  // Unit scoping: the units that held it read it; another district's does not.
  CHECK(f.Read(*old_id, f.wushan).ok());
  CHECK(f.Read(*old_id, f.tianhe).ok());
  auto other = f.Read(*old_id, f.yuexiu);
  CHECK(absl::IsNotFound(other.status()));
  auto missing = f.Read("GZ20260914999999", f.yuexiu);
  CHECK(other.status().message() == absl::StrReplaceAll(missing.status().message(),
                                                        {{"GZ20260914999999", *old_id}}));

  // A second run finds nothing more to move and changes nothing.
  auto again = f.Move(kStart + kPolicyAge + absl::Hours(1), kPolicyAge);
  REQUIRE(again.ok());
  CHECK(again->moved == 0);
  CHECK(f.RowsInArchive(*old_id) == 1);
}

TEST_CASE("a caller's orders are found by phone across both tiers and the lookup is logged") {
  FakeClock clock(kStart);
  ArchiveFixture f(clock);
  std::vector<std::string> ids;  // oldest first
  for (int i = 0; i < 6; ++i) {
    clock.Set(kStart + absl::Minutes(i));
    auto id = f.Create("13812345678");
    REQUIRE(id.ok());
    if (i < 4) REQUIRE(f.Work(*id, 0, 9).ok());
    ids.push_back(*id);
  }
  auto moved = f.Move(kStart + kPolicyAge + absl::Hours(1), kPolicyAge);
  REQUIRE(moved.ok());
  REQUIRE(moved->moved == 4);

  v1::FindOrdersByPhoneRequest r;
  r.set_phone("138 1234 5678");
  auto found = Wait<v1::FindOrdersByPhoneResponse>(
      [&](auto done) { f.guardian.FindByPhone(f.agent, r, std::move(done)); });
  REQUIRE(found.ok());
  REQUIRE(found->orders_size() == 6);
  for (int i = 0; i < 6; ++i) {  // newest first, both tiers in one order
    INFO(i);
    CHECK(found->orders(i).id() == ids[5 - i]);
    CHECK(found->orders(i).storage_tier() ==
          (5 - i < 4 ? v1::STORAGE_TIER_ARCHIVE : v1::STORAGE_TIER_LIVE));
    CHECK(found->orders(i).caller().phone_masked() == "138****5678");
  }
  // The access log names every order the lookup showed, archived ones too.
  v1::ListAuditEntriesRequest lr;
  lr.set_order_id(ids[0]);
  auto log = Wait<v1::ListAuditEntriesResponse>(
      [&](auto done) { f.audit_log.List(lr, std::move(done)); });
  REQUIRE(log.ok());
  bool logged_archived = false;
  for (const v1::AuditEntry& e : log->entries()) {
    if (e.action() == v1::AUDIT_ACTION_LOOKUP_BY_PHONE && e.actor().user_id() == "agent-1") {
      logged_archived = true;
    }
  }
  CHECK(logged_archived);
}

TEST_CASE("listings page through both tiers in one order with every order once") {
  FakeClock clock(kStart);
  ArchiveFixture f(clock);
  std::vector<std::string> ids;
  for (int i = 0; i < 23; ++i) {
    clock.Set(kStart + absl::Seconds(i / 2));  // pairs share a creation ms: ties by id
    auto id = f.Create("13800000000");
    REQUIRE(id.ok());
    if (i % 3 != 0) REQUIRE(f.Work(*id, 0, 9).ok());
    ids.push_back(*id);
  }
  REQUIRE(f.Move(kStart + kPolicyAge + absl::Hours(1), kPolicyAge)->moved == 15);
  for (bool oldest_first : {false, true}) {
    for (int page_size : {1, 4, 7, 50}) {
      std::vector<std::string> seen;
      orders::ListQuery q;
      q.district_code = "440106";
      q.oldest_first = oldest_first;
      q.page_size = page_size;
      for (int pages = 0; pages < 100; ++pages) {
        auto page = Wait<orders::ListPage>([&](auto done) { f.tiered.List(q, std::move(done)); });
        REQUIRE(page.ok());
        for (const v1::WorkOrder& o : page->orders) seen.push_back(o.id());
        if (page->next_page_token.empty()) break;
        q.page_token = page->next_page_token;
      }
      std::vector<std::string> expected = ids;
      if (!oldest_first) std::reverse(expected.begin(), expected.end());
      INFO("page_size " << page_size << " oldest_first " << oldest_first);
      CHECK(seen == expected);
    }
  }
}

TEST_CASE("the city-wide walk takes every order once from both tiers and verifies their trails") {
  FakeClock clock(kStart);
  ArchiveFixture f(clock);
  std::vector<std::string> live, archived;
  for (int i = 0; i < 23; ++i) {
    clock.Set(kStart + absl::Seconds(i / 2));  // pairs share a creation ms: ties by id
    auto id = f.Create("13800000000");
    REQUIRE(id.ok());
    if (i % 3 != 0) REQUIRE(f.Work(*id, 0, 9).ok());
    (i % 3 != 0 ? archived : live).push_back(*id);
  }
  REQUIRE(f.Move(kStart + kPolicyAge + absl::Hours(1), kPolicyAge)->moved == 15);
  std::vector<std::string> expected = live;  // Redis's by creation, then the archive's
  expected.insert(expected.end(), archived.begin(), archived.end());
  // ZCARD calls so far (the live count: asked once per walk at most).
  auto live_counts = [&] {
    auto info = f.client.Execute({"INFO", "commandstats"});
    REQUIRE(info.ok());
    const size_t at = info->str.find("cmdstat_zcard:calls=");
    return at == std::string::npos ? 0 : std::atoll(info->str.c_str() + at + 20);
  };
  for (int count : {1, 4, 7, 8, 50}) {
    const int64_t counts_before = live_counts();
    std::vector<std::string> seen;
    for (int64_t offset = 0; offset < 100;) {
      auto ids = Wait<std::vector<std::string>>(
          [&](auto done) { f.tiered.ListOrderIds(offset, count, std::move(done)); });
      REQUIRE(ids.ok());
      if (ids->empty()) break;
      seen.insert(seen.end(), ids->begin(), ids->end());
      offset += static_cast<int64_t>(ids->size());
    }
    INFO("count " << count);
    CHECK(seen == expected);
    // Past the live tier each page follows the remembered cursor: no Redis
    // round trip per archive page.
    CHECK(live_counts() - counts_before <= 1);
  }
  // A walk stopped in the archive part (an error midway) leaves its next
  // cursor behind; live orders created since must not be skipped by the
  // next walk, which reaches that offset inside the live tier.
  auto page_of = [&](int64_t offset) {
    auto ids = Wait<std::vector<std::string>>(
        [&](auto done) { f.tiered.ListOrderIds(offset, 4, std::move(done)); });
    REQUIRE(ids.ok());
    return *ids;
  };
  for (int64_t offset = 0; offset <= static_cast<int64_t>(live.size()); offset += 4) page_of(offset);
  for (int i = 0; i < 5; ++i) {
    clock.Set(kStart + absl::Hours(1) + absl::Seconds(i));
    auto id = f.Create("13800000000");
    REQUIRE(id.ok());
    live.push_back(*id);
  }
  expected = live;
  expected.insert(expected.end(), archived.begin(), archived.end());
  std::vector<std::string> seen;
  for (int64_t offset = 0;; offset += 4) {
    std::vector<std::string> ids = page_of(offset);
    if (ids.empty()) break;
    seen.insert(seen.end(), ids.begin(), ids.end());
  }
  CHECK(seen == expected);

  // VerifyOrderTrail all: every trail of both tiers, all intact.
  v1::VerifyOrderTrailRequest all;
  all.set_all(true);
  auto verified =
      Wait<v1::VerifyOrderTrailResponse>([&](auto done) { f.guardian.Verify(f.auditor, all, std::move(done)); });
  REQUIRE(verified.ok());
  CHECK(verified->orders_checked() == 28);
  CHECK(verified->orders_broken() == 0);
}

TEST_CASE("a move stopped after the copy is completed by the next run and a changed order is copied again") {
  FakeClock clock(kStart);
  ArchiveFixture f(clock);
  auto a = f.Create("13812345678");
  auto b = f.Create("13812345679");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(f.Work(*a, 0, 9).ok());
  REQUIRE(f.Work(*b, 0, 9).ok());
  // The copy of both committed, then the mover died before deleting: the
  // orders are in both tiers, and readers are answered from Redis.
  for (const std::string& id : {*a, *b}) {
    archive::OrderCopy copy;
    copy.id = id;
    auto rec = f.client.Execute({"HGETALL", f.store.keys().Order(id)});
    auto his = f.client.Execute({"LRANGE", f.store.keys().History(id), "0", "-1"});
    REQUIRE(rec.ok());
    REQUIRE(his.ok());
    for (auto& e : rec->elements) copy.record.push_back(e.str);
    for (auto& e : his->elements) copy.history.push_back(e.str);
    copy.version = 10;
    REQUIRE(archive::UpsertCopy(f.pg, copy, kStart).ok());
    REQUIRE(archive::CopyMatches(f.pg, copy).value());
  }
  auto read = f.Read(*a, f.centre);
  REQUIRE(read.ok());
  CHECK(read->storage_tier() == v1::STORAGE_TIER_LIVE);
  // Meanwhile b changed in Redis (a write after the copy).
  REQUIRE(f.client.Execute({"HINCRBY", f.store.keys().Order(*b), "version", "1"}).ok());
  REQUIRE(f.client.Execute({"HSET", f.store.keys().Order(*b), "notices", "1"}).ok());

  auto moved = f.Move(kStart + kPolicyAge + absl::Hours(1), kPolicyAge);
  REQUIRE(moved.ok());
  CHECK(moved->moved == 2);
  CHECK(moved->failed == 0);
  for (const std::string& id : {*a, *b}) {
    CHECK_FALSE(f.InRedis(id));
    CHECK(f.RowsInArchive(id) == 1);
    auto v = f.Verify(id);
    REQUIRE(v.ok());
    CHECK(v->intact());
  }
  // b's archived copy is the changed one.
  auto rb = f.Read(*b, f.centre);
  REQUIRE(rb.ok());
  CHECK(rb->version() == 11);
  CHECK(rb->notice_count() == 1);
  // The stale copy never replaces a newer one.
  archive::OrderCopy stale;
  stale.id = *b;
  stale.version = 10;
  stale.record = {"id", *b, "version", "10"};
  REQUIRE(archive::UpsertCopy(f.pg, stale, kStart).ok());
  CHECK_FALSE(archive::CopyMatches(f.pg, stale).value());
  CHECK(f.Read(*b, f.centre)->version() == 11);
}

TEST_CASE("the archive policy is data and is validated") {
  auto policy = archive::LoadArchivePolicy(std::string(HOTLINE_SOURCE_DIR) + "/data/archive_policy.textproto");
  REQUIRE(policy.ok());
  CHECK(policy->archive_after_days() == 30);
  TempDir dir("hotline-policy");
  std::ofstream(dir.path() + "/p.textproto") << "archive_after_days: 0\n";
  auto refused = archive::LoadArchivePolicy(dir.path() + "/p.textproto");
  CHECK(absl::IsInvalidArgument(refused.status()));
  CHECK(refused.status().message().find("archive_after_days") != std::string::npos);
  // The access log's retention is in the same file.
  CHECK(policy->access_log_after_days() == 90);
  std::ofstream(dir.path() + "/q.textproto") << "archive_after_days: 30\naccess_log_after_days: -1\n";
  refused = archive::LoadArchivePolicy(dir.path() + "/q.textproto");
  CHECK(absl::IsInvalidArgument(refused.status()));
  CHECK(refused.status().message().find("access_log_after_days") != std::string::npos);
  std::ofstream(dir.path() + "/r.textproto") << "archive_after_days: 30\n";
  auto defaulted = archive::LoadArchivePolicy(dir.path() + "/r.textproto");
  REQUIRE(defaulted.ok());
  CHECK(defaulted->access_log_after_days() == 90);
}

TEST_CASE("text arrays round-trip through PostgreSQL byte for byte") {
  PostgresServer server;
  archive::PgConnection pg(server.conninfo());
  const std::vector<std::string> values = {"", "plain", "with \"quotes\"", "back\\slash", "NULL",
                                           "{braces},commas", "中文 spaces\nnewline"};
  auto r = pg.Exec("SELECT $1::text[]", {archive::TextArrayLiteral(values)});
  REQUIRE(r.ok());
  auto parsed = archive::ParseTextArray(*r->rows[0][0]);
  REQUIRE(parsed.ok());
  CHECK(*parsed == values);
  auto empty = archive::ParseTextArray("{}");
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  CHECK_FALSE(archive::ParseTextArray("{\"unterminated").ok());
}

TEST_CASE("a new deployment's archive, before any move made its table, reads as empty") {
  // intake --postgres starts before the first `hotline-admin archive run`:
  // its listings and lookups must not fail on the missing table.
  PostgresServer server;
  archive::PgConnection pg(server.conninfo());
  auto read = archive::ReadOrder(pg, "GZ20260914000001", {0, 10});
  CHECK(absl::IsNotFound(read.status()));
  auto listed = archive::ListArchived(pg, orders::ListQuery{}, archive::ListCursor{}, 20);
  REQUIRE(listed.ok());
  CHECK(listed->empty());
  // Any other failure is still one.
  archive::PgConnection nowhere("host=127.0.0.1 port=1 dbname=hotline connect_timeout=2");
  CHECK(absl::IsUnavailable(archive::ReadOrder(nowhere, "GZ20260914000001", {0, 10}).status()));
}

}  // namespace
}  // namespace hotline::testing
