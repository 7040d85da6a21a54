// Scores that measure performance, not volume (issue 17, items 1 and 2):
// properties of the rules over generated units, and "on time" judged by the
// deadline the SLA monitor fixed, not by whether it wrote a breach in time.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "clock/proto_time.h"
#include "scoring/facts.h"
#include "scoring/rules.h"
#include "scoring/scorer.h"
#include "scoring/scoring_fixture.h"

namespace hotline::scoring {
namespace {

using fixture::Dir;
using fixture::Guangzhou;

// What a unit did in a month, in counts; each count is a number of orders
// (the first `late_sign_offs` orders signed late, and so on).
struct Month {
  int orders = 0;
  int late_sign_offs = 0;
  int overdue = 0;
  int satisfied = 0;
  int basically = 0;
  int dissatisfied = 0;
  int bounces = 0;
  int urges = 0;
  int praise = 0;

  Month Times(int k) const {
    return {orders * k,       late_sign_offs * k, overdue * k, satisfied * k, basically * k,
            dissatisfied * k, bounces * k,        urges * k,   praise * k};
  }
};

int64_t Nov(int day, int minute) {
  return absl::ToUnixMillis(
      absl::FromCivil(absl::CivilSecond(2026, 11, day, 9, 0, 0), Guangzhou()) +
      absl::Minutes(minute));
}

// The facts of `m` for `unit`, orders named <prefix><n>.
std::vector<v1::OrderFacts> FactsOf(const Month& m, const std::string& unit,
                                    const std::string& prefix) {
  std::vector<v1::OrderFacts> out;
  for (int i = 0; i < m.orders; ++i) {
    v1::OrderFacts o;
    o.set_order_id(prefix + std::to_string(i));
    int seq = 0;
    auto add = [&](v1::FactKind kind) {
      v1::Fact* f = o.add_facts();
      f->set_seq(++seq);
      f->set_at_ms(Nov(2 + i % 20, seq));
      f->set_unit_code(unit);
      f->set_kind(kind);
    };
    add(v1::FACT_KIND_DISPATCHED);
    if (i < m.praise) add(v1::FACT_KIND_PRAISE);
    add(i < m.late_sign_offs ? v1::FACT_KIND_LATE_SIGN_OFF : v1::FACT_KIND_SIGNED_ON_TIME);
    if (i < m.bounces) add(v1::FACT_KIND_BOUNCE);
    if (i < m.urges) add(v1::FACT_KIND_URGE);
    add(i < m.overdue ? v1::FACT_KIND_OVERDUE_CLOSURE : v1::FACT_KIND_REPLIED_ON_TIME);
    if (i < m.satisfied) {
      add(v1::FACT_KIND_SATISFIED);
    } else if (i < m.satisfied + m.basically) {
      add(v1::FACT_KIND_BASICALLY_SATISFIED);
    } else if (i < m.satisfied + m.basically + m.dissatisfied) {
      add(v1::FACT_KIND_DISSATISFIED);
    }
    out.push_back(std::move(o));
  }
  return out;
}

FactsList Ptrs(const std::vector<v1::OrderFacts>& facts) {
  FactsList out;
  for (const v1::OrderFacts& f : facts) out.push_back(&f);
  return out;
}

Interval November() {
  v1::Period p;
  p.set_kind(v1::PERIOD_KIND_MONTH);
  p.set_date("2026-11");
  return Resolve(p, absl::Now(), Guangzhou()).value();
}

const v1::ScoringRules& CurrentRules() {
  static const RuleBook book =
      RuleBook::Load(HOTLINE_SOURCE_DIR "/data/scoring_rules.textproto").value();
  return book.current();
}

double ScoreOf(const v1::ScoringRules& rules, const Month& m, v1::UnitScore* out = nullptr) {
  const std::vector<v1::OrderFacts> facts = FactsOf(m, "440106", "T");
  v1::UnitScore s = Scorer(rules, Dir()).Score(Ptrs(facts), "440106", November(), 1000000);
  double sum = 0;
  for (const v1::ScoreItem& i : s.items()) sum += i.points();
  CHECK(s.items_size() == s.items_total());
  CHECK(sum == s.score());  // every point traces back to an order
  if (out != nullptr) *out = s;
  return s.score();
}

TEST_CASE("fair scores: the same rates at 10x and 100x the volume give the same score") {
  const v1::ScoringRules& rules = CurrentRules();
  // The two districts: 95 % signed and replied on time, 90 %
  // satisfied (the rest dissatisfied), 5 % late.
  const Month district{
      .orders = 100, .late_sign_offs = 5, .overdue = 5, .satisfied = 90, .dissatisfied = 10};
  v1::UnitScore small, large;
  const double base = ScoreOf(rules, district, &small);
  CHECK(ScoreOf(rules, district.Times(10), &large) == Approx(base).epsilon(1e-12));
  CHECK(ScoreOf(rules, district.Times(100)) == Approx(base).epsilon(1e-12));
  // README worked example (rules 2026.2): 30 x 0.95 + 35 x 0.95 + 35 x 0.9
  // = 93.25; per 100 orders 5 late sign-offs (1), 5 overdue (2) and 10
  // dissatisfied (1) cost 25.
  CHECK(small.rate_points() == Approx(93.25));
  CHECK(small.penalty_points() == Approx(-25));
  CHECK(base == Approx(68.25));
  CHECK(large.orders() == 1000);

  // Any mix of rates and penalties, also past the penalty cap.
  std::mt19937 rng(17);
  for (int round = 0; round < 50; ++round) {
    std::uniform_int_distribution<int> share(0, 20);
    Month m;
    m.orders = 20;
    m.late_sign_offs = share(rng);
    m.overdue = share(rng);
    m.satisfied = share(rng) / 2;
    m.basically = share(rng) / 4;
    m.dissatisfied = std::min(20 - m.satisfied - m.basically, share(rng) / 4);
    m.bounces = share(rng) / 3;
    m.urges = share(rng) / 3;
    INFO("round " << round);
    const double s1 = ScoreOf(rules, m);
    CHECK(ScoreOf(rules, m.Times(10)) == Approx(s1).epsilon(1e-12));
    CHECK(ScoreOf(rules, m.Times(100)) == Approx(s1).epsilon(1e-12));
  }
}

TEST_CASE("fair scores: one more on-time order never lowers a score") {
  const v1::ScoringRules& rules = CurrentRules();
  std::mt19937 rng(24);
  int checked = 0;
  for (int round = 0; round < 200; ++round) {
    std::uniform_int_distribution<int> n(1, 30);
    Month m;
    m.orders = n(rng);
    std::uniform_int_distribution<int> part(0, m.orders);
    m.late_sign_offs = part(rng);
    m.overdue = part(rng);
    m.satisfied = part(rng) / 2;
    m.basically = std::min(m.orders - m.satisfied, part(rng) / 3);
    m.dissatisfied = std::min(m.orders - m.satisfied - m.basically, part(rng) / 3);
    m.bounces = part(rng) / 2;
    m.urges = part(rng) / 2;
    m.praise = part(rng) / 4;
    const double before = ScoreOf(rules, m);
    // One more order, signed and replied on time; the new order is the last
    // one, so it carries no callback, penalty or praise.
    Month more = m;
    more.orders += 1;
    INFO("round " << round << ": " << m.orders << " orders, " << m.late_sign_offs
                  << " late sign-offs, " << m.overdue << " overdue, " << m.satisfied << "/"
                  << m.basically << "/" << m.dissatisfied << " callbacks, " << m.praise
                  << " praise");
    CHECK(ScoreOf(rules, more) >= before - 1e-9);
    // And with a satisfied callback on it.
    std::vector<v1::OrderFacts> facts = FactsOf(more, "440106", "T");
    v1::Fact* f = facts.back().add_facts();
    f->set_seq(99);
    f->set_at_ms(Nov(25, 0));
    f->set_unit_code("440106");
    f->set_kind(v1::FACT_KIND_SATISFIED);
    CHECK(Scorer(rules, Dir()).Score(Ptrs(facts), "440106", November()).score() >= before - 1e-9);
    ++checked;
  }
  CHECK(checked == 200);
  // The edges random mixes rarely reach: flawless units (nothing left to
  // gain in the rates) with praise under its cap, with or without callbacks,
  // and units just under or over the penalty cap.
  for (int orders = 1; orders <= 40; ++orders) {
    for (int praise : {0, 1, 2}) {
      for (int late : {0, 1, orders}) {
        for (bool rated : {false, true}) {
          if (praise > orders || late > orders) continue;
          const Month m{.orders = orders,
                        .late_sign_offs = late,
                        .satisfied = rated ? orders : 0,
                        .praise = praise};
          Month more = m;
          more.orders += 1;
          INFO(orders << " orders, " << late << " late, praise " << praise
                      << (rated ? ", all satisfied" : ""));
          CHECK(ScoreOf(rules, more) >= ScoreOf(rules, m) - 1e-9);
        }
      }
    }
  }
}

TEST_CASE("fair scores: a unit with no callbacks is not ranked below one with bad callbacks") {
  const v1::ScoringRules& rules = CurrentRules();
  const Scorer scorer(rules, Dir());
  for (int orders : {10, 40, 200}) {
    for (int callbacks : {1, 2, 3, 5, 9}) {
      for (int satisfied = 0; 2 * satisfied <= callbacks;
           ++satisfied) {  // at most half satisfied: bad
        // 天河 (440106): no callback yet. 越秀 (440103): the same handling, rated badly.
        const Month handled{
            .orders = orders, .late_sign_offs = orders / 10, .overdue = orders / 10};
        Month rated = handled;
        rated.satisfied = satisfied;
        rated.dissatisfied = callbacks - satisfied;
        std::vector<v1::OrderFacts> facts = FactsOf(handled, "440106", "A");
        for (v1::OrderFacts& f : FactsOf(rated, "440103", "B")) facts.push_back(std::move(f));
        const v1::RankUnitsResponse r =
            scorer.Rank(Ptrs(facts), v1::UNIT_LEVEL_DISTRICT, November());
        INFO(orders << " orders, " << satisfied << " of " << callbacks << " callbacks satisfied");
        REQUIRE(r.ranking_size() == 11);
        CHECK(r.ranking(0).unit_code() == "440106");
        CHECK(r.ranking(0).score() > r.ranking(1).score());
        // The rate with no trials is n/a, distinguishable from 0 %.
        CHECK(r.ranking(0).satisfaction_trials() == 0);
        CHECK(r.ranking(1).satisfaction_trials() == callbacks);
      }
    }
  }
  // No callbacks yet: the 35 points of satisfaction are shared by the two
  // other rates, 30 : 35, so perfect handling is 100, not 65.
  const Month perfect{.orders = 10};
  v1::UnitScore s;
  CHECK(ScoreOf(rules, perfect, &s) == Approx(100));
  CHECK(s.satisfaction_trials() == 0);
  CHECK(s.response_trials() == 10);
}

TEST_CASE("fair scores: caps bound what volume can do, callbacks earn no reward") {
  const v1::ScoringRules& rules = CurrentRules();
  // Every order late, urged and bounced: the penalties stop at the cap and
  // every item is scaled alike, so the items still sum to the score.
  const Month awful{.orders = 50,
                    .late_sign_offs = 50,
                    .overdue = 50,
                    .dissatisfied = 50,
                    .bounces = 50,
                    .urges = 50};
  v1::UnitScore s;
  ScoreOf(rules, awful, &s);
  CHECK(s.penalty_points() == Approx(-rules.penalty_cap()));
  CHECK(s.penalty_uncapped() < -rules.penalty_cap());
  // Praise gains its points up to the reward cap.
  const Month praised{.orders = 100, .praise = 100};
  ScoreOf(rules, praised, &s);
  CHECK(s.reward_points() == Approx(rules.reward_cap()));
  // Satisfied callbacks raise the satisfaction rate and nothing else.
  const Month liked{.orders = 10, .satisfied = 10};
  ScoreOf(rules, liked, &s);
  CHECK(s.reward_points() == 0);
  CHECK(s.score() == Approx(100));
  v1::ScoringRuleSet set;
  set.set_current(rules.version());
  *set.add_rules() = rules;
  set.mutable_rules(0)->mutable_points()->set_satisfied(0.2);
  CHECK(RuleBook::Build(set, "f").status().message().find("points.satisfied: must be 0") !=
        std::string::npos);
  set.mutable_rules(0)->mutable_points()->set_satisfied(0);
  set.mutable_rules(0)->set_penalty_cap(0);
  CHECK(RuleBook::Build(set, "f").status().message().find("penalty_cap") != std::string::npos);
}

TEST_CASE("fair scores: a unit with no rate trials at all is not ranked") {
  v1::OrderFacts o;
  o.set_order_id("X");
  v1::Fact* f = o.add_facts();
  f->set_seq(1);
  f->set_at_ms(Nov(3, 0));
  f->set_unit_code("440106");
  f->set_kind(v1::FACT_KIND_DISPATCHED);
  const v1::RankUnitsResponse r =
      Scorer(CurrentRules(), Dir()).Rank(FactsList{&o}, v1::UNIT_LEVEL_DISTRICT, November());
  for (const v1::UnitScore& s : r.ranking()) CHECK(s.rank() == 0);
}

// ---- "On time" from the deadline (item 2) ----

v1::FixedDeadline Fixed(const std::string& key, int64_t from_ms, int64_t due_ms) {
  v1::FixedDeadline d;
  d.set_key(key);
  *d.mutable_from() = FromMillis(from_ms);
  *d.mutable_due() = FromMillis(due_ms);
  return d;
}

std::vector<std::string> Kinds(const v1::WorkOrder& order) {
  std::vector<std::string> out;
  const v1::OrderFacts facts = DeriveFacts(order).value();
  for (const v1::Fact& f : facts.facts()) out.push_back(FactName(f.kind()));
  return out;
}

// A complaint created Nov 3 09:00, dispatched at +60 min and signed at
// `sign_at`, replied at `reply_at` minutes; the monitor's sla_deadline
// record (closing.0 due at `close_due`, sign_off.0 due at +120) is written at
// `record_at` minutes (the monitor may be behind); no breach entry at all.
v1::WorkOrder Handled(int sign_at, int reply_at, int close_due, int record_at) {
  using S = v1::OrderState;
  const absl::Time created = absl::FromCivil(absl::CivilSecond(2026, 11, 3, 9, 0, 0), Guangzhou());
  fixture::OrderBuilder b("L", v1::ORDER_TYPE_COMPLAINT, "440106", "440106001", "010101", "agent-1",
                          created);
  b.Step(60, "dispatch", "440106", S::ORDER_STATE_DISPATCHED);
  std::vector<std::pair<int, std::string>> steps = {
      {sign_at, "sign"}, {reply_at, "reply"}, {record_at, "sla_deadline"}};
  std::stable_sort(steps.begin(), steps.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [at, action] : steps) {
    if (action == "sign") b.Step(at, "sign", "440106", S::ORDER_STATE_SIGNED);
    if (action == "reply") b.Step(at, "reply", "440106", S::ORDER_STATE_REPLIED);
    if (action == "sla_deadline") b.Step(at, "sla_deadline", "");
  }
  v1::WorkOrder o = b.Build();
  const int64_t t0 = absl::ToUnixMillis(created);
  for (v1::HistoryEntry& e : *o.mutable_history()) {
    if (e.action() != "sla_deadline") continue;
    *e.mutable_sla_record()->add_deadlines() = Fixed("closing.0", t0, t0 + close_due * 60000LL);
    *e.mutable_sla_record()->add_deadlines() =
        Fixed("sign_off.0", t0 + 60 * 60000LL, t0 + 120 * 60000LL);
  }
  return o;
}

TEST_CASE("on time: a reply after the deadline with no breach entry counts late") {
  // Closing due at +600 min, replied at +900; the monitor wrote its record
  // in time but was down when the deadline passed (no breach entry).
  CHECK(Kinds(Handled(90, 900, 600, 61)) ==
        std::vector<std::string>{"dispatched", "signed_on_time", "overdue_closure"});
  // The monitor behind: its record written only after the reply.
  CHECK(Kinds(Handled(90, 900, 600, 1000)) ==
        std::vector<std::string>{"dispatched", "signed_on_time", "overdue_closure"});
  // Replied before the deadline: on time.
  CHECK(Kinds(Handled(90, 500, 600, 61)) ==
        std::vector<std::string>{"dispatched", "signed_on_time", "replied_on_time"});
  // Signed after the sign-off deadline (+120) with no breach entry: late.
  CHECK(Kinds(Handled(150, 500, 600, 61)) ==
        std::vector<std::string>{"dispatched", "late_sign_off", "replied_on_time"});
  // The order is counted overdue while open.
  CHECK(DeriveFacts(Handled(90, 900, 600, 61)).value().overdue());
}

TEST_CASE("on time: an approved extension's date is the deadline in force") {
  using S = v1::OrderState;
  // Extension requested at +300 and approved at +400 to +1000: the reply at
  // +900 is on time (scoring follows the deadline in force, as the monitor does).
  const absl::Time created = absl::FromCivil(absl::CivilSecond(2026, 11, 3, 9, 0, 0), Guangzhou());
  v1::WorkOrder extended;
  {
    fixture::OrderBuilder b("L", v1::ORDER_TYPE_COMPLAINT, "440106", "440106001", "010101",
                            "agent-1", created);
    b.Step(1, "sla_deadline", "")
        .Step(60, "dispatch", "440106", S::ORDER_STATE_DISPATCHED)
        .Step(90, "sign", "440106", S::ORDER_STATE_SIGNED)
        .Step(300, "request_extension", "")
        .Step(400, "approve_extension", "")
        .Step(900, "reply", "440106", S::ORDER_STATE_REPLIED);
    extended = b.Build();
  }
  const int64_t t0 = absl::ToUnixMillis(created);
  *extended.mutable_history(1)->mutable_sla_record()->add_deadlines() =
      Fixed("closing.0", t0, t0 + 600 * 60000LL);
  *extended.mutable_history(4)->mutable_extension_due() = FromMillis(t0 + 1000 * 60000LL);
  *extended.mutable_history(5)->mutable_extension_due() = FromMillis(t0 + 1000 * 60000LL);
  CHECK(Kinds(extended) ==
        std::vector<std::string>{"dispatched", "signed_on_time", "replied_on_time"});
  // The same reply after the extended date: late.
  *extended.mutable_history(5)->mutable_extension_due() = FromMillis(t0 + 800 * 60000LL);
  CHECK(Kinds(extended) ==
        std::vector<std::string>{"dispatched", "signed_on_time", "overdue_closure"});
}

TEST_CASE("on time: orders without deadline records still follow the breaches") {
  // KnownMonth's orders carry no sla_deadline entries: B is late by its
  // breach entries, A on time.
  const std::vector<v1::WorkOrder> month = fixture::KnownMonth();
  CHECK(Kinds(month[0])[2] == "replied_on_time");
  CHECK(Kinds(month[1])[1] == "late_sign_off");
  CHECK(Kinds(month[1])[2] == "overdue_closure");
}

}  // namespace
}  // namespace hotline::scoring
