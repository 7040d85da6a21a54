#pragma once
// FactStore and OrderSource on Redis (keys: scoring_keys.h). Thread-safe
// (the client is).
#include "redis/client.h"
#include "scoring/fact_store.h"
#include "scoring/scoring_keys.h"

namespace hotline::scoring {

class RedisFactStore final : public FactStore, public OrderSource {
 public:
  RedisFactStore(redis::Client& redis, ScoringKeys keys, absl::TimeZone zone)
      : redis_(redis), keys_(std::move(keys)), zone_(zone) {}

  absl::StatusOr<bool> Put(const v1::OrderFacts& facts) override;
  absl::StatusOr<std::vector<v1::OrderFacts>> Load(absl::Time start, absl::Time end) override;
  absl::StatusOr<std::vector<v1::OrderFacts>> LoadOpen() override;
  absl::StatusOr<v1::WorkOrder> LoadWhole(const std::string& order_id) override;

 private:
  absl::StatusOr<std::vector<v1::OrderFacts>> LoadIds(const std::vector<std::string>& ids);

  redis::Client& redis_;
  ScoringKeys keys_;
  absl::TimeZone zone_;
};

}  // namespace hotline::scoring
