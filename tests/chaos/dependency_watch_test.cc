// server::DependencyWatch on a real gRPC server: health follows the probe,
// the name "liveness" does not.
#include "server/dependency_watch.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace hotline::testing {
namespace {

bool HealthBecomes(const std::string& address, const std::string& service,
                   const std::string& want) {
  for (const absl::Time until = absl::Now() + absl::Seconds(5); absl::Now() < until;) {
    if (HealthStatus(address, service) == want) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

TEST_CASE(
    "a server is NOT_SERVING while its dependency is down and SERVING again when it is back, "
    "liveness stays",
    "[chaos][health]") {
  TempDir dir("hotline-health-");
  const std::string secret = dir.path() + "/identity.secret";
  std::ofstream(secret) << "dependency-watch-test-secret-0123456789\n";
  server::Server server(
      server::ServerOptions{.service_name = "test", .identity_secret_file = secret});
  REQUIRE(server.Start().ok());
  const std::string address = absl::StrCat("127.0.0.1:", server.grpc_port());
  std::atomic<bool> reachable{true};
  server::DependencyWatch watch(
      server, "redis", [&] { return reachable.load(); }, absl::Milliseconds(20));
  CHECK(HealthStatus(address) == "SERVING");

  reachable = false;
  CHECK(HealthBecomes(address, "", "NOT_SERVING"));
  CHECK(HealthStatus(address, server::Server::kLivenessService) == "SERVING");

  reachable = true;
  CHECK(HealthBecomes(address, "", "SERVING"));

  // Shutting down: NOT_SERVING whatever the dependency, and the watch no longer changes it.
  watch.Stop();
  server.Shutdown();
  CHECK(HealthStatus(address) != "SERVING");
}

}  // namespace
}  // namespace hotline::testing
