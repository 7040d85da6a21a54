#include "redis/flags.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace hotline::redis {

void AddRedisFlags(config::Flags& flags, RedisFlags* redis) {
  flags.String("redis", "HOTLINE_REDIS", "Redis host:port", &redis->address);
  flags.Int("redis_connections", "HOTLINE_REDIS_CONNECTIONS",
            "Redis connections (each pipelines many commands)", &redis->connections);
  flags.String("redis_password", "HOTLINE_REDIS_PASSWORD",
               "Redis password (requirepass); prefer --redis_password_file", &redis->password);
  flags.String("redis_password_file", "HOTLINE_REDIS_PASSWORD_FILE",
               "file holding the Redis password", &redis->password_file);
}

absl::StatusOr<Options> ToOptions(const RedisFlags& redis) {
  absl::StatusOr<std::pair<std::string, int>> at = ParseAddress(redis.address);
  if (!at.ok()) return absl::InvalidArgumentError(absl::StrCat("--redis: ", at.status().message()));
  if (redis.connections < 1) {
    return absl::InvalidArgumentError("--redis_connections: must be at least 1");
  }
  Options options{.host = at->first, .port = at->second, .connections = redis.connections};
  options.password = redis.password;
  if (!redis.password_file.empty()) {
    if (!redis.password.empty()) {
      return absl::InvalidArgumentError("--redis_password_file: give it or --redis_password, not both");
    }
    std::ifstream in(redis.password_file);
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("--redis_password_file: cannot read ", redis.password_file));
    }
    std::stringstream content;
    content << in.rdbuf();
    options.password = std::string(absl::StripAsciiWhitespace(content.str()));
    if (options.password.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--redis_password_file: ", redis.password_file, " is empty"));
    }
  }
  return options;
}

}  // namespace hotline::redis
