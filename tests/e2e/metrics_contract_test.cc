// The alerts and dashboards in deploy/ against what the real services export:
// a scrape of each running service after traffic of every kind (successes,
// bad input, bad tokens, Redis down), checked by tests/deploy/
// check_selectors.py.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>

#include "e2e/stack.h"

namespace hotline::testing {

TEST_CASE("every alert and dashboard selector matches a series the services export",
          "[e2e][deploy]") {
  Stack stack(Stack::Options{.sla_replicas = 1, .scoring_replicas = 1});
  auto stub = stack.NewClient();
  auto create = [&](const v1::CreateWorkOrderRequest& r, const std::string& token) {
    auto ctx = CallContext(token);
    v1::CreateWorkOrderResponse response;
    return stub->CreateWorkOrder(ctx.get(), r, &response);
  };
  for (int i = 0; i < 3; ++i) REQUIRE(create(SampleComplaint(), kAgentToken).ok());
  v1::CreateWorkOrderRequest web = SampleComplaint();
  web.set_type(v1::ORDER_TYPE_CONSULTATION);
  web.set_channel(v1::CHANNEL_WEB);
  REQUIRE(create(web, kAgentToken).ok());
  // Rejections naming each field the rule tests use.
  for (auto spoil : std::vector<std::function<void(v1::CreateWorkOrderRequest&)>>{
           [](auto& r) { r.set_content(""); },
           [](auto& r) { r.set_category_code("9999"); },
           [](auto& r) { r.mutable_location()->set_district_code("999999"); },
           [](auto& r) { r.mutable_caller()->set_phone("12"); }}) {
    v1::CreateWorkOrderRequest bad = SampleComplaint();
    spoil(bad);
    CHECK(create(bad, kAgentToken).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    auto ctx = CallContext(kAgentToken);
    v1::SearchKnowledgeRequest search;
    search.set_query("驾照 换证");
    v1::SearchKnowledgeResponse hits;
    CHECK(stub->SearchKnowledge(ctx.get(), search, &hits).ok());
  }
  {
    // A search that finds nothing: the zero-hit counter (its text is never a metric).
    auto ctx = CallContext(kAgentToken);
    v1::SearchKnowledgeRequest search;
    search.set_query("zzqqxxyy");
    v1::SearchKnowledgeResponse none;
    CHECK(stub->SearchKnowledge(ctx.get(), search, &none).ok());
    CHECK(none.hits().empty());
  }
  for (const char* id : {"GZ20261128000001", "GZ20261128999999"}) {
    auto ctx = CallContext(kAgentToken);
    v1::GetWorkOrderRequest get;
    get.set_id(id);
    v1::GetWorkOrderResponse ignored;
    (void)stub->GetWorkOrder(ctx.get(), get, &ignored);
  }
  CHECK(create(SampleComplaint(), "not-a-token-at-all-0000").error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);
  {
    auto ctx = CallContext(kDispatcherToken);
    v1::ActRequest act;
    act.set_order_id("GZ20261128999999");
    act.set_action(v1::ACTION_SIGN);
    v1::ActResponse response;
    CHECK(stub->Act(ctx.get(), act, &response).error_code() == grpc::StatusCode::NOT_FOUND);
  }
  // A dependency down: the server-error series the alerts watch.
  stack.redis().Stop();
  CHECK(create(SampleComplaint(), kAgentToken).error_code() == grpc::StatusCode::UNAVAILABLE);
  stack.redis().Start();
  bool back = false;
  for (int i = 0; i < 50 && !back; ++i) {
    back = create(SampleComplaint(), kAgentToken).ok();
    if (!back) absl::SleepFor(absl::Milliseconds(100));
  }
  REQUIRE(back);
  {
    // A scoring call, so its per-RPC series exist.
    auto ctx = CallContext(kDispatcherToken);
    v1::GetUnitScoreRequest score;
    score.set_unit_code("440106");
    v1::GetUnitScoreResponse ignored;
    CHECK(stub->GetUnitScore(ctx.get(), score, &ignored).ok());
  }
  // Auto-dispatch and event retention report; the score gauges refresh (1 s in the stack).
  absl::SleepFor(absl::Seconds(2));

  const std::string dir = stack.dir() + "/scrapes";
  std::filesystem::create_directories(dir);
  // Named after the Prometheus jobs of deploy/prometheus/prometheus.yml.
  const std::pair<const char*, int> services[] = {{"gateway", stack.gateway_metrics_port()},
                                                  {"intake", stack.intake_metrics_port()},
                                                  {"dispatch", stack.dispatch_metrics_port()},
                                                  {"sla", stack.sla_metrics_port()},
                                                  {"knowledge", stack.knowledge_metrics_port()},
                                                  {"scoring", stack.scoring_metrics_port()}};
  for (const auto& [job, port] : services) {
    const std::string body = HttpGet(port, "/metrics");
    REQUIRE_FALSE(body.empty());
    std::ofstream(dir + "/" + job + ".prom") << body;
  }
  ShellResult check = RunShell(std::string(HOTLINE_PYTHON3) + " " + HOTLINE_SOURCE_DIR +
                               "/tests/deploy/check_selectors.py " + HOTLINE_SOURCE_DIR + " " + dir);
  INFO(check.output);
  CHECK(check.exit_code == 0);
}

}  // namespace hotline::testing
