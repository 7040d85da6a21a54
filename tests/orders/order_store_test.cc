// The Redis order store against a real redis-server: atomic creates, unique
// numbering under concurrency, idempotency races, durability across a crash.
#include <atomic>
#include <barrier>
#include <catch2/catch.hpp>
#include <future>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clock/clock.h"
#include "orders/order_record.h"
#include "orders/redis_order_store.h"
#include "support/redis_server.h"

namespace hotline::orders {
namespace {

using testing::RedisServer;

NewOrder MakeOrder(absl::Time at, const std::string& idempotency_key = "") {
  NewOrder n;
  v1::WorkOrder& o = n.order;
  o.set_version(1);
  o.set_type(v1::ORDER_TYPE_COMPLAINT);
  o.set_channel(v1::CHANNEL_PHONE);
  o.mutable_caller()->set_phone("13812345678");
  o.mutable_location()->set_district_code("440106");
  o.set_category_code("0101");
  o.set_content("噪声");
  o.set_state(v1::ORDER_STATE_CREATED);
  *o.mutable_created_at() = FromMillis(absl::ToUnixMillis(at));
  *o.mutable_updated_at() = o.created_at();
  n.first_entry.set_seq(1);
  n.first_entry.set_action("create");
  n.first_entry.set_to_state(v1::ORDER_STATE_CREATED);
  n.idempotency_key = idempotency_key;
  n.fingerprint = "f1";
  return n;
}

template <typename T>
absl::StatusOr<T> Wait(std::function<void(Done<T>)> call) {
  std::promise<absl::StatusOr<T>> promise;
  call([&](absl::StatusOr<T> r) { promise.set_value(std::move(r)); });
  return promise.get_future().get();
}

absl::StatusOr<CreateResult> Create(RedisOrderStore& store, NewOrder n) {
  return Wait<CreateResult>([&](Done<CreateResult> done) { store.Create(std::move(n), std::move(done)); });
}

long long Integer(redis::Client& redis, redis::Command command) {
  absl::StatusOr<redis::Reply> r = redis.Execute(std::move(command));
  REQUIRE(r.ok());
  return r->integer;
}

// 2026-11-28 10:00 in Guangzhou.
const absl::Time kMorning = absl::FromCivil(absl::CivilSecond(2026, 11, 28, 10, 0, 0), CityTimeZone());

}  // namespace

TEST_CASE("concurrent creates get unique, gap-free numbers and complete records", "[store]") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 4});
  RedisOrderStore store(redis);
  constexpr int kThreads = 8, kEach = 100;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> ids;
  std::atomic<int> failed{0};
  for (int t = 0; t < kThreads; ++t) {
    // No Catch2 assertions in these threads (they are not thread-safe): count.
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        absl::StatusOr<CreateResult> r = Create(store, MakeOrder(kMorning));
        if (!r.ok()) {
          ++failed;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        ids.insert(r->order.id());
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(failed == 0);
  REQUIRE(ids.size() == kThreads * kEach);
  CHECK(*ids.begin() == "GZ20261128000001");
  CHECK(*ids.rbegin() == absl::StrFormat("GZ20261128%06d", kThreads * kEach));
  CHECK(Integer(redis, {"ZCARD", "hotline:idx:all"}) == kThreads * kEach);
  CHECK(Integer(redis, {"ZCARD", "hotline:idx:district:440106"}) == kThreads * kEach);
  CHECK(Integer(redis, {"XLEN", "hotline:events"}) == kThreads * kEach);
  for (const std::string& id : ids) {
    INFO(id);
    CHECK(Integer(redis, {"LLEN", store.keys().History(id)}) == 1);
  }
}

TEST_CASE("a reader never sees an order without its history and index entry", "[store]") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 4});
  RedisOrderStore store(redis);
  std::atomic<bool> done{false};
  std::atomic<int> checked{0}, torn{0};
  std::thread reader([&] {
    while (!done) {
      // One MULTI-free snapshot via a script: for every indexed id, are the
      // record and the history there?
      absl::StatusOr<redis::Reply> r = redis.Execute(
          {"EVAL",
           "local ids = redis.call('ZRANGE', KEYS[1], 0, -1) local bad = 0 "
           "for _, id in ipairs(ids) do "
           "  local k = 'hotline:order:{' .. id .. '}' "
           "  if redis.call('EXISTS', k) == 0 or redis.call('LLEN', k .. ':history') ~= 1 then bad = bad + 1 end "
           "end return {#ids, bad}",
           "1", "hotline:idx:all"});
      if (r.ok() && r->elements.size() == 2) {
        checked += 1;
        torn += static_cast<int>(r->elements[1].integer);
      }
    }
  });
  for (int i = 0; i < 300; ++i) REQUIRE(Create(store, MakeOrder(kMorning)).ok());
  done = true;
  reader.join();
  CHECK(checked > 0);
  CHECK(torn == 0);
}

