// libs/redis with Redis Sentinel and WAIT, against real processes: a
// primary, two replicas and three Sentinels (support/redis_ha.h).
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "support/free_port.h"
#include "support/redis_ha.h"
#include "support/redis_server.h"

namespace hotline::redis {
namespace {

using hotline::testing::RedisHa;
using hotline::testing::RedisServer;
using SteadyClock = std::chrono::steady_clock;

const Script& Incr() {
  static const Script script("return redis.call('INCR', KEYS[1])");
  return script;
}
const Script& Fails() {
  static const Script script("return redis.error_reply('NOPE not today')");
  return script;
}

Options Through(const RedisHa& ha) {
  absl::StatusOr<Target> t = ParseTarget(ha.url());
  REQUIRE(t.ok());
  Options o{.connections = 2};
  o.sentinels = t->sentinels;
  o.master_name = t->master_name;
  o.sentinel_poll = absl::Milliseconds(200);
  return o;
}

TEST_CASE("ParseTarget takes host:port or sentinel://list/name and names what is wrong", "[redis][sentinel]") {
  absl::StatusOr<Target> plain = ParseTarget("127.0.0.1:6379");
  REQUIRE(plain.ok());
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == 6379);
  CHECK(plain->sentinels.empty());
  absl::StatusOr<Target> ha = ParseTarget("sentinel://a:26379,b:26380,[::1]:26381/hotline");
  REQUIRE(ha.ok());
  CHECK(ha->master_name == "hotline");
  REQUIRE(ha->sentinels.size() == 3);
  CHECK(ha->sentinels[1] == std::make_pair(std::string("b"), 26380));
  CHECK(ha->sentinels[2] == std::make_pair(std::string("::1"), 26381));
  for (const char* bad : {"sentinel://a:1,b:2", "sentinel://a:1/", "sentinel:///x", "sentinel://a:1,,b:2/x",
                          "sentinel://a/x", "sentinel://a:1/x y", "sentinel://a:99999/x"}) {
    INFO(bad);
    absl::StatusOr<Target> t = ParseTarget(bad);
    CHECK(absl::IsInvalidArgument(t.status()));
  }
}

TEST_CASE("the WAIT flags are checked and reach the client options", "[redis][sentinel]") {
  RedisFlags flags;
  flags.address = "sentinel://127.0.0.1:1,127.0.0.1:2/m";
  flags.wait_replicas = 1;
  flags.wait_timeout = absl::Milliseconds(300);
  absl::StatusOr<Options> o = ToOptions(flags);
  REQUIRE(o.ok());
  CHECK(o->sentinels.size() == 2);
  CHECK(o->master_name == "m");
  CHECK(o->wait_replicas == 1);
  CHECK(o->wait_timeout == absl::Milliseconds(300));
  flags.wait_timeout = absl::Seconds(5);  // longer than a command may take
  CHECK(absl::IsInvalidArgument(ToOptions(flags).status()));
  flags.wait_timeout = absl::Milliseconds(300);
  flags.wait_replicas = -1;
  CHECK(absl::IsInvalidArgument(ToOptions(flags).status()));
}

TEST_CASE("with no Sentinel answering, commands fail at once with UNAVAILABLE", "[redis][sentinel]") {
  Options o{.connections = 2};
  o.sentinels = {{"127.0.0.1", hotline::testing::FreePort()}, {"127.0.0.1", hotline::testing::FreePort()}};
  o.master_name = "hotline";
  Client client(o);
  // "At once" means without waiting out a timeout (connect 500 ms, command
  // 2 s): the median is judged, so one scheduling stall on a loaded machine
  // does not fail it, and every call stays below the connect timeout.
  std::vector<SteadyClock::duration> took;
  for (int i = 0; i < 20; ++i) {
    const auto start = SteadyClock::now();
    absl::StatusOr<Reply> r = client.Execute({"PING"});
    took.push_back(SteadyClock::now() - start);
    INFO(r.status().ToString());
    CHECK(absl::IsUnavailable(r.status()));
    CHECK(absl::StrContains(r.status().message(), "no Redis master known"));
    CHECK(took.back() < std::chrono::milliseconds(400));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::sort(took.begin(), took.end());
  CHECK(took[took.size() / 2] < std::chrono::milliseconds(50));
}

TEST_CASE("a script is acknowledged only once the required replicas have it", "[redis][wait]") {
  RedisServer alone;  // no replica at all
  Options o{.port = alone.port(), .connections = 1};
  o.wait_replicas = 1;
  o.wait_timeout = absl::Milliseconds(200);
  Client client(o);
  const auto start = SteadyClock::now();
  absl::StatusOr<Reply> r = client.ExecuteScript(Incr(), {"k"}, {});
  INFO(r.status().ToString());
  REQUIRE(absl::IsUnavailable(r.status()));
  CHECK(absl::StrContains(r.status().message(), "confirmed by 0 of the 1 replica(s)"));
  CHECK(SteadyClock::now() - start >= std::chrono::milliseconds(190));
  // It ran on the master all the same: the caller was told it may have.
  CHECK(client.Execute({"GET", "k"})->str == "1");
  // A script that failed wrote nothing: its error comes back as it is.
  absl::StatusOr<Reply> failed = client.ExecuteScript(Fails(), {"k"}, {});
  REQUIRE(failed.ok());
  CHECK(failed->str == "NOPE not today");
  // Plain commands are not waited for.
  CHECK(client.Execute({"SET", "p", "1"})->str == "OK");

  Options off{.port = alone.port(), .connections = 1};
  Client without(off);
  CHECK(without.ExecuteScript(Incr(), {"k"}, {})->integer == 2);
}

TEST_CASE("through the Sentinels: writes reach the master, wait for a replica, and follow a failover",
          "[redis][sentinel][failover]") {
  RedisHa ha;
  Options o = Through(ha);
  o.wait_replicas = 1;
  o.wait_timeout = absl::Milliseconds(500);
  Client client(o);
  std::optional<absl::StatusOr<Reply>> first;
  for (int i = 0; i < 100; ++i) {  // the locator's first answer
    first = client.ExecuteScript(Incr(), {"n"}, {});
    if (first->ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(first->ok());
  CHECK((*first)->integer == 1);
  // On the replicas before it was acknowledged (WAIT 1 here; both have it soon).
  const int old_master = ha.MasterPort();
  CHECK(old_master == ha.server(0).port());

  // Both replicas gone: a script is not acknowledged.
  ha.server(1).Kill();
  ha.server(2).Kill();
  absl::StatusOr<Reply> alone = client.ExecuteScript(Incr(), {"n"}, {});
  INFO(alone.status().ToString());
  CHECK(absl::IsUnavailable(alone.status()));
  CHECK(absl::StrContains(alone.status().message(), "confirmed by 0 of the 1"));
  ha.server(1).Start();
  ha.server(2).Start();

  // The master is SIGKILLed: calls fail fast until the Sentinels promote a
  // replica, then go to it; the client never writes to a replica.
  ha.KillMaster();
  const auto killed = SteadyClock::now();
  int refused = 0;
  long long value = 0;
  while (SteadyClock::now() - killed < std::chrono::seconds(30)) {
    const auto t = SteadyClock::now();
    absl::StatusOr<Reply> r = client.ExecuteScript(Incr(), {"n"}, {});
    if (r.ok() && !r->is_error()) {
      value = r->integer;
      break;
    }
    ++refused;
    CHECK(SteadyClock::now() - t < std::chrono::milliseconds(2600));  // never hangs
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto outage = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - killed);
  WARN("failover seen by the client after " << outage.count() << " ms, " << refused << " calls refused");
  CHECK(value >= 2);  // the acknowledged 1 survived (the unacknowledged 2 may have too)
  const int new_master = ha.MasterPort();
  CHECK(new_master != old_master);
  CHECK(absl::StartsWith(RedisHa::Cli(new_master, "ROLE"), "master"));
  CHECK(RedisHa::Cli(new_master, "GET n") == std::to_string(value));
}

TEST_CASE("a planned failover: the client leaves the old master for the one the Sentinels name",
          "[redis][sentinel][failover]") {
  RedisHa ha;
  Client client(Through(ha));
  for (int i = 0; i < 100 && !client.Execute({"SET", "k", "0"}).ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const int old_master = ha.MasterPort();
  // A planned failover: the old master becomes a replica, alive and reachable.
  REQUIRE(RedisHa::Cli(ha.sentinel_port(0), "SENTINEL FAILOVER hotline") == "OK");
  const int new_master = ha.WaitForNewMaster(old_master);
  int written = 0, readonly = 0;
  const auto until = SteadyClock::now() + std::chrono::seconds(3);
  while (SteadyClock::now() < until) {
    absl::StatusOr<Reply> r = client.Execute({"INCR", "k"});
    if (r.ok() && r->is_error() && absl::StartsWith(r->str, "READONLY")) ++readonly;
    if (r.ok() && !r->is_error()) ++written;
  }
  CHECK(written > 0);
  // At most one READONLY per connection that was already open, then it moved.
  CHECK(readonly <= 2);
  // The client writes to the new master now.
  absl::StatusOr<Reply> last = client.Execute({"INCR", "k"});
  REQUIRE(last.ok());
  REQUIRE(!last->is_error());
  CHECK(RedisHa::Cli(new_master, "GET k") == std::to_string(last->integer));
  // (The old master may still call itself master for a while: Sentinel
  // converts it some seconds later. The client goes by the Sentinels.)
}

}  // namespace
}  // namespace hotline::redis

namespace hotline::redis {
namespace {

// A Sentinel that names a replica as the master (it was told to monitor the
// replica's address): the client must see ROLE "slave" and write nothing.
TEST_CASE("a server that is a replica is never written to, whatever a Sentinel says", "[redis][sentinel]") {
  RedisHa ha;
  const int replica = ha.server(1).port();
  const int port = hotline::testing::FreePort();
  char dir[] = "/tmp/hotline-lying-sentinel-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const std::string conf = std::string(dir) + "/sentinel.conf";
  std::ofstream(conf) << "port " << port << "\nbind 127.0.0.1\ndir " << dir << "\nlogfile " << dir
                      << "/sentinel.log\npidfile " << dir << "/sentinel.pid\n"
                      << "sentinel monitor hotline 127.0.0.1 " << replica << " 1\n";
  REQUIRE(std::system(("redis-sentinel " + conf + " --daemonize yes").c_str()) == 0);
  for (int i = 0; i < 100 && RedisHa::Cli(port, "PING") != "PONG"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(RedisHa::Cli(port, "SENTINEL get-master-addr-by-name hotline") ==
          "127.0.0.1\n" + std::to_string(replica));
  Options o{.connections = 2};
  o.sentinels = {{"127.0.0.1", port}};
  o.master_name = "hotline";
  {
    Client client(o);
    for (int i = 0; i < 10; ++i) {
      absl::StatusOr<Reply> r = client.Execute({"SET", "lie", "1"});
      INFO(r.status().ToString());
      CHECK(absl::IsUnavailable(r.status()));
      CHECK(absl::StrContains(r.status().message(), "not the master"));
    }
  }
  CHECK(RedisHa::Cli(replica, "EXISTS lie") == "0");
  CHECK(RedisHa::Cli(ha.server(0).port(), "EXISTS lie") == "0");
  std::ifstream pidfile(std::string(dir) + "/sentinel.pid");
  pid_t pid = 0;
  pidfile >> pid;
  if (pid > 0) ::kill(pid, SIGKILL);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hotline::redis
