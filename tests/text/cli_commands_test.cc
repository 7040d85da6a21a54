// The CLI's commands against an in-process fake gateway: what they send
// (request, token, deadline) and what they print.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "enums/chinese_names.h"
#include "enums/enum_names.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "support/free_port.h"
#include "text/utf8.h"
#include "tools/hotline/cli_args.h"
#include "tools/hotline/commands.h"
#include "tools/hotline/local_time.h"
#include "support/cli_harness.h"

namespace hotline::cli {
namespace {

// 2026-11-28 14:03:05 +08:00.
constexpr int64_t kCreatedAtSeconds = 1795845785;

v1::WorkOrder SampleOrder() {
  v1::WorkOrder order;
  order.set_id("GZ20261128000123");
  order.set_version(2);
  order.set_type(v1::ORDER_TYPE_COMPLAINT);
  order.set_urgent(true);
  order.set_channel(v1::CHANNEL_PHONE);
  order.mutable_caller()->set_name("张三");
  order.mutable_caller()->set_phone_masked("138****5678");
  order.mutable_location()->set_district_code("440106");
  order.mutable_location()->set_address("天河路385号");
  order.set_category_code("0101");
  order.set_content("楼上装修噪音扰民，晚上十点后仍在施工，已持续一周");
  order.set_state(v1::ORDER_STATE_DISPATCHED);
  order.set_assigned_unit_code("440106");
  order.mutable_created_at()->set_seconds(kCreatedAtSeconds);
  order.mutable_updated_at()->set_seconds(kCreatedAtSeconds + 60);
  for (int seq = 1; seq <= 2; ++seq) {
    v1::HistoryEntry& entry = *order.add_history();
    entry.set_seq(seq);
    entry.mutable_at()->set_seconds(kCreatedAtSeconds + 60 * (seq - 1));
    entry.mutable_actor()->set_user_id(seq == 1 ? "agent007" : "调度员");
    entry.mutable_actor()->set_role(seq == 1 ? v1::ROLE_AGENT : v1::ROLE_DISPATCHER);
    entry.set_action(seq == 1 ? "create" : "dispatch");
    entry.set_from_state(seq == 1 ? v1::ORDER_STATE_UNSPECIFIED : v1::ORDER_STATE_CREATED);
    entry.set_to_state(seq == 1 ? v1::ORDER_STATE_CREATED : v1::ORDER_STATE_DISPATCHED);
    entry.set_unit_code(seq == 1 ? "" : "440106");
    entry.set_note(seq == 1 ? "" : "按目录派至天河区");
  }
  return order;
}

// The sample order after some dispatch: every field that `get` shows only
// when set is set.
v1::WorkOrder ActedOrder() {
  v1::WorkOrder order = SampleOrder();
  order.set_version(3);
  order.set_state(v1::ORDER_STATE_HAND_DOWN_REQUESTED);
  order.set_pending_unit_code("440106001");
  order.set_last_rating(v1::RATING_BASICALLY_SATISFIED);
  order.set_redo_count(1);
  order.set_bounce_count(2);
  order.set_urge_count(3);
  order.set_supervise_count(4);
  order.set_dispatch_rule("01 噪声 -> 所在区");
  order.set_master_order_id("GZ20261127000042");
  v1::HistoryEntry& entry = *order.add_history();
  entry.set_seq(3);
  entry.mutable_at()->set_seconds(kCreatedAtSeconds + 120);
  entry.mutable_actor()->set_user_id("handler9");
  entry.mutable_actor()->set_role(v1::ROLE_UNIT_HANDLER);
  entry.set_action("request_hand_down");
  entry.set_from_state(v1::ORDER_STATE_SIGNED);
  entry.set_to_state(v1::ORDER_STATE_HAND_DOWN_REQUESTED);
  entry.set_unit_code("440106");
  entry.set_note("请五山街道办理");
  return order;
}

// Records what arrived and answers from canned responses.
class FakeGateway final : public v1::Hotline::Service {
 public:
  grpc::Status WhoAmI(grpc::ServerContext* ctx, const v1::WhoAmIRequest*,
                      v1::WhoAmIResponse* response) override {
    Record(ctx);
    {
      absl::MutexLock lock(&mu_);
      ++whoami_calls_;
      if (rate_limited_whoami_ > 0) {
        // As the gateway refuses a caller over its rate: the wait in RetryInfo.
        --rate_limited_whoami_;
        google::rpc::RetryInfo retry;
        retry.mutable_retry_delay()->set_seconds(absl::ToInt64Seconds(rate_limit_wait_));
        retry.mutable_retry_delay()->set_nanos(
            static_cast<int32_t>(absl::ToInt64Nanoseconds(rate_limit_wait_ % absl::Seconds(1))));
        google::rpc::Status details;
        details.set_code(grpc::StatusCode::RESOURCE_EXHAUSTED);
        details.add_details()->PackFrom(retry);
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "rate limit: too many calls",
                            details.SerializeAsString());
      }
    }
    response->mutable_actor()->set_user_id("agent007");
    response->mutable_actor()->set_role(v1::ROLE_AGENT);
    response->mutable_actor()->set_unit_code("centre");
    response->set_display_name("李四");
    return grpc::Status::OK;
  }
  grpc::Status CreateWorkOrder(grpc::ServerContext* ctx, const v1::CreateWorkOrderRequest* request,
                               v1::CreateWorkOrderResponse* response) override {
    Record(ctx);
    absl::MutexLock lock(&mu_);
    last_create_ = *request;
    create_keys_.push_back(request->idempotency_key());
    if (unavailable_creates_ > 0) {
      --unavailable_creates_;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "intake restarting");
    }
    if (request->content() == "reject me") {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "category_code: unknown 9999");
    }
    *response->mutable_order() = SampleOrder();
    response->set_replayed(request->idempotency_key() == "seen-before");
    return grpc::Status::OK;
  }
  grpc::Status GetWorkOrder(grpc::ServerContext* ctx, const v1::GetWorkOrderRequest* request,
                            v1::GetWorkOrderResponse* response) override {
    Record(ctx);
    if (request->id() != "GZ20261128000123") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no work order " + request->id());
    }
    *response->mutable_order() = SampleOrder();
    return grpc::Status::OK;
  }
  grpc::Status ListWorkOrders(grpc::ServerContext* ctx, const v1::ListWorkOrdersRequest* request,
                              v1::ListWorkOrdersResponse* response) override {
    Record(ctx);
    for (int i = 0; i < 3; ++i) {
      v1::WorkOrder order = SampleOrder();
      order.clear_history();
      order.set_id("GZ2026112800012" + std::to_string(i));
      if (i == 1) order.set_content("short");
      if (i == 2) order.mutable_location()->set_district_code("440104");
      *response->add_orders() = order;
    }
    response->set_next_page_token("cGFnZTI=");
    return grpc::Status::OK;
  }
  grpc::Status Act(grpc::ServerContext* ctx, const v1::ActRequest* request,
                   v1::ActResponse* response) override {
    Record(ctx);
    absl::MutexLock lock(&mu_);
    last_act_ = *request;
    if (request->order_id() != "GZ20261128000123") {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "order " + request->order_id() + " is closed: sign is not allowed");
    }
    *response->mutable_order() = ActedOrder();
    response->set_replayed(request->idempotency_key() == "seen-before");
    return grpc::Status::OK;
  }
  grpc::Status ListQueue(grpc::ServerContext* ctx, const v1::ListQueueRequest* request,
                         v1::ListQueueResponse* response) override {
    Record(ctx);
    absl::MutexLock lock(&mu_);
    last_queue_ = *request;
    if (request->unit_code() == "empty") return grpc::Status::OK;
    for (int i = 0; i < 2; ++i) {
      v1::WorkOrder order = SampleOrder();
      order.clear_history();
      order.set_id("GZ2026112800013" + std::to_string(i));
      order.set_state(request->state());
      order.set_assigned_unit_code(i == 0 ? "440106" : "440106001");
      order.set_bounce_count(i == 0 ? 2 : 0);
      order.set_redo_count(i == 0 ? 1 : 0);
      if (i == 1) order.set_content("short");
      *response->add_orders() = order;
    }
    response->set_next_page_token("cXVldWUy");
    return grpc::Status::OK;
  }
  grpc::Status ListUnits(grpc::ServerContext* ctx, const v1::ListUnitsRequest*,
                         v1::ListUnitsResponse* response) override {
    Record(ctx);
    const auto add = [response](std::string code, std::string name, std::string name_en,
                                v1::UnitKind kind, std::string parent) {
      v1::Unit& unit = *response->add_units();
      unit.set_code(code);
      unit.set_name(name);
      unit.set_name_en(name_en);
      unit.set_kind(kind);
      unit.set_parent_code(parent);
    };
    add("440106", "天河区", "Tianhe District", v1::UNIT_KIND_DISTRICT, "centre");
    add("440106001", "五山街道", "Wushan Subdistrict", v1::UNIT_KIND_STREET, "440106");
    return grpc::Status::OK;
  }
  grpc::Status ListCategories(grpc::ServerContext* ctx, const v1::ListCategoriesRequest*,
                              v1::ListCategoriesResponse* response) override {
    Record(ctx);
    const auto add = [response](std::string code, std::string name, std::string parent) {
      v1::Category& category = *response->add_categories();
      category.set_code(code);
      category.set_name(name);
      category.set_name_en("n/a");
      category.set_parent_code(parent);
    };
    // Out of order on purpose: the CLI prints the tree in code order.
    add("0101", "噪声污染", "01");
    add("01", "生态环境", "");
    add("010101", "建筑施工噪声", "0101");
    return grpc::Status::OK;
  }

  std::string authorization() const {
    absl::MutexLock lock(&mu_);
    return authorization_;
  }
  std::chrono::system_clock::time_point deadline() const {
    absl::MutexLock lock(&mu_);
    return deadline_;
  }
  v1::CreateWorkOrderRequest last_create() const {
    absl::MutexLock lock(&mu_);
    return last_create_;
  }
  std::vector<std::string> create_keys() const {
    absl::MutexLock lock(&mu_);
    return create_keys_;
  }
  // The next `n` whoami calls are refused for the caller's rate, naming `wait`.
  void RateLimitWhoAmI(int n, absl::Duration wait) {
    absl::MutexLock lock(&mu_);
    rate_limited_whoami_ = n;
    rate_limit_wait_ = wait;
  }
  int whoami_calls() const {
    absl::MutexLock lock(&mu_);
    return whoami_calls_;
  }
  // The next `n` creates answer UNAVAILABLE.
  void FailCreates(int n) {
    absl::MutexLock lock(&mu_);
    unavailable_creates_ = n;
  }
  v1::ActRequest last_act() const {
    absl::MutexLock lock(&mu_);
    return last_act_;
  }
  v1::ListQueueRequest last_queue() const {
    absl::MutexLock lock(&mu_);
    return last_queue_;
  }

 private:
  void Record(grpc::ServerContext* ctx) {
    absl::MutexLock lock(&mu_);
    auto it = ctx->client_metadata().find("authorization");
    authorization_ =
        it == ctx->client_metadata().end() ? "" : std::string(it->second.data(), it->second.size());
    deadline_ = ctx->deadline();
  }

  mutable absl::Mutex mu_;
  std::string authorization_;
  std::chrono::system_clock::time_point deadline_;
  v1::CreateWorkOrderRequest last_create_;
  std::vector<std::string> create_keys_;
  int unavailable_creates_ = 0;
  int rate_limited_whoami_ = 0;
  absl::Duration rate_limit_wait_;
  int whoami_calls_ = 0;
  v1::ActRequest last_act_;
  v1::ListQueueRequest last_queue_;
};

