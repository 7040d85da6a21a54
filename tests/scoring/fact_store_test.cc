// The scoring store and consumer against a real redis-server: the known
// month's orders are written as the order store keeps them (record, history,
// events), the consumer derives and stores their facts, and the assessor
// answers from the stored facts. Replaying the whole stream, or a consumer
// that dies half-way and a second one that takes everything again, leaves
// the same numbers.
#include <catch2/catch.hpp>

#include <prometheus/registry.h>

#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "clock/clock.h"
#include "orders/order_record.h"
#include "scoring/assessor.h"
#include "scoring/consumer.h"
#include "scoring/redis_fact_store.h"
#include "scoring/redis_rig.h"
#include "scoring/score_gauges.h"
#include "scoring/scoring_fixture.h"
#include "support/redis_server.h"

namespace hotline::scoring {
namespace {

using fixture::Dir;

struct Rig : fixture::RedisRig {
  std::vector<stream::Entry> events;

  // Writes `order` as libs/orders keeps it and appends one event per history entry.
  void Write(const v1::WorkOrder& order) {
    redis::Command hset = {"HSET", keys.orders().Order(order.id()), "id", order.id()};
    for (auto& [k, v] : orders::ToRecord(order)) {
      hset.push_back(k);
      hset.push_back(v);
    }
    REQUIRE(redis.Execute(hset).ok());
    for (const v1::HistoryEntry& e : order.history()) {
      REQUIRE(redis.Execute({"RPUSH", keys.orders().History(order.id()), orders::HistoryEntryToJson(e)}).ok());
      stream::Entry ev;
      ev.id = absl::StrCat(events.size() + 1, "-0");
      ev.fields = {{"event", "order." + e.action()}, {"order_id", order.id()}, {"version", absl::StrCat(e.seq())}};
      events.push_back(ev);
    }
  }
};

v1::Period Nov() {
  v1::Period p;
  p.set_kind(v1::PERIOD_KIND_MONTH);
  p.set_date("2026-11");
  return p;
}

using fixture::Centre;


// Everything the assessor says about November, as text, to compare runs.
std::string Snapshot(Assessor& a) {
  std::string out;
  v1::RankUnitsRequest rank;
  rank.set_level(v1::UNIT_LEVEL_DISTRICT);
  *rank.mutable_period() = Nov();
  out += a.RankUnits(Centre(), rank).value().DebugString();
  v1::ExplainScoreRequest ex;
  ex.set_unit_code("440106");
  *ex.mutable_period() = Nov();
  out += a.ExplainScore(Centre(), ex).value().DebugString();
  for (v1::HotKind k : {v1::HOT_KIND_MATTERS, v1::HOT_KIND_LOCATIONS, v1::HOT_KIND_DEPARTMENTS}) {
    v1::GetHotSpotsRequest h;
    h.set_kind(k);
    *h.mutable_period() = Nov();
    out += a.GetHotSpots(h).value().DebugString();
  }
  return out;
}

TEST_CASE("store and consumer: known events give the exact scores, replays change nothing") {
  Rig rig;
  for (const v1::WorkOrder& o : fixture::KnownMonth()) rig.Write(o);
  const RuleBook book = RuleBook::Load(HOTLINE_SOURCE_DIR "/data/scoring_rules.textproto").value();
  FakeClock clock(absl::FromCivil(absl::CivilSecond(2026, 12, 2, 10, 0, 0), fixture::Guangzhou()));
  Assessor assessor(book, Dir(), rig.store, clock, fixture::Guangzhou());

  int written = 0;
  stream::BatchHandler handle = EventHandler(rig.store, rig.store, [&](int n) { written += n; });
  // A consumer that dies after half of the stream ...
  const std::vector<stream::Entry> half(rig.events.begin(), rig.events.begin() + rig.events.size() / 2);
  for (const absl::Status& s : handle(half)) CHECK(s.ok());
  // ... and another that takes the whole stream (its pending entries and the rest).
  for (const absl::Status& s : handle(rig.events)) CHECK(s.ok());
  const std::string first = Snapshot(assessor);

  v1::GetUnitScoreRequest req;
  req.set_unit_code("440106");
  *req.mutable_period() = Nov();
  v1::UnitScore tianhe = assessor.GetUnitScore(Centre(), req).value().score();
  // Rules 2026.2 (scorer_test.cc): rates 50, penalties 550 per 100 orders
  // capped at 40; 2026.1's 425 as well.
  CHECK(tianhe.score() == Approx(10));
  CHECK(tianhe.penalty_uncapped() == Approx(-550));
  CHECK(tianhe.rules_version() == "2026.2");
  req.set_rules_version("2026.1");
  CHECK(assessor.GetUnitScore(Centre(), req).value().score().penalty_uncapped() == Approx(-425));

  // Replaying the whole stream twice: nothing written, the same answers.
  written = 0;
  for (int i = 0; i < 2; ++i) {
    for (const absl::Status& s : handle(rig.events)) CHECK(s.ok());
  }
  CHECK(written == 0);
  CHECK(Snapshot(assessor) == first);

  // The screen: open orders by district (B and E are open, B is overdue).
  v1::GetScreenResponse screen = assessor.GetScreen().value();
  for (const v1::DistrictLoad& d : screen.districts()) {
    if (d.district_code() == "440106") {
      CHECK(d.open() == 2);
      CHECK(d.overdue() == 1);
    } else {
      CHECK(d.open() == 0);
    }
  }
}

TEST_CASE("store: an event of a vanished order is acknowledged, an older read never overwrites a newer one") {
  Rig rig;
  stream::Entry ghost;
  ghost.fields = {{"event", "order.sign"}, {"order_id", "NOPE"}};
  CHECK(EventHandler(rig.store, rig.store)({ghost})[0].code() == absl::StatusCode::kNotFound);

  v1::OrderFacts newer;
  newer.set_order_id("X");
  newer.set_version(5);
  newer.set_created_ms(absl::ToUnixMillis(absl::FromCivil(absl::CivilDay(2026, 11, 3), fixture::Guangzhou())));
  v1::OrderFacts older = newer;
  older.set_version(4);
  older.set_category_code("stale");
  CHECK(rig.store.Put(newer).value());
  CHECK_FALSE(rig.store.Put(older).value());
  CHECK_FALSE(rig.store.Put(newer).value());
  absl::StatusOr<redis::Reply> stored = rig.redis.Execute({"HMGET", rig.keys.Facts("X"), "version", "facts"});
  REQUIRE(stored.ok());
  REQUIRE(stored->elements.size() == 2);
  CHECK(stored->elements[0].str == "5");
  v1::OrderFacts loaded;
  REQUIRE(loaded.ParseFromString(stored->elements[1].str));
  CHECK(loaded.category_code().empty());
}

TEST_CASE("access: a unit handler sees its own unit and sub-units only") {
  Rig rig;
  for (const v1::WorkOrder& o : fixture::KnownMonth()) rig.Write(o);
  for (const absl::Status& s : EventHandler(rig.store, rig.store)(rig.events)) CHECK(s.ok());
  const RuleBook book = RuleBook::Load(HOTLINE_SOURCE_DIR "/data/scoring_rules.textproto").value();
  FakeClock clock(absl::FromCivil(absl::CivilSecond(2026, 12, 2, 10, 0, 0), fixture::Guangzhou()));
  Assessor assessor(book, Dir(), rig.store, clock, fixture::Guangzhou());
  v1::Actor tianhe;
  tianhe.set_user_id("u1");
  tianhe.set_role(v1::ROLE_UNIT_HANDLER);
  tianhe.set_unit_code("440106");
  v1::GetUnitScoreRequest req;
  *req.mutable_period() = Nov();
  req.set_unit_code("440106");
  CHECK(assessor.GetUnitScore(tianhe, req).ok());
  req.set_unit_code("440106001");
  CHECK(assessor.GetUnitScore(tianhe, req).ok());
  req.set_unit_code("440103");
  CHECK(assessor.GetUnitScore(tianhe, req).status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(assessor.GetUnitScore(std::nullopt, req).status().code() == absl::StatusCode::kUnauthenticated);
  req.set_unit_code("nope");
  CHECK(assessor.GetUnitScore(Centre(), req).status().code() == absl::StatusCode::kNotFound);
  v1::RankUnitsRequest rank;
  *rank.mutable_period() = Nov();
  v1::RankUnitsResponse seen = assessor.RankUnits(tianhe, rank).value();
  REQUIRE(seen.ranking_size() == 1);
  CHECK(seen.ranking(0).unit_code() == "440106");
  CHECK(seen.ranking(0).rank() == 2);
  CHECK(assessor.GetAgentFigures(tianhe, {}).status().code() == absl::StatusCode::kPermissionDenied);
  v1::GetAgentFiguresRequest agents;
  *agents.mutable_period() = Nov();
  CHECK(assessor.GetAgentFigures(Centre(), agents).value().total().contacts() == 5);
}

TEST_CASE("score gauges: a rate with no trials is NaN (n/a), not 0") {
  Rig rig;
  for (const v1::WorkOrder& o : fixture::KnownMonth()) rig.Write(o);
  const RuleBook book = RuleBook::Load(HOTLINE_SOURCE_DIR "/data/scoring_rules.textproto").value();
  FakeClock clock(absl::FromCivil(absl::CivilSecond(2026, 11, 28, 10, 0, 0), fixture::Guangzhou()));
  Assessor assessor(book, Dir(), rig.store, clock, fixture::Guangzhou());
  stream::BatchHandler handle = EventHandler(rig.store, rig.store, [](int) {});
  for (const absl::Status& s : handle(rig.events)) CHECK(s.ok());
  prometheus::Registry registry;
  ScoreGauges gauges(assessor, registry, absl::Hours(1));
  REQUIRE(gauges.Refresh().ok());
  std::map<std::string, double> series;  // district/rate -> value
  for (const prometheus::MetricFamily& f : registry.Collect()) {
    if (f.name != "hotline_scoring_district_rate_ratio") continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      std::string district, rate;
      for (const prometheus::ClientMetric::Label& l : m.label) {
        if (l.name == "district") district = l.value;
        if (l.name == "rate") rate = l.value;
      }
      series[district + "/" + rate] = m.gauge.value;
    }
  }
  // Every district has its three series (the dashboard's selectors match).
  CHECK(series.size() == 33);
  // 天河: response 1/2 in November; 海珠 (440105) has no order at all.
  CHECK(series["440106/response"] == 0.5);
  CHECK(std::isnan(series["440105/response"]));
  CHECK(std::isnan(series["440105/satisfaction"]));
}

}  // namespace
}  // namespace hotline::scoring
