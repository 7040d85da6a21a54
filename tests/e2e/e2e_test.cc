// End-to-end: the real binaries (redis-server, hotline-intake, hotline-gateway)
// driven through the gateway over gRPC, as an agent desktop would.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>

#include <barrier>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "e2e/stack.h"
#include "support/raw_wire.h"

namespace hotline::testing {
namespace {

absl::StatusOr<v1::CreateWorkOrderResponse> Create(v1::Hotline::Stub& stub,
                                                   const v1::CreateWorkOrderRequest& request,
                                                   const std::string& token = kAgentToken) {
  auto ctx = CallContext(token);
  v1::CreateWorkOrderResponse response;
  grpc::Status s = stub.CreateWorkOrder(ctx.get(), request, &response);
  if (!s.ok())
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
  return response;
}

// Sends `wire` as the request of `method` through the gateway, as a client
// that builds its own bytes would.
grpc::Status RawCall(const Stack& stack, const std::string& method, const std::string& wire) {
  grpc::GenericStub stub(
      grpc::CreateChannel(stack.gateway_address(), grpc::InsecureChannelCredentials()));
  auto ctx = CallContext(kAgentToken);
  grpc::Slice slice(wire);
  grpc::ByteBuffer request(&slice, 1), response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(ctx.get(), method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  return done.get_future().get();
}

v1::ListWorkOrdersResponse List(v1::Hotline::Stub& stub, v1::ListWorkOrdersRequest request) {
  auto ctx = CallContext(kAgentToken);
  v1::ListWorkOrdersResponse response;
  grpc::Status s = stub.ListWorkOrders(ctx.get(), request, &response);
  INFO(s.error_message());
  REQUIRE(s.ok());
  return response;
}

}  // namespace

TEST_CASE("every service answers SERVING on grpc.health.v1", "[e2e]") {
  Stack stack;
  CHECK(HealthStatus(stack.dispatch_address()) == "SERVING");
  CHECK(HealthStatus(stack.dispatch_address(), "hotline.v1.Dispatch") == "SERVING");
  CHECK(HealthStatus(stack.intake_address()) == "SERVING");
  CHECK(HealthStatus(stack.intake_address(), "hotline.v1.Intake") == "SERVING");
  CHECK(HealthStatus(stack.intake_address(), "hotline.v1.Directory") == "SERVING");
  CHECK(HealthStatus(stack.gateway_address()) == "SERVING");
  CHECK(HealthStatus(stack.gateway_address(), "hotline.v1.Hotline") == "SERVING");
}

TEST_CASE("an agent creates an order in Chinese and reads it back", "[e2e]") {
  // Intake alone: auto-dispatch would add its own events and steps.
  Stack stack(Stack::Options{.auto_dispatch = false});
  auto stub = stack.NewClient();
  v1::CreateWorkOrderRequest request = SampleComplaint();
  absl::StatusOr<v1::CreateWorkOrderResponse> created = Create(*stub, request);
  REQUIRE(created.ok());
  const v1::WorkOrder& order = created->order();
  // GZ + today's local date + a 6-digit sequence.
  std::string today = absl::FormatTime("%Y%m%d", absl::Now(), absl::FixedTimeZone(8 * 3600));
  CHECK(order.id() == "GZ" + today + "000001");
  CHECK(order.state() == v1::ORDER_STATE_CREATED);
  CHECK_FALSE(created->replayed());
  CHECK(order.caller().phone().empty());
  CHECK(order.caller().phone_masked() == "138****5678");

  auto ctx = CallContext(kAgentToken);
  v1::GetWorkOrderRequest get;
  get.set_id(order.id());
  v1::GetWorkOrderResponse got;
  REQUIRE(stub->GetWorkOrder(ctx.get(), get, &got).ok());
  CHECK(got.order().content() == request.content());
  CHECK(got.order().location().address() == "五山路某小区3栋");
  CHECK(got.order().caller().name() == "张先生");
  CHECK(got.order().caller().phone().empty());
  CHECK(got.order().caller().phone_masked() == "138****5678");
  CHECK(got.order().created_by().user_id() == "agent-t1");
  REQUIRE(got.order().history_size() == 1);
  const v1::HistoryEntry& h = got.order().history(0);
  CHECK(h.seq() == 1);
  CHECK(h.action() == "create");
  CHECK(h.actor().user_id() == "agent-t1");
  CHECK(h.actor().role() == v1::ROLE_AGENT);
  CHECK(h.to_state() == v1::ORDER_STATE_CREATED);

  v1::ListWorkOrdersRequest in_tianhe;
  in_tianhe.set_district_code("440106");
  v1::ListWorkOrdersResponse listed = List(*stub, in_tianhe);
  REQUIRE(listed.orders_size() == 1);
  CHECK(listed.orders(0).id() == order.id());
  CHECK(listed.orders(0).caller().phone().empty());
  v1::ListWorkOrdersRequest in_liwan;
  in_liwan.set_district_code("440103");
  CHECK(List(*stub, in_liwan).orders_size() == 0);

  // The event for the consumers is on the stream.
  CHECK(stack.EventCount() == 1);

  // Unknown order: NOT_FOUND.
  auto ctx2 = CallContext(kAgentToken);
  get.set_id("GZ20200101999999");
  CHECK(stub->GetWorkOrder(ctx2.get(), get, &got).error_code() == grpc::StatusCode::NOT_FOUND);
}

TEST_CASE("a consultation answered on the spot is created closed", "[e2e]") {
  Stack stack;
  auto stub = stack.NewClient();
  v1::CreateWorkOrderRequest request = SampleComplaint();
  request.set_type(v1::ORDER_TYPE_CONSULTATION);
  request.set_content("咨询：德国驾照如何换领中国驾照？");
  request.mutable_on_spot_answer()->set_knowledge_code("KB.20.03.001");
  request.mutable_on_spot_answer()->set_answer("携带护照、德国驾照及翻译件到车管所办理。");
  absl::StatusOr<v1::CreateWorkOrderResponse> created = Create(*stub, request);
  REQUIRE(created.ok());
  CHECK(created->order().state() == v1::ORDER_STATE_CLOSED);
  CHECK(created->order().has_closed_at());
  CHECK(created->order().on_spot_answer().knowledge_code() == "KB.20.03.001");

  v1::ListWorkOrdersRequest closed;
  closed.set_state(v1::ORDER_STATE_CLOSED);
  CHECK(List(*stub, closed).orders_size() == 1);
  v1::ListWorkOrdersRequest open;
  open.set_state(v1::ORDER_STATE_CREATED);
  CHECK(List(*stub, open).orders_size() == 0);
}

TEST_CASE("50 racing clients with one idempotency key create exactly one order", "[e2e]") {
  // Intake alone: auto-dispatch would add its own events and steps.
  Stack stack(Stack::Options{.auto_dispatch = false});
  v1::CreateWorkOrderRequest request = SampleComplaint();
  request.set_idempotency_key("call-20261128-agent-t1-0001");
  constexpr int kClients = 50;
  std::vector<absl::StatusOr<v1::CreateWorkOrderResponse>> results(kClients,
                                                                   absl::UnknownError("not run"));
  std::barrier start(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      auto stub = stack.NewClient();  // each client its own connection
      start.arrive_and_wait();
      results[i] = Create(*stub, request);
    });
  }
  for (auto& t : clients) t.join();

