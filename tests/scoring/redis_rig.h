#pragma once
// A real redis-server on a free port and the scoring store on it (keys under
// "t:"), for the scoring tests that run against Redis.
#include "redis/client.h"
#include "scoring/redis_fact_store.h"
#include "scoring/scoring_fixture.h"
#include "support/redis_server.h"

namespace hotline::scoring::fixture {

struct RedisRig {
  hotline::testing::RedisServer server;
  redis::Client redis{[this] {
    redis::Options o;
    o.port = server.port();
    return o;
  }()};
  ScoringKeys keys{"t:"};
  RedisFactStore store{redis, keys, Guangzhou(), Dir()};
};

}  // namespace hotline::scoring::fixture
