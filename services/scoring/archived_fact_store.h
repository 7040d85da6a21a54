#pragma once
// FactStore over both tiers: months scoring:months marks "moved" (their data
// in PostgreSQL, month_archive.h) are read there, every other month from
// Redis (RedisFactStore), and the answers added up, so a score, ranking,
// top list or explanation of a moved month is the same as before the move.
// Writes (Put), the load and month_rules go to Redis as before; a write that
// would change a moved month is refused there (put_facts.lua). An
// explanation's facts are read from Redis, and those of orders settled in
// moved months (moved with them) from scoring_facts.
//
// A period is cut at month boundaries into runs of live and moved months;
// the sums are additive (the same buckets, BucketDaysCovering, summed on
// either side). Each read looks the months up afresh (one HGETALL). A read
// that races the very move of its month (between the lookup and its Redis
// read) can see the month empty; the next read sees it moved.
//
// Thread-safe: PostgreSQL is read on `pool`'s connections.
#include <set>
#include <string>
#include <vector>

#include "archive/pg.h"
#include "scoring/redis_fact_store.h"

namespace hotline::scoring {

class ArchivedFactStore final : public FactStore {
 public:
  ArchivedFactStore(RedisFactStore& live, redis::Client& redis, archive::PgPool& pool,
                    ScoringKeys keys, absl::TimeZone zone)
      : live_(live), redis_(redis), pool_(pool), keys_(std::move(keys)), zone_(zone) {}

  absl::StatusOr<bool> Put(const v1::OrderFacts& facts) override { return live_.Put(facts); }
  absl::StatusOr<std::vector<Counts>> SumUnitDays(const std::vector<std::string>& units,
                                                  absl::Time start, absl::Time end) override;
  absl::StatusOr<Counts> SumCityDays(const std::string& list, absl::Time start,
                                     absl::Time end) override;
  absl::StatusOr<std::vector<Counts>> CityDays(const std::string& list, absl::Time start,
                                               absl::Time end) override;
  absl::StatusOr<Counts> OpenLoad() override { return live_.OpenLoad(); }
  absl::StatusOr<Counts> TopOfMonth(const std::string& list, const std::string& month, int n,
                                    int64_t min_count) override;
  absl::StatusOr<std::vector<v1::OrderFacts>> LoadUnit(const std::string& unit, absl::Time start,
                                                       absl::Time end) override;
  absl::StatusOr<std::string> MonthRules(const std::string& month, const std::string& current,
                                         bool closed) override {
    return live_.MonthRules(month, current, closed);
  }

  // [start, end) cut at month starts into runs of months all moved or all
  // live, in order.
  struct Run {
    absl::Time start, end;
    bool moved;
  };
  absl::StatusOr<std::vector<Run>> Runs(absl::Time start, absl::Time end);

 private:
  absl::StatusOr<std::set<std::string>> Moved();
  // The facts of `ids` in order: from Redis, else from scoring_facts (an
  // order settled in moved months).
  absl::StatusOr<std::vector<v1::OrderFacts>> LoadFacts(const std::vector<std::string>& ids);
  absl::StatusOr<archive::PgRows> Query(std::string sql, archive::PgParams params);
  // Field-wise sums of each group of keys (PostgreSQL's scoring_hashes).
  absl::StatusOr<std::vector<Counts>> SumKeys(const std::vector<std::vector<std::string>>& groups);

  RedisFactStore& live_;
  redis::Client& redis_;
  archive::PgPool& pool_;
  ScoringKeys keys_;
  ScoringKeys rel_{""};  // keys as PostgreSQL stores them (no prefix)
  absl::TimeZone zone_;
};

}  // namespace hotline::scoring
