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
};

// Binds --redis (HOTLINE_REDIS), --redis_connections (HOTLINE_REDIS_CONNECTIONS),
// --redis_password (HOTLINE_REDIS_PASSWORD) and --redis_password_file
// (HOTLINE_REDIS_PASSWORD_FILE; the file's content, surrounding whitespace
// ignored; preferred: a password on the command line shows in `ps`).
void AddRedisFlags(config::Flags& flags, RedisFlags* redis);
// Client options from the flags; INVALID_ARGUMENT naming the bad flag,
// NOT_FOUND for a password file that cannot be read.
absl::StatusOr<Options> ToOptions(const RedisFlags& redis);

}  // namespace hotline::redis
