#include "tools/hotline/sla_commands.h"

#include <cstdlib>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "enums/chinese_names.h"
#include "tools/hotline/local_time.h"
#include "tools/hotline/table.h"

namespace hotline::cli {
namespace {

absl::Status FlagError(absl::string_view flag, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", message));
}

absl::StatusOr<google::protobuf::Timestamp> TimeFlag(const CommandLine& cl, absl::string_view flag) {
  absl::StatusOr<absl::Time> t = ParseDayOrTime(cl.Get(flag), /*day_end=*/false);
  if (!t.ok()) return FlagError(flag, t.status().message());
  return ToTimestamp(*t);
}

absl::StatusOr<int> IntFlag(const CommandLine& cl, absl::string_view flag, int min, int max) {
  int value = 0;
  if (!absl::SimpleAtoi(cl.Get(flag), &value) || value < min || value > max) {
    return FlagError(flag, absl::StrCat("wants a number from ", min, " to ", max, "; got '", cl.Get(flag), "'"));
  }
  return value;
}

// The Chinese name (libs/enums, as the desktop shows it) and the status word.
std::string StatusText(const std::string& status) {
  const std::string name = enums::SlaStatusName(status);
  if (name == status) return status;  // not one this build knows
  return absl::StrCat(name, " (", status == "stopped" ? "stopped: replied" : absl::StrReplaceAll(status, {{"_", " "}}),
                      ")");
}

std::string LevelText(const std::string& level) {
  const std::string name = enums::SlaLevelName(level);
  return absl::StrCat(name, " (", name == "无" ? "none" : level, ")");
}

std::string KindText(const std::string& kind) {
  if (kind == "warning") return "预警";
  if (kind == "breach") return "超时";
  if (kind == "urge") return "催办";
  if (kind == "supervise") return "督办";
  if (kind == "notice") return "通报";
  return kind;
}

std::string ClockText(const std::string& clock) { return clock == "sign_off" ? "签收" : "办结"; }

std::string HolderText(const v1::HolderShare& h) {
  if (h.kind() == "centre") return "中心 (centre)";
  if (h.kind() == "extension") return absl::StrCat(h.unit_code(), " 待延期审批");
  return h.unit_code();
}

std::string DeadlineText(const v1::Deadline& d, bool sign_off) {
  if (!d.armed()) return "";
  std::string text = FormatLocalTime(d.due());
  if (d.wall_clock()) absl::StrAppend(&text, " (自然时间)");
  // Computed on a year whose official schedule is not out yet.
  if (d.provisional()) absl::StrAppend(&text, " 暂定 (provisional)");
  if (d.running()) {
    absl::StrAppend(&text, d.breached() ? "  已超时 " : "  剩余 ", WorkingDuration(std::llabs(d.left_seconds())));
  } else if (d.met()) {
    absl::StrAppend(&text, sign_off ? "  已按时签收" : "  按时办结");
  } else if (sign_off && d.breached()) {
    absl::StrAppend(&text, "  超时签收");
  } else if (!sign_off) {
    absl::StrAppend(&text, "  暂停, 剩余 ", WorkingDuration(d.left_seconds()));
  }
  return text;
}

}  // namespace

std::string WorkingDuration(int64_t seconds) {
  if (seconds == 0) return "0";
  std::string out = seconds < 0 ? "超时 " : "";
  int64_t s = std::llabs(seconds);
  const int64_t days = s / 86400, hours = s % 86400 / 3600, minutes = s % 3600 / 60;
  if (days > 0) absl::StrAppend(&out, days, "天");
  if (hours > 0) absl::StrAppend(&out, hours, "小时");
  if (minutes > 0 && days == 0) absl::StrAppend(&out, minutes, "分");
  if (days == 0 && hours == 0 && minutes == 0) absl::StrAppend(&out, s, "秒");
  return out;
}

absl::StatusOr<v1::GetOrderSlaRequest> BuildOrderSlaRequest(const CommandLine& cl) {
  v1::GetOrderSlaRequest r;
  r.set_order_id(cl.positional.at(0));
  return r;
}

absl::StatusOr<v1::ListUnitDeadlinesRequest> BuildDeadlinesRequest(const CommandLine& cl) {
  v1::ListUnitDeadlinesRequest r;
  r.set_unit_code(cl.Get("unit"));
  r.set_overdue(cl.Switch("overdue"));
  if (cl.Has("within-hours")) {
    absl::StatusOr<int> h = IntFlag(cl, "within-hours", 1, 24 * 365);
    if (!h.ok()) return h.status();
    r.set_within_hours(*h);
  }
  if (cl.Has("limit")) {
    absl::StatusOr<int> n = IntFlag(cl, "limit", 1, 200);
    if (!n.ok()) return n.status();
    r.set_page_size(*n);
  }
  r.set_page_token(cl.Get("page-token"));
  return r;
}

absl::StatusOr<v1::RequestExtensionRequest> BuildExtendRequest(const CommandLine& cl) {
  v1::RequestExtensionRequest r;
  r.set_order_id(cl.positional.at(0));
  absl::StatusOr<google::protobuf::Timestamp> due = TimeFlag(cl, "due");
  if (!due.ok()) return due.status();
  *r.mutable_new_due() = *due;
  r.set_reason(cl.Get("reason"));
  return r;
}

absl::StatusOr<v1::DecideExtensionRequest> BuildDecideExtensionRequest(const CommandLine& cl) {
  v1::DecideExtensionRequest r;
  r.set_order_id(cl.positional.at(0));
  if (cl.Switch("approve") == cl.Switch("refuse")) return FlagError("approve", "give --approve or --refuse");
  r.set_approve(cl.Switch("approve"));
  if (cl.Has("due")) {
    if (!r.approve()) return FlagError("due", "only with --approve");
    absl::StatusOr<google::protobuf::Timestamp> due = TimeFlag(cl, "due");
    if (!due.ok()) return due.status();
    *r.mutable_new_due() = *due;
  }
  r.set_note(cl.Get("note"));
  return r;
}

absl::StatusOr<v1::QueryCalendarRequest> BuildCalendarRequest(const CommandLine& cl) {
  v1::QueryCalendarRequest r;
  if (cl.Has("from")) {
    absl::StatusOr<google::protobuf::Timestamp> from = TimeFlag(cl, "from");
    if (!from.ok()) return from.status();
    *r.mutable_from() = *from;
  }
  if (cl.Has("add-days")) {
    absl::StatusOr<int> n = IntFlag(cl, "add-days", 0, 3650);
    if (!n.ok()) return n.status();
    r.set_add_working_days(*n);
  }
  return r;
}

std::string FormatOrderSla(const v1::OrderSla& sla) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"工单号 (id)", sla.order_id()},
      {"时限规则 (policy)", sla.policy()},
      {"时限状态 (status)", StatusText(sla.status())},
      {"督办级别 (level)", LevelText(sla.level())},
      {"承办单位 (unit)", sla.assigned_unit_code()},
      {"签收时限 (sign-off due)", DeadlineText(sla.sign_off(), true)},
      {"办结时限 (closing due)", DeadlineText(sla.closing(), false)},
  };
  if (sla.closing().armed() && sla.closing().original_due().seconds() != sla.closing().due().seconds()) {
    fields.push_back({"原办结时限 (original due)", FormatLocalTime(sla.closing().original_due())});
  }
  if (sla.has_pending_extension()) {
    const v1::PendingExtension& e = sla.pending_extension();
    fields.push_back({"延期申请 (extension asked)",
                      absl::StrCat(FormatLocalTime(e.wanted_due()), " 由 ", e.unit_code(), ": ", e.reason())});
  }
  if (!sla.late_unit_code().empty()) fields.push_back({"超时责任方 (late with)", sla.late_unit_code()});
  std::string out = RenderFields(fields);

  Table timeline({"时间", "时限", "事件", "状态", "说明"});
  timeline.SetMaxWidth(4, 40);
  for (const v1::SlaMark& m : sla.fired()) {
    timeline.AddRow({FormatLocalTime(m.at()), ClockText(m.clock()), KindText(m.kind()), "已触发", m.note()});
  }
  for (const v1::SlaMark& m : sla.upcoming()) {
    timeline.AddRow({FormatLocalTime(m.at()), ClockText(m.clock()), KindText(m.kind()), "待触发", m.note()});
  }
  if (timeline.row_count() > 0) absl::StrAppend(&out, "\n时间线 (timeline):\n", timeline.Render());

  Table holders({"承办方 (holder)", "用时 (working time)", "占比"});
  for (const v1::HolderShare& h : sla.holders()) {
    const int percent = sla.elapsed_seconds() > 0
                            ? static_cast<int>(h.seconds() * 100 / sla.elapsed_seconds())
                            : 0;
    holders.AddRow({HolderText(h), WorkingDuration(h.seconds()), absl::StrCat(percent, "%")});
  }
  holders.AddRow({"合计 (elapsed)", WorkingDuration(sla.elapsed_seconds()), "100%"});
  absl::StrAppend(&out, "\n各方用时 (time per holder):\n", holders.Render());
  return out;
}