using Harness = testing::CliHarness<FakeGateway>;

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST_CASE("Commands send the token and a deadline", "[cli][commands]") {
  Harness h;
  const auto before = std::chrono::system_clock::now();
  REQUIRE(h.Run({"whoami", "--token", "tok-123", "--timeout", "30"}) == ExitCode::kOk);
  CHECK(h.gateway.authorization() == "Bearer tok-123");
  CHECK(h.gateway.deadline() > before + std::chrono::seconds(25));
  CHECK(h.gateway.deadline() < before + std::chrono::seconds(35));
  CHECK_THAT(h.out.str(), Catch::Contains("agent007"));
  CHECK_THAT(h.out.str(), Catch::Contains("李四"));
  CHECK_THAT(h.out.str(), Catch::Contains("agent"));

  REQUIRE(h.Run({"whoami"}) == ExitCode::kOk);
  CHECK(h.gateway.authorization().empty());
}

TEST_CASE("JSON output is the response as one object with proto field names", "[cli][commands]") {
  Harness h;
  REQUIRE(h.Run({"get", "GZ20261128000123", "--json"}) == ExitCode::kOk);
  const std::string json = h.out.str();
  CHECK(Lines(json).size() == 1);
  CHECK_THAT(json, Catch::Contains("\"phone_masked\":\"138****5678\""));
  CHECK_THAT(json, Catch::Contains("\"assigned_unit_code\""));
  v1::GetWorkOrderResponse parsed;
  REQUIRE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());
  CHECK(parsed.order().id() == "GZ20261128000123");
  CHECK(parsed.order().history_size() == 2);
}

