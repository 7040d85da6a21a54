#pragma once
// Runs one of our service binaries as a child process for a test, with its
// output in a log file, and probes it with grpc.health.v1.
#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace hotline::testing {

class ServiceProcess {
 public:
  // Starts `binary args...`; stdout and stderr go to `log_path`.
  ServiceProcess(std::string binary, std::vector<std::string> args, std::string log_path);
  ~ServiceProcess();  // Terminate()
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // SIGTERM, then waits up to `grace` before SIGKILL. Returns the exit status
  // as from waitpid (WIFEXITED / WEXITSTATUS), or -1 if it had to be killed.
  int Terminate(absl::Duration grace = absl::Seconds(15));
  bool Running();
  pid_t pid() const { return pid_; }
  std::string Log() const;

  // A hotline service started with --grpc_port=0 --metrics_port=0 picks free
  // ports itself and names them in its "serving" log line: waits for that line
  // and returns them. No race with other tests for a port picked in advance.
  // Throws (with the log) when the process exits or `timeout` passes first.
  struct Ports {
    int grpc = 0;
    int metrics = 0;
  };
  Ports WaitForServingPorts(absl::Duration timeout);

 private:
  std::string log_path_;
  pid_t pid_ = -1;
};

// Polls grpc.health.v1.Health/Check on `address` (service "" = the server)
// until it answers SERVING or `timeout` passes.
bool WaitForServing(const std::string& address, absl::Duration timeout,
                    const std::string& service = "");
// One health check: "SERVING", "NOT_SERVING", ... or the RPC error.
std::string HealthStatus(const std::string& address, const std::string& service = "");

// GET http://127.0.0.1:port/path over a plain socket; the body, or "" on failure.
std::string HttpGet(int port, const std::string& path);
// The calls a server started of a method, summed over its label sets
// (hotline_grpc_server_started_total on its /metrics); 0 when unreachable.
double StartedCalls(int metrics_port, const std::string& method);

// Runs `command` with /bin/sh, stderr joined to stdout.
struct ShellResult {
  int exit_code = -1;  // -1 if it did not exit normally
  std::string output;
};
ShellResult RunShell(const std::string& command);

}  // namespace hotline::testing
