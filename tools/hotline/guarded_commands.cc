#include "tools/hotline/guarded_commands.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/hotline/local_time.h"
#include "tools/hotline/rpc_call.h"
#include "tools/hotline/table.h"

namespace hotline::cli {
namespace {

ExitCode UsageError(const absl::Status& status, const char* command, Output io) {
  io.err << "error: " << status.message() << "\nsee: hotline help " << command << "\n";
  return ExitCode::kUsage;
}

const char* ProblemName(v1::TrailProblem problem) {
  switch (problem) {
    case v1::TRAIL_PROBLEM_ALTERED: return "altered (被篡改)";
    case v1::TRAIL_PROBLEM_REMOVED: return "removed (被删除)";
    case v1::TRAIL_PROBLEM_INSERTED: return "inserted (被插入)";
    case v1::TRAIL_PROBLEM_REORDERED: return "reordered (顺序被改)";
    default: return "-";
  }
}

}  // namespace

absl::StatusOr<v1::RevealCallerPhoneRequest> BuildRevealRequest(const CommandLine& cl) {
  v1::RevealCallerPhoneRequest request;
  request.set_order_id(cl.positional.empty() ? "" : cl.positional[0]);
  request.set_reason(cl.Get("reason"));
  return request;
}

absl::StatusOr<v1::FindOrdersByPhoneRequest> BuildLookupPhoneRequest(const CommandLine& cl) {
  v1::FindOrdersByPhoneRequest request;
  request.set_phone(cl.positional.empty() ? "" : cl.positional[0]);
  if (cl.Has("limit")) {
    int limit = 0;
    if (!absl::SimpleAtoi(cl.Get("limit"), &limit) || limit < 1) {
      return absl::InvalidArgumentError("--limit: expected a positive whole number");
    }
    request.set_page_size(limit);
  }
  return request;
}

absl::StatusOr<v1::VerifyOrderTrailRequest> BuildVerifyRequest(const CommandLine& cl) {
  v1::VerifyOrderTrailRequest request;
  const bool all = cl.Switch("all");
  if (all == !cl.positional.empty()) {
    return absl::InvalidArgumentError("give one ORDER_ID or --all");
  }
  request.set_all(all);
  if (!all) request.set_order_id(cl.positional[0]);
  return request;
}

std::string FormatVerify(const v1::VerifyOrderTrailResponse& response) {
  std::string out;
  for (const v1::TrailVerdict& v : response.verdicts()) {
    if (v.intact()) {
      absl::StrAppend(&out, v.order_id(), "  intact (完整), ", v.entries(), " entries\n");
    } else {
      absl::StrAppend(&out, v.order_id(), "  BROKEN (断链): entry ", v.entry(), " ",
                      ProblemName(v.problem()), ": ", v.detail(), "\n");
    }
    if (v.legacy_entries() > 0) {
      absl::StrAppend(&out, "  ", v.legacy_entries(),
                      " entries were written before the chain and hashed as found ",
                      v.chained_now() ? "now, by this verification" : "",
                      v.chained_now() ? "" : "when the order was first chained", " (",
                      FormatLocalTime(v.legacy_chained_at()), ")\n");
    }
  }
  if (response.orders_checked() != 1 || response.verdicts_size() != 1) {
    absl::StrAppend(&out, response.orders_checked(), " orders checked, ", response.orders_broken(),
                    " broken, ", response.orders_chained_now(), " chained now\n");
  }
  return out;
}

ExitCode RunReveal(const CommandLine& cl, HotlineStub& stub, Output io) {
  absl::StatusOr<v1::RevealCallerPhoneRequest> request = BuildRevealRequest(cl);
  if (!request.ok()) return UsageError(request.status(), "reveal", io);
  std::optional<v1::RevealCallerPhoneResponse> response =
      Call(cl, stub, &HotlineStub::RevealCallerPhone, *request, io);
  if (!response) return ExitCode::kRpcFailed;
  if (cl.global.json) return PrintMessageJson(*response, io);
  io.out << response->order_id() << "  " << response->phone() << "  (logged as "
         << response->audit_id() << ")\n";
  return ExitCode::kOk;
}

ExitCode RunLookupPhone(const CommandLine& cl, HotlineStub& stub, Output io) {
  absl::StatusOr<v1::FindOrdersByPhoneRequest> request = BuildLookupPhoneRequest(cl);
  if (!request.ok()) return UsageError(request.status(), "lookup-phone", io);
  std::optional<v1::FindOrdersByPhoneResponse> response =
      Call(cl, stub, &HotlineStub::FindOrdersByPhone, *request, io);
  if (!response) return ExitCode::kRpcFailed;
  if (cl.global.json) return PrintMessageJson(*response, io);
  Table table({"order", "created", "phone", "state", "unit", "content"});
  table.SetMaxWidth(5, 40);
  for (const v1::WorkOrder& o : response->orders()) {
    table.AddRow({o.id(), FormatLocalTime(o.created_at()), o.caller().phone_masked(),
                  v1::OrderState_Name(o.state()), o.assigned_unit_code(), o.content()});
  }
  io.out << table.Render();
  return ExitCode::kOk;
}

ExitCode RunVerify(const CommandLine& cl, HotlineStub& stub, Output io) {
  absl::StatusOr<v1::VerifyOrderTrailRequest> request = BuildVerifyRequest(cl);
  if (!request.ok()) return UsageError(request.status(), "verify", io);
  std::optional<v1::VerifyOrderTrailResponse> response =
      Call(cl, stub, &HotlineStub::VerifyOrderTrail, *request, io);
  if (!response) return ExitCode::kRpcFailed;
  const ExitCode printed = cl.global.json ? PrintMessageJson(*response, io) : ExitCode::kOk;
  if (!cl.global.json) io.out << FormatVerify(*response);
  if (printed != ExitCode::kOk) return printed;
  return response->orders_broken() > 0 ? ExitCode::kRpcFailed : ExitCode::kOk;
}

}  // namespace hotline::cli