TEST_CASE("get prints aligned fields in local time and the history", "[cli][commands]") {
  Harness h;
  REQUIRE(h.Run({"get", "GZ20261128000123"}) == ExitCode::kOk);
  const std::string out = h.out.str();
  CHECK_THAT(out, Catch::Contains("2026-11-28 14:03:05"));
  CHECK_THAT(out, Catch::Contains("138****5678"));
  CHECK_THAT(out, Catch::Contains("天河路385号"));
  CHECK_THAT(out, Catch::Contains("complaint"));
  CHECK_THAT(out, Catch::Contains("dispatched"));
  CHECK_THAT(out, Catch::Contains("按目录派至天河区"));

  // Every history line (header, rule, two entries) has the same width.
  const std::vector<std::string> lines = Lines(out);
  std::vector<std::string> history;
  bool in_history = false;
  for (const std::string& line : lines) {
    if (in_history) history.push_back(line);
    if (line.find("历史") == 0) in_history = true;
  }
  REQUIRE(history.size() == 4);
  for (const std::string& line : history) {
    CHECK(text::DisplayWidth(line) == text::DisplayWidth(history[0]));
  }
}

TEST_CASE("get shows the dispatch fields only when they are set", "[cli][commands]") {
  const std::string plain = FormatOrder(SampleOrder());
  for (const char* label :
       {"待下派单位", "回访评价", "重办次数", "退回/改派次数", "催办/督办", "派单依据", "主工单"}) {
    CHECK_THAT(plain, !Catch::Contains(label));
  }

  const std::string acted = FormatOrder(ActedOrder());
  const std::vector<std::string> lines = Lines(acted);
  const auto line_of = [&lines](const std::string& label) {
    for (const std::string& line : lines) {
      if (line.find(label) == 0) return line;
    }
    return std::string();
  };
  CHECK_THAT(line_of("待下派单位 (pending unit)"), Catch::EndsWith(" 440106001"));
  CHECK_THAT(line_of("回访评价 (rating)"), Catch::EndsWith(" basically-satisfied"));
  CHECK_THAT(line_of("重办次数 (redos)"), Catch::EndsWith(" 1"));
  CHECK_THAT(line_of("退回/改派次数 (bounces)"), Catch::EndsWith(" 2"));
  CHECK_THAT(line_of("催办/督办 (urged/supervised)"), Catch::EndsWith(" 3/4"));
  CHECK_THAT(line_of("派单依据 (dispatch rule)"), Catch::EndsWith(" 01 噪声 -> 所在区"));
  CHECK_THAT(line_of("主工单 (master)"), Catch::EndsWith(" GZ20261127000042"));
  CHECK_THAT(line_of("状态 (state)"), Catch::EndsWith(" hand-down-requested"));

  // Only urged: the pair still shows.
  v1::WorkOrder urged = SampleOrder();
  urged.set_urge_count(1);
  CHECK_THAT(FormatOrder(urged), Catch::Contains("1/0"));
}

TEST_CASE("A failed call prints the status code and message and exits 1", "[cli][commands]") {
  Harness h;
  CHECK(h.Run({"get", "GZ-missing"}) == ExitCode::kRpcFailed);
  CHECK(h.err.str() == "error: NOT_FOUND: no work order GZ-missing\n");
  CHECK(h.out.str().empty());
}