  std::set<std::string> ids;
  int first = 0;
  for (const auto& r : results) {
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    ids.insert(r->order().id());
    if (!r->replayed()) ++first;
  }
  CHECK(ids.size() == 1);
  CHECK(first == 1);
  CHECK(stack.OrderCount() == 1);
  CHECK(stack.EventCount() == 1);

  // The same key with other content is refused, and nothing changes.
  v1::CreateWorkOrderRequest other = request;
  other.set_content("另一件事");
  auto stub = stack.NewClient();
  absl::StatusOr<v1::CreateWorkOrderResponse> reused = Create(*stub, other);
  CHECK(reused.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StartsWith(reused.status().message(), "idempotency_key"));
  CHECK(stack.OrderCount() == 1);
}

TEST_CASE("every bad field gets INVALID_ARGUMENT naming it, and nothing is written", "[e2e]") {
  // Intake alone: auto-dispatch would add its own events and steps.
  Stack stack(Stack::Options{.auto_dispatch = false});
  auto stub = stack.NewClient();
  using Mutation = std::function<void(v1::CreateWorkOrderRequest&)>;
  const std::vector<std::pair<std::string, Mutation>> cases = {
      {"content", [](auto& r) { r.set_content(""); }},
      {"content", [](auto& r) { r.set_content("   "); }},
      {"content", [](auto& r) { r.set_content(std::string(2001, 'a')); }},
      {"content",
       [](auto& r) {
         std::string s;
         for (int i = 0; i < 2001; ++i) s += "噪";
         r.set_content(s);
       }},
      // Bytes that are not UTF-8: below, as raw bytes (protobuf will not send them).
      {"caller.name", [](auto& r) { r.mutable_caller()->set_name(std::string(51, 'x')); }},
      {"location.address",
       [](auto& r) { r.mutable_location()->set_address(std::string(201, 'x')); }},
      {"type", [](auto& r) { r.set_type(v1::ORDER_TYPE_UNSPECIFIED); }},
      {"type", [](auto& r) { r.set_type(static_cast<v1::OrderType>(42)); }},
      {"channel", [](auto& r) { r.set_channel(v1::CHANNEL_UNSPECIFIED); }},
      {"location.district_code", [](auto& r) { r.mutable_location()->set_district_code(""); }},
      {"location.district_code",
       [](auto& r) { r.mutable_location()->set_district_code("999999"); }},
      {"location.district_code",  // a street is not a district
       [](auto& r) { r.mutable_location()->set_district_code("440106001"); }},
      {"location.street_code", [](auto& r) { r.mutable_location()->set_street_code("440106999"); }},
      {"location.street_code",  // a real street of another district
       [](auto& r) { r.mutable_location()->set_street_code("440104001"); }},
      {"location.point", [](auto& r) { r.mutable_location()->mutable_point()->set_latitude(91); }},
      {"category_code", [](auto& r) { r.set_category_code(""); }},
      {"category_code", [](auto& r) { r.set_category_code("9999"); }},
      {"caller.phone", [](auto& r) { r.mutable_caller()->set_phone(""); }},
      {"caller.phone", [](auto& r) { r.mutable_caller()->set_phone("12345"); }},
      {"caller.phone", [](auto& r) { r.mutable_caller()->set_phone("1381234567a"); }},
      {"caller.phone", [](auto& r) { r.mutable_caller()->set_phone("10812345678"); }},
      {"on_spot_answer", [](auto& r) { r.mutable_on_spot_answer()->set_knowledge_code("KB1"); }},
      {"idempotency_key", [](auto& r) { r.set_idempotency_key("has space"); }},
      {"handling_time", [](auto& r) { r.mutable_handling_time()->set_seconds(-5); }},
      {"handling_time", [](auto& r) { r.mutable_handling_time()->set_seconds(5 * 3600); }},
      {"handling_time", [](auto& r) { r.mutable_handling_time()->set_seconds(0); }},
  };
  for (const auto& [field, mutate] : cases) {
    v1::CreateWorkOrderRequest request = SampleComplaint();
    mutate(request);
    absl::StatusOr<v1::CreateWorkOrderResponse> result = Create(*stub, request);
    INFO("expected field " << field << ", got " << result.status().ToString());
    CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StartsWith(result.status().message(), field + ":"));
  }
  // Bytes that are not UTF-8 in a string field, top-level or nested, sent raw
  // the way a client that builds its own bytes would.
  const std::string good = SampleComplaint().SerializeAsString();
  const std::string not_utf8 = "\xe5\x99\xaa\xff\xfe";
  using R = v1::CreateWorkOrderRequest;
  const std::vector<std::pair<std::string, std::string>> raw_cases = {
      {"content", AppendField(good, R::kContentFieldNumber, not_utf8)},
      {"caller.name", AppendField(good, R::kCallerFieldNumber,
                                  AppendField("", v1::Caller::kNameFieldNumber, not_utf8))},
      {"location.address",
       AppendField(good, R::kLocationFieldNumber,
                   AppendField("", v1::Location::kAddressFieldNumber, not_utf8))},
  };
  for (const auto& [field, wire] : raw_cases) {
    grpc::Status s = RawCall(stack, "/hotline.v1.Hotline/CreateWorkOrder", wire);
    INFO("expected field " << field << ", got " << s.error_message());
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(s.error_message() == field + ": is not valid UTF-8");
  }
  grpc::Status garbage = RawCall(stack, "/hotline.v1.Hotline/CreateWorkOrder", "\x0a\xff\xff");
  CHECK(garbage.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(absl::StrContains(garbage.error_message(), "hotline.v1.CreateWorkOrderRequest"));
  CHECK(stack.OrderCount() == 0);
  CHECK(stack.EventCount() == 0);
  // The good request still works after all of that, typed and as raw bytes.
  CHECK(Create(*stub, SampleComplaint()).ok());
  CHECK(stack.OrderCount() == 1);
  v1::CreateWorkOrderRequest another = SampleComplaint();
  another.set_idempotency_key("raw-bytes-good-request");
  CHECK(RawCall(stack, "/hotline.v1.Hotline/CreateWorkOrder", another.SerializeAsString()).ok());
  CHECK(stack.OrderCount() == 2);
}

