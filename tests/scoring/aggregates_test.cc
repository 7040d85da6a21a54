// The per-day aggregates against a real redis-server: a busy month is stored
// through the consumer after a first, shorter version of every order (so each
// aggregate moved by a new-minus-old contribution), and then every figure the
// aggregates give is checked against the facts themselves: for every unit of
// every level the score equals the sum of its explanation, and the counts,
// orders and rates equal the facts-based computation over all the city's
// facts; so do the hot lists (with the month's shared addresses, some of
// which an order's first version gave another), the agents' figures and the
// screen's load.
// Replaying the whole stream changes no aggregate.
#include <catch2/catch.hpp>

#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clock/clock.h"
#include "orders/order_record.h"
#include "scoring/assessor.h"
#include "scoring/consumer.h"
#include "scoring/facts.h"
#include "scoring/redis_fact_store.h"
#include "scoring/scorer.h"
#include "scoring/scoring_fixture.h"
#include "support/redis_server.h"

namespace hotline::scoring {
namespace {

using fixture::Dir;

v1::Period Month(const std::string& date) {
  v1::Period p;
  p.set_kind(v1::PERIOD_KIND_MONTH);
  p.set_date(date);
  return p;
}

v1::Period Week(const std::string& date) {
  v1::Period p = Month(date);
  p.set_kind(v1::PERIOD_KIND_WEEK);
  return p;
}

v1::Period Quarter(const std::string& date) {
  v1::Period p = Month(date);
  p.set_kind(v1::PERIOD_KIND_QUARTER);
  return p;
}

using fixture::Centre;

// Every aggregate key and its contents, as text.
std::string DumpAggregates(redis::Client& redis) {
  std::string out;
  for (const char* pattern : {"t:scoring:unitday:*", "t:scoring:cityday:*", "t:scoring:load",
                              "t:scoring:unitorders:*", "t:scoring:citymonth:*"}) {
    absl::StatusOr<redis::Reply> keys = redis.Execute({"KEYS", pattern});
    REQUIRE(keys.ok());
    std::set<std::string> sorted;
    for (const redis::Reply& k : keys->elements) sorted.insert(k.str);
    for (const std::string& key : sorted) {
      const bool zset = absl::StrContains(key, "unitorders") || absl::StrContains(key, "citymonth");
      absl::StatusOr<redis::Reply> v =
          redis.Execute(zset ? redis::Command{"ZRANGE", key, "0", "-1", "WITHSCORES"} : redis::Command{"HGETALL", key});
      REQUIRE(v.ok());
      std::set<std::string> items;
      for (size_t i = 0; i + 1 < v->elements.size(); i += 2) {
        items.insert(absl::StrCat(v->elements[i].str, "=", v->elements[i + 1].str));
      }
      out += key + ":";
      for (const std::string& i : items) out += " " + i;
      out += "\n";
    }
  }
  return out;
}

TEST_CASE("aggregates: figures of a busy month equal those of the facts and a replay changes nothing") {
  hotline::testing::RedisServer server;
  redis::Options options;
  options.port = server.port();
  redis::Client redis(options);
  const ScoringKeys keys("t:");
  const absl::TimeZone zone = fixture::Guangzhou();
  RedisFactStore store(redis, keys, zone, Dir());
  const RuleBook book = RuleBook::Load(HOTLINE_SOURCE_DIR "/data/scoring_rules.textproto").value();

  const std::vector<v1::WorkOrder> orders = fixture::BusyMonth(Dir(), absl::CivilMonth(2026, 11), 1500, 7);
  std::vector<stream::Entry> events;
  int partial = 0;
  for (const v1::WorkOrder& o : orders) {
    // A first, shorter version of the order stored first: the full one must
    // take its contribution back out of the aggregates.
    if (o.history_size() >= 4) {
      v1::WorkOrder early = o;
      early.mutable_history()->DeleteSubrange(o.history_size() / 2, o.history_size() - o.history_size() / 2);
      early.set_history_total(early.history_size());
      early.set_version(early.history_size());
      early.set_state(v1::ORDER_STATE_DISPATCHED);
      // And another handling time, or none: the full version must take the
      // early one's time (and timed count) back out too.
      if (partial % 2 == 0) {
        early.clear_handling_time();
      } else {
        *early.mutable_handling_time() = DurationFromMillis(ToMillis(o.handling_time()) + 1234);
      }
      // Some had another address at first: the full version moves the count.
      if (partial % 3 == 0) {
        early.mutable_location()->set_address(absl::StrCat("旧址", partial % 4, "号"));
      }
      REQUIRE(store.Put(DeriveFacts(early).value()).value());
      ++partial;
    }
    redis::Command hset = {"HSET", keys.orders().Order(o.id()), "id", o.id()};
    for (auto& [k, v] : orders::ToRecord(o)) {
      hset.push_back(k);
      hset.push_back(v);
    }
    REQUIRE(redis.Execute(hset).ok());
    redis::Command rpush = {"RPUSH", keys.orders().History(o.id())};
    for (const v1::HistoryEntry& e : o.history()) rpush.push_back(orders::HistoryEntryToJson(e));
    REQUIRE(redis.Execute(rpush).ok());
    stream::Entry ev;
    ev.fields = {{"event", "order.update"}, {"order_id", o.id()}};
    events.push_back(ev);
  }
  CHECK(partial > 500);
  stream::BatchHandler handle = EventHandler(store, store);
  for (const absl::Status& s : handle(events)) REQUIRE(s.ok());

  // The truth: the facts of every order, as derived from the whole order.
  std::vector<v1::OrderFacts> all;
  for (const v1::WorkOrder& o : orders) all.push_back(DeriveFacts(o).value());
  FactsList list;
  for (const v1::OrderFacts& f : all) list.push_back(&f);

  FakeClock clock(absl::FromCivil(absl::CivilSecond(2026, 11, 20, 12, 0, 0), zone));
  Assessor assessor(book, Dir(), store, clock, zone);
  const Scorer scorer(book.current(), Dir());
  // Months and a quarter sum month rollups; the week across the months'
  // boundary sums days.
  for (const v1::Period& asked : {Month("2026-11"), Month("2026-12"), Week("2026-11-30"), Quarter("2026-11")}) {
    const std::string month = asked.DebugString();
    const Interval period = Resolve(asked, clock.Now(), zone).value();
    int scored = 0;
    for (v1::UnitKind kind : {v1::UNIT_KIND_DISTRICT, v1::UNIT_KIND_STREET, v1::UNIT_KIND_DEPARTMENT}) {
      for (const v1::Unit& u : Dir().ListUnits("", kind)) {
        INFO(u.code() << " " << month);
        v1::GetUnitScoreRequest req;
        req.set_unit_code(u.code());
        *req.mutable_period() = asked;
        const v1::UnitScore agg = assessor.GetUnitScore(Centre(), req).value().score();
        v1::ExplainScoreRequest ex;
        ex.set_unit_code(u.code());
        *ex.mutable_period() = asked;
        ex.set_limit(5000);
        const v1::UnitScore explained = assessor.ExplainScore(Centre(), ex).value().score();
        REQUIRE(explained.items_size() == explained.items_total());
        double sum = 0;
        for (const v1::ScoreItem& item : explained.items()) sum += item.points();
        CHECK(std::abs(agg.score() - sum) < 1e-9);
        CHECK(agg.items_total() == explained.items_total());
        // ... and equal to the facts-based figures over the whole city's facts.
        const v1::UnitScore truth = scorer.Score(list, u.code(), period);
        CHECK(std::abs(agg.score() - truth.score()) < 1e-9);
        CHECK(std::abs(agg.rate_points() - truth.rate_points()) < 1e-9);
        CHECK(std::abs(agg.penalty_points() - truth.penalty_points()) < 1e-9);
        CHECK(std::abs(agg.reward_points() - truth.reward_points()) < 1e-9);
        CHECK(agg.orders() == truth.orders());
        CHECK(explained.orders() == truth.orders());
        CHECK(agg.response_rate() == Approx(truth.response_rate()));
        CHECK(agg.resolution_rate() == Approx(truth.resolution_rate()));
        CHECK(agg.satisfaction_rate() == Approx(truth.satisfaction_rate()));
        CHECK(std::map<std::string, int>(agg.counts().begin(), agg.counts().end()) ==
              std::map<std::string, int>(truth.counts().begin(), truth.counts().end()));
        if (agg.orders() > 0) ++scored;
      }
    }
    INFO(month << " units scored: " << scored);
    CHECK(scored > (asked.kind() == v1::PERIOD_KIND_QUARTER || asked.date() == "2026-11" ? 100 : 10));
    // Rankings, hot lists and agents: the same as from the facts.
    for (v1::UnitLevel level : {v1::UNIT_LEVEL_DISTRICT, v1::UNIT_LEVEL_STREET, v1::UNIT_LEVEL_DEPARTMENT}) {
      v1::RankUnitsRequest rank;
      rank.set_level(level);
      *rank.mutable_period() = asked;
      const v1::RankUnitsResponse got = assessor.RankUnits(Centre(), rank).value();
      const v1::RankUnitsResponse want = scorer.Rank(list, level, period);
      REQUIRE(got.ranking_size() == want.ranking_size());
      for (int i = 0; i < got.ranking_size(); ++i) {
        INFO(level << " " << i);
        CHECK(got.ranking(i).unit_code() == want.ranking(i).unit_code());
        CHECK(got.ranking(i).rank() == want.ranking(i).rank());
      }
      CHECK(std::vector<std::string>(got.red_list().begin(), got.red_list().end()) ==
            std::vector<std::string>(want.red_list().begin(), want.red_list().end()));
      CHECK(std::vector<std::string>(got.black_list().begin(), got.black_list().end()) ==
            std::vector<std::string>(want.black_list().begin(), want.black_list().end()));
    }
    auto hot = [&](v1::HotKind kind, const std::string& district = "") {
      v1::GetHotSpotsRequest h;
      h.set_kind(kind);
      h.set_district_code(district);
      *h.mutable_period() = asked;
      std::string out;
      const v1::GetHotSpotsResponse got = assessor.GetHotSpots(h, Centre()).value();
      for (const v1::HotEntry& e : got.entries()) out += e.DebugString();
      return out;
    };
    auto text = [](const std::vector<v1::HotEntry>& entries) {
      std::string out;
      for (const v1::HotEntry& e : entries) out += e.DebugString();
      return out;
    };
    CHECK(hot(v1::HOT_KIND_MATTERS) == text(scorer.TopMatters(list, period)));
    CHECK(hot(v1::HOT_KIND_LOCATIONS) == text(scorer.TopLocations(list, period)));
    CHECK(hot(v1::HOT_KIND_DEPARTMENTS) == text(scorer.TopDepartments(list, period)));
    if (asked.kind() == v1::PERIOD_KIND_MONTH) {  // addresses are counted by month only
      CHECK(hot(v1::HOT_KIND_ADDRESSES) == text(scorer.TopAddresses(list, period)));
    }
    CHECK(hot(v1::HOT_KIND_DISTRICT_MATTERS, "440106") == text(scorer.TopMatters(list, period, "440106")));
    const Interval previous = Previous(asked, clock.Now(), zone).value();
    CHECK(hot(v1::HOT_KIND_RISING) == text(scorer.RisingMatters(list, period, previous)));
    v1::GetAgentFiguresRequest agents;
    *agents.mutable_period() = asked;
    const v1::GetAgentFiguresResponse figures = assessor.GetAgentFigures(Centre(), agents).value();
    CHECK(figures.DebugString() == scorer.Agents(list, period).DebugString());
    // The average handling time by hand: the sum over the month's timed
    // orders (an order without a time left out), and one agent's alone.
    int64_t timed = 0, sum_ms = 0, one_timed = 0, one_ms = 0;
    for (const v1::OrderFacts& f : all) {
      if (!period.Contains(f.created_ms()) || f.handling_ms() == 0) continue;
      ++timed;
      sum_ms += f.handling_ms();
      if (f.agent_id() == "agent-7") {
        ++one_timed;
        one_ms += f.handling_ms();
      }
    }
    CHECK(figures.total().timed() == timed);
    CHECK(figures.total().average_handling_seconds() ==
          (timed == 0 ? 0 : static_cast<double>(sum_ms) / 1000.0 / timed));
    agents.set_agent_id("agent-7");
    const v1::GetAgentFiguresResponse one = assessor.GetAgentFigures(Centre(), agents).value();
    CHECK(one.total().timed() == one_timed);
    CHECK(one.total().average_handling_seconds() ==
          (one_timed == 0 ? 0 : static_cast<double>(one_ms) / 1000.0 / one_timed));
    if (asked.kind() == v1::PERIOD_KIND_MONTH && asked.date() == "2026-11") {
      CHECK(timed > 1000);                      // nine in ten of 1,500
      CHECK(timed < figures.total().contacts());  // and some not reported
      CHECK(one_timed > 0);
    }
  }
  // The lists compared above are not empty.
  const Interval nov = Resolve(Month("2026-11"), clock.Now(), zone).value();
  CHECK(scorer.TopDepartments(list, nov).size() == 10);
  CHECK(scorer.TopMatters(list, nov).size() == 10);
  CHECK(scorer.TopAddresses(list, nov).size() == 10);
  // ... and every stored address member is what the facts say (not only the top).
  std::map<std::string, int64_t> members;
  for (const v1::OrderFacts& f : all) {
    if (f.address().empty()) continue;
    const std::string month = CityDay(absl::FromUnixMillis(f.created_ms()), zone).substr(0, 6);
    ++members[absl::StrCat(month, " ", AddressMember(f.street_code(), f.address()))];
  }
  std::map<std::string, int64_t> stored;
  for (const char* yyyymm : {"202610", "202611", "202612"}) {
    absl::StatusOr<redis::Reply> z =
        redis.Execute({"ZRANGE", keys.CityMonth("addr", yyyymm), "0", "-1", "WITHSCORES"});
    REQUIRE(z.ok());
    for (size_t i = 0; i + 1 < z->elements.size(); i += 2) {
      stored[absl::StrCat(yyyymm, " ", z->elements[i].str)] = std::stoll(z->elements[i + 1].str);
    }
  }
  CHECK(stored == members);
  CHECK(members.size() > 100);
  CHECK(scorer.Agents(list, nov).agents_size() > 0);
  // The screen's load by district: what the open orders' facts say.
  std::map<std::string, std::pair<int64_t, int64_t>> load;
  for (const v1::OrderFacts& f : all) {
    if (!f.open()) continue;
    ++load[f.district_code()].first;
    if (f.overdue()) ++load[f.district_code()].second;
  }
  const v1::GetScreenResponse screen = assessor.GetScreen().value();
  REQUIRE(screen.districts_size() == 11);
  for (const v1::DistrictLoad& d : screen.districts()) {
    CHECK(d.open() == load[d.district_code()].first);
    CHECK(d.overdue() == load[d.district_code()].second);
  }

  // Replaying the whole stream (twice) changes no aggregate.
  const std::string before = DumpAggregates(redis);
  CHECK(before.size() > 10000);
  for (int i = 0; i < 2; ++i) {
    for (const absl::Status& s : handle(events)) REQUIRE(s.ok());
  }
  CHECK(DumpAggregates(redis) == before);
}

}  // namespace
}  // namespace hotline::scoring