TEST_CASE("create sends what the flags say", "[cli][commands]") {
  Harness h;
  REQUIRE(h.Run({"create",
                 "--type",
                 "consultation",
                 "--district",
                 "440106",
                 "--street",
                 "440106001",
                 "--address",
                 "天河路385号",
                 "--lat",
                 "23.13",
                 "--lng",
                 "113.32",
                 "--category",
                 "0101",
                 "--phone",
                 "13812345678",
                 "--name",
                 "张三",
                 "--content",
                 "驾照换证怎么办",
                 "--channel",
                 "wechat",
                 "--urgent",
                 "--idempotency-key",
                 "k1",
                 "--answered-by",
                 "KB-0301",
                 "--answer",
                 "带护照去车管所",
                 "--handling-time",
                 "312"}) == ExitCode::kOk);
  const v1::CreateWorkOrderRequest sent = h.gateway.last_create();
  CHECK(sent.type() == v1::ORDER_TYPE_CONSULTATION);
  CHECK(sent.channel() == v1::CHANNEL_WECHAT);
  CHECK(sent.urgent());
  CHECK(sent.idempotency_key() == "k1");
  CHECK(sent.caller().phone() == "13812345678");
  CHECK(sent.caller().name() == "张三");
  CHECK(sent.location().district_code() == "440106");
  CHECK(sent.location().street_code() == "440106001");
  CHECK(sent.location().address() == "天河路385号");
  CHECK(sent.location().point().latitude() == Approx(23.13));
  CHECK(sent.location().point().longitude() == Approx(113.32));
  CHECK(sent.category_code() == "0101");
  CHECK(sent.content() == "驾照换证怎么办");
  CHECK(sent.on_spot_answer().knowledge_code() == "KB-0301");
  CHECK(sent.on_spot_answer().answer() == "带护照去车管所");
  CHECK(sent.handling_time().seconds() == 312);
  CHECK_THAT(h.out.str(), Catch::Contains("GZ20261128000123"));
  CHECK_THAT(h.out.str(), !Catch::Contains("replayed"));
}

TEST_CASE("create notes a replay and reports server rejections", "[cli][commands]") {
  Harness h;
  const std::vector<std::string> base = {"create", "--type",   "complaint", "--district",
                                         "440106", "--phone",  "138",       "--category",
                                         "0101",   "--content"};
  std::vector<std::string> replay = base;
  replay.insert(replay.end(), {"noise", "--idempotency-key", "seen-before"});
  REQUIRE(h.Run(replay) == ExitCode::kOk);
  CHECK_THAT(h.out.str(), Catch::StartsWith("replayed"));
  CHECK(h.gateway.last_create().channel() == v1::CHANNEL_PHONE);  // the default
  CHECK_FALSE(h.gateway.last_create().has_on_spot_answer());
  CHECK_FALSE(h.gateway.last_create().location().has_point());
  CHECK_FALSE(h.gateway.last_create().has_handling_time());  // not reported

  std::vector<std::string> rejected = base;
  rejected.push_back("reject me");
  CHECK(h.Run(rejected) == ExitCode::kRpcFailed);
  CHECK(h.err.str() == "error: INVALID_ARGUMENT: category_code: unknown 9999\n");
}

TEST_CASE("create flag errors are usage errors and call nothing", "[cli][commands]") {
  Harness h;
  const std::vector<std::string> base = {"create",     "--district", "440106",    "--phone", "138",
                                         "--category", "0101",       "--content", "x"};
  const auto usage_error = [&h, &base](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    CHECK(h.Run(args) == ExitCode::kUsage);
    CHECK(h.out.str().empty());
    return h.err.str();
  };
  CHECK_THAT(usage_error({"--type", "grumble"}),
             Catch::Contains("--type: unknown value 'grumble' (one of: consultation, complaint"));
  CHECK_THAT(usage_error({"--type", "complaint", "--channel", "fax"}),
             Catch::Contains("--channel: unknown value 'fax'"));
  CHECK_THAT(usage_error({"--type", "complaint", "--lat", "23.1"}),
             Catch::Contains("--lat: needs --lng too"));
  CHECK_THAT(usage_error({"--type", "complaint", "--lat", "91", "--lng", "113"}),
             Catch::Contains("--lat: wants a number from -90 to 90"));
  CHECK_THAT(usage_error({"--type", "complaint", "--answer", "hi"}),
             Catch::Contains("--answer: needs --answered-by"));
  CHECK_THAT(usage_error({"--type", "complaint", "--name", "\xD5\xC5\xC8\xFD"}),  // GBK 张三
             Catch::Contains("--name: not valid UTF-8"));
  CHECK_THAT(usage_error({"--type", "complaint", "--handling-time", "0"}),
             Catch::Contains("--handling-time: wants a positive number; got '0'"));
  CHECK_THAT(usage_error({"--type", "complaint", "--handling-time", "5min"}),
             Catch::Contains("--handling-time: wants a positive number"));
  CHECK(h.gateway.last_create().content().empty());  // nothing reached the server
}

TEST_CASE("list builds filters from local days", "[cli][commands]") {
  const auto build = [](std::vector<std::string> args) {
    args.insert(args.begin(), "list");
    absl::StatusOr<CommandLine> cl = ParseCommandLine(args, {});
    REQUIRE(cl.ok());
    return BuildListRequest(*cl);
  };
  absl::StatusOr<v1::ListWorkOrdersRequest> request =
      build({"--state", "created", "--type", "complaint", "--district", "440106", "--unit",
             "4401060", "--from", "2026-11-01", "--until", "2026-11-29", "--limit", "50",
             "--page-token", "abc", "--oldest-first"});
  REQUIRE(request.ok());
  CHECK(request->state() == v1::ORDER_STATE_CREATED);
  CHECK(request->type() == v1::ORDER_TYPE_COMPLAINT);
  CHECK(request->district_code() == "440106");
  CHECK(request->unit_code() == "4401060");
  // 2026-11-01 00:00 +08:00 = 2026-10-31T16:00:00Z.
  CHECK(request->created_from().seconds() == 1793462400);
  // --until includes the whole day: up to 2026-11-30 00:00 +08:00.
  CHECK(request->created_until().seconds() == 1793462400 + 29 * 86400);
  CHECK(request->page_size() == 50);
  CHECK(request->page_token() == "abc");
  CHECK(request->oldest_first());

  absl::StatusOr<v1::ListWorkOrdersRequest> rfc3339 =
      build({"--from", "2026-11-28T14:03:05+08:00", "--until", "2026-11-28T06:03:06Z"});
  REQUIRE(rfc3339.ok());
  CHECK(rfc3339->created_from().seconds() == kCreatedAtSeconds);
  CHECK(rfc3339->created_until().seconds() == kCreatedAtSeconds + 1);

  absl::StatusOr<v1::ListWorkOrdersRequest> empty = build({});
  REQUIRE(empty.ok());
  CHECK_FALSE(empty->has_created_from());
  CHECK(empty->state() == v1::ORDER_STATE_UNSPECIFIED);

  CHECK_THAT(std::string(build({"--from", "yesterday"}).status().message()),
             Catch::Contains("--from: 'yesterday' is neither a day"));
  CHECK_THAT(
      std::string(build({"--from", "2026-11-29", "--until", "2026-11-01"}).status().message()),
      Catch::Contains("--until: is not after --from"));
  CHECK_THAT(std::string(build({"--limit", "0"}).status().message()), Catch::Contains("--limit"));
  CHECK_THAT(std::string(build({"--state", "open"}).status().message()),
             Catch::Contains("--state: unknown value 'open'"));
}

