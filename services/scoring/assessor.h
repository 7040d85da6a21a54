#pragma once
// The scoring service's domain core: answers the hotline.v1.Scoring requests
// from the stored per-day aggregates (figures, rankings, hot spots, the
// screen) or, for an explanation, from the facts of the one unit's orders of
// the period (FactStore), under the rules, in the city's time zone, and
// checks who may see what (access.h). The aggregates are rules-independent
// counts, so any period under any rules version can be asked for. Thread-safe (the store is; the rest is immutable).
#include <optional>

#include "absl/status/statusor.h"
#include "clock/clock.h"
#include "directory/directory.h"
#include "hotline/v1/scoring.pb.h"
#include "hotline/v1/work_order.pb.h"
#include "refdata/source.h"
#include "scoring/fact_store.h"
#include "scoring/rules.h"

namespace hotline::scoring {

using Caller = std::optional<v1::Actor>;

class Assessor {
 public:
  // `rules` and `directory` are the ones in force (refdata/live.h), read
  // once per answer.
  Assessor(refdata::SourceRef<RuleBook> rules, refdata::SourceRef<directory::Directory> directory,
           FactStore& store, const Clock& clock, absl::TimeZone zone)
      : rules_(std::move(rules)),
        directory_(std::move(directory)),
        store_(store),
        clock_(clock),
        zone_(zone) {}

  absl::StatusOr<v1::GetUnitScoreResponse> GetUnitScore(const Caller& caller, const v1::GetUnitScoreRequest& r);
  absl::StatusOr<v1::ExplainScoreResponse> ExplainScore(const Caller& caller, const v1::ExplainScoreRequest& r);
  // A unit handler gets only the rows of its own subtree (ranks as in the
  // whole level); the red and black lists are published to all.
  absl::StatusOr<v1::RankUnitsResponse> RankUnits(const Caller& caller, const v1::RankUnitsRequest& r);
  // Any caller, but HOT_KIND_ADDRESSES only for `caller`s CheckMaySeeAddresses
  // lets through (month periods only).
  absl::StatusOr<v1::GetHotSpotsResponse> GetHotSpots(const v1::GetHotSpotsRequest& r,
                                                      const Caller& caller = std::nullopt);
  // The centre's roles only (agents' figures are the centre's own staff).
  absl::StatusOr<v1::GetAgentFiguresResponse> GetAgentFigures(const Caller& caller,
                                                              const v1::GetAgentFiguresRequest& r);
  // The wall screen: no personal data.
  absl::StatusOr<v1::GetScreenResponse> GetScreen();

 private:
  // The rules a score of `period` uses: `version` when named (a recompute);
  // for a month, the version kept for it (FactStore::MonthRules: a past
  // month keeps the rules it was scored under); else the current ones.
  absl::StatusOr<const v1::ScoringRules*> RulesFor(const RuleBook& book, const v1::Period& period,
                                                   const Interval& interval, const std::string& version);
  absl::StatusOr<v1::UnitScore> Score(const Caller& caller, const std::string& unit, const v1::Period& period,
                                      const std::string& version, int item_limit);
  // The month's shared addresses from its sorted set (never summed by day).
  absl::StatusOr<v1::GetHotSpotsResponse> TopAddresses(const Caller& caller,
                                                       const v1::GetHotSpotsRequest& r);
  // Every unit of `level` scored from its aggregates and ranked.
  absl::StatusOr<v1::RankUnitsResponse> Rank(const v1::ScoringRules& rules, v1::UnitLevel level,
                                             const Interval& interval);

  refdata::SourceRef<RuleBook> rules_;
  refdata::SourceRef<directory::Directory> directory_;
  FactStore& store_;
  const Clock& clock_;
  absl::TimeZone zone_;
};

}  // namespace hotline::scoring
