#pragma once
// The working-day calendar at the SLA monitor's start: seeded into Redis from
// data/calendar, built from Redis, and followed live (calendar/live_calendar.h)
// with the monitor re-queuing what a newly loaded schedule changes.
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "calendar/calendar_store.h"
#include "calendar/live_calendar.h"
#include "clock/clock.h"
#include "config/flags.h"
#include "sla/monitor.h"

namespace hotline::sla {

// The calendar's flags: provisional years, how often to look for a load, and
// how long to wait for Redis at start.
struct CalendarFlags {
  calendar::LiveCalendarOptions options;
  absl::Duration wait = absl::Seconds(60);
};
void AddCalendarFlags(config::Flags& flags, CalendarFlags* out);

// Writes the years of `seed_dir` that Redis does not have yet, then builds
// the calendar from Redis. Redis may still be starting (compose, Kubernetes),
// so a Redis error is retried until `wait` has passed; a bad seed file is not.
absl::StatusOr<std::unique_ptr<calendar::LiveCalendar>> StartCalendar(calendar::CalendarStore& store,
                                                                      const std::string& seed_dir,
                                                                      const Clock& clock,
                                                                      calendar::LiveCalendarOptions options,
                                                                      absl::Duration wait);

// A newly loaded schedule: the orders whose deadlines lean on a provisional
// year (or have none) are re-queued, once across replicas, and the due passes
// recompute them. Also now, at start: a load may have come while every
// replica was down; and the orders left without a deadline are retried.
// Errors are logged. Call before calendar.Start().
void FollowCalendar(calendar::LiveCalendar& calendar, Monitor& monitor);

}  // namespace hotline::sla