namespace hotline::scoring {
namespace {

// A directory source that the test switches, as a units load does live.
class SwitchedDirectory final : public refdata::Source<directory::Directory> {
 public:
  explicit SwitchedDirectory(const directory::Directory& first)
      : current_(&first, [](const directory::Directory*) {}) {}  // borrowed
  std::shared_ptr<const directory::Directory> Current() const override { return current_; }
  void Set(directory::Directory next) { current_ = std::make_shared<const directory::Directory>(std::move(next)); }

 private:
  std::shared_ptr<const directory::Directory> current_;  // switched between Puts only
};

// Dir() with one more street under district 440103.
directory::Directory WithNewStreet() {
  v1::UnitDirectory units;
  for (const v1::Unit& u : Dir().ListUnits("", v1::UNIT_KIND_UNSPECIFIED)) *units.add_units() = u;
  v1::Unit* street = units.add_units();
  street->set_code("440103099");
  street->set_name("新街街道");
  street->set_kind(v1::UNIT_KIND_STREET);
  street->set_parent_code("440103");
  v1::CategoryList categories;
  for (const v1::Category& c : Dir().ListCategories("")) *categories.add_categories() = c;
  return directory::Directory::Build(units, categories).value();
}

v1::OrderFacts DispatchedTo(const std::string& id, const std::string& unit, absl::Time at) {
  v1::OrderFacts facts;
  facts.set_order_id(id);
  facts.set_version(2);
  facts.set_open(true);
  v1::Fact* f = facts.add_facts();
  f->set_seq(2);
  f->set_at_ms(absl::ToUnixMillis(at));
  f->set_unit_code(unit);
  f->set_kind(v1::FACT_KIND_DISPATCHED);
  return facts;
}

TEST_CASE("a street added while scoring runs counts in its district's figures from the next fact on") {
  hotline::testing::RedisServer server;
  redis::Options options;
  options.port = server.port();
  redis::Client redis(options);
  const absl::TimeZone zone = fixture::Guangzhou();
  SwitchedDirectory directory(Dir());
  RedisFactStore store(redis, ScoringKeys("t:"), zone, directory);
  const absl::Time day = absl::FromCivil(absl::CivilSecond(2026, 12, 7, 10, 0, 0), zone);
  auto dispatched = [&](const std::string& unit) {
    std::vector<Counts> sums = store.SumUnitDays({unit}, day - absl::Hours(10), day + absl::Hours(10)).value();
    REQUIRE(sums.size() == 1);
    return sums[0]["dispatched"];
  };

  // Before the load the street is unknown: its fact counts for itself only.
  REQUIRE(store.Put(DispatchedTo("A1", "440103099", day)).value());
  CHECK(dispatched("440103099") == 1);
  CHECK(dispatched("440103") == 0);

  directory.Set(WithNewStreet());
  REQUIRE(store.Put(DispatchedTo("A2", "440103099", day)).value());
  CHECK(dispatched("440103099") == 2);
  CHECK(dispatched("440103") == 1);  // the district counts the street's facts once it is in force
}

}  // namespace
}  // namespace hotline::scoring
