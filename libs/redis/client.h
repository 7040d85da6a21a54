#pragma once
// A Redis client on hiredis, built for many commands in flight.
//
// A Client owns a pool of connections, one worker thread each. Callers queue
// commands; each worker takes whatever is queued (up to max_pipeline commands),
// writes them in one pipelined batch, reads the replies and runs the callbacks.
// Under load many commands therefore share one round trip and, with
// `appendfsync always`, one fsync of the append-only file.
//
// Failures: while Redis cannot be reached every command fails fast with
// UNAVAILABLE (it was not sent: a retry is safe); workers reconnect by
// themselves (with a bounded backoff) and the client works again once Redis is
// back. A command that was sent and got no reply within command_timeout fails
// with DEADLINE_EXCEEDED, one whose connection broke after it was sent with
// UNKNOWN: either may have run, and the message says so; writes that a caller
// retries must be idempotent (scripts take idempotency keys). The connection
// is dropped then (replies are positional, so a connection with a lost reply
// cannot be trusted). A
// connection Redis closed while it was idle (a restart) is noticed before it is
// used and replaced, so that costs no command.
//
// Scripts: SubmitScript sends EVALSHA; when Redis answers NOSCRIPT (it was
// restarted or flushed its script cache) the worker re-sends the script with
// EVAL, which also re-loads it, and the caller never sees the NOSCRIPT error.
//
// Sentinel (high availability): when Options::sentinels is set, host/port are
// not used. The client asks the Sentinels for the master of
// Options::master_name (SENTINEL get-master-addr-by-name, every sentinel in
// turn), follows +switch-master on a subscription to one of them, and asks
// again every second and at once when a connection finds trouble. Every new
// connection checks ROLE and is dropped unless the server says "master", so
// the client never writes to a replica. A READONLY reply or a broken
// connection also makes it ask again. While no master is known (no Sentinel
// answers, or the one named is down) commands fail at once with UNAVAILABLE;
// they are never queued waiting for a failover.
//
// Replication before acknowledgement: with Options::wait_replicas > 0, every
// batch that holds a script is followed by WAIT <wait_replicas> <wait_timeout>
// on the same connection, and the scripts' replies are delivered only once
// WAIT has answered. WAIT counts the replicas that have everything this
// connection wrote, so one WAIT covers the whole batch. When fewer replicas
// confirm in time, each script that did not fail gets UNAVAILABLE saying so:
// the write ran on the master and may or may not survive a failover; it is not
// acknowledged, and a retry must carry the same idempotency key. Plain
// commands (XACK, reads) are not waited for: consumers are idempotent, so a
// lost acknowledgement only means an event is delivered again.
//
// Thread-safety: all methods may be called from any thread. Callbacks run on a
// worker thread and must not block for long (they delay that connection).
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace prometheus {
class Registry;
}

namespace hotline::redis {

// One reply, copied out of hiredis into an owning value.
struct Reply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kNil;
  long long integer = 0;
  std::string str;              // kString, kStatus, kError
  std::vector<Reply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }
};

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  int connections = 8;    // pool size; one worker thread each
  int max_pipeline = 64;  // most commands one worker writes in one batch
  absl::Duration connect_timeout = absl::Milliseconds(500);
  absl::Duration command_timeout = absl::Seconds(2);
  absl::Duration max_reconnect_backoff = absl::Milliseconds(500);
  size_t max_queue = 100000;  // more queued commands fail RESOURCE_EXHAUSTED
  // Sent with AUTH on every new connection when not empty (requirepass).
  std::string password = "";
  // High availability (see above): Sentinels (host, port) to ask for the
  // master named master_name. Empty: talk to host:port.
  std::vector<std::pair<std::string, int>> sentinels = {};
  std::string master_name = "";
  // How often the Sentinels are asked even without a reason.
  absl::Duration sentinel_poll = absl::Seconds(1);
  // WAIT after scripts: replicas that must confirm before a script's reply is
  // delivered (0: no WAIT), and how long WAIT may block. Keep wait_timeout
  // well below command_timeout.
  int wait_replicas = 0;
  absl::Duration wait_timeout = absl::Milliseconds(500);
};

// Where to find Redis, as the --redis flag says it: "host:port", or
// "sentinel://h1:p1,h2:p2,h3:p3/mastername" (the Sentinels to ask for the
// master of that name).
struct Target {
  std::string host;  // host:port form
  int port = 0;
  std::vector<std::pair<std::string, int>> sentinels;  // sentinel:// form
  std::string master_name;
};
// INVALID_ARGUMENT naming what is wrong.
absl::StatusOr<Target> ParseTarget(std::string_view text);

// Parses "host:port" (port 1..65535). INVALID_ARGUMENT otherwise.
absl::StatusOr<std::pair<std::string, int>> ParseAddress(std::string_view address);

// A Lua script and its SHA-1, computed once. Must outlive the commands that use it.
class Script {
 public:
  explicit Script(std::string_view body);
  const std::string& body() const { return body_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string body_;
  std::string sha1_;  // lowercase hex
};

using Command = std::vector<std::string>;
// Receives the reply (a Redis error reply is a Reply of type kError, not a
// Status), or UNAVAILABLE (not sent: Redis unreachable, client shutting down,
// waited in the queue too long), DEADLINE_EXCEEDED / UNKNOWN (sent, no reply:
// may have run) or RESOURCE_EXHAUSTED (queue full). Called exactly once.
using Callback = absl::AnyInvocable<void(absl::StatusOr<Reply>)>;

class Client {
 public:
  // Starts the workers; they connect lazily, so Redis may still be down. When
  // `metrics` is given, registers hotline_redis_* metrics there.
  explicit Client(Options options, prometheus::Registry* metrics = nullptr);
  // Fails what is still queued with UNAVAILABLE and joins the workers.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void Submit(Command command, Callback done);
  void SubmitScript(const Script& script, std::vector<std::string> keys,
                    std::vector<std::string> args, Callback done);

  // Blocking forms of the above, for start-up code, tools and tests.
  absl::StatusOr<Reply> Execute(Command command);
  absl::StatusOr<Reply> ExecuteScript(const Script& script, std::vector<std::string> keys,
                                      std::vector<std::string> args);

  const Options& options() const { return options_; }

 private:
  class Impl;
  Options options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hotline::redis