TEST_CASE("the gateway authenticates callers and checks their role", "[e2e]") {
  Stack stack;
  auto stub = stack.NewClient();
  v1::CreateWorkOrderRequest request = SampleComplaint();
  {
    grpc::ClientContext ctx;  // no token
    v1::CreateWorkOrderResponse response;
    CHECK(stub->CreateWorkOrder(&ctx, request, &response).error_code() ==
          grpc::StatusCode::UNAUTHENTICATED);
  }
  CHECK(Create(*stub, request, "not-a-real-token-at-all").status().code() ==
        absl::StatusCode::kUnauthenticated);
  // A unit handler reads but does not take calls.
  CHECK(Create(*stub, request, kHandlerToken).status().code() ==
        absl::StatusCode::kPermissionDenied);
  CHECK(stack.OrderCount() == 0);

  auto ctx = CallContext(kHandlerToken);
  v1::WhoAmIResponse me;
  REQUIRE(stub->WhoAmI(ctx.get(), v1::WhoAmIRequest(), &me).ok());
  CHECK(me.actor().user_id() == "handler-t1");
  CHECK(me.actor().role() == v1::ROLE_UNIT_HANDLER);
  CHECK(me.actor().unit_code() == "440106");
  CHECK(me.display_name() == "天河区处理人");
}