TEST_CASE("racing retries with one idempotency key store one order", "[store]") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 8});
  RedisOrderStore store(redis);
  constexpr int kRetries = 50;
  std::barrier start(kRetries);
  std::vector<absl::StatusOr<CreateResult>> results(kRetries, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kRetries; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = Create(store, MakeOrder(kMorning, "retry-key-1"));
    });
  }
  for (auto& t : threads) t.join();
  int created = 0;
  std::set<std::string> ids;
  for (auto& r : results) {
    REQUIRE(r.ok());
    ids.insert(r->order.id());
    created += r->replayed ? 0 : 1;
  }
  CHECK(created == 1);
  CHECK(ids.size() == 1);
  CHECK(Integer(redis, {"ZCARD", "hotline:idx:all"}) == 1);
  CHECK(Integer(redis, {"TTL", "hotline:idem:create:retry-key-1"}) > 86000);

  // The key with another request: refused, nothing written.
  NewOrder other = MakeOrder(kMorning, "retry-key-1");
  other.fingerprint = "f2";
  absl::StatusOr<CreateResult> refused = Create(store, std::move(other));
  CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Integer(redis, {"ZCARD", "hotline:idx:all"}) == 1);
  CHECK(Integer(redis, {"XLEN", "hotline:events"}) == 1);
}

TEST_CASE("acknowledged orders survive a Redis crash (appendfsync always)", "[store]") {
  RedisServer server(RedisServer::Options{.appendfsync = "always"});
  std::vector<std::string> acknowledged;
  {
    redis::Client redis(redis::Options{.port = server.port(), .connections = 4});
    RedisOrderStore store(redis);
    for (int i = 0; i < 50; ++i) {
      absl::StatusOr<CreateResult> r = Create(store, MakeOrder(kMorning));
      REQUIRE(r.ok());
      acknowledged.push_back(r->order.id());
    }
    server.Kill();  // SIGKILL: no shutdown save
  }
  server.Start();
  redis::Client redis(redis::Options{.port = server.port(), .connections = 2});
  RedisOrderStore store(redis);
  for (const std::string& id : acknowledged) {
    absl::StatusOr<v1::WorkOrder> o =
        Wait<v1::WorkOrder>([&](Done<v1::WorkOrder> done) { store.Get(id, std::move(done)); });
    INFO(id);
    REQUIRE(o.ok());
    CHECK(o->history_size() == 1);
  }
  // Numbering goes on after the last acknowledged order.
  absl::StatusOr<CreateResult> next = Create(store, MakeOrder(kMorning));
  REQUIRE(next.ok());
  CHECK(next->order.id() == "GZ20261128000051");
}

