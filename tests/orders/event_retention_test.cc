// The event stream is trimmed only up to what every consumer group has
// settled, against a real redis-server.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "orders/event_retention.h"
#include "support/redis_server.h"

namespace hotline::orders {
namespace {

using testing::RedisServer;

std::vector<std::string> AddEvents(redis::Client& redis, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    ids.push_back(redis.Execute({"XADD", "hotline:events", "*", "event", "order.created", "n",
                                 absl::StrCat(i)})->str);
  }
  return ids;
}

// Reads `count` new entries as `group` and acknowledges the first `ack` of them.
void Consume(redis::Client& redis, const std::string& group, int count, int ack) {
  absl::StatusOr<redis::Reply> read = redis.Execute(
      {"XREADGROUP", "GROUP", group, "c1", "COUNT", absl::StrCat(count), "STREAMS",
       "hotline:events", ">"});
  REQUIRE(read.ok());
  REQUIRE(read->elements.size() == 1);
  const redis::Reply& entries = read->elements[0].elements[1];
  REQUIRE(static_cast<int>(entries.elements.size()) == count);
  for (int i = 0; i < ack; ++i) {
    REQUIRE(redis.Execute({"XACK", "hotline:events", group, entries.elements[i].elements[0].str})->integer == 1);
  }
}

long long Length(redis::Client& redis) { return redis.Execute({"XLEN", "hotline:events"})->integer; }

}  // namespace

TEST_CASE("the stream is trimmed only below what the slowest group still needs", "[retention]") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 1});
  OrderKeys keys;
  // No group yet: nothing may go.
  std::vector<std::string> ids = AddEvents(redis, 100);
  REQUIRE(TrimSettledEvents(redis, keys)->removed == 0);
  REQUIRE(redis.Execute({"XGROUP", "CREATE", "hotline:events", "dispatch", "0"}).ok());
  REQUIRE(redis.Execute({"XGROUP", "CREATE", "hotline:events", "sla", "0"}).ok());

  // dispatch settled everything; sla was down: all 100 stay.
  Consume(redis, "dispatch", 100, 100);
  absl::StatusOr<TrimResult> r = TrimSettledEvents(redis, keys);
  REQUIRE(r.ok());
  CHECK(r->removed == 0);
  CHECK(Length(redis) == 100);

  // sla read 60 and acknowledged 30: the 30 pending and what follows stay.
  Consume(redis, "sla", 60, 30);
  r = TrimSettledEvents(redis, keys);
  REQUIRE(r.ok());
  CHECK(r->removed == 30);
  CHECK(r->floor_id == ids[30]);
  absl::StatusOr<redis::Reply> first = redis.Execute({"XRANGE", "hotline:events", "-", "+", "COUNT", "1"});
  CHECK(first->elements[0].elements[0].str == ids[30]);

  // A second pass removes nothing more; sla catching up frees the rest.
  CHECK(TrimSettledEvents(redis, keys)->removed == 0);
  absl::StatusOr<redis::Reply> pending =
      redis.Execute({"XPENDING", "hotline:events", "sla", "-", "+", "100"});
  for (const redis::Reply& p : pending->elements) {
    REQUIRE(redis.Execute({"XACK", "hotline:events", "sla", p.elements[0].str}).ok());
  }
  Consume(redis, "sla", 40, 40);
  r = TrimSettledEvents(redis, keys);
  CHECK(r->removed == 70);
  CHECK(Length(redis) == 0);

  // A group made again from the start (Redis restored, say) holds all back.
  AddEvents(redis, 10);
  REQUIRE(redis.Execute({"XGROUP", "DESTROY", "hotline:events", "dispatch"}).ok());
  REQUIRE(redis.Execute({"XGROUP", "CREATE", "hotline:events", "dispatch", "0"}).ok());
  Consume(redis, "sla", 10, 10);
  CHECK(TrimSettledEvents(redis, keys)->removed == 0);
  CHECK(Length(redis) == 10);
}

TEST_CASE("retention reports the stream length and each group's backlog", "[retention]") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 1});
  OrderKeys keys;
  prometheus::Registry registry;
  EventRetention retention(redis, keys, registry);
  AddEvents(redis, 5);
  REQUIRE(redis.Execute({"XGROUP", "CREATE", "hotline:events", "dispatch", "0"}).ok());
  Consume(redis, "dispatch", 3, 3);
  retention.RunOnce();
  double length = -1, lag = -1, trimmed = -1;
  for (const prometheus::MetricFamily& f : registry.Collect()) {
    if (f.name == "hotline_events_stream_length") length = f.metric[0].gauge.value;
    if (f.name == "hotline_events_trimmed_total") trimmed = f.metric[0].counter.value;
    if (f.name == "hotline_events_group_lag") lag = f.metric[0].gauge.value;
  }
  CHECK(trimmed == 3);
  CHECK(length == 2);
  CHECK(lag == 2);
}

}  // namespace hotline::orders
