#include "redis/flags.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace hotline::redis {

void AddRedisFlags(config::Flags& flags, RedisFlags* redis) {
  flags.String("redis", "HOTLINE_REDIS",
               "Redis host:port, or sentinel://host:port,host:port,.../mastername (the master "
               "found through Redis Sentinel)",
               &redis->address);
  flags.Int("redis_wait_replicas", "HOTLINE_REDIS_WAIT_REPLICAS",
            "replicas that must have a script's writes before it is acknowledged (WAIT); 0: off",
            &redis->wait_replicas);
  flags.Duration("redis_wait_timeout", "HOTLINE_REDIS_WAIT_TIMEOUT",
                 "how long a write waits for --redis_wait_replicas before it fails UNAVAILABLE",
                 &redis->wait_timeout);
  flags.Int("redis_connections", "HOTLINE_REDIS_CONNECTIONS",
            "Redis connections (each pipelines many commands)", &redis->connections);
  flags.String("redis_password", "HOTLINE_REDIS_PASSWORD",
               "Redis password (requirepass); prefer --redis_password_file", &redis->password);
  flags.String("redis_password_file", "HOTLINE_REDIS_PASSWORD_FILE",
               "file holding the Redis password", &redis->password_file);
}

absl::StatusOr<Options> ToOptions(const RedisFlags& redis) {
  absl::StatusOr<Target> at = ParseTarget(redis.address);
  if (!at.ok()) return absl::InvalidArgumentError(absl::StrCat("--redis: ", at.status().message()));
  if (redis.connections < 1) {
    return absl::InvalidArgumentError("--redis_connections: must be at least 1");
  }
  Options options{.connections = redis.connections};
  if (at->sentinels.empty()) {
    options.host = at->host;
    options.port = at->port;
  } else {
    options.sentinels = at->sentinels;
    options.master_name = at->master_name;
  }
  if (redis.wait_replicas < 0) {
    return absl::InvalidArgumentError("--redis_wait_replicas: must be 0 (off) or more");
  }
  // WAIT blocks the connection; its answer must come before the command
  // timeout gives the connection up.
  if (redis.wait_timeout <= absl::ZeroDuration() ||
      redis.wait_timeout > options.command_timeout - absl::Milliseconds(500)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--redis_wait_timeout: must be above 0 and at most ",
        absl::FormatDuration(options.command_timeout - absl::Milliseconds(500))));
  }
  options.wait_replicas = redis.wait_replicas;
  options.wait_timeout = redis.wait_timeout;
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
