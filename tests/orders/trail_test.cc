// The hash-chained trail against a real redis-server: every script that
// appends history chains it; entries altered, removed, inserted and
// reordered directly in Redis are each named by the verifier; an order
// written before the chain existed is chained on its first verification
// (or its first write) and says so.
#include <catch2/catch.hpp>
#include <future>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "clock/clock.h"
#include "orders/order_record.h"
#include "orders/redis_order_store.h"
#include "orders/trail.h"
#include "support/redis_server.h"

namespace hotline::orders {
namespace {

using testing::RedisServer;

const absl::Time kMorning =
    absl::FromCivil(absl::CivilSecond(2026, 11, 28, 10, 0, 0), CityTimeZone());

template <typename T>
absl::StatusOr<T> Wait(std::function<void(Done<T>)> call) {
  std::promise<absl::StatusOr<T>> promise;
  call([&](absl::StatusOr<T> r) { promise.set_value(std::move(r)); });
  return promise.get_future().get();
}

class Fixture {
 public:
  Fixture() : redis_(redis::Options{.port = server_.port(), .connections = 2}), store_(redis_) {}

  // A new order with `entries` history entries (a create and urges).
  std::string NewOrderWithEntries(int entries) {
    NewOrder n;
    v1::WorkOrder& o = n.order;
    o.set_version(1);
    o.set_type(v1::ORDER_TYPE_COMPLAINT);
    o.mutable_caller()->set_phone_masked("138****5678");
    o.mutable_location()->set_district_code("440106");
    o.set_category_code("0101");
    o.set_content("噪声");
    o.set_state(v1::ORDER_STATE_CREATED);
    *o.mutable_created_at() = FromMillis(absl::ToUnixMillis(kMorning));
    *o.mutable_updated_at() = o.created_at();
    n.first_entry.set_seq(1);
    n.first_entry.set_action("create");
    n.first_entry.set_to_state(v1::ORDER_STATE_CREATED);
    n.fingerprint = "f";
    absl::StatusOr<CreateResult> created = Wait<CreateResult>(
        [&](Done<CreateResult> done) { store_.Create(std::move(n), std::move(done)); });
    REQUIRE(created.ok());
    const std::string id = created->order.id();
    for (int version = 1; version < entries; ++version) Urge(id, version);
    return id;
  }

  void Urge(const std::string& id, int version) {
    Change c;
    c.order_id = id;
    c.expected_version = version;
    c.from_state = v1::ORDER_STATE_CREATED;
    c.to_state = v1::ORDER_STATE_CREATED;
    c.supervision_field = "urges";
    c.entry.set_seq(version + 1);
    c.entry.set_action("urge");
    c.entry.set_note(absl::StrCat("催办 ", version));
    c.event = "order.urge";
    c.at = kMorning + absl::Minutes(version);
    absl::StatusOr<ApplyResult> applied = Wait<ApplyResult>(
        [&](Done<ApplyResult> done) { store_.Apply(std::move(c), std::move(done)); });
    REQUIRE(applied.ok());
  }

  v1::TrailVerdict Verify(const std::string& id) {
    absl::StatusOr<StoredTrail> trail = Wait<StoredTrail>(
        [&](Done<StoredTrail> done) { store_.LoadTrail(id, kMorning + absl::Hours(1), std::move(done)); });
    REQUIRE(trail.ok());
    return VerifyTrail(*trail);
  }

  redis::Reply Run(redis::Command command) {
    absl::StatusOr<redis::Reply> r = redis_.Execute(std::move(command));
    REQUIRE(r.ok());
    REQUIRE_FALSE(r->is_error());
    return *r;
  }
  std::string History(const std::string& id) { return store_.keys().History(id); }
  std::string Entry(const std::string& id, int index) {
    return Run({"LINDEX", History(id), absl::StrCat(index)}).str;
  }

  RedisOrderStore& store() { return store_; }

