#pragma once
// The working-day calendar in force on a running service: the official years
// stored in Redis (calendar_store.h) plus a provisional year (statutory_days.h:
// weekends and the statutory days, no make-up days) for every year around them
// that has no official schedule yet.
//
// A thread reads calendar:version every poll interval (200 ms by default) and,
// when it moved - or when the city's year moved on, which widens the span of
// provisional years - reads the years, builds a new calendar and swaps it in:
// every replica uses a new load within about one interval, with no restart.
// A failed rebuild keeps the calendar in force, is logged and counted
// (reload_errors()), and is tried again at the next poll.
//
// Thread-safe. Register OnChange callbacks before Start().
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "calendar/calendar_source.h"
#include "calendar/calendar_store.h"
#include "clock/clock.h"

namespace hotline::calendar {

struct LiveCalendarOptions {
  absl::Duration poll_interval = absl::Milliseconds(200);
  // false: years without an official schedule stay missing (deadlines that
  // need them fail); tests use it to inject "a year is missing".
  bool provisional_years = true;
  // Provisional years reach this many years past the later of the last
  // official year and the city's current year.
  int years_ahead = 2;
};

// The calendar of `stored`'s official years and, when `options.provisional_years`,
// a provisional year for every year from the earlier of the first official
// year and `current_year` up to the later of the last official year and
// `current_year`, plus options.years_ahead, that is not official (within the
// years the statutory rules cover, statutory_days.h). Its version is
// stored.version. Pure.
absl::StatusOr<WorkingCalendar> BuildCalendar(const StoredCalendar& stored, int current_year,
                                              const LiveCalendarOptions& options);

class LiveCalendar final : public CalendarSource {
 public:
  // Called after a swap that came with a new version, on the poller's thread:
  // the new version and the years that are official now and were not before
  // (ascending; empty when only an official year was replaced).
  using ChangeCallback =
      std::function<void(int64_t version, std::vector<int> newly_official_years)>;

  // Reads Redis and builds the first calendar; the poller is not started.
  // Fails (with the store's or the build's error) when either fails.
  static absl::StatusOr<std::unique_ptr<LiveCalendar>> Create(CalendarStore& store,
                                                              const Clock& clock,
                                                              LiveCalendarOptions options = {});
  ~LiveCalendar() override;  // Stop()

  // Never null.
  std::shared_ptr<const WorkingCalendar> Current() const override;
  void OnChange(ChangeCallback callback);

  void Start();  // at most once
  void Stop();   // joins the poller; idempotent

  // One poll now (the poller's step): reads the version and rebuilds if it
  // moved or the city's year did. False when that failed (the calendar in
  // force stays).
  bool Poll();
  // Rebuilds that failed (a version or year change seen but not taken in).
  int64_t reload_errors() const;

 private:
  LiveCalendar(CalendarStore& store, const Clock& clock, LiveCalendarOptions options);
  // Reads the years and swaps in their calendar; false (logged, counted once
  // per version seen and year) when that failed.
  bool Rebuild(int current_year, int64_t seen_version);
  int CurrentYear() const;
  void Run();

  CalendarStore& store_;
  const Clock& clock_;
  const LiveCalendarOptions options_;
  std::vector<ChangeCallback> callbacks_;  // set before Start

  mutable absl::Mutex mu_;
  std::shared_ptr<const WorkingCalendar> current_ ABSL_GUARDED_BY(mu_);
  int built_year_ ABSL_GUARDED_BY(mu_) = 0;  // the city's year current_ was built for
  int64_t reload_errors_ ABSL_GUARDED_BY(mu_) = 0;
  // The last failure (version, year), so a failure that repeats at every poll
  // is logged and counted once.
  std::pair<int64_t, int> failed_ ABSL_GUARDED_BY(mu_) = {-1, 0};
  bool version_unreadable_ ABSL_GUARDED_BY(mu_) = false;

  // Serialises Poll() (the thread, a test calling it directly).
  absl::Mutex poll_mu_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hotline::calendar