TEST_CASE("list prints an aligned table and the next page", "[cli][commands]") {
  Harness h;
  REQUIRE(h.Run({"list"}) == ExitCode::kOk);
  const std::vector<std::string> lines = Lines(h.out.str());
  REQUIRE(lines.size() == 6);  // header, rule, three orders, next page
  for (size_t i = 0; i < 5; ++i) {
    INFO(lines[i]);
    CHECK(text::DisplayWidth(lines[i]) == text::DisplayWidth(lines[0]));
  }
  // Chinese names under the Chinese headers (issue 24); --json keeps the short names.
  CHECK_THAT(lines[2], Catch::Contains("投诉 突发"));
  CHECK_THAT(lines[2], !Catch::Contains("complaint"));
  CHECK_THAT(lines[2], Catch::Contains("…"));  // long content is cut
  CHECK_THAT(lines[3], Catch::Contains("short"));
  CHECK(lines[5] == "next page: --page-token cGFnZTI=");
  // Names beside codes, from the directory: 天河区 and 建筑施工噪声; a code
  // the directory does not know stays bare.
  CHECK_THAT(lines[2], Catch::Contains("天河区 440106"));
  CHECK_THAT(h.out.str(), Catch::Contains(" 440104 "));
}

TEST_CASE("get and queue show unit and category names beside their codes", "[cli][commands]") {
  Harness h;
  REQUIRE(h.Run({"get", "GZ20261128000123"}) == ExitCode::kOk);
  const std::string out = h.out.str();
  CHECK_THAT(out, Catch::Contains("天河区 440106"));
  CHECK_THAT(out, Catch::Contains("噪声污染 0101"));  // the sample's category
  Harness q;
  REQUIRE(q.Run({"queue", "--unit", "440106", "--state", "to-sign"}) == ExitCode::kOk);
  const std::vector<std::string> lines = Lines(q.out.str());
  REQUIRE(lines.size() >= 4);
  CHECK_THAT(lines[2], Catch::Contains("天河区 440106"));
  CHECK_THAT(lines[3], Catch::Contains("五山街道 440106001"));
  for (size_t i = 0; i < 4; ++i) {
    INFO(lines[i]);
    CHECK(text::DisplayWidth(lines[i]) == text::DisplayWidth(lines[0]));
  }
}

TEST_CASE("act sends what the arguments and flags say", "[cli][commands]") {
  Harness h;
  REQUIRE(h.Run({"act", "GZ20261128000123", "link-duplicate", "--unit", "440106001", "--note",
                 "同一地址重复来电", "--rating", "dissatisfied", "--master", "GZ20261127000042",
                 "--version", "12345678901", "--idempotency-key", "act-1", "--token", "tok"}) ==
          ExitCode::kOk);
  const v1::ActRequest sent = h.gateway.last_act();
  CHECK(sent.order_id() == "GZ20261128000123");
  CHECK(sent.action() == v1::ACTION_LINK_DUPLICATE);
  CHECK(sent.unit_code() == "440106001");
  CHECK(sent.note() == "同一地址重复来电");
  CHECK(sent.rating() == v1::RATING_DISSATISFIED);
  CHECK(sent.master_order_id() == "GZ20261127000042");
  CHECK(sent.expected_version() == 12345678901);
  CHECK(sent.idempotency_key() == "act-1");
  CHECK(h.gateway.authorization() == "Bearer tok");

  const std::string out = h.out.str();
  CHECK_THAT(out, Catch::StartsWith("工单号 (id)"));
  CHECK_THAT(out, Catch::Contains("GZ20261128000123"));
  CHECK_THAT(out, Catch::Contains("hand-down-requested"));
  CHECK_THAT(out, Catch::Contains("440106001"));
  CHECK_THAT(out, Catch::Contains("basically-satisfied"));
  CHECK_THAT(out, Catch::Contains("GZ20261127000042"));
  CHECK_THAT(out, Catch::Contains("历史 (history)"));
  CHECK_THAT(out, Catch::Contains("请五山街道办理"));
  CHECK_THAT(out, !Catch::Contains("replayed"));
}

