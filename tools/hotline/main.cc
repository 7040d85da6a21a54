// hotline: the reference agent desktop client. Parses the command line, opens
// a channel to the gateway and runs one subcommand (see commands.h).
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "directory/city.h"
#include "server/channel_tls.h"
#include "tools/hotline/city_in_force.h"
#include "tools/hotline/cli_args.h"
#include "tools/hotline/commands.h"

namespace {

int Run(int argc, char** argv) {
  using hotline::cli::ExitCode;
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto env = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };

  // Times are shown and read in the city's zone (clock/city.h): the seed's
  // first (data/), for a command that makes no call.
  hotline::directory::AdoptToolCity("hotline");
  absl::StatusOr<hotline::cli::CommandLine> cl = hotline::cli::ParseCommandLine(args, env);
  if (!cl.ok()) {
    std::cerr << "error: " << cl.status().message() << "\n"
              << "see: hotline help\n";
    return static_cast<int>(ExitCode::kUsage);
  }
  if (cl->help) {
    std::cout << hotline::cli::Usage(cl->command);
    return static_cast<int>(ExitCode::kOk);
  }
  if (cl->command.empty()) {
    std::cerr << hotline::cli::Usage();
    return static_cast<int>(ExitCode::kUsage);
  }

  // Plaintext unless told: the local demo's gateway listens without TLS.
  hotline::server::ChannelTls tls;
  tls.ca_file = cl->global.tls_ca;
  tls.system_roots = cl->global.tls;
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      hotline::server::ChannelCredentialsFrom(tls);
  if (!credentials.ok()) {
    std::cerr << "error: --tls-ca: " << credentials.status().message() << "\n";
    return static_cast<int>(ExitCode::kUsage);
  }
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(cl->global.gateway, *credentials);
  std::unique_ptr<hotline::v1::Hotline::Stub> stub = hotline::v1::Hotline::NewStub(channel);
  // Then the city in force at the services replaces the seed's (a city
  // loaded since shows at once). Without it (an older gateway, no token)
  // the seed's stays, said on stderr; the command's own call reports the rest.
  if (cl->command != "city" && !cl->global.token.empty()) {
    if (absl::Status s = hotline::cli::AdoptCityInForce(*cl, *stub); !s.ok() && !absl::IsUnavailable(s) &&
        !absl::IsUnauthenticated(s) && !absl::IsPermissionDenied(s)) {
      std::cerr << "hotline: the city in force is not known (" << s.message() << "); times are in the seed's zone\n";
    }
  }
  return static_cast<int>(hotline::cli::RunCommand(*cl, *stub, {std::cout, std::cerr}));
}

}  // namespace

int main(int argc, char** argv) {
  // Nothing below is meant to throw; if something does (out of memory), end
  // with one line instead of std::terminate's abort.
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
