#pragma once
// Redis as production runs it, for tests: a primary, two replicas and three
// Sentinels (Debian's redis-sentinel), every process on free loopback ports
// with its data in a fresh temporary directory. Sentinel timeouts are short
// (down after 1 s) so a failover takes seconds. Services reach it through
// url() ("sentinel://.../hotline", parsed by libs/redis).
//
// Not thread-safe: one test thread drives it (the processes themselves run
// on their own). The destructor kills everything and removes the directories.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "support/redis_server.h"

namespace hotline::testing {

class RedisHa {
 public:
  static constexpr char kMasterName[] = "hotline";
  struct Options {
    std::string appendfsync = "everysec";
    int down_after_ms = 1000;
    int failover_timeout_ms = 3000;
  };
  // Starts the six processes and waits until the Sentinels know both
  // replicas and each other (SENTINEL CKQUORUM); throws std::runtime_error
  // (naming the package when redis-sentinel is missing) otherwise.
  explicit RedisHa(Options options);
  RedisHa() : RedisHa(Options{}) {}
  ~RedisHa();
  RedisHa(const RedisHa&) = delete;
  RedisHa& operator=(const RedisHa&) = delete;

  std::string url() const;
  // The data servers: 0 starts as the primary, 1 and 2 as its replicas.
  RedisServer& server(int i) { return *servers_[i]; }
  int sentinel_port(int i) const { return sentinel_ports_[i]; }
  // The master's port as the first Sentinel that answers says; -1 if none.
  int MasterPort() const;
  // Index of the data server on `port`, -1 if none.
  int IndexOfPort(int port) const;
  // SIGKILLs the current master (a crash); returns its index.
  int KillMaster();
  // Starts a killed server again as a replica of the current master (as an
  // operator's start script does: ask the Sentinels, then REPLICAOF), and
  // waits until the master lists it online and every Sentinel sees it up.
  void Rejoin(int i, absl::Duration timeout = absl::Seconds(30));
  // Waits until the Sentinels name a master other than `old_port` that says
  // it is a master; returns its port (throws on timeout).
  int WaitForNewMaster(int old_port, absl::Duration timeout = absl::Seconds(30));
  // The output of redis-cli against a port (trailing whitespace removed).
  static std::string Cli(int port, const std::string& args);

 private:
  void StartSentinel(int i);
  bool ReplicaOnline(int master_port, int replica_port) const;

  Options options_;
  std::string dir_;
  std::vector<std::unique_ptr<RedisServer>> servers_;
  std::vector<int> sentinel_ports_;
  std::vector<pid_t> sentinel_pids_;
};

}  // namespace hotline::testing
