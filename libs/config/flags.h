#pragma once
// Process settings from command-line flags with environment fallbacks:
// `--name=value` or `--name value`, else $ENV_NAME, else the default. Only
// main() parses them; nothing below main reads the environment.
//
//   Flags flags("hotline-intake", "Takes work orders in.");
//   int port = 50052;
//   flags.Int("grpc_port", "HOTLINE_GRPC_PORT", "gRPC port", &port);
//   flags.ParseOrExit(argc, argv);
//
// Not thread-safe; used once at start-up.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace hotline::config {

class Flags {
 public:
  using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

  Flags(std::string program, std::string summary);

  // Each binds a flag to `out`, whose current value is the default.
  void String(std::string name, std::string env, std::string help, std::string* out);
  void Int(std::string name, std::string env, std::string help, int* out);
  void Bool(std::string name, std::string env, std::string help, bool* out);
  // Values like "500ms", "2s", "1m".
  void Duration(std::string name, std::string env, std::string help, absl::Duration* out);

  // INVALID_ARGUMENT naming the flag (or variable) for an unknown flag, a
  // missing value or a value of the wrong kind; NOT_FOUND-free. On `--help`
  // returns CANCELLED so the caller can print Usage().
  absl::Status Parse(int argc, const char* const* argv, const EnvLookup& env);
  // Parses with the real environment; prints usage and exits 0 on --help, or
  // the error and exits 2.
  void ParseOrExit(int argc, const char* const* argv);

  std::string Usage() const;

 private:
  struct Flag {
    std::string name, env, help, default_text;
    std::function<absl::Status(const std::string&)> set;
    bool is_bool = false;
  };
  Flag* Find(const std::string& name);

  std::string program_, summary_;
  std::vector<Flag> flags_;
};

}  // namespace hotline::config