TEST_CASE("act builds a minimal request and knows every action", "[cli][commands]") {
  const auto build = [](std::vector<std::string> args) {
    args.insert(args.begin(), "act");
    absl::StatusOr<CommandLine> cl = ParseCommandLine(args, {});
    REQUIRE(cl.ok());
    return BuildActRequest(*cl);
  };
  absl::StatusOr<v1::ActRequest> sign = build({"GZ1", "sign"});
  REQUIRE(sign.ok());
  CHECK(sign->order_id() == "GZ1");
  CHECK(sign->action() == v1::ACTION_SIGN);
  CHECK(sign->expected_version() == 0);
  CHECK(sign->rating() == v1::RATING_UNSPECIFIED);
  CHECK(sign->unit_code().empty());
  CHECK(sign->note().empty());
  CHECK(sign->master_order_id().empty());
  CHECK_THAT(sign->idempotency_key(), Catch::StartsWith("cli-"));  // always one: a retry is safe

  const std::vector<std::pair<std::string, v1::Action>> actions = {
      {"dispatch", v1::ACTION_DISPATCH},
      {"return", v1::ACTION_RETURN},
      {"approve-return", v1::ACTION_APPROVE_RETURN},
      {"reject-return", v1::ACTION_REJECT_RETURN},
      {"request-hand-down", v1::ACTION_REQUEST_HAND_DOWN},
      {"approve-hand-down", v1::ACTION_APPROVE_HAND_DOWN},
      {"reject-hand-down", v1::ACTION_REJECT_HAND_DOWN},
      {"hand-up", v1::ACTION_HAND_UP},
      {"reply", v1::ACTION_REPLY},
      {"approve-reply", v1::ACTION_APPROVE_REPLY},
      {"send-back", v1::ACTION_SEND_BACK},
      {"callback", v1::ACTION_CALLBACK},
      {"redo", v1::ACTION_REDO},
      {"close", v1::ACTION_CLOSE},
      {"archive", v1::ACTION_ARCHIVE},
      {"urge", v1::ACTION_URGE},
      {"supervise", v1::ACTION_SUPERVISE},
      {"Approve_Reply", v1::ACTION_APPROVE_REPLY},  // case and '_' do not matter
  };
  for (const auto& [name, action] : actions) {
    INFO(name);
    absl::StatusOr<v1::ActRequest> request = build({"GZ1", name});
    REQUIRE(request.ok());
    CHECK(request->action() == action);
  }
  for (const auto& [name, rating] : std::vector<std::pair<std::string, v1::Rating>>{
           {"satisfied", v1::RATING_SATISFIED},
           {"basically-satisfied", v1::RATING_BASICALLY_SATISFIED},
           {"dissatisfied", v1::RATING_DISSATISFIED}}) {
    absl::StatusOr<v1::ActRequest> request = build({"GZ1", "callback", "--rating", name});
    REQUIRE(request.ok());
    CHECK(request->rating() == rating);
  }
}

TEST_CASE("act argument and flag errors are usage errors and call nothing", "[cli][commands]") {
  Harness h;
  const auto usage_error = [&h](std::vector<std::string> args) {
    args.insert(args.begin(), "act");
    CHECK(h.Run(args) == ExitCode::kUsage);
    CHECK(h.out.str().empty());
    CHECK_THAT(h.err.str(), Catch::EndsWith("see: hotline help act\n"));
    return h.err.str();
  };
  CHECK_THAT(usage_error({"GZ1", "frobnicate"}),
             Catch::StartsWith("error: ACTION: unknown value 'frobnicate' (one of: dispatch, "
                               "sign, return, approve-return,"));
  CHECK_THAT(usage_error({"GZ1", "unspecified"}), Catch::Contains("ACTION: unknown value"));
  CHECK_THAT(usage_error({"sign", "GZ1"}),
             Catch::Contains("ACTION: unknown value 'GZ1' (the order id comes first"));
  CHECK_THAT(usage_error({"GZ1", "callback", "--rating", "meh"}),
             Catch::Contains("--rating: unknown value 'meh' (one of: satisfied, "
                             "basically-satisfied, dissatisfied)"));
  CHECK_THAT(usage_error({"GZ1", "sign", "--version", "three"}),
             Catch::Contains("--version: wants a positive number; got 'three'"));
  CHECK_THAT(usage_error({"GZ1", "sign", "--version", "0"}),
             Catch::Contains("--version: wants a positive number"));
  CHECK_THAT(usage_error({"GZ1", "sign", "--version", "99999999999999999999"}),
             Catch::Contains("--version: wants a positive number"));
  CHECK_THAT(usage_error({"GZ1", "reply", "--note", "\xB0\xEC\xBD\xE1"}),  // GBK 办结
             Catch::Contains("--note: not valid UTF-8"));
  CHECK(h.gateway.last_act().order_id().empty());  // nothing reached the server
}

TEST_CASE("act notes a replay and reports the server's refusal", "[cli][commands]") {
  Harness h;
  REQUIRE(h.Run({"act", "GZ20261128000123", "sign", "--idempotency-key", "seen-before"}) ==
          ExitCode::kOk);
  CHECK_THAT(h.out.str(), Catch::StartsWith("replayed: an earlier request with this idempotency key"));
  CHECK_THAT(h.out.str(), Catch::Contains("GZ20261128000123"));

  CHECK(h.Run({"act", "GZ-closed", "sign"}) == ExitCode::kRpcFailed);
  CHECK(h.err.str() ==
        "error: FAILED_PRECONDITION: order GZ-closed is closed: sign is not allowed\n");
  CHECK(h.out.str().empty());

  REQUIRE(h.Run({"act", "GZ20261128000123", "urge", "--json"}) == ExitCode::kOk);
  CHECK(Lines(h.out.str()).size() == 1);
  v1::ActResponse parsed;
  REQUIRE(google::protobuf::util::JsonStringToMessage(h.out.str(), &parsed).ok());
  CHECK(parsed.order().urge_count() == 3);
}

