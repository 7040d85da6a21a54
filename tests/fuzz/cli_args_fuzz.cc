// The `hotline` CLI's argument parsing (tools/hotline/cli_args): any argument
// vector (the input split on NUL bytes, as argv is), with HOTLINE_GATEWAY and
// HOTLINE_TOKEN from the environment or not. Properties: nothing crashes;
// an accepted command line has no empty flag value, a positive timeout, and
// no arguments or command flags without a command; refusals are INVALID_ARGUMENT with
// a message; Usage() of the command works.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "fuzz_support.h"
#include "tools/hotline/cli_args.h"

namespace cli = hotline::cli;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool with_env = data[0] & 1;
  const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string> args = absl::StrSplit(rest, '\0');
  if (args.size() > 64) return 0;
  cli::EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
    if (!with_env) return std::nullopt;
    if (name == cli::kGatewayEnv) return "10.0.0.1:50051";
    if (name == cli::kTokenEnv) return "env-token";
    return std::nullopt;
  };
  absl::StatusOr<cli::CommandLine> cl = cli::ParseCommandLine(args, env);
  if (!cl.ok()) {
    FUZZ_CHECK(cl.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!cl.status().message().empty());
    return 0;
  }
  // No command (none given, or only global flags): nothing else was taken.
  if (cl->command.empty()) FUZZ_CHECK(cl->positional.empty() && cl->flags.empty());
  FUZZ_CHECK(!cl->global.gateway.empty());
  FUZZ_CHECK(cl->global.timeout > absl::ZeroDuration());
  for (const auto& [flag, value] : cl->flags) FUZZ_CHECK(!flag.empty() && !value.empty());
  FUZZ_CHECK(!cli::Usage(cl->command).empty());
  return 0;
}
