// `hotline-admin rebuild scoring` (admin/rebuild.h) against a real
// redis-server: a busy month's orders stored as intake keeps them, scored by
// the scoring consumer; scoring's keys deleted; the rebuild from the orders
// reproduces every key and every score and ranking exactly. A rebuild over
// what is stored writes nothing, and one running beside the consumer counts
// nothing twice. The walk of idx:all neither skips nor repeats orders created
// in the same millisecond.
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "admin/rebuild.h"
#include "clock/clock.h"
#include "orders/order_record.h"
#include "scoring/assessor.h"
#include "scoring/consumer.h"
#include "scoring/redis_fact_store.h"
#include "scoring/rules.h"
#include "scoring/scoring_fixture.h"
#include "support/redis_server.h"

namespace hotline::rebuild {
namespace {

using scoring::fixture::Dir;

redis::Reply Run(redis::Client& redis, redis::Command c) {
  absl::StatusOr<redis::Reply> r = redis.Execute(std::move(c));
  REQUIRE(r.ok());
  REQUIRE(!r->is_error());
  return *r;
}

// The order as intake keeps it: record, history, the index of all orders.
void StoreOrder(redis::Client& redis, const orders::OrderKeys& keys, const v1::WorkOrder& o) {
  redis::Command hset = {"HSET", keys.Order(o.id()), "id", o.id()};
  for (auto& [field, value] : orders::ToRecord(o)) {
    hset.push_back(field);
    hset.push_back(value);
  }
  Run(redis, std::move(hset));
  redis::Command rpush = {"RPUSH", keys.History(o.id())};
  for (const v1::HistoryEntry& e : o.history()) rpush.push_back(orders::HistoryEntryToJson(e));
  Run(redis, std::move(rpush));
  Run(redis, {"ZADD", keys.IndexAll(), absl::StrCat(orders::ToMillis(o.created_at())), o.id()});
}

// Every scoring key (facts and aggregates) with its contents, as sorted text.
std::string DumpScoring(redis::Client& redis) {
  std::set<std::string> keys;
  for (const redis::Reply& k : Run(redis, {"KEYS", "t:scoring:*"}).elements) keys.insert(k.str);
  // Which rules each month is scored under is recorded by reads, not derived
  // from the orders: no rebuild makes it (scoring_keys.h).
  keys.erase("t:scoring:month_rules");
  std::string out;
  for (const std::string& key : keys) {
    const std::string type = Run(redis, {"TYPE", key}).str;
    if (type == "string") {  // the mark of a bulk rebuild under way
      absl::StrAppend(&out, key, ": (string)\n");
      continue;
    }
    redis::Reply v =
        Run(redis, type == "zset" ? redis::Command{"ZRANGE", key, "0", "-1", "WITHSCORES"}
                                  : redis::Command{"HGETALL", key});
    REQUIRE((type == "zset" || type == "hash"));
    std::set<std::string> items;
    for (size_t i = 0; i + 1 < v.elements.size(); i += 2) {
      items.insert(absl::StrCat(v.elements[i].str, "=", v.elements[i + 1].str));
    }
    absl::StrAppend(&out, key, ":");
    for (const std::string& i : items) absl::StrAppend(&out, " ", i);
    absl::StrAppend(&out, "\n");
  }
  return out;
}

int64_t DeleteScoring(redis::Client& redis) {
  int64_t n = 0;
  for (const redis::Reply& k : Run(redis, {"KEYS", "t:scoring:*"}).elements) {
    n += Run(redis, {"DEL", k.str}).integer;
  }
  return n;
}

v1::Actor Centre() {
  v1::Actor a;
  a.set_user_id("d1");
  a.set_role(v1::ROLE_DISPATCHER);
  a.set_unit_code("GZ12345");
  return a;
}

// What the service answers for the month: every district's score and each
// level's ranking, as text (doubles printed exactly).
std::string Answers(scoring::Assessor& assessor) {
  v1::Period month;
  month.set_kind(v1::PERIOD_KIND_MONTH);
  month.set_date("2026-11");
  std::string out;
  for (v1::UnitLevel level :
       {v1::UNIT_LEVEL_DISTRICT, v1::UNIT_LEVEL_STREET, v1::UNIT_LEVEL_DEPARTMENT}) {
    v1::RankUnitsRequest rank;
    rank.set_level(level);
    *rank.mutable_period() = month;
    absl::StatusOr<v1::RankUnitsResponse> ranking = assessor.RankUnits(Centre(), rank);
    REQUIRE(ranking.ok());
    absl::StrAppend(&out, ranking->ShortDebugString(), "\n");
  }
  for (const v1::Unit& u : Dir().ListUnits("", v1::UNIT_KIND_DISTRICT)) {
    v1::GetUnitScoreRequest req;
    req.set_unit_code(u.code());
    *req.mutable_period() = month;
    absl::StatusOr<v1::GetUnitScoreResponse> score = assessor.GetUnitScore(Centre(), req);
    REQUIRE(score.ok());
    absl::StrAppend(&out, score->ShortDebugString(), "\n");
  }
  return out;
}

struct World {
  hotline::testing::RedisServer server;
  redis::Client redis{redis::Options{.port = server.port(), .connections = 4}};
  scoring::ScoringKeys keys{"t:"};
  scoring::RedisFactStore store{redis, keys, scoring::fixture::Guangzhou(), Dir()};
  scoring::RuleBook book =
      scoring::RuleBook::Load(HOTLINE_SOURCE_DIR "/data/scoring_rules.textproto").value();
  FakeClock clock{
      absl::FromCivil(absl::CivilSecond(2026, 11, 29, 12, 0, 0), scoring::fixture::Guangzhou())};
  scoring::Assessor assessor{book, Dir(), store, clock, scoring::fixture::Guangzhou()};
  std::vector<v1::WorkOrder> orders;

