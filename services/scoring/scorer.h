#pragma once
// Pure, I/O-free: scores, the three rates, explanations, rankings, hot spots
// and agents' figures from the stored facts of orders (facts.h) and the
// rules. Every point is a ScoreItem tied to one order's history entry, and a
// unit's score is by definition the sum of its items (summed here once, in
// one order), so the explanation always sums to the score. A unit's facts
// include those of its sub-units (a district answers for its streets).
// Formulas: services/scoring/README.md. Thread-compatible (no state).
#include <string>
#include <vector>

#include "directory/directory.h"
#include "hotline/v1/work_order.pb.h"
#include "hotline/v1/scoring.pb.h"
#include "scoring/aggregates.h"
#include "scoring/period.h"

namespace hotline::scoring {

using FactsList = std::vector<const v1::OrderFacts*>;

class Scorer {
 public:
  Scorer(const v1::ScoringRules& rules, const directory::Directory& directory);

  // `unit_code`'s score over `period`; with `item_limit` > 0 the first
  // item_limit items (by time) are filled in, items_total always counts all.
  v1::UnitScore Score(const FactsList& facts, const std::string& unit_code, const Interval& period,
                      int item_limit = 0) const;
  // Every unit of `level` scored and ranked (score desc, then code), units
  // with fewer than min_orders assessed orders after them unranked; the red
  // and black lists as the rules say.
  v1::RankUnitsResponse Rank(const FactsList& facts, v1::UnitLevel level, const Interval& period) const;

  // Top lists (rules.hot.top_n entries, count desc then code asc).
  std::vector<v1::HotEntry> TopMatters(const FactsList& facts, const Interval& period,
                                       const std::string& district_code = "") const;
  std::vector<v1::HotEntry> TopLocations(const FactsList& facts, const Interval& period) const;
  std::vector<v1::HotEntry> TopDepartments(const FactsList& facts, const Interval& period) const;
  // Addresses (street and normalised address) of orders created in the
  // period shared by at least hot.address_min_orders of them.
  std::vector<v1::HotEntry> TopAddresses(const FactsList& facts, const Interval& period) const;
  std::vector<v1::HotEntry> RisingMatters(const FactsList& facts, const Interval& period,
                                          const Interval& previous) const;
  v1::GetAgentFiguresResponse Agents(const FactsList& facts, const Interval& period,
                                     const std::string& agent_id = "") const;

  // The same figures from the per-day aggregates (aggregates.h) summed over
  // the period, without reading any order; `start_day` is the period's first
  // city day (YYYYMMDD). Equal to the facts-based ones (up to the rounding of
  // a different order of additions); items are never filled in.
  v1::UnitScore ScoreCounts(const Counts& unit_days, const std::string& unit_code, const Interval& period,
                            const std::string& start_day) const;
  // The codes of the units `level` ranks.
  std::vector<std::string> UnitsOfLevel(v1::UnitLevel level) const;
  // Ranks `scores` (one per unit of a level) as Rank does.
  v1::RankUnitsResponse RankScores(std::vector<v1::UnitScore> scores, const Interval& period) const;
  // Top list of `counts` (code -> count) naming categories or units.
  std::vector<v1::HotEntry> Top(const Counts& counts, bool categories) const;
  // Top list of `counts` (AddressMember -> orders) of at least
  // hot.address_min_orders; code = the member, name = street name + address.
  std::vector<v1::HotEntry> TopAddressCounts(const Counts& counts) const;
  // Rising categories: `now` and `before` are category -> orders.
  std::vector<v1::HotEntry> Rising(const Counts& now, const Counts& before) const;
  // Agents' figures from the city-day aggregates of each day of the period.
  v1::GetAgentFiguresResponse AgentsFromDays(const std::vector<Counts>& city_days, const Interval& period,
                                             const std::string& agent_id = "") const;

  // The unit a fact counts for at `level` (its own or the one of that
  // level's kind above it, as recorded: aggregates.h UnitsOf); "" if none.
  std::string AncestorOfKind(const v1::Fact& fact, v1::UnitKind kind) const;

 private:
  // Whether `fact` counts for `root` (its unit or one recorded above it).
  bool InSubtree(const v1::Fact& fact, const std::string& root) const;

  const v1::ScoringRules& rules_;
  const directory::Directory& directory_;
};

// The Chinese label of a fact kind (for explanations) and its snake name.
std::string FactLabel(v1::FactKind kind);
std::string FactName(v1::FactKind kind);

}  // namespace hotline::scoring
