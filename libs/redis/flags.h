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
  std::string password = "";
  std::string password_file = "";
  // Replication before acknowledgement (client.h): 0 = off.
  int wait_replicas = 0;
  absl::Duration wait_timeout = absl::Milliseconds(500);
};

// Binds --redis (HOTLINE_REDIS: "host:port" or
// "sentinel://host:port,host:port,.../mastername"), --redis_wait_replicas
// (HOTLINE_REDIS_WAIT_REPLICAS), --redis_wait_timeout (HOTLINE_REDIS_WAIT_TIMEOUT), --redis_connections (HOTLINE_REDIS_CONNECTIONS),
// --redis_password (HOTLINE_REDIS_PASSWORD) and --redis_password_file
// (HOTLINE_REDIS_PASSWORD_FILE; the file's content, surrounding whitespace
// ignored; preferred: a password on the command line shows in `ps`).
void AddRedisFlags(config::Flags& flags, RedisFlags* redis);
// Client options from the flags; INVALID_ARGUMENT naming the bad flag,
// NOT_FOUND for a password file that cannot be read.
absl::StatusOr<Options> ToOptions(const RedisFlags& redis);

}  // namespace hotline::redis
