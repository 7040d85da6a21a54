#include "tools/hotline/commands.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "text/utf8.h"
#include "enums/chinese_names.h"
#include "enums/enum_names.h"
#include "tools/hotline/city_in_force.h"
#include "tools/hotline/guarded_commands.h"
#include "tools/hotline/kb_commands.h"
#include "tools/hotline/local_time.h"
#include "tools/hotline/names.h"
#include "tools/hotline/rpc_call.h"
#include "tools/hotline/watch_command.h"
#include "tools/hotline/score_commands.h"
#include "tools/hotline/sla_commands.h"
#include "tools/hotline/table.h"

namespace hotline::cli {

using enums::AllShortNames;
using enums::ParseShortName;
using enums::ShortName;
namespace {

constexpr int kListContentWidth = 30;
constexpr int kHistoryNoteWidth = 40;

absl::Status FlagError(absl::string_view flag, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", message));
}

// The flag's value as an enum, when given.
template <typename Enum>
absl::StatusOr<std::optional<Enum>> EnumFlag(const CommandLine& cl, absl::string_view flag) {
  if (!cl.Has(flag)) return std::optional<Enum>();
  const std::string value = cl.Get(flag);
  std::optional<Enum> parsed = ParseShortName<Enum>(value);
  if (!parsed) {
    return FlagError(flag, absl::StrCat("unknown value '", value, "' (one of: ",
                                        absl::StrJoin(AllShortNames<Enum>(), ", "), ")"));
  }
  return parsed;
}

// Text typed on a terminal in another encoding (GBK) would reach the server
// as garbage; say so here, where the user can fix it.
absl::Status CheckUtf8(const CommandLine& cl, absl::string_view flag) {
  if (!text::IsValidUtf8(cl.Get(flag))) {
    return FlagError(flag, "not valid UTF-8 (check the terminal's encoding)");
  }
  return absl::OkStatus();
}

absl::StatusOr<double> DoubleFlag(const CommandLine& cl, absl::string_view flag, double min,
                                  double max) {
  double value = 0;
  if (!absl::SimpleAtod(cl.Get(flag), &value) || !(value >= min && value <= max)) {
    return FlagError(
        flag, absl::StrCat("wants a number from ", min, " to ", max, "; got '", cl.Get(flag), "'"));
  }
  return value;
}

// The flag's value as a positive integer, when given.
template <typename Int>
absl::StatusOr<std::optional<Int>> PositiveIntFlag(const CommandLine& cl, absl::string_view flag) {
  if (!cl.Has(flag)) return std::optional<Int>();
  Int value = 0;
  if (!absl::SimpleAtoi(cl.Get(flag), &value) || value <= 0) {
    return FlagError(flag, absl::StrCat("wants a positive number; got '", cl.Get(flag), "'"));
  }
  return std::optional<Int>(value);
}

// The names of the work queues, for `queue --state`; any state's short name
// works too.
constexpr std::pair<absl::string_view, v1::OrderState> kQueueNames[] = {
    {"to-sign", v1::ORDER_STATE_DISPATCHED},
    {"in-progress", v1::ORDER_STATE_SIGNED},
    {"replied", v1::ORDER_STATE_REPLIED},
    {"sent-back", v1::ORDER_STATE_SENT_BACK},
};

absl::StatusOr<v1::OrderState> QueueStateFlag(const CommandLine& cl) {
  if (!cl.Has("state")) return FlagError("state", "required");
  const std::string value = cl.Get("state");
  const std::string name = absl::StrReplaceAll(absl::AsciiStrToLower(value), {{"_", "-"}});
  for (const auto& [queue, state] : kQueueNames) {
    if (name == queue) return state;
  }
  if (std::optional<v1::OrderState> state = ParseShortName<v1::OrderState>(value)) return *state;
  std::vector<std::string> names;
  for (const auto& [queue, state] : kQueueNames) names.emplace_back(queue);
  for (std::string& state : AllShortNames<v1::OrderState>()) {
    if (std::find(names.begin(), names.end(), state) == names.end()) {
      names.push_back(std::move(state));
    }
  }
  return FlagError("state", absl::StrCat("unknown value '", value,
                                         "' (one of: ", absl::StrJoin(names, ", "), ")"));
}

template <typename Enum>
std::string EnumText(Enum value) {
  return static_cast<int>(value) == 0 ? "-" : ShortName(value);
}

// Tables under Chinese headers show the Chinese names (enums/chinese_names.h).
std::string StateText(v1::OrderState state) {
  return state == v1::ORDER_STATE_UNSPECIFIED ? "-" : enums::ChineseName(state);
}

std::string TypeText(const v1::WorkOrder& order) {
  std::string text = order.type() == v1::ORDER_TYPE_UNSPECIFIED ? "-" : enums::ChineseName(order.type());
  if (order.urgent()) absl::StrAppend(&text, " 突发");
  return text;
}

std::string ActorText(const v1::Actor& actor) {
  if (actor.user_id().empty()) return "";
  std::string text = actor.user_id();
  if (actor.role() != v1::ROLE_UNSPECIFIED) absl::StrAppend(&text, " (", EnumText(actor.role()));
  if (!actor.unit_code().empty()) absl::StrAppend(&text, ", ", actor.unit_code());
  if (actor.role() != v1::ROLE_UNSPECIFIED) absl::StrAppend(&text, ")");
  return text;
}

void PrintUsageError(const absl::Status& status, absl::string_view command, Output io) {
  io.err << "error: " << status.message() << "\n"
         << "see: hotline help " << command << "\n";
}

// A write that may be retried carries a key: the user's, or one made up here,
// so that a retry after an answer that got lost cannot do it twice.
std::string IdempotencyKey(const CommandLine& cl) {
  if (cl.Has("idempotency-key")) return cl.Get("idempotency-key");
  std::random_device random;
  return absl::StrFormat("cli-%08x%08x", random(), random());
}


// The directory's names for the codes an order shows; bare codes if it cannot
// be read (the command itself then says what is wrong, if anything).
Names FetchNames(const CommandLine& cl, HotlineStub& stub) {
  v1::ListUnitsResponse units;
  v1::ListCategoriesResponse categories;
  if (!CallGateway(cl, stub, &HotlineStub::ListUnits, v1::ListUnitsRequest(), &units).ok()) {
    units.Clear();
  }
  if (!CallGateway(cl, stub, &HotlineStub::ListCategories, v1::ListCategoriesRequest(), &categories)
           .ok()) {
    categories.Clear();
  }
  return Names(units, categories);
}

std::string HistoryTable(const v1::WorkOrder& order, const Names& names) {
  Table table({"#", "时间", "操作人", "角色", "动作", "从", "到", "单位", "备注"});
  table.SetMaxWidth(8, kHistoryNoteWidth);
  for (const v1::HistoryEntry& entry : order.history()) {
    table.AddRow({absl::StrCat(entry.seq()), FormatLocalTime(entry.at()), entry.actor().user_id(),
                  EnumText(entry.actor().role()), entry.action(), EnumText(entry.from_state()),
                  EnumText(entry.to_state()), names.Unit(entry.unit_code()), entry.note()});
  }
  return table.Render();
}

// The steps every command shares: a request that could not be built is a
// usage error, a failed call is printed, and --json prints the answer. Returns
// the exit code when the command is done with, or the answer to print.
template <typename Request, typename Response>
std::variant<ExitCode, Response> Exchange(
    const CommandLine& cl, HotlineStub& stub, GatewayMethod<Request, Response> method,
    // Request comes from `method` alone:
    const std::type_identity_t<absl::StatusOr<Request>>& request, absl::string_view command,
    Output io) {
  if (!request.ok()) {
    PrintUsageError(request.status(), command, io);
    return ExitCode::kUsage;
  }
  std::optional<Response> response = Call(cl, stub, method, *request, io);
  if (!response) return ExitCode::kRpcFailed;
  if (cl.global.json) return PrintMessageJson(*response, io);
  return std::move(*response);
}

}  // namespace

std::string FormatOrder(const v1::WorkOrder& order, const Names& names) {
  const v1::Location& location = order.location();
  std::vector<std::pair<std::string, std::string>> fields = {
      {"工单号 (id)", order.id()},
      {"类型 (type)", EnumText(order.type())},
      {"突发 (urgent)", order.urgent() ? "是 (yes)" : "否 (no)"},
      {"状态 (state)", EnumText(order.state())},
      {"渠道 (channel)", EnumText(order.channel())},
      {"来电人 (caller)", order.caller().name()},
      {"电话 (phone)", order.caller().phone_masked()},
      {"区 (district)", names.Unit(location.district_code())},
      {"街镇 (street)", names.Unit(location.street_code())},
      {"地址 (address)", location.address()},
  };
  if (location.has_point()) {
    fields.push_back({"坐标 (point)", absl::StrFormat("%.6f, %.6f", location.point().latitude(),
                                                      location.point().longitude())});
  }
  fields.insert(fields.end(), {
                                  {"事项分类 (category)", names.Category(order.category_code())},
                                  {"内容 (content)", order.content()},
                                  {"受理时间 (created)", FormatLocalTime(order.created_at())},
                                  {"更新时间 (updated)", FormatLocalTime(order.updated_at())},
                              });
  if (order.has_closed_at()) {
    fields.push_back({"办结时间 (closed)", FormatLocalTime(order.closed_at())});
  }
  fields.push_back({"承办单位 (unit)", names.Unit(order.assigned_unit_code())});
  if (!order.pending_unit_code().empty()) {
    fields.push_back({"待下派单位 (pending unit)", names.Unit(order.pending_unit_code())});
  }
  if (!order.dispatch_rule().empty()) {
    fields.push_back({"派单依据 (dispatch rule)", names.Category(order.dispatch_rule())});
  }
  if (order.has_on_spot_answer()) {
    const v1::OnSpotAnswer& answer = order.on_spot_answer();
    fields.push_back({"直接答复 (answered by)", answer.knowledge_code()});
    if (!answer.answer().empty()) fields.push_back({"答复内容 (answer)", answer.answer()});
  }
  fields.push_back({"受理人 (created by)", ActorText(order.created_by())});
  if (order.has_handling_time()) {
    fields.push_back({"处理时长 (handling time)", MinutesSeconds(order.handling_time().seconds())});
  }
  if (order.last_rating() != v1::RATING_UNSPECIFIED) {
    fields.push_back({"回访评价 (rating)", EnumText(order.last_rating())});
  }
  if (order.redo_count() > 0) {
    fields.push_back({"重办次数 (redos)", absl::StrCat(order.redo_count())});
  }
  if (order.bounce_count() > 0) {
    fields.push_back({"退回/改派次数 (bounces)", absl::StrCat(order.bounce_count())});
  }
  if (order.urge_count() > 0 || order.supervise_count() > 0) {
    fields.push_back({"催办/督办 (urged/supervised)",
                      absl::StrCat(order.urge_count(), "/", order.supervise_count())});
  }
  if (!order.master_order_id().empty()) {
    fields.push_back({"主工单 (master)", order.master_order_id()});
  }
  if (order.notice_count() > 0) fields.push_back({"通报 (public notices)", absl::StrCat(order.notice_count())});
  if (order.deadlines().has_closing_due() || order.deadlines().has_sign_off_due()) {
    const v1::OrderDeadlines& d = order.deadlines();
    fields.push_back({"签收时限 (sign-off due)", FormatLocalTime(d.sign_off_due())});
    fields.push_back({"办结时限 (closing due)", FormatLocalTime(d.closing_due())});
    if (d.original_closing_due().seconds() != d.closing_due().seconds()) {
      fields.push_back({"原办结时限 (original due)", FormatLocalTime(d.original_closing_due())});
    }
    if (!d.status().empty()) fields.push_back({"时限状态 (SLA)", absl::StrCat(d.status(), " / ", d.level())});
  }
  fields.push_back({"版本 (version)", absl::StrCat(order.version())});

  std::string out = RenderFields(fields);
  if (order.history_size() > 0) {
    absl::StrAppend(&out, "\n历史 (history):\n", HistoryTable(order, names));
    if (order.history_total() > order.history_size()) {
      absl::StrAppend(&out, "(", order.history_size(), " of ", order.history_total(),
                      " entries shown)\n");
    }
  }
  return out;
}

absl::StatusOr<v1::CreateWorkOrderRequest> BuildCreateRequest(const CommandLine& cl) {
  v1::CreateWorkOrderRequest request;

  absl::StatusOr<std::optional<v1::OrderType>> type = EnumFlag<v1::OrderType>(cl, "type");
  if (!type.ok()) return type.status();
  if (!type->has_value()) return FlagError("type", "required");
  request.set_type(**type);

  absl::StatusOr<std::optional<v1::Channel>> channel = EnumFlag<v1::Channel>(cl, "channel");
  if (!channel.ok()) return channel.status();
  request.set_channel(channel->value_or(v1::CHANNEL_PHONE));

  request.set_urgent(cl.Switch("urgent"));
  request.set_idempotency_key(IdempotencyKey(cl));

  for (absl::string_view flag : {"name", "address", "content", "answer"}) {
    if (absl::Status s = CheckUtf8(cl, flag); !s.ok()) return s;
  }
  request.mutable_caller()->set_phone(cl.Get("phone"));
  request.mutable_caller()->set_name(cl.Get("name"));
  request.mutable_caller()->set_confidential(cl.Switch("confidential"));

  v1::Location& location = *request.mutable_location();
  location.set_district_code(cl.Get("district"));
  location.set_street_code(cl.Get("street"));
  location.set_address(cl.Get("address"));
  if (cl.Has("lat") != cl.Has("lng")) {
    return cl.Has("lat") ? FlagError("lat", "needs --lng too")
                         : FlagError("lng", "needs --lat too");
  }
  if (cl.Has("lat")) {
    absl::StatusOr<double> lat = DoubleFlag(cl, "lat", -90, 90);
    if (!lat.ok()) return lat.status();
    absl::StatusOr<double> lng = DoubleFlag(cl, "lng", -180, 180);
    if (!lng.ok()) return lng.status();
    location.mutable_point()->set_latitude(*lat);
    location.mutable_point()->set_longitude(*lng);
  }

  request.set_category_code(cl.Get("category"));
  request.set_content(cl.Get("content"));

  if (cl.Has("answer") && !cl.Has("answered-by")) {
    return FlagError("answer", "needs --answered-by KNOWLEDGE_CODE");
  }
  if (cl.Has("answered-by")) {
    request.mutable_on_spot_answer()->set_knowledge_code(cl.Get("answered-by"));
    request.mutable_on_spot_answer()->set_answer(cl.Get("answer"));
  }
  // The range (1 s to 4 h) is the server's to check; here only a number.
  absl::StatusOr<std::optional<int64_t>> handling = PositiveIntFlag<int64_t>(cl, "handling-time");
  if (!handling.ok()) return handling.status();
  if (handling->has_value()) request.mutable_handling_time()->set_seconds(**handling);
  return request;
}

absl::StatusOr<v1::ListWorkOrdersRequest> BuildListRequest(const CommandLine& cl) {
  v1::ListWorkOrdersRequest request;

  absl::StatusOr<std::optional<v1::OrderState>> state = EnumFlag<v1::OrderState>(cl, "state");
  if (!state.ok()) return state.status();
  if (state->has_value()) request.set_state(**state);

  absl::StatusOr<std::optional<v1::OrderType>> type = EnumFlag<v1::OrderType>(cl, "type");
  if (!type.ok()) return type.status();
  if (type->has_value()) request.set_type(**type);

  request.set_district_code(cl.Get("district"));
  request.set_unit_code(cl.Get("unit"));

  std::optional<absl::Time> from, until;
  if (cl.Has("from")) {
    absl::StatusOr<absl::Time> t = ParseDayOrTime(cl.Get("from"), /*day_end=*/false);
    if (!t.ok()) return FlagError("from", t.status().message());
    from = *t;
    *request.mutable_created_from() = ToTimestamp(*from);
  }
  if (cl.Has("until")) {
    absl::StatusOr<absl::Time> t = ParseDayOrTime(cl.Get("until"), /*day_end=*/true);
    if (!t.ok()) return FlagError("until", t.status().message());
    until = *t;
    *request.mutable_created_until() = ToTimestamp(*until);
  }
  if (from && until && *from >= *until) return FlagError("until", "is not after --from");

  absl::StatusOr<std::optional<int32_t>> limit = PositiveIntFlag<int32_t>(cl, "limit");
  if (!limit.ok()) return limit.status();
  if (limit->has_value()) request.set_page_size(**limit);
  request.set_page_token(cl.Get("page-token"));
  request.set_oldest_first(cl.Switch("oldest-first"));
  return request;
}

absl::StatusOr<v1::ActRequest> BuildActRequest(const CommandLine& cl) {
  v1::ActRequest request;
  if (cl.positional.size() < 2) return absl::InvalidArgumentError("'act' needs ORDER_ID ACTION");
  request.set_order_id(cl.positional[0]);
  const std::string& action_name = cl.positional[1];
  std::optional<v1::Action> action = ParseShortName<v1::Action>(action_name);
  if (!action) {
    // `act sign GZ...`: say which comes first.
    const bool swapped = ParseShortName<v1::Action>(cl.positional[0]).has_value();
    return absl::InvalidArgumentError(absl::StrCat(
        "ACTION: unknown value '", action_name, "' ",
        swapped
            ? "(the order id comes first: hotline act ORDER_ID ACTION)"
            : absl::StrCat("(one of: ", absl::StrJoin(AllShortNames<v1::Action>(), ", "), ")")));
  }
  request.set_action(*action);

  absl::StatusOr<std::optional<v1::Rating>> rating = EnumFlag<v1::Rating>(cl, "rating");
  if (!rating.ok()) return rating.status();
  if (rating->has_value()) request.set_rating(**rating);

  absl::StatusOr<std::optional<int64_t>> version = PositiveIntFlag<int64_t>(cl, "version");
  if (!version.ok()) return version.status();
  if (version->has_value()) request.set_expected_version(**version);

  if (absl::Status s = CheckUtf8(cl, "note"); !s.ok()) return s;
  request.set_note(cl.Get("note"));
  request.set_unit_code(cl.Get("unit"));
  request.set_master_order_id(cl.Get("master"));
  request.set_idempotency_key(IdempotencyKey(cl));
  return request;
}

absl::StatusOr<v1::ListQueueRequest> BuildQueueRequest(const CommandLine& cl) {
  v1::ListQueueRequest request;
  if (!cl.Has("unit")) return FlagError("unit", "required");
  request.set_unit_code(cl.Get("unit"));

  absl::StatusOr<v1::OrderState> state = QueueStateFlag(cl);
  if (!state.ok()) return state.status();
  request.set_state(*state);

  absl::StatusOr<std::optional<int32_t>> limit = PositiveIntFlag<int32_t>(cl, "limit");
  if (!limit.ok()) return limit.status();
  if (limit->has_value()) request.set_page_size(**limit);
  request.set_page_token(cl.Get("page-token"));
  request.set_oldest_first(cl.Switch("oldest-first"));
  return request;
}

absl::StatusOr<v1::ListUnitsRequest> BuildListUnitsRequest(const CommandLine& cl) {
  v1::ListUnitsRequest request;
  request.set_parent_code(cl.Get("parent"));
  absl::StatusOr<std::optional<v1::UnitKind>> kind = EnumFlag<v1::UnitKind>(cl, "kind");
  if (!kind.ok()) return kind.status();
  if (kind->has_value()) request.set_kind(**kind);
  return request;
}

ExitCode RunWhoAmI(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged = Exchange(cl, stub, &HotlineStub::WhoAmI, v1::WhoAmIRequest(), "whoami", io);
  if (auto* done = std::get_if<ExitCode>(&exchanged)) return *done;
  const v1::WhoAmIResponse& response = std::get<v1::WhoAmIResponse>(exchanged);
  io.out << RenderFields({
      {"用户 (user)", response.actor().user_id()},
      {"姓名 (name)", response.display_name()},
      {"角色 (role)", EnumText(response.actor().role())},
      {"单位 (unit)", response.actor().unit_code()},
  });
  return ExitCode::kOk;
}

ExitCode RunCreate(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged =
      Exchange(cl, stub, &HotlineStub::CreateWorkOrder, BuildCreateRequest(cl), "create", io);
  if (auto* done = std::get_if<ExitCode>(&exchanged)) return *done;
  const v1::CreateWorkOrderResponse& response = std::get<v1::CreateWorkOrderResponse>(exchanged);
  if (response.replayed()) {
    io.out << "replayed: an earlier request with this idempotency key created this order; "
              "nothing new was created\n\n";
  }
  io.out << FormatOrder(response.order(), FetchNames(cl, stub));
  return ExitCode::kOk;
}

ExitCode RunGet(const CommandLine& cl, HotlineStub& stub, Output io) {
  v1::GetWorkOrderRequest request;
  request.set_id(cl.positional.empty() ? "" : cl.positional.front());
  auto exchanged = Exchange(cl, stub, &HotlineStub::GetWorkOrder, request, "get", io);
  if (auto* done = std::get_if<ExitCode>(&exchanged)) return *done;
  const v1::GetWorkOrderResponse& response = std::get<v1::GetWorkOrderResponse>(exchanged);
  io.out << FormatOrder(response.order(), FetchNames(cl, stub));
  return ExitCode::kOk;
}

namespace {

// A page of orders as a table (queues add who has it and its bounces/redos),
// then where the next page starts.
enum class OrderColumns { kList, kQueue };
void PrintOrderPage(const google::protobuf::RepeatedPtrField<v1::WorkOrder>& orders,
                    const std::string& next_page_token, OrderColumns columns,
                    const char* when_empty, const Names& names, Output io) {
  const bool queue = columns == OrderColumns::kQueue;
  if (orders.empty()) {
    io.out << when_empty << "\n";
  } else {
    std::vector<std::string> header = {"工单号", "受理时间", "类型", "状态", "区"};
    if (queue) header.insert(header.end(), {"承办单位", "退回/重办"});
    header.insert(header.end(), {"分类", "内容"});
    Table table(header);
    table.SetMaxWidth(header.size() - 1, kListContentWidth);
    for (const v1::WorkOrder& order : orders) {
      std::vector<std::string> row = {order.id(), FormatLocalTime(order.created_at()),
                                      TypeText(order), StateText(order.state()),
                                      names.Unit(order.location().district_code())};
      if (queue) {
        row.insert(row.end(), {names.Unit(order.assigned_unit_code()),
                               absl::StrCat(order.bounce_count(), "/", order.redo_count())});
      }
      row.insert(row.end(), {names.Category(order.category_code()), order.content()});
      table.AddRow(row);
    }
    io.out << table.Render();
  }
  if (!next_page_token.empty()) io.out << "next page: --page-token " << next_page_token << "\n";
}

}  // namespace

ExitCode RunList(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged =
      Exchange(cl, stub, &HotlineStub::ListWorkOrders, BuildListRequest(cl), "list", io);
  if (auto* done = std::get_if<ExitCode>(&exchanged)) return *done;
  const v1::ListWorkOrdersResponse& response = std::get<v1::ListWorkOrdersResponse>(exchanged);

  PrintOrderPage(response.orders(), response.next_page_token(), OrderColumns::kList,
                 "no work orders match", FetchNames(cl, stub), io);
  return ExitCode::kOk;
}

ExitCode RunAct(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged = Exchange(cl, stub, &HotlineStub::Act, BuildActRequest(cl), "act", io);
  if (auto* done = std::get_if<ExitCode>(&exchanged)) return *done;
  const v1::ActResponse& response = std::get<v1::ActResponse>(exchanged);
  if (response.replayed()) {
    io.out << "replayed: an earlier request with this idempotency key already took this action; "
              "nothing changed now\n\n";
  }
  io.out << FormatOrder(response.order(), FetchNames(cl, stub));
  return ExitCode::kOk;
}

ExitCode RunQueue(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged = Exchange(cl, stub, &HotlineStub::ListQueue, BuildQueueRequest(cl), "queue", io);
  if (auto* done = std::get_if<ExitCode>(&exchanged)) return *done;
  const v1::ListQueueResponse& response = std::get<v1::ListQueueResponse>(exchanged);

  PrintOrderPage(response.orders(), response.next_page_token(), OrderColumns::kQueue,
                 "the queue is empty", FetchNames(cl, stub), io);
  return ExitCode::kOk;
}

ExitCode RunUnits(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged =
      Exchange(cl, stub, &HotlineStub::ListUnits, BuildListUnitsRequest(cl), "units", io);
  if (auto* done = std::get_if<ExitCode>(&exchanged)) return *done;
  const v1::ListUnitsResponse& response = std::get<v1::ListUnitsResponse>(exchanged);

  if (response.units().empty()) {
    io.out << "no units match\n";
    return ExitCode::kOk;
  }
  Table table({"code", "名称", "name_en", "kind", "parent"});
  for (const v1::Unit& unit : response.units()) {
    table.AddRow(
        {unit.code(), unit.name(), unit.name_en(), EnumText(unit.kind()), unit.parent_code()});
  }
  io.out << table.Render();
  return ExitCode::kOk;
}

ExitCode RunCategories(const CommandLine& cl, HotlineStub& stub, Output io) {
  v1::ListCategoriesRequest request;
  request.set_code_prefix(cl.Get("prefix"));
  auto exchanged = Exchange(cl, stub, &HotlineStub::ListCategories, request, "categories", io);
  if (auto* done = std::get_if<ExitCode>(&exchanged)) return *done;
  const v1::ListCategoriesResponse& response = std::get<v1::ListCategoriesResponse>(exchanged);

  if (response.categories().empty()) {
    io.out << "no categories match\n";
    return ExitCode::kOk;
  }
  // A child's code starts with its parent's, so code order is tree order.
  std::map<std::string, const v1::Category*> by_code;
  for (const v1::Category& category : response.categories()) {
    by_code[category.code()] = &category;
  }
  // Depth counts the ancestors that are listed too, so that a --prefix below
  // the top level starts at the left margin. The step bound guards against a
  // cycle in bad data.
  const auto depth_of = [&by_code](const v1::Category& category) {
    int depth = 0;
    std::string parent = category.parent_code();
    for (auto it = by_code.find(parent); it != by_code.end() && depth < 16;
         it = by_code.find(parent)) {
      ++depth;
      parent = it->second->parent_code();
    }
    return depth;
  };
  Table table({"code", "名称", "name_en"});
  for (const auto& [code, category] : by_code) {
    const std::string indent(static_cast<size_t>(2 * depth_of(*category)), ' ');
    table.AddRow({indent + code, category->name(), category->name_en()});
  }
  io.out << table.Render();
  return ExitCode::kOk;
}

ExitCode RunSla(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged = Exchange(cl, stub, &HotlineStub::GetOrderSla, BuildOrderSlaRequest(cl), "sla", io);
  if (auto* code = std::get_if<ExitCode>(&exchanged)) return *code;
  io.out << FormatOrderSla(std::get<v1::GetOrderSlaResponse>(exchanged).sla());
  return ExitCode::kOk;
}

ExitCode RunDeadlines(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged =
      Exchange(cl, stub, &HotlineStub::ListUnitDeadlines, BuildDeadlinesRequest(cl), "deadlines", io);
  if (auto* code = std::get_if<ExitCode>(&exchanged)) return *code;
  io.out << FormatDeadlines(std::get<v1::ListUnitDeadlinesResponse>(exchanged), cl.Switch("overdue"));
  return ExitCode::kOk;
}

ExitCode RunExtend(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged = Exchange(cl, stub, &HotlineStub::RequestExtension, BuildExtendRequest(cl), "extend", io);
  if (auto* code = std::get_if<ExitCode>(&exchanged)) return *code;
  io.out << FormatOrderSla(std::get<v1::RequestExtensionResponse>(exchanged).sla());
  return ExitCode::kOk;
}

ExitCode RunExtension(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged =
      Exchange(cl, stub, &HotlineStub::DecideExtension, BuildDecideExtensionRequest(cl), "extension", io);
  if (auto* code = std::get_if<ExitCode>(&exchanged)) return *code;
  io.out << FormatOrderSla(std::get<v1::DecideExtensionResponse>(exchanged).sla());
  return ExitCode::kOk;
}

ExitCode RunCalendar(const CommandLine& cl, HotlineStub& stub, Output io) {
  absl::StatusOr<v1::QueryCalendarRequest> request = BuildCalendarRequest(cl);
  auto exchanged = Exchange(cl, stub, &HotlineStub::QueryCalendar, request, "calendar", io);
  if (auto* code = std::get_if<ExitCode>(&exchanged)) return *code;
  io.out << FormatCalendar(*request, std::get<v1::QueryCalendarResponse>(exchanged));
  return ExitCode::kOk;
}

absl::StatusOr<v1::ListAuditEntriesRequest> BuildAuditRequest(const CommandLine& cl) {
  v1::ListAuditEntriesRequest request;
  request.set_order_id(cl.Get("order"));
  absl::StatusOr<std::optional<int32_t>> limit = PositiveIntFlag<int32_t>(cl, "limit");
  if (!limit.ok()) return limit.status();
  if (limit->has_value()) request.set_page_size(**limit);
  request.set_page_token(cl.Get("page-token"));
  return request;
}

std::string FormatAuditEntries(const v1::ListAuditEntriesResponse& response) {
  // e.g. AUDIT_ACTION_READ_ORDER -> read_order
  const auto action_name = [](v1::AuditAction a) {
    std::string name = v1::AuditAction_Name(a);
    absl::string_view short_name = name;
    absl::ConsumePrefix(&short_name, "AUDIT_ACTION_");
    return short_name.empty() ? absl::StrCat(static_cast<int>(a))
                              : absl::AsciiStrToLower(short_name);
  };
  if (response.entries().empty()) return "no access entries\n";
  Table table({"when", "who", "role", "unit", "action", "orders", "reason"});
  for (const v1::AuditEntry& e : response.entries()) {
    const std::string orders = e.order_id().empty() ? absl::StrJoin(e.order_ids(), " ")
                                                    : e.order_id();
    std::string why = e.reason();
    if (!e.phone_hash().empty()) {
      absl::StrAppend(&why, why.empty() ? "" : "; ", "phone hash ", e.phone_hash());
    }
    table.AddRow({FormatLocalTime(e.at()), e.actor().user_id(),
                  enums::SnakeName(e.actor().role()), e.actor().unit_code(),
                  action_name(e.action()), orders, why});
  }
  std::string out = table.Render();
  if (!response.next_page_token().empty()) {
    absl::StrAppend(&out, "next page: --page-token ", response.next_page_token(), "\n");
  }
  return out;
}

ExitCode RunAudit(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged =
      Exchange(cl, stub, &HotlineStub::ListAuditEntries, BuildAuditRequest(cl), "audit", io);
  if (auto* code = std::get_if<ExitCode>(&exchanged)) return *code;
  io.out << FormatAuditEntries(std::get<v1::ListAuditEntriesResponse>(exchanged));
  return ExitCode::kOk;
}

ExitCode RunScore(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged = Exchange(cl, stub, &HotlineStub::GetUnitScore, BuildScoreRequest(cl), "score", io);
  if (auto* code = std::get_if<ExitCode>(&exchanged)) return *code;
  io.out << FormatScore(std::get<v1::GetUnitScoreResponse>(exchanged).score());
  return ExitCode::kOk;
}

ExitCode RunExplain(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged = Exchange(cl, stub, &HotlineStub::ExplainScore, BuildExplainRequest(cl), "explain", io);
  if (auto* code = std::get_if<ExitCode>(&exchanged)) return *code;
  io.out << FormatExplanation(std::get<v1::ExplainScoreResponse>(exchanged).score());
  return ExitCode::kOk;
}

ExitCode RunRank(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged = Exchange(cl, stub, &HotlineStub::RankUnits, BuildRankRequest(cl), "rank", io);
  if (auto* code = std::get_if<ExitCode>(&exchanged)) return *code;
  io.out << FormatRanking(std::get<v1::RankUnitsResponse>(exchanged));
  return ExitCode::kOk;
}

ExitCode RunHot(const CommandLine& cl, HotlineStub& stub, Output io) {
  absl::StatusOr<v1::GetHotSpotsRequest> request = BuildHotRequest(cl);
  auto exchanged = Exchange(cl, stub, &HotlineStub::GetHotSpots, request, "hot", io);
  if (auto* code = std::get_if<ExitCode>(&exchanged)) return *code;
  io.out << FormatHotSpots(std::get<v1::GetHotSpotsResponse>(exchanged), request->kind() == v1::HOT_KIND_RISING);
  return ExitCode::kOk;
}

ExitCode RunAgents(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto exchanged = Exchange(cl, stub, &HotlineStub::GetAgentFigures, BuildAgentsRequest(cl), "agents", io);
  if (auto* code = std::get_if<ExitCode>(&exchanged)) return *code;
  io.out << FormatAgents(std::get<v1::GetAgentFiguresResponse>(exchanged));
  return ExitCode::kOk;
}

ExitCode RunCommand(const CommandLine& cl, HotlineStub& stub, Output io) {
  using Runner = ExitCode (*)(const CommandLine&, HotlineStub&, Output);
  static const auto* const kRunners = new std::map<absl::string_view, Runner>{
      {"whoami", &RunWhoAmI}, {"city", &RunCity},
      {"create", &RunCreate},
      {"get", &RunGet},       {"list", &RunList},
      {"act", &RunAct},       {"queue", &RunQueue},
      {"watch-queue", &RunWatchQueue},
      {"units", &RunUnits},   {"categories", &RunCategories},
      {"sla", &RunSla},       {"deadlines", &RunDeadlines},
      {"extend", &RunExtend}, {"extension", &RunExtension},
      {"calendar", &RunCalendar},
      {"kb", &RunKb},
      {"audit", &RunAudit},
      {"reveal", &RunReveal}, {"lookup-phone", &RunLookupPhone},
      {"verify", &RunVerify},
      {"score", &RunScore},   {"explain", &RunExplain},
      {"rank", &RunRank},     {"hot", &RunHot},
      {"agents", &RunAgents},
  };
  auto it = kRunners->find(cl.command);
  if (it == kRunners->end()) {
    io.err << "error: unknown command '" << cl.command << "'\nsee: hotline help\n";
    return ExitCode::kUsage;
  }
  return it->second(cl, stub, io);
}

}  // namespace hotline::cli