TEST_CASE("the directory is served through the gateway", "[e2e]") {
  Stack stack;
  auto stub = stack.NewClient();
  auto ctx = CallContext(kAgentToken);
  v1::ListUnitsRequest districts;
  districts.set_kind(v1::UNIT_KIND_DISTRICT);
  v1::ListUnitsResponse units;
  REQUIRE(stub->ListUnits(ctx.get(), districts, &units).ok());
  CHECK(units.units_size() == 11);
  auto ctx2 = CallContext(kAgentToken);
  v1::ListUnitsRequest streets;
  streets.set_parent_code("440106");
  REQUIRE(stub->ListUnits(ctx2.get(), streets, &units).ok());
  CHECK(units.units_size() >= 5);
  for (const auto& u : units.units()) CHECK(u.kind() == v1::UNIT_KIND_STREET);
  auto ctx3 = CallContext(kAgentToken);
  v1::ListCategoriesRequest noise;
  noise.set_code_prefix("01");
  v1::ListCategoriesResponse categories;
  REQUIRE(stub->ListCategories(ctx3.get(), noise, &categories).ok());
  CHECK(categories.categories_size() >= 3);
  for (const auto& c : categories.categories()) CHECK(absl::StartsWith(c.code(), "01"));
}

TEST_CASE("list pages through orders with a cursor, without gaps or repeats", "[e2e]") {
  Stack stack;
  auto stub = stack.NewClient();
  constexpr int kOrders = 25;
  for (int i = 0; i < kOrders; ++i) {
    v1::CreateWorkOrderRequest r = SampleComplaint();
    r.set_type(i % 5 == 0 ? v1::ORDER_TYPE_SUGGESTION : v1::ORDER_TYPE_COMPLAINT);
    REQUIRE(Create(*stub, r).ok());
  }
  for (bool oldest_first : {false, true}) {
    std::vector<std::string> seen;
    v1::ListWorkOrdersRequest request;
    request.set_page_size(10);
    request.set_oldest_first(oldest_first);
    int pages = 0;
    do {
      v1::ListWorkOrdersResponse page = List(*stub, request);
      for (const auto& o : page.orders()) seen.push_back(o.id());
      request.set_page_token(page.next_page_token());
      REQUIRE(++pages <= 4);
    } while (!request.page_token().empty());
    REQUIRE(seen.size() == kOrders);
    CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == kOrders);
    CHECK(std::is_sorted(seen.begin(), seen.end(), [&](const std::string& a, const std::string& b) {
      return oldest_first ? a < b : a > b;
    }));
  }
  v1::ListWorkOrdersRequest suggestions;
  suggestions.set_type(v1::ORDER_TYPE_SUGGESTION);
  suggestions.set_district_code("440106");
  CHECK(List(*stub, suggestions).orders_size() == 5);

  auto ctx = CallContext(kAgentToken);
  v1::ListWorkOrdersRequest bad;
  bad.set_page_token("garbage");
  v1::ListWorkOrdersResponse ignored;
  grpc::Status s = stub->ListWorkOrders(ctx.get(), bad, &ignored);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(absl::StartsWith(s.error_message(), "page_token"));
}