TEST_CASE("queue maps the queue names and any state", "[cli][commands]") {
  const auto build = [](std::vector<std::string> args) {
    args.insert(args.begin(), {"queue", "--unit", "440106"});
    absl::StatusOr<CommandLine> cl = ParseCommandLine(args, {});
    REQUIRE(cl.ok());
    return BuildQueueRequest(*cl);
  };
  const std::vector<std::pair<std::string, v1::OrderState>> states = {
      {"to-sign", v1::ORDER_STATE_DISPATCHED},
      {"in-progress", v1::ORDER_STATE_SIGNED},
      {"replied", v1::ORDER_STATE_REPLIED},
      {"sent-back", v1::ORDER_STATE_SENT_BACK},
      {"TO_SIGN", v1::ORDER_STATE_DISPATCHED},
      {"dispatched", v1::ORDER_STATE_DISPATCHED},
      {"signed", v1::ORDER_STATE_SIGNED},
      {"return-requested", v1::ORDER_STATE_RETURN_REQUESTED},
      {"Hand_Down_Requested", v1::ORDER_STATE_HAND_DOWN_REQUESTED},
      {"ORDER_STATE_CALLBACK_PENDING", v1::ORDER_STATE_CALLBACK_PENDING},
  };
  for (const auto& [name, state] : states) {
    INFO(name);
    absl::StatusOr<v1::ListQueueRequest> request = build({"--state", name});
    REQUIRE(request.ok());
    CHECK(request->state() == state);
    CHECK(request->unit_code() == "440106");
    CHECK(request->page_size() == 0);
    CHECK(request->page_token().empty());
    CHECK_FALSE(request->oldest_first());
  }

  absl::StatusOr<v1::ListQueueRequest> paged =
      build({"--state", "to-sign", "--limit", "50", "--page-token", "abc", "--oldest-first"});
  REQUIRE(paged.ok());
  CHECK(paged->page_size() == 50);
  CHECK(paged->page_token() == "abc");
  CHECK(paged->oldest_first());

  const std::string unknown(build({"--state", "open"}).status().message());
  CHECK_THAT(unknown, Catch::StartsWith("--state: unknown value 'open' (one of: to-sign, "
                                        "in-progress, replied, sent-back, created, dispatched"));
  CHECK_THAT(unknown, Catch::Contains("return-requested"));
  CHECK_THAT(std::string(build({"--state", "unspecified"}).status().message()),
             Catch::Contains("--state: unknown value"));
  CHECK_THAT(std::string(build({"--state", "to-sign", "--limit", "-3"}).status().message()),
             Catch::Contains("--limit: wants a positive number"));
}

TEST_CASE("queue prints the unit, the counts and the next page", "[cli][commands]") {
  Harness h;
  REQUIRE(h.Run({"queue", "--unit", "440106", "--state", "sent-back", "--oldest-first"}) ==
          ExitCode::kOk);
  CHECK(h.gateway.last_queue().unit_code() == "440106");
  CHECK(h.gateway.last_queue().state() == v1::ORDER_STATE_SENT_BACK);
  CHECK(h.gateway.last_queue().oldest_first());

  const std::vector<std::string> lines = Lines(h.out.str());
  REQUIRE(lines.size() == 5);  // header, rule, two orders, next page
  for (size_t i = 0; i < 4; ++i) {
    INFO(lines[i]);
    CHECK(text::DisplayWidth(lines[i]) == text::DisplayWidth(lines[0]));
  }
  CHECK_THAT(lines[0], Catch::Contains("承办单位"));
  CHECK_THAT(lines[0], Catch::Contains("退回/重办"));
  CHECK_THAT(lines[2], Catch::StartsWith("GZ20261128000130"));
  CHECK_THAT(lines[2], Catch::Contains("退回重办"));
  CHECK_THAT(lines[2], Catch::Contains(" 2/1 "));
  CHECK_THAT(lines[2], Catch::Contains("…"));  // long content is cut
  CHECK_THAT(lines[3], Catch::Contains("440106001"));
  CHECK_THAT(lines[3], Catch::Contains(" 0/0 "));
  CHECK(lines[4] == "next page: --page-token cXVldWUy");

  REQUIRE(h.Run({"queue", "--unit", "empty", "--state", "to-sign"}) == ExitCode::kOk);
  CHECK(h.out.str() == "the queue is empty\n");

  CHECK(h.Run({"queue", "--unit", "440106", "--state", "open"}) == ExitCode::kUsage);
  CHECK_THAT(h.err.str(), Catch::Contains("see: hotline help queue"));
}

TEST_CASE("units and categories print tables", "[cli][commands]") {
  Harness h;
  REQUIRE(h.Run({"units", "--kind", "district"}) == ExitCode::kOk);
  CHECK_THAT(h.out.str(), Catch::Contains("五山街道"));
  CHECK_THAT(h.out.str(), Catch::Contains("street"));
  CHECK(h.Run({"units", "--kind", "province"}) == ExitCode::kUsage);
  CHECK_THAT(h.err.str(), Catch::Contains("sub-unit"));

  REQUIRE(h.Run({"categories"}) == ExitCode::kOk);
  const std::vector<std::string> lines = Lines(h.out.str());
  REQUIRE(lines.size() == 5);
  CHECK_THAT(lines[2], Catch::StartsWith("01 "));
  CHECK_THAT(lines[3], Catch::StartsWith("  0101 "));
  CHECK_THAT(lines[4], Catch::StartsWith("    010101 "));
}

TEST_CASE("a create without a key gets one, and a retry after UNAVAILABLE reuses it",
          "[cli][commands]") {
  Harness h;
  const std::vector<std::string> create = {"create",   "--type",    "complaint", "--district",
                                           "440106",   "--phone",   "13812345678", "--category",
                                           "0101",     "--content", "噪声"};
  REQUIRE(h.Run(create) == ExitCode::kOk);
  REQUIRE(h.Run(create) == ExitCode::kOk);
  std::vector<std::string> keys = h.gateway.create_keys();
  REQUIRE(keys.size() == 2);
  CHECK_THAT(keys[0], Catch::StartsWith("cli-"));
  CHECK(keys[0].size() == 20);
  CHECK(keys[0] != keys[1]);  // two commands, two orders

  // Briefly unavailable: retried with the same key, once done.
  h.gateway.FailCreates(2);
  REQUIRE(h.Run(create) == ExitCode::kOk);
  keys = h.gateway.create_keys();
  REQUIRE(keys.size() == 5);
  CHECK(keys[2] == keys[3]);
  CHECK(keys[3] == keys[4]);

  // Still unavailable: the user is told how to retry without a second order.
  h.gateway.FailCreates(3);
  std::vector<std::string> keyed = create;
  keyed.insert(keyed.end(), {"--idempotency-key", "desk-7-call-42"});
  CHECK(h.Run(keyed) == ExitCode::kRpcFailed);
  CHECK_THAT(h.err.str(), Catch::Contains("--idempotency-key desk-7-call-42"));
  keys = h.gateway.create_keys();
  CHECK(std::count(keys.begin(), keys.end(), "desk-7-call-42") == 3);
}

