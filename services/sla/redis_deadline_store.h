#pragma once
// The SLA monitor's store on Redis: keys in sla_keys.h, atomic writes in
// scripts/settle.lua. Blocking calls (the monitor's loops and its RPCs are few
// and short); thread-safe (redis::Client is).
#include "redis/client.h"
#include "sla/deadline_store.h"
#include "sla/sla_keys.h"

namespace hotline::sla {

class RedisDeadlineStore final : public DeadlineStore {
 public:
  // The events it appends are never capped: the stream is trimmed only up to
  // what every consumer group has settled (orders/event_retention.h).
  RedisDeadlineStore(redis::Client& redis, SlaKeys keys) : redis_(redis), keys_(std::move(keys)) {}

  absl::StatusOr<LoadedOrder> Load(const std::string& order_id) override;
  absl::StatusOr<std::vector<std::string>> Due(absl::Time now, int limit) override;
  absl::StatusOr<std::optional<absl::Time>> NextDue() override;
  absl::Status Settle(const Settlement& settlement) override;
  absl::Status Reschedule(const std::string& order_id, std::optional<absl::Time> due) override;
  absl::StatusOr<std::vector<std::string>> ListUnit(const UnitListQuery& query) override;
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> CountByStatus() override;
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> CountByDistrict() override;
  absl::StatusOr<Gaps> CountGaps() override;
  absl::StatusOr<int64_t> RequeueForCalendar(int64_t version, absl::Time now) override;
  absl::Status PublishPolicies(const std::string& version, const std::string& serialized) override;
  absl::StatusOr<std::string> LoadPolicies(const std::string& version) override;

  const SlaKeys& keys() const { return keys_; }

 private:
  redis::Client& redis_;
  SlaKeys keys_;
};

}  // namespace hotline::sla
