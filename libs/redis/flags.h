#pragma once
// The Redis settings every Redis-backed service takes, as flags with
// environment fallbacks, so each main() declares them the same way.
#include <string>

#include "absl/status/statusor.h"
#include "config/flags.h"
#include "redis/client.h"

namespace hotline::redis {

struct RedisFlags {
  std::string address = "127.0.0.1:6379";
  int connections = 16;
};

// Binds --redis (HOTLINE_REDIS) and --redis_connections (HOTLINE_REDIS_CONNECTIONS).
void AddRedisFlags(config::Flags& flags, RedisFlags* redis);
// Client options from the flags; INVALID_ARGUMENT naming the bad flag.
absl::StatusOr<Options> ToOptions(const RedisFlags& redis);

}  // namespace hotline::redis