TEST_CASE("a call refused for the caller's rate is made again after the wait the gateway names",
          "[cli][commands]") {
  Harness h;
  h.gateway.RateLimitWhoAmI(3, absl::Milliseconds(30));
  const absl::Time start = absl::Now();
  REQUIRE(h.Run({"whoami"}) == ExitCode::kOk);
  CHECK(absl::Now() - start >= absl::Milliseconds(90));
  CHECK(h.gateway.whoami_calls() == 4);
  CHECK(h.err.str().empty());

  // A wait longer than a person would sit through is reported, not taken.
  h.gateway.RateLimitWhoAmI(1, absl::Seconds(5));
  CHECK(h.Run({"whoami"}) == ExitCode::kRpcFailed);
  CHECK(h.gateway.whoami_calls() == 5);
  CHECK_THAT(h.err.str(), Catch::StartsWith("error: RESOURCE_EXHAUSTED: rate limit"));

  // And it gives up after five retries.
  h.gateway.RateLimitWhoAmI(10, absl::Milliseconds(1));
  CHECK(h.Run({"whoami"}) == ExitCode::kRpcFailed);
  CHECK(h.gateway.whoami_calls() == 11);
}

TEST_CASE("An unreachable gateway is an RPC failure", "[cli][commands]") {
  const std::string gateway = "127.0.0.1:" + std::to_string(testing::FreePort());
  std::unique_ptr<v1::Hotline::Stub> stub =
      v1::Hotline::NewStub(grpc::CreateChannel(gateway, grpc::InsecureChannelCredentials()));
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"whoami", "--timeout", "5", "--gateway", gateway}, {});
  REQUIRE(cl.ok());
  std::ostringstream out, err;
  CHECK(RunCommand(*cl, *stub, {out, err}) == ExitCode::kRpcFailed);
  CHECK_THAT(err.str(), Catch::StartsWith("error: UNAVAILABLE: "));
  CHECK_THAT(err.str(), Catch::Contains(gateway));
  CHECK(out.str().empty());
}

TEST_CASE("Local times are Asia/Shanghai", "[cli][time]") {
  google::protobuf::Timestamp ts;
  CHECK(FormatLocalTime(ts).empty());
  ts.set_seconds(kCreatedAtSeconds);
  CHECK(FormatLocalTime(ts) == "2026-11-28 14:03:05");
  ts.set_seconds(1793462400);  // 2026-10-31T16:00:00Z
  CHECK(FormatLocalTime(ts) == "2026-11-01 00:00:00");
}

TEST_CASE("every order type, state and channel has a Chinese name for tables and the wall", "[cli][commands]") {
  auto all_chinese = [](const google::protobuf::EnumDescriptor* d, auto name_of) {
    for (int i = 0; i < d->value_count(); ++i) {
      const int n = d->value(i)->number();
      if (n == 0) continue;
      const std::string name = name_of(n);
      INFO(d->value(i)->name() << " -> " << name);
      CHECK_FALSE(name.empty());
      // Not the short English name: some byte of it is outside ASCII.
      CHECK(std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }));
    }
  };
  all_chinese(v1::OrderType_descriptor(), [](int n) { return enums::ChineseName(static_cast<v1::OrderType>(n)); });
  all_chinese(v1::OrderState_descriptor(), [](int n) { return enums::ChineseName(static_cast<v1::OrderState>(n)); });
  all_chinese(v1::Channel_descriptor(), [](int n) { return enums::ChineseName(static_cast<v1::Channel>(n)); });
  CHECK(enums::ChineseName(v1::ORDER_STATE_DISPATCHED) == "已派单");
  CHECK(enums::ChineseName(v1::ORDER_STATE_SIGNED) == "已签收");
  CHECK(enums::ChineseName(v1::ORDER_TYPE_COMPLAINT) == "投诉");
}

TEST_CASE("every step of an order's history and every SLA status reads in Chinese", "[cli][commands]") {
  auto chinese = [](const std::string& name) {
    return std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  };
  const google::protobuf::EnumDescriptor* actions = v1::Action_descriptor();
  for (int i = 0; i < actions->value_count(); ++i) {
    const auto a = static_cast<v1::Action>(actions->value(i)->number());
    if (a == v1::ACTION_UNSPECIFIED) continue;
    INFO(actions->value(i)->name());
    CHECK(chinese(enums::ChineseName(a)));
    CHECK(enums::HistoryActionName(enums::SnakeName(a)) == enums::ChineseName(a));  // as history stores it
  }
  // The steps other writers record: intake, the SLA monitor, the unit merge.
  for (const char* written : {"create", "answer_on_spot", "sla_deadline", "sla_warning", "sla_breach", "sla_urge",
                              "sla_supervise", "sla_notice", "request_extension", "approve_extension",
                              "refuse_extension", "merge_unit", "close_with_master", "relink_duplicate"}) {
    INFO(written);
    CHECK(chinese(enums::HistoryActionName(written)));
  }
  CHECK(enums::HistoryActionName("request_hand_down") == "申请下派");
  CHECK(enums::HistoryActionName("some_future_step") == "some_future_step");
  for (const char* status : {"on_time", "warned", "breached", "escalated", "stopped", "done", "none"}) {
    INFO(status);
    CHECK(chinese(enums::SlaStatusName(status)));
  }
  CHECK(enums::SlaLevelName("supervise") == "督办");
}

}  // namespace
}  // namespace hotline::cli
