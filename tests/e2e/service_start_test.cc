// The start-up every service binary shares (libs/server/service_runner.h),
// through the real binaries: --help lists the shared flags each service's
// spec asks for, a bad setting exits 2, reference data that cannot be loaded
// exits 1, and sla and scoring (on the callback API) serve, follow Redis in
// their health and stop with 0 on SIGTERM.
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "hotline/v1/scoring.grpc.pb.h"
#include "hotline/v1/sla.grpc.pb.h"
#include "support/redis_server.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace hotline::testing {
namespace {

struct Binary {
  std::string path;
  bool data_dir, city_clock, consumer_group;
};

const std::vector<Binary>& Binaries() {
  static const std::vector<Binary> binaries = {
      {HOTLINE_INTAKE_BIN, true, true, false},     {HOTLINE_DISPATCH_BIN, true, true, true},
      {HOTLINE_SLA_BIN, true, true, true},         {HOTLINE_SCORING_BIN, true, true, true},
      {HOTLINE_KNOWLEDGE_BIN, true, false, false}, {HOTLINE_GATEWAY_BIN, false, false, false}};
  return binaries;
}

TEST_CASE("every service's --help lists the shared flags its spec asks for and only those") {
  for (const Binary& binary : Binaries()) {
    INFO(binary.path);
    ShellResult help = RunShell(binary.path + " --help");
    REQUIRE(help.exit_code == 0);
    for (const char* flag : {"--host", "--grpc_port", "--metrics_port", "--drain_grace", "--drain_timeout",
                             "--identity_secret_file", "--tls_cert", "--redis ", "--redis_connections"}) {
      CHECK(absl::StrContains(help.output, flag));
    }
    CHECK(absl::StrContains(help.output, "--data_dir") == binary.data_dir);
    CHECK(absl::StrContains(help.output, "--refdata_poll") == binary.data_dir);
    CHECK(absl::StrContains(help.output, "--clock_rate") == binary.city_clock);
    CHECK(absl::StrContains(help.output, "--consumer_name") == binary.consumer_group);
    CHECK(absl::StrContains(help.output, "--max_deliveries") == binary.consumer_group);
  }
}

TEST_CASE("a bad setting exits 2 before anything starts, in every service") {
  for (const Binary& binary : Binaries()) {
    INFO(binary.path);
    ShellResult bad_redis = RunShell(binary.path + " --redis=127.0.0.1:notaport --grpc_port=0 --metrics_port=0");
    CHECK(bad_redis.exit_code == 2);
    CHECK(absl::StrContains(bad_redis.output, "bad Redis settings"));
    if (binary.city_clock) {
      ShellResult bad_clock = RunShell(binary.path + " --clock_rate=fast --grpc_port=0 --metrics_port=0");
      CHECK(bad_clock.exit_code == 2);
      CHECK(absl::StrContains(bad_clock.output, "bad clock settings"));
    }
  }
  ShellResult no_keys = RunShell(std::string(HOTLINE_INTAKE_BIN) + " --grpc_port=0 --metrics_port=0");
  CHECK(no_keys.exit_code == 2);
  CHECK(absl::StrContains(no_keys.output, "no phone key file"));
}

TEST_CASE("reference data that cannot be loaded exits 1 and names what is missing") {
  TempDir empty("service-start");
  // Redis is not there (port 1 refuses at once), so the seed files are read, and there are none.
  for (const char* bin : {HOTLINE_DISPATCH_BIN, HOTLINE_SLA_BIN, HOTLINE_SCORING_BIN, HOTLINE_KNOWLEDGE_BIN}) {
    INFO(bin);
    ShellResult run = RunShell(absl::StrCat(bin, " --redis=127.0.0.1:1 --refdata_wait=0s --data_dir=",
                                            empty.path(), " --grpc_port=0 --metrics_port=0"));
    CHECK(run.exit_code == 1);
    CHECK(absl::StrContains(run.output, "cannot load the"));
    CHECK_FALSE(absl::StrContains(run.output, "\"serving\""));
  }
}

// An unsigned call, answered as the gateway's caller would see it.
template <typename Stub, typename Request, typename Response>
grpc::StatusCode CallUnsigned(const std::string& address,
                              grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*)) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  Stub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  Request request;
  Response response;
  return (stub.*method)(&context, request, &response).error_code();
}

TEST_CASE("sla and scoring serve on the callback API, count refused calls, follow Redis in their health and stop with 0") {
  RedisServer redis;
  TempDir dir("service-start");
  const std::string secret = dir.path() + "/identity.secret";
  std::ofstream(secret) << std::string(40, 's') << "\n";
  for (const char* bin : {HOTLINE_SLA_BIN, HOTLINE_SCORING_BIN}) {
    INFO(bin);
    const bool sla = absl::StrContains(bin, "hotline-sla");
    ServiceProcess service(bin,
                           {"--grpc_port=0", "--metrics_port=0", "--redis=" + redis.address(),
                            absl::StrCat("--data_dir=", HOTLINE_SOURCE_DIR, "/data"),
                            "--identity_secret_file=" + secret},
                           dir.path() + "/" + std::filesystem::path(bin).filename().string() + ".log");
    const ServiceProcess::Ports ports = service.WaitForServingPorts(absl::Seconds(60));
    const std::string address = absl::StrCat("127.0.0.1:", ports.grpc);
    REQUIRE(WaitForServing(address, absl::Seconds(10)));
    // A call without a signed identity is refused before anything is read,
    // and counted under its method as before the move to the callback API.
    if (sla) {
      CHECK(CallUnsigned(address, &v1::Sla::Stub::GetOrderSla) == grpc::StatusCode::UNAUTHENTICATED);
    } else {
      CHECK(CallUnsigned(address, &v1::Scoring::Stub::GetScreen) == grpc::StatusCode::UNAUTHENTICATED);
    }
    CHECK(absl::StrContains(HttpGet(ports.metrics, "/metrics"),
                            sla ? "hotline_sla_requests_total{code=\"UNAUTHENTICATED\",rpc=\"GetOrderSla\"} 1"
                                : "hotline_scoring_requests_total{code=\"UNAUTHENTICATED\",rpc=\"GetScreen\"} 1"));
    redis.Stop();
    absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (HealthStatus(address) != "NOT_SERVING" && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(50));
    CHECK(HealthStatus(address) == "NOT_SERVING");
    CHECK(HealthStatus(address, "liveness") == "SERVING");
    redis.Start();
    CHECK(WaitForServing(address, absl::Seconds(10)));
    const int status = service.Terminate();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
}

}  // namespace
}  // namespace hotline::testing
