#pragma once
// FactStore and OrderSource on Redis (keys: scoring_keys.h). Thread-safe
// (the client is).
#include <optional>
#include <set>
#include <vector>

#include "clock/clock.h"
#include "directory/directory.h"
#include "redis/client.h"
#include "refdata/source.h"
#include "scoring/fact_store.h"
#include "scoring/rules.h"
#include "scoring/scoring_keys.h"

namespace hotline::scoring {

class RedisFactStore final : public FactStore, public OrderSource {
 public:
  // `directory` places facts in the aggregates of their units' ancestors.
  // Each Put reads the version in force (a street added live counts in its
  // district at once) and records, in each fact first stored, the units
  // above its unit (Fact.above, aggregates.h RecordUnitsAbove); a fact keeps
  // them in every later version of its order. So a street moved under
  // another district (a district merge) leaves its past facts counted where
  // they were, and its new facts count under the new district.
  RedisFactStore(redis::Client& redis, ScoringKeys keys, absl::TimeZone zone,
                 refdata::SourceRef<directory::Directory> directory)
      : redis_(redis), keys_(std::move(keys)), zone_(zone), directory_(std::move(directory)) {}

  // The scoring service's own writes: with each Put, the month it is
  // written in (by `clock`, in the store's zone) records the rules version
  // in force (`rules`' current; scoring:month_rules, as an open month's score
  // does), so a month nobody scored while it was open keeps the rules in
  // force while its facts came in. Not set by a rebuild (it would pin past
  // months to today's rules). Before the first Put; both must outlive the store.
  void RecordMonthRules(const refdata::Source<RuleBook>& rules, const Clock& clock) {
    rules_ = &rules;
    clock_ = &clock;
  }

  absl::StatusOr<bool> Put(const v1::OrderFacts& facts) override;
  absl::StatusOr<v1::WorkOrder> LoadWhole(const std::string& order_id) override;

  // Batched forms for a rebuild (tools/admin): the same calls for many
  // orders, each step's commands pipelined together (one round trip per step
  // and connection instead of one per order). PutMany is Put for each (the
  // same check of the stored version, the same script), so it is idempotent
  // and safe beside the consumers; an order another writer raced is retried
  // alone. Results are in the order of the arguments.
  std::vector<absl::StatusOr<v1::WorkOrder>> LoadWholeMany(
      const std::vector<std::string>& order_ids);
  std::vector<absl::StatusOr<bool>> PutMany(const std::vector<v1::OrderFacts>& facts);
  absl::StatusOr<std::vector<Counts>> SumUnitDays(const std::vector<std::string>& units, absl::Time start,
                                                  absl::Time end) override;
  absl::StatusOr<Counts> SumCityDays(const std::string& list, absl::Time start, absl::Time end) override;
  absl::StatusOr<std::vector<Counts>> CityDays(const std::string& list, absl::Time start, absl::Time end) override;
  absl::StatusOr<Counts> OpenLoad() override;
  absl::StatusOr<Counts> TopOfMonth(const std::string& list, const std::string& month, int n,
                                    int64_t min_count) override;
  absl::StatusOr<std::vector<v1::OrderFacts>> LoadUnit(const std::string& unit, absl::Time start,
                                                       absl::Time end) override;
  absl::StatusOr<std::string> MonthRules(const std::string& month, const std::string& current,
                                         bool closed) override;
  // LoadUnit's two steps (the archive's decorator adds the ids of moved
  // months between them): the ids in the unit's order list within the days
  // of [start, end), and the facts of `ids` in their order (an id without
  // facts is skipped).
  absl::StatusOr<std::set<std::string>> UnitOrderIds(const std::string& unit, absl::Time start,
                                                     absl::Time end);
  absl::StatusOr<std::vector<v1::OrderFacts>> LoadFacts(const std::vector<std::string>& ids);

 private:
  std::vector<std::string> DaysIn(absl::Time start, absl::Time end) const;
  std::string KeyOf(const Bucket& bucket) const;
  // One Put attempt: 1 written, 0 not newer, -1 raced by another writer.
  absl::StatusOr<int64_t> TryPut(const v1::OrderFacts& facts);
  // What one Put attempt sends, given the HMGET of the stored version and
  // facts: nullopt when the stored facts are as new (nothing to write).
  struct PutCall {
    std::vector<std::string> keys, args;
  };
  absl::StatusOr<std::optional<PutCall>> PreparePut(const v1::OrderFacts& facts,
                                                    const absl::StatusOr<redis::Reply>& stored);

  redis::Client& redis_;
  ScoringKeys keys_;
  absl::TimeZone zone_;
  refdata::SourceRef<directory::Directory> directory_;
  const refdata::Source<RuleBook>* rules_ = nullptr;  // RecordMonthRules
  const Clock* clock_ = nullptr;
};

}  // namespace hotline::scoring
