// The pure scoring core with a known month: five orders of November 2026
// (scoring_fixture.cc), every figure computed by hand.
//   A 天河 complaint: signed and replied on time, satisfied.
//   B 天河 complaint: sign-off late, overdue, urged, 通报, dissatisfied, redone.
//   C 越秀 report: returned, return rejected, replied on time, basically satisfied.
//   D 天河 consultation answered on the spot.
//   E praise for department GZD001, signed on time.
#include <catch2/catch.hpp>

#include <numeric>

#include "directory/directory.h"
#include "scoring/facts.h"
#include "scoring/rules.h"
#include "scoring/scorer.h"
#include "scoring/scoring_fixture.h"

namespace hotline::scoring {
namespace {

using fixture::Guangzhou;

using fixture::Dir;

std::vector<v1::OrderFacts> Derive(const std::vector<v1::WorkOrder>& orders) {
  std::vector<v1::OrderFacts> out;
  for (const v1::WorkOrder& o : orders) out.push_back(DeriveFacts(o).value());
  return out;
}

FactsList Ptrs(const std::vector<v1::OrderFacts>& facts) {
  FactsList out;
  for (const v1::OrderFacts& f : facts) out.push_back(&f);
  return out;
}

Interval Month(const std::string& date) {
  v1::Period p;
  p.set_kind(v1::PERIOD_KIND_MONTH);
  p.set_date(date);
  return Resolve(p, absl::Now(), Guangzhou()).value();
}

std::vector<std::pair<std::string, int64_t>> Entries(const std::vector<v1::HotEntry>& list) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const v1::HotEntry& e : list) out.emplace_back(e.code(), e.count());
  return out;
}

double SumItems(const v1::UnitScore& s) {
  double sum = 0;
  for (const v1::ScoreItem& i : s.items()) sum += i.points();
  return sum;
}

TEST_CASE("facts: each order's events as the assessment sees them") {
  const std::vector<v1::OrderFacts> facts = Derive(fixture::KnownMonth());
  auto kinds = [](const v1::OrderFacts& f) {
    std::vector<std::string> out;
    for (const v1::Fact& x : f.facts()) out.push_back(FactName(x.kind()) + "@" + x.unit_code());
    return out;
  };
  CHECK(kinds(facts[0]) == std::vector<std::string>{"dispatched@440106", "signed_on_time@440106",
                                                      "replied_on_time@440106", "satisfied@440106"});
  CHECK(kinds(facts[1]) == std::vector<std::string>{"dispatched@440106", "late_sign_off@440106",
                                                      "overdue_closure@440106", "urge@440106", "notice@440106",
                                                      "dissatisfied@440106", "redo@440106"});
  CHECK(kinds(facts[2]) == std::vector<std::string>{"dispatched@440103", "signed_on_time@440103", "bounce@440103",
                                                      "unjustified_return@440103", "replied_on_time@440103",
                                                      "basically_satisfied@440103"});
  CHECK(kinds(facts[3]).empty());
  CHECK(facts[3].on_spot());
  CHECK_FALSE(facts[3].open());
  // As intake records it today: the first step is "answer_on_spot".
  v1::WorkOrder answered = fixture::KnownMonth()[3];
  answered.mutable_history(0)->set_action("answer_on_spot");
  CHECK(DeriveFacts(answered).value().on_spot());
  CHECK(kinds(facts[4]) == std::vector<std::string>{"dispatched@GZD001", "praise@GZD001", "signed_on_time@GZD001"});
  CHECK(facts[1].open());
  CHECK(facts[1].overdue());  // redone after the closing breach: still open and late
  CHECK_FALSE(facts[0].overdue());
}

