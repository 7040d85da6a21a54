#pragma once
// The probe a service's health follows (server/dependency_watch.h): Redis
// answers a PING, and not with an error (a Redis still loading its append-only
// file answers LOADING).
#include "redis/client.h"

namespace hotline::redis {

inline bool Answers(Client& client) {
  absl::StatusOr<Reply> pong = client.Execute({"PING"});
  return pong.ok() && !pong->is_error();
}

}  // namespace hotline::redis