TEST_CASE("a day's counter that went backwards skips the numbers in use, overwriting nothing",
          "[store]") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 2});
  RedisOrderStore store(redis);
  for (int i = 0; i < 37; ++i) REQUIRE(Create(store, MakeOrder(kMorning)).ok());
  const std::string first_content =
      redis.Execute({"HGET", "hotline:order:{GZ20261128000001}", "content"})->str;
  // E.g. Redis restored from a backup taken before the counter was written,
  // or set back by hand: the next order takes the first free number.
  for (const char* counter : {"0", "12"}) {
    REQUIRE(redis.Execute({"SET", "hotline:seq:20261128", counter}).ok());
    absl::StatusOr<CreateResult> r = Create(store, MakeOrder(kMorning));
    REQUIRE(r.ok());
    CHECK(r->order.id() == absl::StrFormat("GZ20261128%06d", 38 + (counter[0] == '1')));
  }
  CHECK(Integer(redis, {"ZCARD", "hotline:idx:all"}) == 39);
  CHECK(redis.Execute({"GET", "hotline:seq:20261128"})->str == "39");
  CHECK(redis.Execute({"HGET", "hotline:order:{GZ20261128000001}", "content"})->str == first_content);
  CHECK(Integer(redis, {"LLEN", "hotline:order:{GZ20261128000001}:history"}) == 1);
  CHECK(Integer(redis, {"XLEN", "hotline:events"}) == 39);
}

TEST_CASE("when the day's numbers are used up nothing is written, not even the counter",
          "[store]") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 2});
  RedisOrderStore store(redis);
  REQUIRE(redis.Execute({"SET", "hotline:seq:20261128", "999998"}).ok());
  REQUIRE(Create(store, MakeOrder(kMorning)).ok());  // GZ20261128999999
  absl::StatusOr<CreateResult> r = Create(store, MakeOrder(kMorning, "key-exhausted"));
  INFO(r.status().ToString());
  CHECK(r.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(redis.Execute({"GET", "hotline:seq:20261128"})->str == "999999");
  CHECK(Integer(redis, {"ZCARD", "hotline:idx:all"}) == 1);
  CHECK(Integer(redis, {"XLEN", "hotline:events"}) == 1);
  CHECK(Integer(redis, {"EXISTS", "hotline:idem:create:key-exhausted"}) == 0);
}

TEST_CASE("orders are numbered by the local (Guangzhou) day", "[store]") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 2});
  RedisOrderStore store(redis);
  // 2026-11-28 23:30 UTC is already the 29th in Guangzhou.
  absl::Time late = absl::FromCivil(absl::CivilSecond(2026, 11, 28, 23, 30, 0), absl::UTCTimeZone());
  absl::StatusOr<CreateResult> r = Create(store, MakeOrder(late));
  REQUIRE(r.ok());
  CHECK(r->order.id() == "GZ20261129000001");
}

TEST_CASE("a transition's own refusals come back as what they are", "[store]") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 2});
  RedisOrderStore store(redis);
  auto apply = [&](Change c) {
    return Wait<ApplyResult>([&](Done<ApplyResult> done) { store.Apply(std::move(c), std::move(done)); });
  };
  Change c;
  c.order_id = "GZ20261128000404";
  c.expected_version = 1;
  c.from_state = v1::ORDER_STATE_CREATED;
  c.to_state = v1::ORDER_STATE_DISPATCHED;
  c.to_unit = "440106";
  c.event = "order.dispatch";
  c.at = kMorning;
  // Gone between the caller's read and its write (Redis replies "ERR ..."
  // to a bare word, which once made this INTERNAL).
  CHECK(apply(c).status().code() == absl::StatusCode::kNotFound);

  absl::StatusOr<CreateResult> created = Create(store, MakeOrder(kMorning));
  REQUIRE(created.ok());
  c.order_id = created->order.id();
  c.idempotency_key = "act-1";
  c.fingerprint = "first";
  REQUIRE(apply(c).ok());
  c.fingerprint = "other";  // the same key for another request, racing past FindAction
  absl::StatusOr<ApplyResult> reused = apply(c);
  CHECK(reused.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(reused.status().message(), "idempotency_key"));
  c.idempotency_key = "";
  CHECK(apply(c).status().code() == absl::StatusCode::kAborted);  // version 1 is gone
}

}  // namespace hotline::orders