std::string FormatDeadlines(const v1::ListUnitDeadlinesResponse& list, bool overdue) {
  Table table({"工单号", "状态", "级别", "办结时限", overdue ? "已超时" : "剩余"});
  for (const v1::OrderSla& o : list.orders()) {
    table.AddRow({o.order_id(), StatusText(o.status()), LevelText(o.level()),
                   FormatLocalTime(o.closing().due()) + (o.closing().provisional() ? " 暂定" : ""),
                  WorkingDuration(std::llabs(o.closing().left_seconds()))});
  }
  std::string out = table.Render();
  if (!list.next_page_token().empty()) absl::StrAppend(&out, "next page: --page-token ", list.next_page_token(), "\n");
  return out;
}

std::string FormatCalendar(const v1::QueryCalendarRequest& request, const v1::QueryCalendarResponse& a) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"工作日 (working day)", a.working_day() ? "是 (yes)" : "否 (no)"},
  };
  if (!a.holiday().empty()) fields.push_back({"节假日 (holiday)", a.holiday()});
  if (a.make_up_day()) fields.push_back({"调休上班 (make-up day)", "是 (yes)"});
  if (request.add_working_days() > 0) {
    fields.push_back({absl::StrCat(request.add_working_days(), "个工作日后 (after)"),
                      FormatLocalTime(a.result()) + (a.provisional() ? " 暂定 (provisional)" : "")});
  }
  auto years = [](const google::protobuf::RepeatedField<int32_t>& ys) {
    std::string out;
    for (int32_t y : ys) absl::StrAppend(&out, out.empty() ? "" : " ", y);
    return out.empty() ? "-" : out;
  };
  fields.push_back({"正式日历 (official years)", years(a.official_years())});
  fields.push_back({"暂定日历 (provisional years)", years(a.provisional_years())});
  return RenderFields(fields);
}

}  // namespace hotline::cli
