#pragma once
// Command-line parsing for the `hotline` CLI: global flags (accepted before or
// after the subcommand), the subcommand, its own flags and positional
// arguments. `--flag value` and `--flag=value` both work; `--` ends flags.
// The flags each subcommand accepts are declared once, in cli_args.cc, and the
// usage text is generated from the same declarations.
// Pure functions (the environment comes in as a lookup); thread-safe.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hotline::cli {

inline constexpr char kDefaultGateway[] = "127.0.0.1:50051";
inline constexpr char kGatewayEnv[] = "HOTLINE_GATEWAY";
inline constexpr char kTokenEnv[] = "HOTLINE_TOKEN";
inline constexpr char kTlsCaEnv[] = "HOTLINE_TLS_CA";

struct GlobalOptions {
  std::string gateway = kDefaultGateway;
  std::string token;  // empty: no authorization header is sent
  std::string tls_ca;  // TLS to the gateway trusting this CA file; empty: plaintext
  bool tls = false;    // TLS trusting the system's CAs
  bool json = false;
  absl::Duration timeout = absl::Seconds(10);
};

struct CommandLine {
  GlobalOptions global;
  std::string command;  // empty when none was given
  // --help, -h or `help [COMMAND]`: show usage instead of running. Required
  // flags and arguments are not checked then.
  bool help = false;
  std::vector<std::string> positional;
  // The subcommand's flags that were given, without "--". Switches hold
  // "true" or "false". Values are never empty.
  std::map<std::string, std::string, std::less<>> flags;

  bool Has(absl::string_view flag) const { return flags.find(flag) != flags.end(); }
  // The flag's value, or "" when it was not given.
  std::string Get(absl::string_view flag) const;
  // True when the switch was given (and not as --flag=false).
  bool Switch(absl::string_view flag) const { return Get(flag) == "true"; }
};

// Returns the value of an environment variable, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Parses `args` (without the program name). HOTLINE_GATEWAY, HOTLINE_TOKEN and
// HOTLINE_TLS_CA from `env` are defaults that flags override. INVALID_ARGUMENT, whose message
// names the offending flag or argument, for an unknown command or flag, a
// missing or malformed value, a missing required flag or argument, or an
// extra argument.
absl::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                             const EnvLookup& env);

// The usage text: every command and flag when `command` is empty, else that
// command's flags and the global ones.
std::string Usage(absl::string_view command = {});

}  // namespace hotline::cli
