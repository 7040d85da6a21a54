// The CLI's commands against an in-process fake gateway: what they send
// (request, token, deadline) and what they print.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/json_util.h"
#include "support/free_port.h"
#include "text/utf8.h"
#include "tools/hotline/cli_args.h"
#include "tools/hotline/commands.h"
#include "tools/hotline/local_time.h"

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

// Records what arrived and answers from canned responses.
class FakeGateway final : public v1::Hotline::Service {
 public:
  grpc::Status WhoAmI(grpc::ServerContext* ctx, const v1::WhoAmIRequest*,
                      v1::WhoAmIResponse* response) override {
    Record(ctx);
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
};

struct Harness {
  Harness() {
    grpc::ServerBuilder builder;
    builder.RegisterService(&gateway);
    server = builder.BuildAndStart();
    stub = v1::Hotline::NewStub(server->InProcessChannel(grpc::ChannelArguments()));
  }
  ~Harness() { server->Shutdown(); }

  // Runs the command line; fills out/err.
  ExitCode Run(std::vector<std::string> args) {
    absl::StatusOr<CommandLine> cl = ParseCommandLine(args, {});
    REQUIRE(cl.ok());
    out.str("");
    err.str("");
    return RunCommand(*cl, *stub, {out, err});
  }

  FakeGateway gateway;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<v1::Hotline::Stub> stub;
  std::ostringstream out, err;
};

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
                 "带护照去车管所"}) == ExitCode::kOk);
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
  CHECK_THAT(lines[2], Catch::Contains("complaint 突发"));
  CHECK_THAT(lines[2], Catch::Contains("…"));  // long content is cut
  CHECK_THAT(lines[3], Catch::Contains("short"));
  CHECK(lines[5] == "next page: --page-token cGFnZTI=");
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

}  // namespace
}  // namespace hotline::cli