TEST_CASE("facts: an order without its whole history is refused") {
  v1::WorkOrder o = fixture::KnownMonth()[0];
  o.set_history_total(o.history_size() + 3);
  CHECK(DeriveFacts(o).status().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("score: exact points, rates and explanation of a district") {
  const v1::ScoringRules rules = fixture::TestRules();
  const Scorer scorer(rules, Dir());
  const std::vector<v1::OrderFacts> facts = Derive(fixture::KnownMonth());
  const v1::UnitScore tianhe = scorer.Score(Ptrs(facts), "440106", Month("2026-11"), 100);
  // Rates: response 1/2, resolution 1/2, satisfaction 1/2 -> 15 + 17.5 + 17.5.
  CHECK(tianhe.response_rate() == 0.5);
  CHECK(tianhe.resolution_rate() == 0.5);
  CHECK(tianhe.satisfaction_rate() == 0.5);
  CHECK(tianhe.rate_points() == 50);
  // late sign-off 1, overdue 2, urge 0.5, notice 3, dissatisfied 1, redo 1
  // = 8.5 in 2 orders, so 425 per 100 orders: capped at 40. The satisfied
  // callback earns nothing beyond its rate.
  CHECK(tianhe.penalty_uncapped() == -425);
  CHECK(tianhe.penalty_points() == Approx(-40));
  CHECK(tianhe.reward_points() == 0);
  CHECK(tianhe.score() == Approx(10));
  CHECK(tianhe.orders() == 2);
  CHECK(tianhe.items_total() == 9);
  CHECK(tianhe.items_size() == 9);
  CHECK(SumItems(tianhe) == tianhe.score());
  for (const v1::ScoreItem& i : tianhe.items()) {
    CHECK((i.order_id() == "A" || i.order_id() == "B"));
    CHECK(i.seq() > 0);
    CHECK_FALSE(i.reason().empty());
  }
  CHECK(tianhe.counts().at("notice") == 1);

  const v1::UnitScore yuexiu = scorer.Score(Ptrs(facts), "440103", Month("2026-11"), 100);
  // 30 + 35 + 35 x 0.5; bounce 0.5 and unjustified return 1 in 1 order: 150
  // per 100 orders, capped at 40.
  CHECK(yuexiu.satisfaction_rate() == 0.5);
  CHECK(yuexiu.score() == Approx(42.5));
  CHECK(SumItems(yuexiu) == yuexiu.score());

  // October holds none of it.
  CHECK(scorer.Score(Ptrs(facts), "440106", Month("2026-10")).score() == 0);
  // A street sees only its own orders (none were handed down).
  CHECK(scorer.Score(Ptrs(facts), "440106001", Month("2026-11")).orders() == 0);
}

TEST_CASE("rank: districts and departments, red and black lists") {
  const v1::ScoringRules rules = fixture::TestRules();
  const Scorer scorer(rules, Dir());
  const std::vector<v1::OrderFacts> facts = Derive(fixture::KnownMonth());
  const v1::RankUnitsResponse districts = scorer.Rank(Ptrs(facts), v1::UNIT_LEVEL_DISTRICT, Month("2026-11"));
  REQUIRE(districts.ranking_size() == 11);
  CHECK(districts.ranking(0).unit_code() == "440103");
  CHECK(districts.ranking(0).rank() == 1);
  CHECK(districts.ranking(0).score() == Approx(42.5));
  CHECK(districts.ranking(1).unit_code() == "440106");
  CHECK(districts.ranking(1).rank() == 2);
  CHECK(districts.ranking(2).rank() == 0);  // no orders: not ranked
  CHECK(std::vector<std::string>(districts.red_list().begin(), districts.red_list().end()) ==
        std::vector<std::string>{"440103"});
  CHECK(std::vector<std::string>(districts.black_list().begin(), districts.black_list().end()) ==
        std::vector<std::string>{"440106"});

  const v1::RankUnitsResponse departments = scorer.Rank(Ptrs(facts), v1::UNIT_LEVEL_DEPARTMENT, Month("2026-11"));
  CHECK(departments.ranking(0).unit_code() == "GZD001");
  // Only the response rate has trials: it carries the whole 100; praise +1.
  CHECK(departments.ranking(0).score() == 101);
  CHECK(departments.ranking(0).resolution_trials() == 0);
  CHECK(departments.black_list().empty());      // the only ranked unit is on the red list
}

TEST_CASE("hot spots: every top-10 list of the known month") {
  const v1::ScoringRules rules = fixture::TestRules();
  const Scorer scorer(rules, Dir());
  const std::vector<v1::OrderFacts> facts = Derive(fixture::KnownMonth());
  using E = std::vector<std::pair<std::string, int64_t>>;
  CHECK(Entries(scorer.TopMatters(Ptrs(facts), Month("2026-11"))) ==
        E{{"010101", 2}, {"010201", 1}, {"010202", 1}});
  CHECK(scorer.TopMatters(Ptrs(facts), Month("2026-11"))[0].name() == "夜间施工噪声");
  CHECK(Entries(scorer.TopLocations(Ptrs(facts), Month("2026-11"))) ==
        E{{"440106001", 2}, {"440103001", 1}, {"440106002", 1}});
  CHECK(scorer.TopLocations(Ptrs(facts), Month("2026-11"))[0].name() == "五山街道");
  CHECK(Entries(scorer.TopDepartments(Ptrs(facts), Month("2026-11"))) == E{{"GZD001", 1}});
  v1::Period year;
  year.set_kind(v1::PERIOD_KIND_YEAR);
  year.set_date("2026");
  const Interval y2026 = Resolve(year, absl::Now(), Guangzhou()).value();
  CHECK(Entries(scorer.TopMatters(Ptrs(facts), y2026, "440106")) == E{{"010101", 2}, {"010202", 1}});
  v1::Period day;
  day.set_kind(v1::PERIOD_KIND_DAY);
  day.set_date("2026-11-10");
  CHECK(Entries(scorer.TopMatters(Ptrs(facts), Resolve(day, absl::Now(), Guangzhou()).value())) ==
        E{{"010201", 1}});
}

TEST_CASE("hot spots: a list keeps its top ten, ties by code, rising matters") {
  v1::ScoringRules rules = fixture::TestRules();
  const Scorer scorer(rules, Dir());
  std::vector<v1::OrderFacts> facts;
  const int64_t nov = absl::ToUnixMillis(absl::FromCivil(absl::CivilSecond(2026, 11, 5, 10, 0, 0), Guangzhou()));
  const int64_t oct = absl::ToUnixMillis(absl::FromCivil(absl::CivilSecond(2026, 10, 5, 10, 0, 0), Guangzhou()));
  // 12 categories with 1..12 orders in November; 0105 had 11 in October.
  const char* codes[] = {"0101", "0102", "0103", "0104", "0105", "010101", "010102", "010201", "010202",
                         "010203", "01", "02"};
  for (int c = 0; c < 12; ++c) {
    for (int i = 0; i <= c; ++i) {
      v1::OrderFacts f;
      f.set_category_code(codes[c]);
      f.set_created_ms(nov + i);
      facts.push_back(f);
    }
  }
  for (int i = 0; i < 11; ++i) {
    v1::OrderFacts f;
    f.set_category_code("0105");
    f.set_created_ms(oct + i);
    facts.push_back(f);
  }
  const std::vector<v1::HotEntry> top = scorer.TopMatters(Ptrs(facts), Month("2026-11"));
  REQUIRE(top.size() == 10);
  CHECK(top[0].code() == "02");
  CHECK(top[0].count() == 12);
  CHECK(top[9].code() == "0103");
  CHECK(top[9].count() == 3);
  // Rising: at least 3 and 1.5x the previous month: the ten with 3..12,
  // but for 0105 (5 against 11).
  const std::vector<v1::HotEntry> rising = scorer.RisingMatters(Ptrs(facts), Month("2026-11"), Month("2026-10"));
  REQUIRE(rising.size() == 9);
  CHECK(rising[8].code() == "0103");
  CHECK(rising[0].code() == "02");
  for (const v1::HotEntry& e : rising) CHECK(e.code() != "0105");
}

TEST_CASE("agents: contacts per day and first-contact resolution") {
  const v1::ScoringRules rules = fixture::TestRules();
  const Scorer scorer(rules, Dir());
  const std::vector<v1::OrderFacts> facts = Derive(fixture::KnownMonth());
  const v1::GetAgentFiguresResponse a = scorer.Agents(Ptrs(facts), Month("2026-11"));
  REQUIRE(a.agents_size() == 2);
  CHECK(a.agents(0).agent_id() == "agent-1");
  CHECK(a.agents(0).contacts() == 3);           // A, D (Nov 3), E (Nov 10)
  CHECK(a.agents(0).contacts_per_day() == 1.5);  // on 2 days
  CHECK(a.agents(0).consultations() == 1);
  CHECK(a.agents(0).first_contact_resolution() == 1);
  CHECK(a.agents(1).contacts() == 2);
  CHECK(a.total().contacts() == 5);
}

TEST_CASE("agents: average handling time over the contacts that reported one") {
  const v1::ScoringRules rules = fixture::TestRules();
  const Scorer scorer(rules, Dir());
  const std::vector<v1::OrderFacts> facts = Derive(fixture::KnownMonth());
  CHECK(facts[2].handling_ms() == 500500);
  CHECK(facts[4].handling_ms() == 0);  // E: not reported
  const v1::GetAgentFiguresResponse a = scorer.Agents(Ptrs(facts), Month("2026-11"));
  REQUIRE(a.agents_size() == 2);
  // agent-1: A 300 s and D 150 s; E has no time and is not counted.
  CHECK(a.agents(0).contacts() == 3);
  CHECK(a.agents(0).timed() == 2);
  CHECK(a.agents(0).average_handling_seconds() == 225.0);
  // agent-2: B 420 s and C 500.5 s.
  CHECK(a.agents(1).timed() == 2);
  CHECK(a.agents(1).average_handling_seconds() == 460.25);
  // All: (300 + 150 + 420 + 500.5) / 4.
  CHECK(a.total().timed() == 4);
  CHECK(a.total().average_handling_seconds() == 342.625);
  // One agent asked for; and a month with no timed contact says 0 over 0.
  CHECK(scorer.Agents(Ptrs(facts), Month("2026-11"), "agent-2").total().average_handling_seconds() == 460.25);
  const v1::GetAgentFiguresResponse none = scorer.Agents(Ptrs(facts), Month("2026-10"));
  CHECK(none.total().timed() == 0);
  CHECK(none.total().average_handling_seconds() == 0);
}

TEST_CASE("rules: a change recomputes a past month from the same facts") {
  const RuleBook book = RuleBook::Load(HOTLINE_SOURCE_DIR "/data/scoring_rules.textproto").value();
  const std::vector<v1::OrderFacts> facts = Derive(fixture::KnownMonth());
  const v1::UnitScore old_rules = Scorer(*book.Find("2026.1").value(), Dir()).Score(Ptrs(facts), "440106", Month("2026-11"));
  const v1::UnitScore new_rules = Scorer(*book.Find("2026.2").value(), Dir()).Score(Ptrs(facts), "440106", Month("2026-11"));
  // Per 100 of 2 orders: 2026.1 (1 + 2 + 0.5 + 3 + 1 + 1) x 50; 2026.2
  // notice 5, redo 1.5; both past the cap of 40.
  CHECK(old_rules.penalty_uncapped() == Approx(-425));
  CHECK(new_rules.penalty_uncapped() == Approx(-550));
  CHECK(old_rules.score() == Approx(10));
  CHECK(new_rules.score() == Approx(10));
  CHECK(old_rules.rules_version() == "2026.1");
  CHECK(book.current().version() == "2026.2");
  CHECK(book.Find("1999").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("rules: bad files are refused with the entry named") {
  v1::ScoringRuleSet set;
  set.set_current("t1");
  *set.add_rules() = fixture::TestRules();
  CHECK(RuleBook::Build(set, "x").ok());
  auto error = [&](auto change) {
    v1::ScoringRuleSet s = set;
    change(s.mutable_rules(0));
    return std::string(RuleBook::Build(s, "f.textproto").status().message());
  };
  CHECK(error([](v1::ScoringRules* r) { r->mutable_points()->set_bounce(-1); }) ==
        "f.textproto: rules[0] (\"t1\"): points.bounce: must be between 0 and 100 (penalties are given as positive numbers)");
  CHECK(error([](v1::ScoringRules* r) { r->mutable_points()->set_notice(0.1); }).find("points.notice") !=
        std::string::npos);
  CHECK(error([](v1::ScoringRules* r) { r->mutable_weights()->set_basically_satisfied_credit(2); })
            .find("weights.basically_satisfied_credit") != std::string::npos);
  CHECK(error([](v1::ScoringRules* r) { r->mutable_hot()->set_top_n(0); }).find("hot.top_n") != std::string::npos);
  v1::ScoringRuleSet dup = set;
  *dup.add_rules() = fixture::TestRules();
  CHECK(RuleBook::Build(dup, "f").status().message() == "f: rules[1] (\"t1\"): version: duplicate version");
  v1::ScoringRuleSet nocurrent = set;
  nocurrent.set_current("t9");
  CHECK(RuleBook::Build(nocurrent, "f").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(RuleBook::Load("/nonexistent.textproto").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("periods: week, quarter, year and errors in the city's zone") {
  v1::Period p;
  p.set_kind(v1::PERIOD_KIND_WEEK);
  p.set_date("2026-11-05");  // a Thursday
  const Interval w = Resolve(p, absl::Now(), Guangzhou()).value();
  CHECK(absl::FormatTime("%Y-%m-%d %H:%M", w.start, Guangzhou()) == "2026-11-02 00:00");
  CHECK(w.end - w.start == absl::Hours(24 * 7));
  p.set_kind(v1::PERIOD_KIND_QUARTER);
  CHECK(Resolve(p, absl::Now(), Guangzhou())->label == "2026-Q4");
  CHECK(Previous(p, absl::Now(), Guangzhou())->label == "2026-Q3");
  p.set_kind(v1::PERIOD_KIND_MONTH);
  p.set_date("2026-13");
  CHECK(Resolve(p, absl::Now(), Guangzhou()).status().message().substr(0, 12) == "period.date:");
  p.set_date("");
  p.set_kind(v1::PERIOD_KIND_UNSPECIFIED);
  const absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 12, 31, 23, 30, 0), Guangzhou());
  CHECK(Resolve(p, now, Guangzhou())->label == "2026-12");
}

}  // namespace
}  // namespace hotline::scoring
