// A busy simulated month: 4,000 orders of November 2026 with random lives
// (dispatch, late sign-off, returns accepted or rejected, hand-down to a
// street, overdue closure, escalations, callbacks, redo, praise) over the
// whole unit directory. For every unit of every level the explanation lists
// every item, the items sum to the score, the three parts add up, each rate's
// items add up to its weight times the rate, and each item is a fact of its
// order within the unit's subtree.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "directory/directory.h"
#include "scoring/access.h"
#include "scoring/facts.h"
#include "scoring/rules.h"
#include "scoring/scorer.h"
#include "scoring/scoring_fixture.h"

namespace hotline::scoring {
namespace {

using fixture::Guangzhou;

using fixture::Dir;

TEST_CASE("a busy month: for every unit the explanation sums to the score") {
  const RuleBook book = RuleBook::Load(HOTLINE_SOURCE_DIR "/data/scoring_rules.textproto").value();
  const v1::ScoringRules& rules = book.current();
  const Scorer scorer(rules, Dir());
  const std::vector<v1::WorkOrder> orders = fixture::BusyMonth(Dir(), absl::CivilMonth(2026, 11), 4000, 20261130);
  std::vector<v1::OrderFacts> facts;
  std::map<std::string, const v1::OrderFacts*> by_id;
  for (const v1::WorkOrder& o : orders) facts.push_back(DeriveFacts(o).value());
  FactsList list;
  for (const v1::OrderFacts& f : facts) {
    list.push_back(&f);
    by_id[f.order_id()] = &f;
  }
  // Deriving again (a replay) gives the very same facts.
  for (size_t i = 0; i < orders.size(); i += 97) {
    CHECK(DeriveFacts(orders[i])->SerializeAsString() == facts[i].SerializeAsString());
  }
  v1::Period month;
  month.set_kind(v1::PERIOD_KIND_MONTH);
  month.set_date("2026-11");
  v1::Period december = month;
  december.set_date("2026-12");
  Interval nov = Resolve(month, absl::Now(), Guangzhou()).value();
  // Lives run into December: count both months.
  for (const Interval& period : {nov, Resolve(december, absl::Now(), Guangzhou()).value()}) {
    int units = 0, scored = 0;
    for (v1::UnitKind kind : {v1::UNIT_KIND_DISTRICT, v1::UNIT_KIND_STREET, v1::UNIT_KIND_DEPARTMENT}) {
      for (const v1::Unit& u : Dir().ListUnits("", kind)) {
        ++units;
        const v1::UnitScore s = scorer.Score(list, u.code(), period, 1000000);
        INFO(u.code() << " " << period.label);
        REQUIRE(s.items_size() == s.items_total());
        double sum = 0, rate_sum[3] = {0, 0, 0};
        for (const v1::ScoreItem& item : s.items()) {
          sum += item.points();
          if (absl::StartsWith(item.reason(), "响应率")) rate_sum[0] += item.points();
          if (absl::StartsWith(item.reason(), "解决率")) rate_sum[1] += item.points();
          if (absl::StartsWith(item.reason(), "满意率")) rate_sum[2] += item.points();
          // The item is a fact of its order, of this unit or one under it.
          const v1::OrderFacts* o = by_id.at(item.order_id());
          bool found = false;
          for (const v1::Fact& f : o->facts()) {
            found = found || (f.seq() == item.seq() && f.kind() == item.kind() && f.unit_code() == item.unit_code());
          }
          CHECK(found);
          CHECK(IsWithin(item.unit_code(), u.code(), Dir()));
        }
        CHECK(sum == s.score());  // the same items in the same order: exactly
        CHECK(std::abs(s.rate_points() + s.penalty_points() + s.reward_points() - s.score()) < 1e-9);
        // Each rate's items add up to its share of the maximum times the
        // rate; a rate with no trials is n/a and its weight went to the others.
        const v1::RateWeights& w = rules.weights();
        const double weight[3] = {w.response(), w.resolution(), w.satisfaction()};
        const int trials[3] = {s.response_trials(), s.resolution_trials(), s.satisfaction_trials()};
        const double rate[3] = {s.response_rate(), s.resolution_rate(), s.satisfaction_rate()};
        double total = 0, active = 0;
        for (int r = 0; r < 3; ++r) {
          total += weight[r];
          if (trials[r] > 0) active += weight[r];
        }
        for (int r = 0; r < 3; ++r) {
          const double share = trials[r] > 0 ? weight[r] * total / active : 0;
          CHECK(std::abs(rate_sum[r] - share * rate[r]) < 1e-9);
        }
        // The pools: capped, and the cap binds only when the uncapped sum passes it.
        CHECK(s.penalty_points() >= -rules.penalty_cap() - 1e-9);
        CHECK(std::abs(s.penalty_points() - std::max(s.penalty_uncapped(), -rules.penalty_cap())) < 1e-9);
        CHECK(s.reward_points() <= rules.reward_cap() + 1e-9);
        CHECK(std::abs(s.reward_points() - std::min(s.reward_uncapped(), rules.reward_cap())) < 1e-9);
        if (s.orders() > 0) ++scored;
      }
    }
    CHECK(units == 11 + static_cast<int>(Dir().ListUnits("", v1::UNIT_KIND_STREET).size()) +
                       static_cast<int>(Dir().ListUnits("", v1::UNIT_KIND_DEPARTMENT).size()));
    if (period.label == "2026-11") CHECK(scored > 100);  // the month is busy everywhere
  }
  // A district answers for its streets: its items are its own and its streets'.
  const v1::UnitScore tianhe = scorer.Score(list, "440106", nov, 1000000);
  int own_or_streets = 0;
  for (const v1::ScoreItem& item : tianhe.items()) {
    own_or_streets += item.unit_code() == "440106" || Dir().IsStreetOf(item.unit_code(), "440106");
  }
  CHECK(own_or_streets == tianhe.items_size());
  // Rankings cover every district, ranked ones first by score.
  const v1::RankUnitsResponse ranking = scorer.Rank(list, v1::UNIT_LEVEL_DISTRICT, nov);
  REQUIRE(ranking.ranking_size() == 11);
  for (int i = 1; i < 11; ++i) {
    if (ranking.ranking(i).rank() > 0) CHECK(ranking.ranking(i - 1).score() >= ranking.ranking(i).score());
  }
  CHECK(ranking.red_list_size() == 3);
  CHECK(ranking.black_list_size() >= 3);
}

}  // namespace
}  // namespace hotline::scoring
