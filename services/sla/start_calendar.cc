#include "sla/start_calendar.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "log/log.h"

namespace hotline::sla {

void AddCalendarFlags(config::Flags& flags, CalendarFlags* out) {
  flags.Bool("provisional_years", "HOTLINE_SLA_PROVISIONAL_YEARS",
             "count years without an official schedule as weekends plus statutory days (false: such "
             "years are missing; tests inject that)",
             &out->options.provisional_years);
  flags.Duration("calendar_poll", "HOTLINE_SLA_CALENDAR_POLL", "how often to look for a newly loaded calendar in Redis",
                 &out->options.poll_interval);
  flags.Duration("calendar_wait", "HOTLINE_SLA_CALENDAR_WAIT", "how long to wait at start for Redis to give the calendar",
                 &out->wait);
}

absl::StatusOr<std::unique_ptr<calendar::LiveCalendar>> StartCalendar(calendar::CalendarStore& store,
                                                                      const std::string& seed_dir,
                                                                      const Clock& clock,
                                                                      calendar::LiveCalendarOptions options,
                                                                      absl::Duration wait) {
  const absl::Time give_up = absl::Now() + wait;
  for (;;) {
    absl::StatusOr<calendar::SeedResult> seeded = store.Seed(seed_dir, absl::Now());
    absl::Status status = seeded.status();
    if (seeded.ok()) {
      log::Info("calendar seed", {{"dir", seed_dir},
                                  {"added", absl::StrJoin(seeded->added, ",")},
                                  {"version", absl::StrCat(seeded->version)}});
      for (int year : seeded->differing) {
        log::Warning("the seed file differs from the schedule loaded in Redis, which stays in force",
                     {{"year", absl::StrCat(year)}, {"dir", seed_dir}});
      }
      absl::StatusOr<std::unique_ptr<calendar::LiveCalendar>> live =
          calendar::LiveCalendar::Create(store, clock, options);
      if (live.ok()) return live;
      status = live.status();
    }
    const bool redis_trouble = status.code() == absl::StatusCode::kUnavailable ||
                               status.code() == absl::StatusCode::kDeadlineExceeded ||
                               status.code() == absl::StatusCode::kUnknown ||
                               status.code() == absl::StatusCode::kAborted;
    if (!redis_trouble || absl::Now() >= give_up) return status;
    log::Warning("cannot read the calendar from Redis yet; retrying", {{"error", status.ToString()}});
    absl::SleepFor(absl::Seconds(1));
  }
}

void FollowCalendar(calendar::LiveCalendar& calendar, Monitor& monitor) {
  auto calendar_changed = [&monitor](int64_t version) {
    if (absl::Status s = monitor.CalendarChanged(version); !s.ok()) {
      log::Error("cannot re-queue the orders of a changed calendar", {{"error", s.ToString()}});
    }
  };
  calendar.OnChange([calendar_changed](int64_t version, std::vector<int>) { calendar_changed(version); });
  calendar_changed(calendar.Current()->version());
  if (absl::Status s = monitor.RetryWithoutDeadline(); !s.ok()) {
    log::Error("cannot re-queue the orders without a deadline", {{"error", s.ToString()}});
  }
}

}  // namespace hotline::sla
