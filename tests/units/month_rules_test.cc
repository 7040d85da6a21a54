// Issue 22 item 3, scores: a past month keeps the rules version it was
// scored under (scoring:month_rules) when the rule book's `current` moves on,
// unless a request names a version (the explicit recompute). Real
// redis-server; two assessors stand for the service before and after a
// `hotline-admin rules load` that changed `current`.
#include <catch2/catch.hpp>

#include "clock/clock.h"
#include "config/text_proto.h"
#include "scoring/assessor.h"
#include "scoring/facts.h"
#include "scoring/redis_rig.h"

namespace hotline::scoring {
namespace {

RuleBook WithCurrent(const std::string& current) {
  v1::ScoringRuleSet set;
  REQUIRE(config::ReadTextProto(HOTLINE_SOURCE_DIR "/data/scoring_rules.textproto", &set).ok());
  set.set_current(current);
  absl::StatusOr<RuleBook> book = RuleBook::Build(set, "rules");
  REQUIRE(book.ok());
  return std::move(*book);
}

v1::Actor Centre() {
  v1::Actor a;
  a.set_user_id("d1");
  a.set_role(v1::ROLE_DISPATCHER);
  a.set_unit_code("GZ12345");
  return a;
}

std::string RulesOf(Assessor& assessor, const std::string& month, const std::string& version = "") {
  v1::GetUnitScoreRequest r;
  r.set_unit_code("440106");
  r.mutable_period()->set_kind(v1::PERIOD_KIND_MONTH);
  r.mutable_period()->set_date(month);
  r.set_rules_version(version);
  absl::StatusOr<v1::GetUnitScoreResponse> score = assessor.GetUnitScore(Centre(), r);
  INFO(score.status().ToString());
  REQUIRE(score.ok());
  return score->score().rules_version();
}

std::string RankRulesOf(Assessor& assessor, const std::string& month) {
  v1::RankUnitsRequest r;
  r.set_level(v1::UNIT_LEVEL_DISTRICT);
  r.mutable_period()->set_kind(v1::PERIOD_KIND_MONTH);
  r.mutable_period()->set_date(month);
  absl::StatusOr<v1::RankUnitsResponse> ranked = assessor.RankUnits(Centre(), r);
  INFO(ranked.status().ToString());
  REQUIRE(ranked.ok());
  REQUIRE(ranked->ranking_size() > 0);
  return ranked->ranking(0).rules_version();
}

TEST_CASE("a past month keeps the rules it was scored under unless a recompute names a version") {
  fixture::RedisRig rig;
  const absl::TimeZone zone = fixture::Guangzhou();
  const RuleBook old_rules = WithCurrent("2026.1");
  const RuleBook new_rules = WithCurrent("2026.2");

  // November, under 2026.1.
  FakeClock november(absl::FromCivil(absl::CivilSecond(2026, 11, 20, 12, 0, 0), zone));
  Assessor before(old_rules, fixture::Dir(), rig.store, november, zone);
  CHECK(RulesOf(before, "2026-11") == "2026.1");

  // December: `current` is 2026.2 now.
  FakeClock december(absl::FromCivil(absl::CivilSecond(2026, 12, 2, 10, 0, 0), zone));
  Assessor after(new_rules, fixture::Dir(), rig.store, december, zone);
  CHECK(RulesOf(after, "2026-11") == "2026.1");  // kept
  CHECK(RankRulesOf(after, "2026-11") == "2026.1");
  CHECK(RulesOf(after, "2026-12") == "2026.2");  // the open month: current
  // An explicit recompute under the new rules answers under them and records nothing.
  CHECK(RulesOf(after, "2026-11", "2026.2") == "2026.2");
  CHECK(RulesOf(after, "2026-11") == "2026.1");

  // A month nobody scored while it was open keeps what its first score used.
  CHECK(RulesOf(after, "2026-10") == "2026.2");
  Assessor back(old_rules, fixture::Dir(), rig.store, december, zone);
  CHECK(RulesOf(back, "2026-10") == "2026.2");
  CHECK(RulesOf(back, "2026-11") == "2026.1");

  // Days, weeks and years are scored under the current rules.
  v1::GetUnitScoreRequest day;
  day.set_unit_code("440106");
  day.mutable_period()->set_kind(v1::PERIOD_KIND_DAY);
  day.mutable_period()->set_date("2026-11-05");
  CHECK(after.GetUnitScore(Centre(), day).value().score().rules_version() == "2026.2");

  // What is kept, where hotline-admin and fsck can see it.
  absl::StatusOr<redis::Reply> kept = rig.redis.Execute({"HGETALL", rig.keys.MonthRules()});
  REQUIRE(kept.ok());
  CHECK(kept->elements.size() == 6);  // 202610, 202611, 202612
}

TEST_CASE("a month nobody scored while open keeps the rules in force while its facts were written") {
  fixture::RedisRig rig;
  const absl::TimeZone zone = fixture::Guangzhou();
  const RuleBook old_rules = WithCurrent("2026.1");
  const RuleBook new_rules = WithCurrent("2026.2");
  refdata::FixedSource<RuleBook> november_rules(old_rules);
  // The service writes October's facts during November (no one scores).
  FakeClock november(absl::FromCivil(absl::CivilSecond(2026, 11, 20, 12, 0, 0), zone));
  rig.store.RecordMonthRules(november_rules, november);
  int written = 0;
  for (const v1::WorkOrder& order : fixture::BusyMonth(fixture::Dir(), absl::CivilMonth(2026, 11), 20, 7)) {
    absl::StatusOr<v1::OrderFacts> facts = DeriveFacts(order);
    REQUIRE(facts.ok());
    absl::StatusOr<bool> put = rig.store.Put(*facts);
    REQUIRE(put.ok());
    written += *put ? 1 : 0;
  }
  REQUIRE(written > 0);
  absl::StatusOr<redis::Reply> kept = rig.redis.Execute({"HGET", rig.keys.MonthRules(), "202611"});
  REQUIRE(kept.ok());
  CHECK(kept->str == "2026.1");
  // December, `current` is 2026.2: November was first scored only now, and
  // still under the rules in force while it was open.
  FakeClock december(absl::FromCivil(absl::CivilSecond(2026, 12, 2, 10, 0, 0), zone));
  Assessor after(new_rules, fixture::Dir(), rig.store, december, zone);
  CHECK(RulesOf(after, "2026-11") == "2026.1");
}

}  // namespace
}  // namespace hotline::scoring
