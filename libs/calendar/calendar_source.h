#pragma once
// Where a service gets the working-day calendar in force. The calendar can
// change while the service runs (an official year's schedule is loaded with
// `hotline-admin calendar load`), so callers ask for the current one at each
// decision and keep the shared pointer only for that decision: one decision
// never mixes two calendars.
//
// Thread-safe.
#include <memory>
#include <utility>

#include "calendar/working_calendar.h"

namespace hotline::calendar {

class CalendarSource {
 public:
  virtual ~CalendarSource() = default;
  // Never null.
  virtual std::shared_ptr<const WorkingCalendar> Current() const = 0;
};

// One calendar for ever: tests, and tools that read files.
class FixedCalendarSource final : public CalendarSource {
 public:
  explicit FixedCalendarSource(WorkingCalendar calendar)
      : calendar_(std::make_shared<const WorkingCalendar>(std::move(calendar))) {}
  std::shared_ptr<const WorkingCalendar> Current() const override { return calendar_; }

 private:
  std::shared_ptr<const WorkingCalendar> calendar_;
};

}  // namespace hotline::calendar
