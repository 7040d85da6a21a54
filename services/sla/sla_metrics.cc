#include "sla/sla_metrics.h"

#include "absl/time/clock.h"

namespace hotline::sla {

SlaMetrics::SlaMetrics(prometheus::Registry& registry, double clock_rate)
    : warnings_(prometheus::BuildCounter()
                    .Name("hotline_sla_warnings_total")
                    .Help("Pre-warnings (预警) fired, by clock (sign_off, closing).")
                    .Register(registry)),
      breaches_(prometheus::BuildCounter()
                    .Name("hotline_sla_breaches_total")
                    .Help("Deadlines breached (超时), by clock (sign_off, closing).")
                    .Register(registry)),
      escalations_(prometheus::BuildCounter()
                       .Name("hotline_sla_escalations_total")
                       .Help("Escalations of overdue orders, by kind (urge 催办, supervise 督办, notice 通报).")
                       .Register(registry)),
      lag_(prometheus::BuildHistogram()
               .Name("hotline_sla_fire_lag_seconds")
               .Help("From the moment a mark was due to when it was written (wall seconds, under any "
                     "city clock rate).")
               .Register(registry)
               .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60,
                                                                 300})),
      clock_rate_(clock_rate > 0 ? clock_rate : 1),
      open_(prometheus::BuildGauge()
                .Name("hotline_sla_open_orders")
                .Help("Open orders by SLA status (on_time, warned, breached, escalated, stopped) and "
                      "escalation level (none, urge, supervise, notice).")
                .Register(registry)),
      open_by_district_(prometheus::BuildGauge()
                            .Name("hotline_sla_open_orders_by_district")
                            .Help("Open orders by district (code) and SLA status.")
                            .Register(registry)),
      without_deadline_(prometheus::BuildGauge()
                            .Name("hotline_sla_orders_without_deadline")
                            .Help("Open orders whose policy sets a closing deadline that could not be computed "
                                  "(a year the calendar lacks); each is retried. Above 0: alert.")
                            .Register(registry)
                            .Add({})),
      provisional_(prometheus::BuildGauge()
                       .Name("hotline_sla_provisional_deadlines")
                       .Help("Open orders with a deadline in force computed on a provisional year (暂定: no "
                             "published schedule yet); recomputed once it is loaded.")
                       .Register(registry)
                       .Add({})),
      last_pass_(prometheus::BuildGauge()
                     .Name("hotline_sla_due_pass_last_timestamp_seconds")
                     .Help("When the due-pass loop last finished a pass (Unix time); stands still when it hangs.")
                     .Register(registry)
                     .Add({})) {
  for (const char* clock : {"sign_off", "closing"}) {
    warnings_.Add({{"clock", clock}});
    breaches_.Add({{"clock", clock}});
  }
  for (const char* kind : {"urge", "supervise", "notice"}) escalations_.Add({{"kind", kind}});
  for (const char* status : kStatuses) {
    for (const char* level : kLevels) open_.Add({{"status", status}, {"level", level}});
  }
}

void SlaMetrics::Fired(const Mark& mark, absl::Duration lag) {
  switch (mark.kind) {
    case MarkKind::kWarning: warnings_.Add({{"clock", mark.clock}}).Increment(); break;
    case MarkKind::kBreach: breaches_.Add({{"clock", mark.clock}}).Increment(); break;
    default: escalations_.Add({{"kind", KindName(mark.kind)}}).Increment(); break;
  }
  // At the demo's x60 clock a 100 ms pass is 6 city seconds: operators wait
  // in wall time.
  lag_.Observe(absl::ToDoubleSeconds(lag) / clock_rate_);
}

void SlaMetrics::SetOpen(const std::vector<std::pair<std::string, int64_t>>& counts) {
  for (const auto& [key, n] : counts) {
    const size_t colon = key.find(':');
    open_.Add({{"status", key.substr(0, colon)}, {"level", key.substr(colon + 1)}}).Set(static_cast<double>(n));
  }
}

void SlaMetrics::SetOpenByDistrict(const std::vector<std::pair<std::string, int64_t>>& counts) {
  for (const auto& [key, n] : counts) {
    const size_t colon = key.find(':');
    open_by_district_.Add({{"district", key.substr(0, colon)}, {"status", key.substr(colon + 1)}})
        .Set(static_cast<double>(n));
  }
}

void SlaMetrics::SetGaps(const DeadlineStore::Gaps& gaps) {
  without_deadline_.Set(static_cast<double>(gaps.no_deadline));
  provisional_.Set(static_cast<double>(gaps.provisional));
}

void SlaMetrics::PassDone() { last_pass_.Set(static_cast<double>(absl::ToUnixMicros(absl::Now())) / 1e6); }

}  // namespace hotline::sla
