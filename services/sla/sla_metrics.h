#pragma once
// The SLA monitor's domain metrics (bounded labels only):
//   hotline_sla_warnings_total{clock}        pre-warnings (预警) fired
//   hotline_sla_breaches_total{clock}        deadlines breached (超时)
//   hotline_sla_escalations_total{kind}      urge (催办), supervise (督办), notice (通报)
//   hotline_sla_fire_lag_seconds             due moment -> written, in wall seconds (whatever the
//                                            city clock's rate: what an operator waits)
//   hotline_sla_open_orders{status,level}    open orders by SLA status and escalation level
//   hotline_sla_open_orders_by_district{district,status}   the same by district (11 codes)
//   hotline_sla_due_pass_last_timestamp_seconds   heartbeat of the due-pass loop
//   hotline_sla_orders_without_deadline   open orders whose closing deadline could not be computed
//   hotline_sla_provisional_deadlines     open orders with a provisional (暂定) deadline
// Thread-safe.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "sla/deadline_store.h"
#include "sla/timeline.h"

namespace hotline::sla {

class SlaMetrics {
 public:
  // `clock_rate`: city seconds per wall second (libs/clock/city_clock.h).
  explicit SlaMetrics(prometheus::Registry& registry, double clock_rate = 1);
  // `lag` in city time, as the monitor measures it.
  void Fired(const Mark& mark, absl::Duration lag);
  void SetOpen(const std::vector<std::pair<std::string, int64_t>>& counts);  // "status:level" -> n
  void SetOpenByDistrict(const std::vector<std::pair<std::string, int64_t>>& counts);  // "district:status" -> n
  void SetGaps(const DeadlineStore::Gaps& gaps);
  void PassDone();

 private:
  prometheus::Family<prometheus::Counter>& warnings_;
  prometheus::Family<prometheus::Counter>& breaches_;
  prometheus::Family<prometheus::Counter>& escalations_;
  prometheus::Histogram& lag_;
  double clock_rate_;
  prometheus::Family<prometheus::Gauge>& open_;
  prometheus::Family<prometheus::Gauge>& open_by_district_;
  prometheus::Gauge& without_deadline_;
  prometheus::Gauge& provisional_;
  prometheus::Gauge& last_pass_;
};

}  // namespace hotline::sla