 private:
  RedisServer server_;
  redis::Client redis_;
  RedisOrderStore store_;
};

}  // namespace

TEST_CASE("every appended entry is chained, and an untouched trail is intact", "[trail]") {
  Fixture f;
  const std::string id = f.NewOrderWithEntries(5);
  for (int i = 0; i < 5; ++i) {
    std::string content, prev, hash;
    REQUIRE(SplitChainedEntry(f.Entry(id, i), &content, &prev, &hash));
    CHECK(hash == Sha1Hex(absl::StrCat(prev, "\n", content)));
    if (i == 0) CHECK(prev == TrailGenesis(id));
  }
  v1::TrailVerdict v = f.Verify(id);
  CHECK(v.intact());
  CHECK(v.entries() == 5);
  CHECK_FALSE(v.chained_now());
  CHECK(v.legacy_entries() == 0);
  // The entries read back with their chain fields.
  absl::StatusOr<v1::HistoryEntry> entry = HistoryEntryFromJson(f.Entry(id, 1));
  REQUIRE(entry.ok());
  CHECK(entry->hash().size() == 40);
  CHECK(entry->prev_hash().size() == 40);
  CHECK(entry->note() == "催办 1");
}

TEST_CASE("the verifier names an entry altered in Redis", "[trail][tamper]") {
  Fixture f;
  const std::string id = f.NewOrderWithEntries(5);
  std::string altered = absl::StrReplaceAll(f.Entry(id, 2), {{"催办 2", "催办 2 (已处理)"}});
  REQUIRE(altered != f.Entry(id, 2));
  f.Run({"LSET", f.History(id), "2", altered});
  v1::TrailVerdict v = f.Verify(id);
  CHECK_FALSE(v.intact());
  CHECK(v.problem() == v1::TRAIL_PROBLEM_ALTERED);
  CHECK(v.entry() == 3);
  CHECK_THAT(v.detail(), Catch::Contains("seq 3"));
}

TEST_CASE("the verifier names an entry removed in Redis", "[trail][tamper]") {
  Fixture f;
  const std::string id = f.NewOrderWithEntries(5);
  SECTION("from the middle") {
    f.Run({"LSET", f.History(id), "2", "__gone__"});
    f.Run({"LREM", f.History(id), "1", "__gone__"});
    v1::TrailVerdict v = f.Verify(id);
    CHECK_FALSE(v.intact());
    CHECK(v.problem() == v1::TRAIL_PROBLEM_REMOVED);
    CHECK(v.entry() == 3);  // the gap is before the third entry now there
    CHECK_THAT(v.detail(), Catch::Contains("before entry 3 (seq 4)"));
  }
  SECTION("at the end") {
    f.Run({"RPOP", f.History(id)});
    v1::TrailVerdict v = f.Verify(id);
    CHECK(v.problem() == v1::TRAIL_PROBLEM_REMOVED);
    CHECK(v.entry() == 5);
  }
  SECTION("the first") {
    f.Run({"LPOP", f.History(id)});
    v1::TrailVerdict v = f.Verify(id);
    CHECK(v.problem() == v1::TRAIL_PROBLEM_REMOVED);
    CHECK(v.entry() == 1);
  }
}

TEST_CASE("the verifier names an entry inserted in Redis", "[trail][tamper]") {
  Fixture f;
  const std::string id = f.NewOrderWithEntries(5);
  std::string content, prev, hash;
  REQUIRE(SplitChainedEntry(f.Entry(id, 1), &content, &prev, &hash));
  const std::string forged_content = absl::StrReplaceAll(content, {{"催办 1", "已回访, 满意"}});
  SECTION("without chain fields") {
    f.Run({"LINSERT", f.History(id), "BEFORE", f.Entry(id, 2), forged_content});
    v1::TrailVerdict v = f.Verify(id);
    CHECK(v.problem() == v1::TRAIL_PROBLEM_INSERTED);
    CHECK(v.entry() == 3);
  }
  SECTION("chained to the entry before it by someone who knows the scheme") {
    const std::string forged_hash = Sha1Hex(absl::StrCat(hash, "\n", forged_content));
    const std::string forged =
        absl::StrCat(forged_content.substr(0, forged_content.size() - 1), ",\"prev_hash\":\"", hash,
                     "\",\"hash\":\"", forged_hash, "\"}");
    f.Run({"LINSERT", f.History(id), "BEFORE", f.Entry(id, 2), forged});
    v1::TrailVerdict v = f.Verify(id);
    CHECK(v.problem() == v1::TRAIL_PROBLEM_INSERTED);
    CHECK(v.entry() == 3);
  }
  SECTION("at the end, chained to the last entry") {
    std::string last_content, last_prev, last_hash;
    REQUIRE(SplitChainedEntry(f.Entry(id, 4), &last_content, &last_prev, &last_hash));
    const std::string forged =
        absl::StrCat(forged_content.substr(0, forged_content.size() - 1), ",\"prev_hash\":\"",
                     last_hash, "\",\"hash\":\"",
                     Sha1Hex(absl::StrCat(last_hash, "\n", forged_content)), "\"}");
    f.Run({"RPUSH", f.History(id), forged});
    v1::TrailVerdict v = f.Verify(id);
    CHECK(v.problem() == v1::TRAIL_PROBLEM_INSERTED);
    CHECK(v.entry() == 6);
  }
}

TEST_CASE("the verifier names entries reordered in Redis", "[trail][tamper]") {
  Fixture f;
  const std::string id = f.NewOrderWithEntries(5);
  const std::string second = f.Entry(id, 2), third = f.Entry(id, 3);
  f.Run({"LSET", f.History(id), "2", third});
  f.Run({"LSET", f.History(id), "3", second});
  v1::TrailVerdict v = f.Verify(id);
  CHECK_FALSE(v.intact());
  CHECK(v.problem() == v1::TRAIL_PROBLEM_REORDERED);
  CHECK(v.entry() == 3);
  CHECK_THAT(v.detail(), Catch::Contains("written after entry 4 (seq 3)"));
}

TEST_CASE("a trail written before the chain is chained on first verification, and says so",
          "[trail][legacy]") {
  Fixture f;
  const std::string id = f.NewOrderWithEntries(3);
  // As an older version stored it: plain entries, no head.
  for (int i = 0; i < 3; ++i) {
    std::string content, prev, hash;
    REQUIRE(SplitChainedEntry(f.Entry(id, i), &content, &prev, &hash));
    f.Run({"LSET", f.History(id), absl::StrCat(i), content});
  }
  f.Run({"HDEL", f.store().keys().Order(id), "trail_head"});

  v1::TrailVerdict first = f.Verify(id);
  CHECK(first.intact());
  CHECK(first.chained_now());
  CHECK(first.legacy_entries() == 3);
  CHECK(ToMillis(first.legacy_chained_at()) == absl::ToUnixMillis(kMorning + absl::Hours(1)));

  v1::TrailVerdict again = f.Verify(id);
  CHECK(again.intact());
  CHECK_FALSE(again.chained_now());
  CHECK(again.legacy_entries() == 3);

  // Chained now, so later edits show.
  f.Run({"LSET", f.History(id), "1", "{\"seq\":\"2\",\"action\":\"urge\"}"});
  CHECK(f.Verify(id).problem() == v1::TRAIL_PROBLEM_INSERTED);
}

TEST_CASE("a legacy trail is chained by the first write after the upgrade", "[trail][legacy]") {
  Fixture f;
  const std::string id = f.NewOrderWithEntries(2);
  for (int i = 0; i < 2; ++i) {
    std::string content, prev, hash;
    REQUIRE(SplitChainedEntry(f.Entry(id, i), &content, &prev, &hash));
    f.Run({"LSET", f.History(id), absl::StrCat(i), content});
  }
  f.Run({"HDEL", f.store().keys().Order(id), "trail_head"});
  f.Urge(id, 2);
  v1::TrailVerdict v = f.Verify(id);
  CHECK(v.intact());
  CHECK(v.entries() == 3);
  CHECK(v.legacy_entries() == 2);
  CHECK_FALSE(v.chained_now());
}

TEST_CASE("a missing order is NOT_FOUND", "[trail]") {
  Fixture f;
  absl::StatusOr<StoredTrail> trail = Wait<StoredTrail>([&](Done<StoredTrail> done) {
    f.store().LoadTrail("GZ20261128999999", kMorning, std::move(done));
  });
  CHECK(trail.status().code() == absl::StatusCode::kNotFound);
}

}  // namespace hotline::orders
