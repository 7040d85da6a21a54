#pragma once
// PLACEHOLDER until branch `statutory` merges: the real statutory days
// (lunar dates, 清明) come from there. Same two signatures; this one knows
// only the fixed-date statutory days and the checks WorkingCalendar makes.
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hotline/v1/sla.pb.h"

namespace hotline::calendar {

// `year` as known before its schedule is published: weekends (implicit) plus
// the statutory days, no make-up days.
absl::StatusOr<v1::CalendarYear> ProvisionalYear(int year);

// Whether `year` may be loaded as the official schedule of `expected_year`.
// INVALID_ARGUMENT naming the field and the date.
absl::Status ValidateOfficialYear(const v1::CalendarYear& year, int expected_year);

}  // namespace hotline::calendar
