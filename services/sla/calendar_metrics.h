#pragma once
// The working-day calendar's gauges on hotline-sla, refreshed every second
// from the live calendar and the city clock, so that operators hear in time
// that next year's schedule is missing (alert HotlineCalendarYearMissing):
//   hotline_sla_calendar_official_dates_left   days from the city's today
//                                             through Dec 31 of the last
//                                             official year, today included
//                                             (0 once past it)
//   hotline_sla_calendar_next_year_official   1 when the city's next year has
//                                             its official schedule, else 0
//   hotline_sla_calendar_version              the calendar version in force
//   hotline_sla_calendar_reload_errors_total  calendar rebuilds that failed
//                                             (the previous calendar stayed)
// Thread-safe.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "calendar/live_calendar.h"
#include "clock/clock.h"

namespace hotline::sla {

// Days from `today` through Dec 31 of `calendar`'s last official year, today
// included; 0 when there is none or it is past. Pure.
int64_t OfficialDaysLeft(const calendar::WorkingCalendar& calendar, absl::CivilDay today);

class CalendarMetrics {
 public:
  // Sets the gauges once at once; Start() keeps them fresh.
  CalendarMetrics(prometheus::Registry& registry, const calendar::LiveCalendar& calendar,
                  const Clock& clock, absl::Duration interval = absl::Seconds(1));
  ~CalendarMetrics();  // Stop()
  void Start();        // at most once
  void Stop();         // idempotent
  void Update();       // one refresh now

 private:
  const calendar::LiveCalendar& calendar_;
  const Clock& clock_;
  const absl::Duration interval_;
  prometheus::Gauge& days_left_;
  prometheus::Gauge& next_year_official_;
  prometheus::Gauge& version_;
  prometheus::Counter& reload_errors_;
  absl::Mutex mu_;
  int64_t errors_counted_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hotline::sla