TEST_CASE("the caller's deadline reaches the backend", "[e2e]") {
  Stack stack;
  auto stub = stack.NewClient();
  REQUIRE(Create(*stub, SampleComplaint()).ok());  // warm connections
  // Freeze intake: the gateway must give up when the caller's deadline passes,
  // not after its own 10 s backend timeout.
  pid_t intake_pid = stack.intake().pid();
  REQUIRE(intake_pid > 0);
  ::kill(intake_pid, SIGSTOP);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + TokenFor(kAgentToken));
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  v1::CreateWorkOrderResponse response;
  absl::Time start = absl::Now();
  grpc::Status s = stub->CreateWorkOrder(&ctx, SampleComplaint(), &response);
  absl::Duration took = absl::Now() - start;
  ::kill(intake_pid, SIGCONT);
  CHECK(s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  CHECK(took < absl::Seconds(2));
}

TEST_CASE("while Redis is down creates fail UNAVAILABLE, after it is back they work", "[e2e]") {
  Stack stack;
  auto stub = stack.NewClient();
  REQUIRE(Create(*stub, SampleComplaint()).ok());
  stack.redis().Stop();
  absl::Time start = absl::Now();
  absl::StatusOr<v1::CreateWorkOrderResponse> down = Create(*stub, SampleComplaint());
  CHECK(down.status().code() == absl::StatusCode::kUnavailable);
  CHECK(absl::Now() - start < absl::Seconds(3));
  CHECK(stack.intake().Running());
  stack.redis().Start();
  bool recovered = false;
  for (int i = 0; i < 50 && !recovered; ++i) {
    recovered = Create(*stub, SampleComplaint()).ok();
    if (!recovered) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(recovered);
  // The order acknowledged before the outage survived the restart (AOF, fsync always).
  CHECK(stack.OrderCount() == 2);
}

TEST_CASE("every service's /metrics passes promtool check metrics", "[e2e]") {
  Stack stack(Stack::Options{.sla_replicas = 1});
  auto stub = stack.NewClient();
  REQUIRE(Create(*stub, SampleComplaint()).ok());
  v1::CreateWorkOrderRequest bad = SampleComplaint();
  bad.set_content("");
  REQUIRE_FALSE(Create(*stub, bad).ok());
  for (int port :
       {stack.intake_metrics_port(), stack.gateway_metrics_port(), stack.dispatch_metrics_port(),
        stack.sla_metrics_port()}) {
    std::string body = HttpGet(port, "/metrics");
    REQUIRE_FALSE(body.empty());
    CHECK(absl::StrContains(body, "hotline_grpc_server_handled_total"));
    CHECK(absl::StrContains(body, "hotline_build_info"));
    std::string path = stack.dir() + "/metrics.txt";
    std::ofstream(path) << body;
    ShellResult promtool = RunShell("promtool check metrics < " + path);
    INFO("port " << port << ": promtool said:\n" << promtool.output);
    CHECK(promtool.exit_code == 0);
    CHECK(promtool.output.empty());
  }
  std::string intake_metrics = HttpGet(stack.intake_metrics_port(), "/metrics");
  CHECK(absl::StrContains(
      intake_metrics,
      "hotline_intake_orders_created_total{channel=\"phone\",type=\"complaint\"} 1"));
  CHECK(absl::StrContains(intake_metrics, "hotline_intake_rejected_total{field=\"content\"} 1"));
  // No personal data in metrics.
  CHECK_FALSE(absl::StrContains(intake_metrics, "13812345678"));
  // The auto-dispatch loop shows it is alive: it read the stream moments ago.
  const std::string dispatch_metrics = HttpGet(stack.dispatch_metrics_port(), "/metrics");
  const std::string gauge = "\nhotline_dispatch_consumer_last_poll_timestamp_seconds ";
  const size_t at = dispatch_metrics.find(gauge);
  REQUIRE(at != std::string::npos);
  const double last_poll = std::stod(dispatch_metrics.substr(at + gauge.size()));
  CHECK(std::abs(static_cast<double>(absl::ToUnixMicros(absl::Now())) / 1e6 - last_poll) < 30);
}

TEST_CASE("on SIGTERM the services drain and exit cleanly", "[e2e]") {
  Stack stack;
  auto stub = stack.NewClient();
  REQUIRE(Create(*stub, SampleComplaint()).ok());
  int gateway_status = stack.gateway().Terminate();
  int intake_status = stack.intake().Terminate();
  CHECK(WIFEXITED(gateway_status));
  CHECK(WEXITSTATUS(gateway_status) == 0);
  CHECK(WIFEXITED(intake_status));
  CHECK(WEXITSTATUS(intake_status) == 0);
  // A dispatch replica that leaves nothing pending also leaves the consumer group.
  auto consumers = [&] {
    absl::StatusOr<redis::Reply> r =
        stack.redis_client().Execute({"XINFO", "CONSUMERS", "hotline:events", "dispatch"});
    REQUIRE(r.ok());
    return r->elements.size();
  };
  CHECK(consumers() == 1);
  int dispatch_status = stack.dispatch().Terminate();
  CHECK(WIFEXITED(dispatch_status));
  CHECK(WEXITSTATUS(dispatch_status) == 0);
  CHECK(consumers() == 0);
}

TEST_CASE("a call in flight when SIGTERM arrives completes, new calls are refused", "[e2e]") {
  Stack stack;
  auto stub = stack.NewClient();
  REQUIRE(Create(*stub, SampleComplaint()).ok());  // warm: connections made
  // Redis holds every command for 1.5 s (under intake's 2 s command
  // timeout): the next create waits inside intake.
  REQUIRE(stack.redis_client().Execute({"CLIENT", "PAUSE", "1500", "ALL"}).ok());
  auto in_flight = std::async(std::launch::async, [&] {
    auto own = stack.NewClient();
    return Create(*own, SampleComplaint());
  });
  absl::SleepFor(absl::Milliseconds(300));
  REQUIRE(in_flight.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);
  ::kill(stack.intake().pid(), SIGTERM);
  absl::SleepFor(absl::Milliseconds(300));
  // Draining: intake takes no new call (the gateway says which backend).
  absl::StatusOr<v1::CreateWorkOrderResponse> refused = Create(*stub, SampleComplaint());
  CHECK(refused.status().code() == absl::StatusCode::kUnavailable);
  // The call that was in flight finishes, and is stored.
  absl::StatusOr<v1::CreateWorkOrderResponse> finished = in_flight.get();
  INFO(finished.status().ToString());
  REQUIRE(finished.ok());
  CHECK(stack.redis_client()
            .Execute({"EXISTS", "hotline:order:{" + finished->order().id() + "}"})
            ->integer == 1);
  const int status = stack.intake().Terminate();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

namespace {
int CountLines(const std::string& log, const std::string& text) {
  int n = 0;
  for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("operators see a dependency go and come back, once each, the gateway reconnects at once",
          "[e2e]") {
  Stack stack;
  auto stub = stack.NewClient();
  REQUIRE(Create(*stub, SampleComplaint()).ok());

  stack.redis().Stop();
  for (int i = 0; i < 5; ++i) {
    CHECK(Create(*stub, SampleComplaint()).status().code() == absl::StatusCode::kUnavailable);
  }
  stack.redis().Start();
  bool stored = false;
  for (int i = 0; i < 100 && !stored; ++i) {
    stored = Create(*stub, SampleComplaint()).ok();
    if (!stored) absl::SleepFor(absl::Milliseconds(50));
  }
  REQUIRE(stored);
  const std::string intake_log = stack.intake().Log();
  INFO(intake_log);
  CHECK(CountLines(intake_log, "redis unreachable") == 1);
  CHECK(CountLines(intake_log, "redis reachable again") == 1);

  // Down long enough for the gateway's watcher (a look every 50 ms) to see it.
  stack.RestartIntake(absl::Milliseconds(500));  // returns once the new intake is SERVING
  const absl::Time serving = absl::Now();
  absl::StatusOr<v1::CreateWorkOrderResponse> first = Create(*stub, SampleComplaint());
  while (!first.ok() && absl::Now() - serving < absl::Seconds(5)) {
    absl::SleepFor(absl::Milliseconds(10));
    first = Create(*stub, SampleComplaint());
  }
  const absl::Duration reconnect = absl::Now() - serving;
  INFO("first create through the gateway after intake was serving again: " << reconnect);
  REQUIRE(first.ok());
  CHECK(reconnect < absl::Milliseconds(500));  // gRPC's default backoff took 1-1.8 s
  absl::SleepFor(absl::Milliseconds(200));
  const std::string gateway_log = stack.gateway().Log();
  INFO(gateway_log);
  // Intake's lines (the stack has no sla here: its address is a closed port,
  // reported once as well).
  CHECK(CountLines(gateway_log, R"(until it is back","backend":"intake")") == 1);
  CHECK(CountLines(gateway_log, R"(available again","backend":"intake")") == 1);
}

}  // namespace hotline::testing
