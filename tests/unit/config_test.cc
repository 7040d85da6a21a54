#include <catch2/catch.hpp>
#include <map>

#include "config/flags.h"

namespace hotline::config {

TEST_CASE("flags beat the environment, which beats the default", "[config]") {
  std::map<std::string, std::string> env = {{"T_PORT", "7000"}, {"T_HOST", "10.0.0.1"}};
  auto lookup = [&](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  int port = 1;
  std::string host = "h", redis = "r";
  bool verbose = false;
  absl::Duration timeout = absl::Seconds(1);
  Flags flags("t", "test");
  flags.Int("port", "T_PORT", "", &port);
  flags.String("host", "T_HOST", "", &host);
  flags.String("redis", "T_REDIS", "", &redis);
  flags.Bool("verbose", "T_VERBOSE", "", &verbose);
  flags.Duration("timeout", "T_TIMEOUT", "", &timeout);
  const char* argv[] = {"t", "--port=8000", "--verbose", "--timeout", "250ms"};
  REQUIRE(flags.Parse(5, argv, lookup).ok());
  CHECK(port == 8000);
  CHECK(host == "10.0.0.1");
  CHECK(redis == "r");
  CHECK(verbose);
  CHECK(timeout == absl::Milliseconds(250));
}

TEST_CASE("bad flags are named", "[config]") {
  auto none = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  int port = 1;
  Flags flags("t", "test");
  flags.Int("port", "T_PORT", "", &port);
  const char* unknown[] = {"t", "--prot=1"};
  CHECK(flags.Parse(2, unknown, none).message() == "unknown flag --prot");
  const char* not_int[] = {"t", "--port=abc"};
  CHECK(flags.Parse(2, not_int, none).message() == "port: not an integer: \"abc\"");
  const char* missing[] = {"t", "--port"};
  CHECK(flags.Parse(2, missing, none).message() == "--port needs a value");
  auto bad_env = [](const std::string&) -> std::optional<std::string> { return "x"; };
  const char* nothing[] = {"t"};
  CHECK(flags.Parse(1, nothing, bad_env).message() == "$T_PORT: port: not an integer: \"x\"");
}

}  // namespace hotline::config