  explicit World(int n)
      : orders(scoring::fixture::BusyMonth(Dir(), absl::CivilMonth(2026, 11), n, 11)) {
    for (const v1::WorkOrder& o : orders) StoreOrder(redis, keys.orders(), o);
  }

  // The scoring consumer's handler over one event per order, in batches.
  void Consume() {
    stream::BatchHandler handler = scoring::EventHandler(store, store);
    std::vector<stream::Entry> batch;
    for (size_t i = 0; i < orders.size(); ++i) {
      batch.push_back(
          {absl::StrCat(i + 1, "-0"), {{"event", "order.created"}, {"order_id", orders[i].id()}}});
      if (batch.size() == 50 || i + 1 == orders.size()) {
        for (const absl::Status& s : handler(batch)) REQUIRE(s.ok());
        batch.clear();
      }
    }
  }
};

TEST_CASE(
    "rebuild scoring: after scoring's keys are deleted, the rebuild reproduces every key, score "
    "and ranking") {
  World w(800);
  w.Consume();
  const std::string keys_before = DumpScoring(w.redis);
  const std::string answers_before = Answers(w.assessor);
  REQUIRE(keys_before.size() > 10000);  // a month with facts for hundreds of units
  REQUIRE(answers_before.find("score: ") != std::string::npos);

  REQUIRE(DeleteScoring(w.redis) > 800);
  CHECK(DumpScoring(w.redis).empty());
  CHECK(Answers(w.assessor) != answers_before);  // deleting the keys is felt

  std::vector<int64_t> progress;
  Options options;
  options.batch = 97;  // pages that end anywhere
  options.progress = [&](const Progress& p) { progress.push_back(p.scanned); };
  absl::StatusOr<Result> rebuilt = RebuildScoring(w.redis, w.keys.orders(), w.store, options);
  REQUIRE(rebuilt.ok());
  CHECK(rebuilt->total == 800);
  CHECK(rebuilt->scanned == 800);
  CHECK(rebuilt->written == 800);
  CHECK(rebuilt->failed == 0);
  CHECK(rebuilt->missing == 0);
  CHECK(progress.size() == 9);  // ceil(800 / 97) steps, each reported
  CHECK(progress.back() == 800);
  CHECK(DumpScoring(w.redis) == keys_before);
  CHECK(Answers(w.assessor) == answers_before);

  // Again over what is stored: nothing is newer, nothing is written or moved.
  absl::StatusOr<Result> again = RebuildScoring(w.redis, w.keys.orders(), w.store, Options{});
  REQUIRE(again.ok());
  CHECK(again->scanned == 800);
  CHECK(again->written == 0);
  CHECK(DumpScoring(w.redis) == keys_before);
}

TEST_CASE(
    "rebuild scoring: beside the consumer scoring the same orders, nothing is counted twice") {
  World w(600);
  w.Consume();
  const std::string reference = DumpScoring(w.redis);
  REQUIRE(DeleteScoring(w.redis) > 600);

  // The consumer and the rebuild race over the same orders from empty.
  std::thread consumer([&] { w.Consume(); });
  Options options;
  options.batch = 40;
  absl::StatusOr<Result> rebuilt = RebuildScoring(w.redis, w.keys.orders(), w.store, options);
  consumer.join();
  REQUIRE(rebuilt.ok());
  CHECK(rebuilt->scanned == 600);
  CHECK(rebuilt->failed == 0);
  CHECK(DumpScoring(w.redis) == reference);
}

// The bulk path's arguments as hotline-admin passes them: the store's own.
absl::StatusOr<Result> Bulk(World& w, const Options& options = {}) {
  return RebuildScoringBulk(w.redis, w.keys, w.store, Dir(), scoring::fixture::Guangzhou(), options);
}

TEST_CASE(
    "rebuild scoring --bulk: the same facts, aggregates, address sets, scores and rankings as the "
    "one-at-a-time rebuild") {
  World w(800);
  // An order indexed but gone: both paths count it missing.
  Run(w.redis, {"ZADD", w.keys.orders().IndexAll(), "1793000000000", "GZ20261130999999"});
  absl::StatusOr<Result> one = RebuildScoring(w.redis, w.keys.orders(), w.store, Options{});
  REQUIRE(one.ok());
  REQUIRE(one->written == 800);
  const std::string reference = DumpScoring(w.redis);
  const std::string answers = Answers(w.assessor);
  REQUIRE(reference.find("t:scoring:citymonth:addr:202611") != std::string::npos);
  REQUIRE(reference.find("t:scoring:unitorders:") != std::string::npos);
  REQUIRE(DeleteScoring(w.redis) > 800);

  std::vector<int64_t> progress;
  Options options;
  options.batch = 97;  // pages that end anywhere
  options.slices = 3;
  options.progress = [&](const Progress& p) { progress.push_back(p.scanned); };
  absl::StatusOr<Result> bulk = Bulk(w, options);
  REQUIRE(bulk.ok());
  CHECK(bulk->total == 801);
  CHECK(bulk->scanned == 801);
  CHECK(bulk->written == 800);
  CHECK(bulk->missing == 1);
  CHECK(bulk->failed == 0);
  CHECK(bulk->cleared == 0);
  CHECK(progress.size() == 9);
  CHECK(DumpScoring(w.redis) == reference);  // every key, field and byte of the facts
  CHECK(Answers(w.assessor) == answers);
  CHECK(Run(w.redis, {"EXISTS", w.keys.RebuildMark()}).integer == 0);

  // The facts carry their versions: the one-at-a-time rebuild over them writes nothing.
  absl::StatusOr<Result> again = RebuildScoring(w.redis, w.keys.orders(), w.store, Options{});
  REQUIRE(again.ok());
  CHECK(again->written == 0);
  CHECK(DumpScoring(w.redis) == reference);
}

TEST_CASE("rebuild scoring --bulk: refuses a keyspace with scoring keys in it and changes nothing") {
  World w(60);
  // Which rules a month is scored under is no derived key: it does not count, and it stays.
  Run(w.redis, {"HSET", w.keys.MonthRules(), "202611", "v7"});
  absl::StatusOr<Result> first = Bulk(w);
  REQUIRE(first.ok());
  CHECK(first->written == 60);
  CHECK(Run(w.redis, {"HGET", w.keys.MonthRules(), "202611"}).str == "v7");
  const std::string stored = DumpScoring(w.redis);

  absl::StatusOr<Result> second = Bulk(w);
  CHECK(absl::IsFailedPrecondition(second.status()));
  CHECK(DumpScoring(w.redis) == stored);
  CHECK(Run(w.redis, {"EXISTS", w.keys.RebuildMark()}).integer == 0);
}

TEST_CASE("rebuild scoring --bulk: refuses while hotline-scoring's consumer reads the events") {
  World w(40);
  const std::string events = w.keys.orders().Events();
  Run(w.redis, {"XGROUP", "CREATE", events, "scoring", "$", "MKSTREAM"});
  Run(w.redis, {"XADD", events, "*", "event", "order.created", "order_id", w.orders[0].id()});
  // A consumer that read just now stops it (one that last read long ago
  // does not: the service stopped leaves its group and consumers).
  Run(w.redis, {"XREADGROUP", "GROUP", "scoring", "scoring-1", "COUNT", "1", "STREAMS", events, ">"});
  absl::StatusOr<Result> refused = Bulk(w);
  CHECK(absl::IsFailedPrecondition(refused.status()));
  CHECK(refused.status().message().find("scoring-1") != std::string::npos);
  CHECK(DumpScoring(w.redis).empty());
  Run(w.redis, {"XGROUP", "DELCONSUMER", events, "scoring", "scoring-1"});
  absl::StatusOr<Result> rebuilt = Bulk(w);
  REQUIRE(rebuilt.ok());
  CHECK(rebuilt->written == 40);
}

TEST_CASE(
    "rebuild scoring --bulk: one interrupted midway is started again clean, and the one-at-a-time "
    "rebuild refuses to run over it") {
  World w(500);
  REQUIRE(RebuildScoring(w.redis, w.keys.orders(), w.store, Options{}).ok());
  const std::string reference = DumpScoring(w.redis);
  REQUIRE(DeleteScoring(w.redis) > 500);

  // Killed after its second page: facts written, no aggregate yet.
  struct Killed {};
  Options options;
  options.batch = 100;
  options.progress = [](const Progress& p) {
    if (p.scanned >= 200) throw Killed{};
  };
  CHECK_THROWS_AS(Bulk(w, options), Killed);
  const std::string half = DumpScoring(w.redis);
  CHECK(half.find("t:scoring:facts:") != std::string::npos);
  CHECK(half != reference);

  absl::StatusOr<Result> refused = RebuildScoring(w.redis, w.keys.orders(), w.store, Options{});
  CHECK(absl::IsFailedPrecondition(refused.status()));
  CHECK(DumpScoring(w.redis) == half);

  absl::StatusOr<Result> again = Bulk(w);
  REQUIRE(again.ok());
  CHECK(again->cleared > 200);  // the facts and unit-order sets of the first two pages
  CHECK(again->written == 500);
  CHECK(DumpScoring(w.redis) == reference);
}

TEST_CASE(
    "rebuild: the walk of all orders visits each once, ties of creation time included, none added "
    "later") {
  hotline::testing::RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 1});
  const orders::OrderKeys keys("t:");
  std::set<std::string> want;
  for (int i = 0; i < 25; ++i) {
    // Ten orders share each millisecond.
    const std::string id = absl::StrCat("GZ20261101", 100000 + i);
    Run(redis, {"ZADD", keys.IndexAll(), absl::StrCat(1790000000000 + i / 10), id});
    want.insert(id);
  }
  std::vector<std::string> seen;
  int pages = 0;
  int64_t total = 0;
  absl::Status walked = ForEachOrderPage(
      redis, keys, 3,
      [&](const std::vector<std::string>& ids) {
        ++pages;
        seen.insert(seen.end(), ids.begin(), ids.end());
        // Created while the walk runs: the consumers' to handle, not the walk's.
        Run(redis, {"ZADD", keys.IndexAll(), absl::StrCat(1790000001000 + pages),
                    absl::StrCat("GZ2026110120000", pages)});
        return absl::OkStatus();
      },
      &total);
  REQUIRE(walked.ok());
  CHECK(total == 25);
  CHECK(pages == 9);
  CHECK(seen.size() == 25);
  CHECK(std::set<std::string>(seen.begin(), seen.end()) == want);

  // An error of the visit stops the walk and is returned.
  int visits = 0;
  absl::Status stopped = ForEachOrderPage(redis, keys, 3, [&](const std::vector<std::string>&) {
    ++visits;
    return absl::UnavailableError("redis down");
  });
  CHECK(absl::IsUnavailable(stopped));
  CHECK(visits == 1);
}

}  // namespace
}  // namespace hotline::rebuild
