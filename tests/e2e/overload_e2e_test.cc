// Overload (issue 20): the real gateway with a tiny admission cap
// (--max_in_flight 2). Two creates held inside intake (Redis pauses writes)
// fill it; further calls to backends are refused at once with
// RESOURCE_EXHAUSTED and a RetryInfo, while the calls the gateway answers
// itself, health and the screen are not; the held calls succeed, and new ones
// are admitted again.
#include <catch2/catch.hpp>

#include <future>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "e2e/stack.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace hotline::testing {
namespace {

grpc::Status Create(v1::Hotline::Stub& stub, grpc::ClientContext* ctx) {
  v1::CreateWorkOrderResponse response;
  return stub.CreateWorkOrder(ctx, SampleComplaint(), &response);
}

// The value of one sample line ("name{labels} value") on the gateway's
// /metrics, or -1.
double Sample(int metrics_port, const std::string& series) {
  const std::string body = HttpGet(metrics_port, "/metrics");
  const std::string prefix = series + " ";
  for (size_t at = body.find(prefix); at != std::string::npos; at = body.find(prefix, at + 1)) {
    if (at == 0 || body[at - 1] == '\n') return std::stod(body.substr(at + prefix.size()));
  }
  return -1;
}

TEST_CASE("at capacity the gateway sheds calls with RESOURCE_EXHAUSTED and retry info, then admits again",
          "[e2e][overload]") {
  Stack stack(Stack::Options{.max_in_flight = 2, .gateway_args = {"--shed_retry_after=150ms"}});
  auto stub = stack.NewClient();
  {
    auto ctx = CallContext(kAgentToken);
    REQUIRE(Create(*stub, ctx.get()).ok());  // warm: connections made
  }
  const int metrics = stack.gateway_metrics_port();
  CHECK(Sample(metrics, "hotline_gateway_in_flight_limit") == 2);
  CHECK(Sample(metrics, "hotline_gateway_in_flight") == 0);

  // Redis holds writes for 1.8 s (under intake's 2 s command timeout): two
  // creates wait inside intake, each holding one of the gateway's slots.
  REQUIRE(stack.redis_client().Execute({"CLIENT", "PAUSE", "1800", "WRITE"}).ok());
  const absl::Time paused = absl::Now();
  std::vector<std::future<grpc::Status>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::async(std::launch::async, [&] {
      auto own = stack.NewClient();
      auto ctx = CallContext(kAgentToken);
      return Create(*own, ctx.get());
    }));
  }
  for (int spin = 0; Sample(metrics, "hotline_gateway_in_flight") < 2; ++spin) {
    REQUIRE(spin < 100);
    absl::SleepFor(absl::Milliseconds(10));
  }

  // The excess: refused at once, whatever backend method, with the delay.
  for (int i = 0; i < 3; ++i) {
    auto ctx = CallContext(kAgentToken);
    const absl::Time sent = absl::Now();
    grpc::Status s = Create(*stub, ctx.get());
    INFO(s.error_message());
    REQUIRE(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    CHECK(absl::Now() - sent < absl::Milliseconds(500));  // not queued behind the held calls
    CHECK(absl::StrContains(s.error_message(), "gateway at capacity"));
    CHECK(absl::StrContains(s.error_message(), "retry in 150ms"));
    google::rpc::Status details;
    REQUIRE(details.ParseFromString(s.error_details()));
    REQUIRE(details.details_size() == 1);
    google::rpc::RetryInfo retry;
    REQUIRE(details.details(0).UnpackTo(&retry));
    CHECK(retry.retry_delay().seconds() == 0);
    CHECK(retry.retry_delay().nanos() == 150'000'000);
    auto retry_after = ctx->GetServerTrailingMetadata().find("retry-after");
    REQUIRE(retry_after != ctx->GetServerTrailingMetadata().end());
    CHECK(std::string(retry_after->second.data(), retry_after->second.size()) == "1");
  }
  {
    auto ctx = CallContext(kAgentToken);
    v1::ListWorkOrdersResponse list;
    CHECK(stub->ListWorkOrders(ctx.get(), v1::ListWorkOrdersRequest(), &list).error_code() ==
          grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  // Not shed: what the gateway answers itself, health, the screen's page.
  {
    auto ctx = CallContext(kAgentToken);
    v1::WhoAmIResponse me;
    grpc::Status s = stub->WhoAmI(ctx.get(), v1::WhoAmIRequest(), &me);
    INFO(s.error_message());
    CHECK(s.ok());
  }
  CHECK(HealthStatus(stack.gateway_address()) == "SERVING");
  CHECK(absl::StrContains(HttpGet(stack.screen_port(), "/"), "<html"));
  // All of it within the pause, so while the slots were held (else the held
  // calls may have ended first: a slow machine, not a bug).
  CHECK(absl::Now() - paused < absl::Milliseconds(1700));
  CHECK(Sample(metrics, "hotline_gateway_shed_total{reason=\"in_flight\"}") == 4);

  // The held calls were admitted and succeed once Redis takes writes again.
  for (auto& call : held) {
    grpc::Status s = call.get();
    INFO(s.error_message());
    CHECK(s.ok());
  }
  // Recovery: the slots are free again and new calls are admitted.
  CHECK(Sample(metrics, "hotline_gateway_in_flight") == 0);
  for (int i = 0; i < 3; ++i) {
    auto ctx = CallContext(kAgentToken);
    grpc::Status s = Create(*stub, ctx.get());
    INFO(s.error_message());
    CHECK(s.ok());
  }
  CHECK(Sample(metrics, "hotline_gateway_shed_total{reason=\"in_flight\"}") == 4);
}

TEST_CASE("the gateway refuses a negative admission cap at start", "[e2e][overload]") {
  ShellResult r = RunShell(absl::StrCat(HOTLINE_GATEWAY_BIN,
                                        " --demo_tokens /dev/null --max_in_flight=-1"));
  CHECK(r.exit_code == 2);
  CHECK(absl::StrContains(r.output, "--max_in_flight must be >= 0"));
}

}  // namespace
}  // namespace hotline::testing
