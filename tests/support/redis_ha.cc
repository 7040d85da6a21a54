#include "support/redis_ha.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "support/free_port.h"

namespace hotline::testing {

std::string RedisHa::Cli(int port, const std::string& args) {
  const std::string cmd = absl::StrCat("redis-cli -p ", port, " ", args, " 2>/dev/null");
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  ::pclose(f);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
  return out;
}

RedisHa::RedisHa(Options options) : options_(std::move(options)) {
  if (std::system("command -v redis-sentinel >/dev/null 2>&1") != 0) {
    throw std::runtime_error("redis-sentinel is missing: apt-get install redis-sentinel");
  }
  char tmpl[] = "/tmp/hotline-redis-ha-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  // No delay before a full sync (Redis waits 5 s by default for more
  // replicas): a replica that rejoins is in sync at once.
  const std::vector<std::string> sync_now = {"--repl-diskless-sync-delay", "0"};
  servers_.push_back(std::make_unique<RedisServer>(
      RedisServer::Options{.appendfsync = options_.appendfsync, .extra_args = sync_now}));
  const int primary = servers_[0]->port();
  for (int i = 1; i <= 2; ++i) {
    servers_.push_back(std::make_unique<RedisServer>(RedisServer::Options{
        .appendfsync = options_.appendfsync,
        .extra_args = {"--repl-diskless-sync-delay", "0", "--replicaof", "127.0.0.1", std::to_string(primary)}}));
  }
  for (int i = 0; i < 3; ++i) {
    sentinel_ports_.push_back(FreePort());
    sentinel_pids_.push_back(-1);
    StartSentinel(i);
  }
  // Ready when every Sentinel knows both replicas and enough peers to fail over.
  const absl::Time until = absl::Now() + absl::Seconds(30);
  for (int i = 0; i < 3; ++i) {
    while (true) {
      const std::string quorum = Cli(sentinel_ports_[i], absl::StrCat("SENTINEL CKQUORUM ", kMasterName));
      const std::string replicas = Cli(sentinel_ports_[i], absl::StrCat("SENTINEL REPLICAS ", kMasterName));
      int online = 0;
      for (int r = 1; r <= 2; ++r) online += ReplicaOnline(primary, servers_[r]->port());
      if (absl::StartsWith(quorum, "OK") && online == 2 &&
          absl::StrContains(replicas, std::to_string(servers_[1]->port())) &&
          absl::StrContains(replicas, std::to_string(servers_[2]->port()))) {
        break;
      }
      if (absl::Now() > until) {
        throw std::runtime_error(absl::StrCat("sentinels not ready: ", quorum, "; see ", dir_));
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
}

RedisHa::~RedisHa() {
  for (pid_t pid : sentinel_pids_) {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  servers_.clear();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisHa::url() const {
  std::string url = "sentinel://";
  for (size_t i = 0; i < sentinel_ports_.size(); ++i) {
    absl::StrAppend(&url, i ? "," : "", "127.0.0.1:", sentinel_ports_[i]);
  }
  return absl::StrCat(url, "/", kMasterName);
}

void RedisHa::StartSentinel(int i) {
  // Sentinel rewrites its configuration file (what it learnt): one per process.
  const std::string conf = absl::StrCat(dir_, "/sentinel-", i, ".conf");
  std::ofstream(conf) << "port " << sentinel_ports_[i] << "\n"
                      << "bind 127.0.0.1\n"
                      << "daemonize no\n"
                      << "dir " << dir_ << "\n"
                      << "logfile " << dir_ << "/sentinel-" << i << ".log\n"
                      << "sentinel monitor " << kMasterName << " 127.0.0.1 " << servers_[0]->port() << " 2\n"
                      << "sentinel down-after-milliseconds " << kMasterName << " " << options_.down_after_ms
                      << "\n"
                      << "sentinel failover-timeout " << kMasterName << " " << options_.failover_timeout_ms
                      << "\n"
                      << "sentinel parallel-syncs " << kMasterName << " 2\n";
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::execlp("redis-sentinel", "redis-sentinel", conf.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  sentinel_pids_[i] = pid;
  for (int t = 0; t < 200; ++t) {
    if (Cli(sentinel_ports_[i], "PING") == "PONG") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error(absl::StrCat("redis-sentinel did not start; see ", dir_, "/sentinel-", i, ".log"));
}

int RedisHa::MasterPort() const {
  for (int port : sentinel_ports_) {
    const std::string out = Cli(port, absl::StrCat("SENTINEL get-master-addr-by-name ", kMasterName));
    std::vector<std::string> lines = absl::StrSplit(out, '\n');
    int master = 0;
    if (lines.size() == 2 && absl::SimpleAtoi(absl::StripAsciiWhitespace(lines[1]), &master)) return master;
  }
  return -1;
}

int RedisHa::IndexOfPort(int port) const {
  for (size_t i = 0; i < servers_.size(); ++i) {
    if (servers_[i]->port() == port) return static_cast<int>(i);
  }
  return -1;
}

int RedisHa::KillMaster() {
  const int i = IndexOfPort(MasterPort());
  if (i < 0) throw std::runtime_error("no master to kill");
  servers_[i]->Kill();
  return i;
}

int RedisHa::WaitForNewMaster(int old_port, absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  while (absl::Now() < until) {
    const int port = MasterPort();
    if (port > 0 && port != old_port && absl::StartsWith(Cli(port, "ROLE"), "master")) return port;
    absl::SleepFor(absl::Milliseconds(50));
  }
  throw std::runtime_error("no new master elected in time; see " + dir_);
}

bool RedisHa::ReplicaOnline(int master_port, int replica_port) const {
  const std::string info = Cli(master_port, "INFO replication");
  for (absl::string_view line : absl::StrSplit(info, '\n')) {
    if (absl::StartsWith(line, "slave") && absl::StrContains(line, absl::StrCat("port=", replica_port, ",")) &&
        absl::StrContains(line, "state=online")) {
      return true;
    }
  }
  return false;
}

void RedisHa::Rejoin(int i, absl::Duration timeout) {
  const int master = MasterPort();
  if (master < 0) throw std::runtime_error("no master to rejoin");
  servers_[i]->set_extra_args({"--repl-diskless-sync-delay", "0", "--replicaof", "127.0.0.1", std::to_string(master)});
  servers_[i]->Start();
  const absl::Time until = absl::Now() + timeout;
  const std::string port = std::to_string(servers_[i]->port());
  while (absl::Now() < until) {
    bool seen = ReplicaOnline(master, servers_[i]->port());
    // Each Sentinel lists it as a replica not subjectively down.
    for (int s : sentinel_ports_) {
      const std::string replicas = Cli(s, absl::StrCat("SENTINEL REPLICAS ", kMasterName));
      std::vector<std::string> lines = absl::StrSplit(replicas, '\n');
      bool up = false;
      for (size_t l = 0; l + 1 < lines.size(); ++l) {
        if (lines[l] == "name" && absl::StrContains(lines[l + 1], ":" + port)) {
          for (size_t k = l; k + 1 < lines.size() && (k == l || lines[k] != "name"); ++k) {
            if (lines[k] == "flags") up = lines[k + 1] == "slave";
          }
        }
      }
      seen = seen && up;
    }
    if (seen) return;
    absl::SleepFor(absl::Milliseconds(100));
  }
  throw std::runtime_error(absl::StrCat("server ", i, " did not rejoin as a replica in time; see ", dir_));
}

}  // namespace hotline::testing
