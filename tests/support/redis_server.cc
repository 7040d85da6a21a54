#include "support/redis_server.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/free_port.h"

namespace hotline::testing {
namespace {

// True once redis-cli gets PONG from the port.
bool Pings(int port) {
  std::string cmd = "redis-cli -p " + std::to_string(port) + " ping 2>/dev/null | grep -q PONG";
  return std::system(cmd.c_str()) == 0;
}

void WaitForExit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

RedisServer::RedisServer() : RedisServer(Options{}) {}

RedisServer::RedisServer(Options options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/hotline-redis-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  port_ = FreePort();
  Start();
}

RedisServer::~RedisServer() {
  if (pid_ > 0) Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::address() const { return "127.0.0.1:" + std::to_string(port_); }

void RedisServer::Start() {
  if (pid_ > 0) throw std::runtime_error("redis-server already running");
  std::vector<std::string> args = {
      "redis-server",  "--port",       std::to_string(port_), "--bind",    "127.0.0.1",
      "--dir",         dir_,           "--appendonly",        "yes",       "--appendfsync",
      options_.appendfsync,            "--save",              "",          "--daemonize",
      "no",            "--logfile",    dir_ + "/redis.log",   "--protected-mode", "no"};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // If the test process dies (a crash, a timeout's SIGKILL), so does this
    // server: no orphans holding ports and CPU on a CI machine.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp("redis-server", argv.data());
    ::_exit(127);
  }
  for (int i = 0; i < 200; ++i) {  // up to 10 s
    if (Pings(port_)) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis-server exited at start; see " + dir_ + "/redis.log");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("redis-server did not answer PING on port " + std::to_string(port_));
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  WaitForExit(pid_);
  pid_ = -1;
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  WaitForExit(pid_);
  pid_ = -1;
}

}  // namespace hotline::testing
