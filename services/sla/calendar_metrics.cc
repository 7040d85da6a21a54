#include "sla/calendar_metrics.h"

#include <algorithm>

namespace hotline::sla {

int64_t OfficialDaysLeft(const calendar::WorkingCalendar& calendar, absl::CivilDay today) {
  const std::vector<int> official = calendar.official_years();
  if (official.empty()) return 0;
  const absl::CivilDay last(official.back(), 12, 31);
  return std::max<int64_t>(0, last - today + 1);
}

CalendarMetrics::CalendarMetrics(prometheus::Registry& registry, const calendar::LiveCalendar& calendar,
                                 const Clock& clock, absl::Duration interval)
    : calendar_(calendar),
      clock_(clock),
      interval_(interval),
      days_left_(prometheus::BuildGauge()
                     .Name("hotline_sla_calendar_official_dates_left")
                     .Help("Days from the city's today through Dec 31 of the last year with an official "
                           "working-day schedule, today included; 0 once past it.")
                     .Register(registry)
                     .Add({})),
      next_year_official_(prometheus::BuildGauge()
                              .Name("hotline_sla_calendar_next_year_official")
                              .Help("1 when the city's next year has its official schedule loaded, 0 while it "
                                    "is provisional (weekends and statutory days only).")
                              .Register(registry)
                              .Add({})),
      version_(prometheus::BuildGauge()
                   .Name("hotline_sla_calendar_version")
                   .Help("The calendar version in force (calendar:version in Redis when it was read).")
                   .Register(registry)
                   .Add({})),
      reload_errors_(prometheus::BuildCounter()
                         .Name("hotline_sla_calendar_reload_errors_total")
                         .Help("Calendar rebuilds that failed after a change was seen; the calendar in "
                               "force stayed.")
                         .Register(registry)
                         .Add({})) {
  Update();
}

CalendarMetrics::~CalendarMetrics() { Stop(); }

void CalendarMetrics::Start() {
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(interval_)) Update();
  });
}

void CalendarMetrics::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void CalendarMetrics::Update() {
  std::shared_ptr<const calendar::WorkingCalendar> cal = calendar_.Current();
  const absl::CivilDay today = absl::ToCivilDay(clock_.Now(), CityTimeZone());
  days_left_.Set(static_cast<double>(OfficialDaysLeft(*cal, today)));
  const std::vector<int> official = cal->official_years();
  const int next_year = static_cast<int>(today.year()) + 1;
  next_year_official_.Set(std::binary_search(official.begin(), official.end(), next_year) ? 1 : 0);
  version_.Set(static_cast<double>(cal->version()));
  // A Counter cannot be set: add what the calendar counted since last time.
  absl::MutexLock lock(&mu_);
  const int64_t errors = calendar_.reload_errors();
  if (errors > errors_counted_) reload_errors_.Increment(static_cast<double>(errors - errors_counted_));
  errors_counted_ = errors;
}

}  // namespace hotline::sla
