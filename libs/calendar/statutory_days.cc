// PLACEHOLDER until branch `statutory` merges (see statutory_days.h).
#include "calendar/statutory_days.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_format.h"
#include "calendar/working_calendar.h"

namespace hotline::calendar {
namespace {

void AddHoliday(v1::CalendarYear* y, const char* name, int month, int first, int last) {
  v1::Holiday* h = y->add_holidays();
  h->set_name(name);
  h->set_first(absl::StrFormat("%04d-%02d-%02d", y->year(), month, first));
  h->set_last(absl::StrFormat("%04d-%02d-%02d", y->year(), month, last));
}

}  // namespace

absl::StatusOr<v1::CalendarYear> ProvisionalYear(int year) {
  if (year < 2000 || year > 2100) {
    return absl::InvalidArgumentError(absl::StrCat("year: ", year, " is out of range"));
  }
  v1::CalendarYear y;
  y.set_year(year);
  y.set_source("provisional: weekends and fixed-date statutory days (placeholder)");
  AddHoliday(&y, "元旦", 1, 1, 1);
  AddHoliday(&y, "劳动节", 5, 1, 2);
  AddHoliday(&y, "国庆节", 10, 1, 3);
  return y;
}

absl::Status ValidateOfficialYear(const v1::CalendarYear& year, int expected_year) {
  if (year.year() != expected_year) {
    return absl::InvalidArgumentError(
        absl::StrCat("year: ", year.year(), " is not the expected ", expected_year));
  }
  // FromYears names its origin first; the caller names the file.
  constexpr absl::string_view kOrigin = "@: ";
  absl::StatusOr<WorkingCalendar> cal = WorkingCalendar::FromYears({{"@", year}});
  if (cal.ok()) return absl::OkStatus();
  absl::string_view message = cal.status().message();
  absl::ConsumePrefix(&message, kOrigin);
  return absl::Status(cal.status().code(), message);
}

}  // namespace hotline::calendar
