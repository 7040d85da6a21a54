#pragma once
// Runs a real redis-server for a test: on a free loopback port, with its data
// in a fresh temporary directory (append-only file on), never the default port.
// Stop() and Start() let a test take Redis away and bring it back on the same
// port with the same data. The destructor stops it and removes the directory.
#include <string>
#include <utility>
#include <vector>
#include <sys/types.h>

namespace hotline::testing {

class RedisServer {
 public:
  struct Options {
    std::string appendfsync = "everysec";  // "always" for durability tests
    // More redis-server arguments (e.g. {"--replicaof", "127.0.0.1", "6380"}).
    std::vector<std::string> extra_args = {};
  };
  RedisServer();  // starts it; throws std::runtime_error if it does not come up
  explicit RedisServer(Options options);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  void Stop();   // SIGTERM and wait for exit
  void Kill();   // SIGKILL and wait: a crash
  void Start();  // same port, same directory; waits until it answers PING
  // Start() with other extra arguments from now on.
  void set_extra_args(std::vector<std::string> args) { options_.extra_args = std::move(args); }
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  std::string address() const;  // "127.0.0.1:<port>"
  const std::string& dir() const { return dir_; }

 private:
  Options options_;
  int port_ = 0;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace hotline::testing
