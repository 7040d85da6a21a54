#pragma once
// The SLA part of the `hotline` CLI: requests from flags and the Chinese
// tables for an order's SLA timeline, a unit's deadlines and the calendar.
// Pure functions (the Run* functions in commands.cc make the calls).
#include <string>

#include "absl/status/statusor.h"
#include "hotline/v1/sla.pb.h"
#include "tools/hotline/cli_args.h"

namespace hotline::cli {

absl::StatusOr<v1::GetOrderSlaRequest> BuildOrderSlaRequest(const CommandLine& cl);
absl::StatusOr<v1::ListUnitDeadlinesRequest> BuildDeadlinesRequest(const CommandLine& cl);
absl::StatusOr<v1::RequestExtensionRequest> BuildExtendRequest(const CommandLine& cl);
absl::StatusOr<v1::DecideExtensionRequest> BuildDecideExtensionRequest(const CommandLine& cl);
absl::StatusOr<v1::QueryCalendarRequest> BuildCalendarRequest(const CommandLine& cl);

// "3天4小时" (a day is 24 working hours); "-" for 0; "超时 2小时" when negative.
std::string WorkingDuration(int64_t seconds);
// The order's SLA view: deadlines, the timeline of marks (fired and to
// come) and the working time per holder, summed.
std::string FormatOrderSla(const v1::OrderSla& sla);
std::string FormatDeadlines(const v1::ListUnitDeadlinesResponse& list, bool overdue);
std::string FormatCalendar(const v1::QueryCalendarRequest& request, const v1::QueryCalendarResponse& answer);

}  // namespace hotline::cli
