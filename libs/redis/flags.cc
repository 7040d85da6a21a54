#include "redis/flags.h"

#include "absl/strings/str_cat.h"

namespace hotline::redis {

void AddRedisFlags(config::Flags& flags, RedisFlags* redis) {
  flags.String("redis", "HOTLINE_REDIS", "Redis host:port", &redis->address);
  flags.Int("redis_connections", "HOTLINE_REDIS_CONNECTIONS",
            "Redis connections (each pipelines many commands)", &redis->connections);
}

absl::StatusOr<Options> ToOptions(const RedisFlags& redis) {
  absl::StatusOr<std::pair<std::string, int>> at = ParseAddress(redis.address);
  if (!at.ok()) return absl::InvalidArgumentError(absl::StrCat("--redis: ", at.status().message()));
  if (redis.connections < 1) {
    return absl::InvalidArgumentError("--redis_connections: must be at least 1");
  }
  return Options{.host = at->first, .port = at->second, .connections = redis.connections};
}

}  // namespace hotline::redis
