// hotline::redis::Client against a real redis-server (tests/support harness).
#include <prometheus/registry.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "redis/client.h"
#include "support/free_port.h"
#include "support/redis_server.h"

namespace hotline::redis {
namespace {

using hotline::testing::RedisServer;
using SteadyClock = std::chrono::steady_clock;

Options For(int port) {
  Options o;
  o.host = "127.0.0.1";
  o.port = port;
  return o;
}

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Sends `command` every 20 ms until it succeeds or `start` is 5 s ago; the
// last result.
absl::StatusOr<Reply> RetryUntilOk(Client& client, const Command& command,
                                   SteadyClock::time_point start) {
  absl::StatusOr<Reply> r = client.Execute(command);
  while (!r.ok() && SecondsSince(start) < 5.0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    r = client.Execute(command);
  }
  return r;
}

// Unwraps a reply the test requires to have arrived.
Reply Must(absl::StatusOr<Reply> r) {
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *std::move(r);
}

// A one-shot event. (std primitives: ThreadSanitizer cannot see through
// Debian's uninstrumented absl::Mutex.)
class Event {
 public:
  // Notifies under the lock: the waiter may destroy the Event once woken.
  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool Wait(std::chrono::milliseconds timeout = std::chrono::hours(1)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return set_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

// Holds a client's worker inside a callback, so that whatever is submitted
// meanwhile stays queued (use with connections = 1). Releases on destruction
// so a failing test does not hang the client's destructor.
class Gate {
 public:
  explicit Gate(Client& client) : state_(std::make_shared<State>()) {
    client.Submit({"PING"}, [s = state_](absl::StatusOr<Reply>) {
      s->entered.Notify();
      s->release.Wait();
    });
    REQUIRE(state_->entered.Wait(std::chrono::seconds(5)));
  }
  ~Gate() { Release(); }
  void Release() { state_->release.Notify(); }

 private:
  struct State {
    Event entered;
    Event release;
  };
  std::shared_ptr<State> state_;
};

// Collects the results of asynchronous submits, and counts callback calls per
// slot so "exactly once" can be checked.
class Results {
 public:
  explicit Results(size_t n) : results_(n), calls_(n, 0) {}
  Callback For(size_t i) {
    // Notifies under the lock: the waiter may destroy Results once woken.
    return [this, i](absl::StatusOr<Reply> r) {
      std::lock_guard<std::mutex> lock(mu_);
      results_[i] = std::move(r);
      ++calls_[i];
      ++total_;
      cv_.notify_all();
    };
  }
  bool WaitForTotal(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this, n] { return total_ >= n; });
  }
  size_t total() {
    std::lock_guard<std::mutex> lock(mu_);
    return total_;
  }
  int calls(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_[i];
  }
  absl::StatusOr<Reply> result(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return results_[i].value_or(absl::InternalError("no result"));
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::optional<absl::StatusOr<Reply>>> results_;  // guarded by mu_
  std::vector<int> calls_;                                     // guarded by mu_
  size_t total_ = 0;                                           // guarded by mu_
};

const prometheus::MetricFamily* FindFamily(const std::vector<prometheus::MetricFamily>& families,
                                           const std::string& name) {
  for (const auto& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

double CommandsWithResult(prometheus::Registry& registry, const std::string& result) {
  const auto families = registry.Collect();
  const auto* f = FindFamily(families, "hotline_redis_commands_total");
  REQUIRE(f != nullptr);
  for (const auto& m : f->metric) {
    if (m.label.size() == 1 && m.label[0].value == result) return m.counter.value;
  }
  FAIL("no series for result=" << result);
  return -1;
}

// Spins inside Redis for ARGV[1] milliseconds: a command that is slow to answer.
constexpr char kSpinScript[] = R"(
local start = redis.call('TIME')
local ms = tonumber(ARGV[1])
while true do
  local now = redis.call('TIME')
  if (now[1] - start[1]) * 1000 + (now[2] - start[2]) / 1000 >= ms then break end
end
return 1)";

TEST_CASE("ParseAddress accepts host:port and rejects everything else", "[redis]") {
  auto ok = ParseAddress("127.0.0.1:6379");
  REQUIRE(ok.ok());
  CHECK(ok->first == "127.0.0.1");
  CHECK(ok->second == 6379);

  auto named = ParseAddress("redis.hotline.internal:1");
  REQUIRE(named.ok());
  CHECK(named->first == "redis.hotline.internal");
  CHECK(named->second == 1);

  auto v6 = ParseAddress("[::1]:65535");
  REQUIRE(v6.ok());
  CHECK(v6->first == "::1");
  CHECK(v6->second == 65535);

  for (const char* bad :
       {"", "localhost", "localhost:", ":6379", "host:0", "host:65536", "host:99999999", "host:-1",
        "host:+80", "host: 80", "host:80 ", "host:6x", "::1:6379", "[]:6379"}) {
    INFO("address: \"" << bad << "\"");
    auto r = ParseAddress(bad);
    CHECK(absl::IsInvalidArgument(r.status()));
  }
}

TEST_CASE("Script sha1 is lowercase hex SHA-1 and matches SCRIPT LOAD", "[redis][script]") {
  CHECK(Script("").sha1() == "da39a3ee5e6b4b0d3255bfef95601890afd80709");

  RedisServer server;
  Client client(For(server.port()));
  for (const char* body : {"return 1", "return redis.call('GET', KEYS[1])",
                           "-- 市民热线：工单脚本\nreturn ARGV[1]", kSpinScript}) {
    Script script(body);
    INFO(body);
    CHECK(script.body() == body);
    Reply loaded = Must(client.Execute({"SCRIPT", "LOAD", body}));
    REQUIRE(loaded.type == Reply::Type::kString);
    CHECK(script.sha1() == loaded.str);
  }
}

TEST_CASE("SET/GET keep binary and Chinese UTF-8 values intact", "[redis]") {
  RedisServer server;
  Client client(For(server.port()));

  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  binary += std::string("\0\r\n$3\r\n*1\r\n", 12);  // NULs and RESP framing inside
  const std::string chinese = "市民热线：噪音投诉，朝阳区三里屯 🚧";
  const std::string chinese_key = "工单:12345";

  Reply set1 = Must(client.Execute({"SET", "bin", binary}));
  CHECK(set1.type == Reply::Type::kStatus);
  CHECK(set1.str == "OK");
  Must(client.Execute({"SET", chinese_key, chinese}));
  Must(client.Execute({"SET", "empty", ""}));

  Reply get_bin = Must(client.Execute({"GET", "bin"}));
  REQUIRE(get_bin.type == Reply::Type::kString);
  CHECK(get_bin.str.size() == binary.size());
  CHECK(get_bin.str == binary);

  Reply get_cn = Must(client.Execute({"GET", chinese_key}));
  REQUIRE(get_cn.type == Reply::Type::kString);
  CHECK(get_cn.str == chinese);

  Reply get_empty = Must(client.Execute({"GET", "empty"}));
  CHECK(get_empty.type == Reply::Type::kString);
  CHECK(get_empty.str.empty());

  CHECK(Must(client.Execute({"STRLEN", chinese_key})).integer ==
        static_cast<long long>(chinese.size()));
}

TEST_CASE("every reply type is converted", "[redis]") {
  RedisServer server;
  Client client(For(server.port()));

  Reply pong = Must(client.Execute({"PING"}));
  CHECK(pong.type == Reply::Type::kStatus);
  CHECK(pong.str == "PONG");

  Reply one = Must(client.Execute({"INCRBY", "n", "-9000000000"}));
  CHECK(one.type == Reply::Type::kInteger);
  CHECK(one.integer == -9000000000LL);

  Reply nil = Must(client.Execute({"GET", "missing"}));
  CHECK(nil.type == Reply::Type::kNil);
  CHECK(nil.is_nil());
  CHECK_FALSE(nil.is_error());

  Reply err = Must(client.Execute({"NOSUCHCOMMAND", "x"}));
  CHECK(err.type == Reply::Type::kError);
  CHECK(err.is_error());
  CHECK(absl::StartsWith(err.str, "ERR unknown command"));

  Reply wrongtype = Must(client.Execute({"LPUSH", "n", "x"}));
  CHECK(wrongtype.is_error());
  CHECK(absl::StartsWith(wrongtype.str, "WRONGTYPE"));

  Must(client.Execute({"RPUSH", "list", "甲", "乙", "丙"}));
  Reply list = Must(client.Execute({"LRANGE", "list", "0", "-1"}));
  REQUIRE(list.type == Reply::Type::kArray);
  REQUIRE(list.elements.size() == 3);
  CHECK(list.elements[0].type == Reply::Type::kString);
  CHECK(list.elements[0].str == "甲");
  CHECK(list.elements[2].str == "丙");

  Reply empty = Must(client.Execute({"LRANGE", "nolist", "0", "-1"}));
  CHECK(empty.type == Reply::Type::kArray);
  CHECK(empty.elements.empty());

  // Nested arrays with mixed element types, from Lua.
  Reply nested = Must(client.Execute(
      {"EVAL", "return {1, 'a', {2, redis.status_reply('FINE')}, redis.error_reply('E1 x')}",
       "0"}));
  REQUIRE(nested.type == Reply::Type::kArray);
  REQUIRE(nested.elements.size() == 4);
  CHECK(nested.elements[0].type == Reply::Type::kInteger);
  CHECK(nested.elements[0].integer == 1);
  CHECK(nested.elements[1].type == Reply::Type::kString);
  CHECK(nested.elements[1].str == "a");
  REQUIRE(nested.elements[2].type == Reply::Type::kArray);
  REQUIRE(nested.elements[2].elements.size() == 2);
  CHECK(nested.elements[2].elements[0].integer == 2);
  CHECK(nested.elements[2].elements[1].type == Reply::Type::kStatus);
  CHECK(nested.elements[2].elements[1].str == "FINE");
  CHECK(nested.elements[3].type == Reply::Type::kError);
  CHECK(nested.elements[3].str == "E1 x");

  // An empty command would get no reply at all from Redis; it is refused.
  auto nothing = client.Execute({});
  CHECK(absl::IsInvalidArgument(nothing.status()));
  CHECK(Must(client.Execute({"PING"})).str == "PONG");
}

TEST_CASE("many concurrent submitters: every INCR counted exactly once", "[redis]") {
  RedisServer server;
  prometheus::Registry registry;
  Options options = For(server.port());
  options.connections = 4;
  options.command_timeout = absl::Seconds(10);  // a slow, shared machine is no failure here
  Client client(options, &registry);

  constexpr int kThreads = 8;
  constexpr int kPerThread = 2000;
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::atomic<int> calls{0};
  std::mutex error_mu;
  std::string first_error;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        client.Submit({"INCR", "counter"}, [&](absl::StatusOr<Reply> r) {
          if (r.ok() && r->type == Reply::Type::kInteger) {
            ok++;
          } else {
            failed++;
            std::lock_guard<std::mutex> lock(error_mu);
            if (first_error.empty()) first_error = r.ok() ? r->str : r.status().ToString();
          }
          calls++;
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
  while (calls < kThreads * kPerThread && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(calls == kThreads * kPerThread);
  {
    std::lock_guard<std::mutex> lock(error_mu);
    INFO(first_error);
    CHECK(failed == 0);
  }
  CHECK(ok == kThreads * kPerThread);
  Reply final_count = Must(client.Execute({"GET", "counter"}));
  CHECK(final_count.str == std::to_string(kThreads * kPerThread));
  CHECK(CommandsWithResult(registry, "ok") == kThreads * kPerThread + 1);
}

TEST_CASE("queued commands go out in pipelined batches of at most max_pipeline",
          "[redis][metrics]") {
  RedisServer server;
  prometheus::Registry registry;
  Options options = For(server.port());
  options.connections = 1;
  options.max_pipeline = 64;
  Client client(options, &registry);

  constexpr size_t kCommands = 200;
  Results results(kCommands);
  {
    Gate gate(client);  // batch 1: the gate's PING
    for (size_t i = 0; i < kCommands; ++i) {
      client.Submit({"RPUSH", "order", std::to_string(i)}, results.For(i));
    }
  }
  REQUIRE(results.WaitForTotal(kCommands, std::chrono::seconds(10)));
  for (size_t i = 0; i < kCommands; ++i) {
    INFO("command " << i);
    CHECK(Must(results.result(i)).integer == static_cast<long long>(i + 1));
  }

  // Queued together, the 200 went out as 64 + 64 + 64 + 8.
  const auto families = registry.Collect();
  const auto* f = FindFamily(families, "hotline_redis_pipeline_commands");
  REQUIRE(f != nullptr);
  REQUIRE(f->metric.size() == 1);
  const auto& h = f->metric[0].histogram;
  CHECK(h.sample_sum == kCommands + 1);
  CHECK(h.sample_count == 5);
  auto at_most = [&](double bound) {
    for (const auto& b : h.bucket) {
      if (b.upper_bound == bound) return b.cumulative_count;
    }
    FAIL("no bucket " << bound);
    return std::uint64_t{0};
  };
  CHECK(at_most(32) == 2);  // the PING and the last 8
  CHECK(at_most(64) == 5);  // never more than max_pipeline
}

TEST_CASE("metrics are registered with help and bounded labels", "[redis][metrics]") {
  RedisServer server;
  prometheus::Registry registry;
  Options options = For(server.port());
  options.max_queue = 0;  // every command is rejected
  {
    Client client(options, &registry);
    CHECK(absl::IsResourceExhausted(client.Execute({"PING"}).status()));
  }
  options.max_queue = 100;
  Client client(options, &registry);  // a second client shares the series
  Must(client.Execute({"PING"}));
  Must(client.Execute({"NOSUCHCOMMAND"}));

  const auto families = registry.Collect();
  for (const char* name : {"hotline_redis_commands_total", "hotline_redis_command_duration_seconds",
                           "hotline_redis_pipeline_commands", "hotline_redis_reconnects_total",
                           "hotline_redis_queue_length"}) {
    INFO(name);
    const auto* f = FindFamily(families, name);
    REQUIRE(f != nullptr);
    CHECK_FALSE(f->help.empty());
  }
  const auto* commands = FindFamily(families, "hotline_redis_commands_total");
  CHECK(commands->metric.size() == 5);  // ok, error_reply, unavailable, unanswered, rejected
  for (const auto& m : commands->metric) {
    REQUIRE(m.label.size() == 1);
    CHECK(m.label[0].name == "result");
  }
  CHECK(CommandsWithResult(registry, "ok") == 1);
  CHECK(CommandsWithResult(registry, "error_reply") == 1);
  CHECK(CommandsWithResult(registry, "rejected") == 1);
  CHECK(CommandsWithResult(registry, "unavailable") == 0);
  const auto* duration = FindFamily(families, "hotline_redis_command_duration_seconds");
  CHECK(duration->metric.at(0).histogram.sample_count == 2);  // rejected: not timed
}

TEST_CASE("scripts run by EVALSHA and survive SCRIPT FLUSH without NOSCRIPT", "[redis][script]") {
  RedisServer server;
  Client client(For(server.port()));
  const Script script("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}");

  Reply first = Must(client.ExecuteScript(script, {"计数"}, {"参数"}));
  REQUIRE(first.type == Reply::Type::kArray);
  REQUIRE(first.elements.size() == 3);
  CHECK(first.elements[0].str == "计数");
  CHECK(first.elements[1].str == "参数");
  CHECK(first.elements[2].integer == 1);
  // The first call loaded it: Redis now knows the sha.
  Reply exists = Must(client.Execute({"SCRIPT", "EXISTS", script.sha1()}));
  REQUIRE(exists.elements.size() == 1);
  CHECK(exists.elements[0].integer == 1);

  Must(client.Execute({"SCRIPT", "FLUSH"}));
  Reply after_flush = Must(client.ExecuteScript(script, {"计数"}, {"x"}));
  REQUIRE(after_flush.type == Reply::Type::kArray);
  CHECK(after_flush.elements[2].integer == 2);

  SECTION("NOSCRIPT in the middle of a pipelined batch") {
    Must(client.Execute({"SCRIPT", "FLUSH"}));
    constexpr size_t kCommands = 40;
    Results results(kCommands);
    {
      Options options = For(server.port());
      options.connections = 1;
      Client one(options);
      {
        Gate gate(one);
        for (size_t i = 0; i < kCommands; ++i) {
          if (i % 2 == 0) {
            one.SubmitScript(script, {"k" + std::to_string(i)}, {std::to_string(i)},
                             results.For(i));
          } else {
            one.Submit({"SET", "plain" + std::to_string(i), "v"}, results.For(i));
          }
        }
      }
      REQUIRE(results.WaitForTotal(kCommands, std::chrono::seconds(10)));
    }
    for (size_t i = 0; i < kCommands; ++i) {
      INFO("command " << i);
      CHECK(results.calls(i) == 1);
      Reply r = Must(results.result(i));
      if (i % 2 == 0) {
        REQUIRE(r.type == Reply::Type::kArray);
        CHECK(r.elements[1].str == std::to_string(i));
        CHECK(r.elements[2].integer == 1);  // ran exactly once
      } else {
        CHECK(r.str == "OK");
      }
    }
  }

  SECTION("a script's own error reply is delivered, not retried") {
    const Script failing("return redis.error_reply('HOTLINE_ERR 无此工单')");
    Must(client.Execute({"SCRIPT", "FLUSH"}));
    Reply r = Must(client.ExecuteScript(failing, {}, {}));
    CHECK(r.is_error());
    CHECK(r.str == "HOTLINE_ERR 无此工单");
  }
}

TEST_CASE("with Redis down commands fail fast, and work again once it is back",
          "[redis][failure]") {
  RedisServer server;
  prometheus::Registry registry;
  Options options = For(server.port());
  options.connections = 2;
  options.max_reconnect_backoff = absl::Milliseconds(200);
  Client client(options, &registry);
  Must(client.Execute({"SET", "k", "v"}));

  server.Stop();
  for (int i = 0; i < 20; ++i) {
    const auto start = SteadyClock::now();
    auto r = client.Execute({"GET", "k"});
    INFO("attempt " << i << ": " << r.status());
    CHECK(SecondsSince(start) < 1.0);
    REQUIRE(absl::IsUnavailable(r.status()));
    CHECK(absl::StrContains(r.status().message(), "redis 127.0.0.1:"));
  }
  // A burst is answered as fast.
  constexpr size_t kBurst = 1000;
  Results burst(kBurst);
  const auto burst_start = SteadyClock::now();
  for (size_t i = 0; i < kBurst; ++i) client.Submit({"GET", "k"}, burst.For(i));
  REQUIRE(burst.WaitForTotal(kBurst, std::chrono::seconds(5)));
  CHECK(SecondsSince(burst_start) < 1.0);
  for (size_t i = 0; i < kBurst; ++i) {
    CHECK(burst.calls(i) == 1);
    CHECK(absl::IsUnavailable(burst.result(i).status()));
  }

  server.Start();
  absl::StatusOr<Reply> r = RetryUntilOk(client, {"GET", "k"}, SteadyClock::now());
  INFO(r.status());
  REQUIRE(r.ok());
  CHECK(r->str == "v");  // appendonly: the data came back with the server
  // Both connections work again, not just one.
  for (int i = 0; i < 20; ++i) CHECK(client.Execute({"PING"}).ok());
  CHECK(CommandsWithResult(registry, "unavailable") >= 20 + kBurst);
  // The connection that had served before counts its reconnect when it next
  // connects: the PINGs above may all have gone to the other one (which
  // connected for the first time) while it waited out its backoff.
  double reconnects = 0;
  for (int i = 0; i < 100 && reconnects < 1; ++i) {
    CHECK(client.Execute({"PING"}).ok());
    reconnects = FindFamily(registry.Collect(), "hotline_redis_reconnects_total")->metric.at(0).counter.value;
    if (reconnects < 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(reconnects >= 1);

  SECTION("a crash (SIGKILL) too") {
    server.Kill();
    const auto kill_start = SteadyClock::now();
    CHECK(absl::IsUnavailable(client.Execute({"PING"}).status()));
    CHECK(SecondsSince(kill_start) < 1.0);
    server.Start();
    CHECK(RetryUntilOk(client, {"PING"}, SteadyClock::now()).ok());
  }
}

TEST_CASE("a Redis restart while the client is idle costs no failed command", "[redis][failure]") {
  RedisServer server;
  prometheus::Registry registry;
  Options options = For(server.port());
  options.connections = 4;
  Client client(options, &registry);
  // Every connection in use once: a burst spreads over all workers.
  constexpr size_t kBurst = 400;
  Results warm(kBurst);
  for (size_t i = 0; i < kBurst; ++i) client.Submit({"SET", "k", "v"}, warm.For(i));
  REQUIRE(warm.WaitForTotal(kBurst, std::chrono::seconds(5)));

  server.Stop();
  server.Start();  // nothing was sent meanwhile: every connection is stale
  Results after(kBurst);
  for (size_t i = 0; i < kBurst; ++i) client.Submit({"GET", "k"}, after.For(i));
  REQUIRE(after.WaitForTotal(kBurst, std::chrono::seconds(5)));
  for (size_t i = 0; i < kBurst; ++i) {
    INFO("command " << i << ": " << after.result(i).status());
    REQUIRE(after.result(i).ok());
    CHECK(after.result(i)->str == "v");
  }
  CHECK(CommandsWithResult(registry, "unavailable") == 0);
}

TEST_CASE("with no Redis at all the client starts, fails fast and shuts down", "[redis][failure]") {
  const int dead_port = hotline::testing::FreePort();
  const auto start = SteadyClock::now();
  constexpr size_t kCommands = 50;
  Results results(kCommands);
  {
    Client client(For(dead_port));
    auto r = client.Execute({"PING"});
    CHECK(absl::IsUnavailable(r.status()));
    CHECK(absl::StrContains(r.status().message(), std::to_string(dead_port)));
    for (size_t i = 0; i < kCommands; ++i) client.Submit({"PING"}, results.For(i));
  }  // destroyed with commands possibly still queued
  CHECK(SecondsSince(start) < 2.0);
  REQUIRE(results.total() == kCommands);
  for (size_t i = 0; i < kCommands; ++i) {
    CHECK(results.calls(i) == 1);
    CHECK(absl::IsUnavailable(results.result(i).status()));
  }
}

TEST_CASE("a command without reply within command_timeout fails, the client recovers",
          "[redis][failure]") {
  RedisServer server;
  Options options = For(server.port());
  options.connections = 1;
  options.command_timeout = absl::Milliseconds(200);
  Client client(options);
  const Script spin(kSpinScript);
  Must(client.Execute({"SET", "k", "v"}));

  const auto start = SteadyClock::now();
  auto r = client.ExecuteScript(spin, {}, {"1000"});  // Redis is busy for 1 s
  const double waited = SecondsSince(start);
  INFO(r.status());
  // Sent and not answered: it may have run, so not a "retry me" UNAVAILABLE.
  REQUIRE(absl::IsDeadlineExceeded(r.status()));
  CHECK(absl::StrContains(r.status().message(), "no reply within 200ms"));
  CHECK(absl::StrContains(r.status().message(), "may have been applied"));
  CHECK(waited >= 0.19);
  CHECK(waited < 0.8);

  // Once Redis is free the client answers again, on a fresh connection.
  absl::StatusOr<Reply> get = RetryUntilOk(client, {"GET", "k"}, start);
  INFO(get.status());
  REQUIRE(get.ok());
  CHECK(get->str == "v");
  CHECK(SecondsSince(start) > 0.9);  // it was the busy server that timed us out
}

TEST_CASE("a command that waited in the queue longer than command_timeout is not sent",
          "[redis][failure]") {
  RedisServer server;
  Options options = For(server.port());
  options.connections = 1;
  options.command_timeout = absl::Milliseconds(200);
  Client client(options);

  Results results(1);
  {
    Gate gate(client);
    client.Submit({"SET", "stale", "1"}, results.For(0));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  REQUIRE(results.WaitForTotal(1, std::chrono::seconds(5)));
  auto r = results.result(0);
  CHECK(absl::IsUnavailable(r.status()));
  CHECK(absl::StrContains(r.status().message(), "waited in the queue"));
  CHECK(Must(client.Execute({"EXISTS", "stale"})).integer == 0);
}

TEST_CASE("a full queue answers RESOURCE_EXHAUSTED at once", "[redis]") {
  RedisServer server;
  Options options = For(server.port());
  options.connections = 1;
  options.max_queue = 3;
  Client client(options);

  Results results(4);
  {
    Gate gate(client);
    for (size_t i = 0; i < 3; ++i) client.Submit({"INCR", "q"}, results.For(i));
    CHECK(results.total() == 0);  // queued
    client.Submit({"INCR", "q"}, results.For(3));
    REQUIRE(results.calls(3) == 1);  // answered inside Submit
    auto r = results.result(3);
    CHECK(absl::IsResourceExhausted(r.status()));
  }
  REQUIRE(results.WaitForTotal(4, std::chrono::seconds(5)));
  for (size_t i = 0; i < 3; ++i) CHECK(results.result(i).ok());
  CHECK(Must(client.Execute({"GET", "q"})).str == "3");
}

TEST_CASE("the destructor fails queued commands, each callback exactly once", "[redis]") {
  RedisServer server;
  Options options = For(server.port());
  options.connections = 1;
  auto client = std::make_unique<Client>(options);

  constexpr size_t kCommands = 100;
  Results results(kCommands);
  auto gate = std::make_unique<Gate>(*client);
  for (size_t i = 0; i < kCommands; ++i) {
    client->Submit({"INCR", "never"}, results.For(i));
  }
  // The worker is held in the gate's callback: the destructor must fail the
  // queued commands before it joins.
  std::thread destroyer([&] { client.reset(); });
  const bool all_failed = results.WaitForTotal(kCommands, std::chrono::seconds(5));
  gate.reset();
  destroyer.join();
  REQUIRE(all_failed);
  for (size_t i = 0; i < kCommands; ++i) {
    INFO("command " << i);
    CHECK(results.calls(i) == 1);
    auto r = results.result(i);
    CHECK(absl::IsUnavailable(r.status()));
    CHECK(absl::StrContains(r.status().message(), "shutting down"));
  }
  // None of them reached Redis.
  Client check(For(server.port()));
  CHECK(Must(check.Execute({"EXISTS", "never"})).integer == 0);
}

}  // namespace
}  // namespace hotline::redis

namespace hotline::redis {

TEST_CASE("a client with the password works against requirepass, one without is refused",
          "[redis]") {
  RedisServer server;
  {
    Client admin(For(server.port()));
    REQUIRE(admin.Execute({"CONFIG", "SET", "requirepass", "s3cret-pass"}).ok());
  }
  Options with = For(server.port());
  with.password = "s3cret-pass";
  Client good(with);
  absl::StatusOr<Reply> ping = good.Execute({"PING"});
  REQUIRE(ping.ok());
  CHECK(ping->str == "PONG");
  Client bad(For(server.port()));
  absl::StatusOr<Reply> refused = bad.Execute({"PING"});
  REQUIRE(refused.ok());
  CHECK(refused->is_error());
  CHECK(absl::StrContains(refused->str, "NOAUTH"));
  Options wrong = For(server.port());
  wrong.password = "not-it";
  Client wrong_client(wrong);
  absl::StatusOr<Reply> denied = wrong_client.Execute({"PING"});
  CHECK(denied.status().code() == absl::StatusCode::kUnavailable);
  CHECK(absl::StrContains(denied.status().message(), "AUTH refused"));
  CHECK_FALSE(absl::StrContains(denied.status().message(), "not-it"));
}

}  // namespace hotline::redis
