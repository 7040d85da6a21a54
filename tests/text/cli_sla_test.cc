// The SLA commands of the hotline CLI: requests from flags, and the Chinese
// timeline table (pure functions of tools/hotline/sla_commands.h).
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "tools/hotline/local_time.h"
#include "tools/hotline/sla_commands.h"
#include "support/cli_harness.h"

namespace hotline::cli {
namespace {

TEST_CASE("working durations read as days, hours and minutes", "[cli][sla]") {
  CHECK(WorkingDuration(0) == "0");
  CHECK(WorkingDuration(3 * 86400 + 4 * 3600) == "3天4小时");
  CHECK(WorkingDuration(2 * 3600 + 5 * 60) == "2小时5分");
  CHECK(WorkingDuration(-7200) == "超时 2小时");
  CHECK(WorkingDuration(42) == "42秒");
}

TEST_CASE("extension and calendar requests come from flags, bad values name the flag", "[cli][sla]") {
  absl::StatusOr<v1::RequestExtensionRequest> ask =
      BuildExtendRequest(testing::ParsedOrFail({"extend", "GZ20260302000001", "--due", "2026-04-10", "--reason", "勘查"}));
  REQUIRE(ask.ok());
  CHECK(FormatLocalTime(ask->new_due()) == "2026-04-10 00:00:00");
  CHECK(ask->reason() == "勘查");
  absl::Status bad = BuildExtendRequest(testing::ParsedOrFail({"extend", "GZ20260302000001", "--due", "next week", "--reason", "x"}))
                         .status();
  CHECK(absl::StartsWith(bad.message(), "--due: "));
  CHECK(BuildDecideExtensionRequest(testing::ParsedOrFail({"extension", "GZ20260302000001"})).status().message() ==
        "--approve: give --approve or --refuse");
  CHECK(BuildDecideExtensionRequest(testing::ParsedOrFail({"extension", "GZ20260302000001", "--refuse", "--due", "2026-05-01"}))
            .status()
            .message() == "--due: only with --approve");
  absl::StatusOr<v1::QueryCalendarRequest> cal = BuildCalendarRequest(testing::ParsedOrFail({"calendar", "--add-days", "20"}));
  REQUIRE(cal.ok());
  CHECK(cal->add_working_days() == 20);
  CHECK_FALSE(BuildCalendarRequest(testing::ParsedOrFail({"calendar", "--add-days", "-1"})).ok());
  absl::StatusOr<v1::ListUnitDeadlinesRequest> list =
      BuildDeadlinesRequest(testing::ParsedOrFail({"deadlines", "--unit", "440106", "--overdue"}));
  REQUIRE(list.ok());
  CHECK(list->overdue());
}

TEST_CASE("the SLA view is a Chinese table: deadlines, timeline, time per holder", "[cli][sla]") {
  v1::OrderSla sla;
  sla.set_order_id("GZ20260302000001");
  sla.set_policy("complaint");
  sla.set_status("breached");
  sla.set_level("urge");
  sla.set_assigned_unit_code("440106001");
  v1::Deadline* closing = sla.mutable_closing();
  closing->set_armed(true);
  closing->set_running(true);
  closing->set_breached(true);
  closing->mutable_due()->set_seconds(1775005200);           // 2026-04-01 09:00 +08:00
  closing->mutable_original_due()->set_seconds(1774832400);  // 2026-03-30 09:00 +08:00
  closing->set_left_seconds(-2 * 3600);
  v1::SlaMark* fired = sla.add_fired();
  fired->set_clock("closing");
  fired->set_kind("warning");
  fired->mutable_at()->set_seconds(1774400400);
  fired->set_note("预警: 50% of the time limit used");
  v1::SlaMark* next = sla.add_upcoming();
  next->set_clock("closing");
  next->set_kind("supervise");
  next->mutable_at()->set_seconds(1775178000);
  for (auto [kind, unit, seconds] : {std::tuple{"centre", "GZ12345", 3600}, {"unit", "440106001", 7200},
                                     {"extension", "440106001", 3600}}) {
    v1::HolderShare* h = sla.add_holders();
    h->set_kind(kind);
    h->set_unit_code(unit);
    h->set_seconds(seconds);
  }
  sla.set_elapsed_seconds(4 * 3600);
  sla.set_late_unit_code("440106001");
  const std::string text = FormatOrderSla(sla);
  CHECK(absl::StrContains(text, "已超时 (breached)"));
  CHECK(absl::StrContains(text, "2026-04-01 09:00:00  已超时 2小时"));
  CHECK(absl::StrContains(text, "原办结时限 (original due): 2026-03-30 09:00:00"));
  CHECK(absl::StrContains(text, "超时责任方 (late with):    440106001"));
  CHECK(absl::StrContains(text, "预警"));
  CHECK(absl::StrContains(text, "已触发"));
  CHECK(absl::StrContains(text, "督办"));
  CHECK(absl::StrContains(text, "待触发"));
  CHECK(absl::StrContains(text, "440106001 待延期审批"));
  CHECK(absl::StrContains(text, "50%"));
  CHECK(absl::StrContains(text, "合计 (elapsed)"));
}

}  // namespace
}  // namespace hotline::cli
