#include "redis/client.h"

#include <hiredis/hiredis.h>
#include <hiredis/sds.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "log/log.h"
#include "redis/master_locator.h"
#include "redis/metrics.h"

namespace hotline::redis {
namespace {

using SteadyClock = std::chrono::steady_clock;
using internal::Result;

constexpr absl::Duration kInitialBackoff = absl::Milliseconds(10);
// Said of commands that were sent and got no answer.
constexpr char kMayHaveRun[] =
    "; the command was sent and may have been applied: retry only with the same idempotency key";

// One queued command.
struct Pending {
  Command argv;
  // Set for SubmitScript: argv is EVALSHA <sha1> ..., re-sent as EVAL on NOSCRIPT.
  const Script* script = nullptr;
  // A script re-sent as EVAL: still waited for.
  bool waits = false;
  Callback done;
  SteadyClock::time_point enqueued;
};

Reply ToReply(const redisReply& r) {
  Reply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r.elements);
      for (size_t i = 0; i < r.elements; ++i) out.elements.push_back(ToReply(*r.element[i]));
      break;
    default:  // REDIS_REPLY_NIL, and the null array
      break;
  }
  return out;
}

// Values are binary: pass explicit lengths, never rely on NUL termination.
bool Append(redisContext* c, const Command& argv) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const std::string& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  return redisAppendCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data()) ==
         REDIS_OK;
}

// hiredis writes with write(2); a peer that closed the socket would raise
// SIGPIPE and kill the process. Blocked here, write just fails with EPIPE.
void BlockSigpipeInThisThread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// A worker's connection: connects lazily, at most once per backoff interval.
// Used by one thread only.
// Whether this client can reach Redis, as its connections find out; logs the
// changes only (a line when Redis becomes unreachable and one when it is back,
// not one per failed command or connection). Thread-safe.
class Reachability {
 public:
  explicit Reachability(const internal::MasterLocator& locator) : address_(locator.Describe()) {}
  void Failed(const std::string& error) {
    if (!down_.exchange(true)) {
      log::Warning("redis unreachable; commands fail until it is back",
                   {{"redis", address_}, {"error", error}});
    }
  }
  void Connected() {
    if (down_.exchange(false)) log::Info("redis reachable again", {{"redis", address_}});
  }

 private:
  const std::string address_;
  std::atomic<bool> down_{false};
};

class Connection {
 public:
  Connection(const Options& options, internal::ClientMetrics& metrics, Reachability& reachability,
             internal::MasterLocator& locator)
      : options_(options),
        metrics_(metrics),
        reachability_(reachability),
        locator_(locator),
        prefix_(absl::StrCat("redis ", locator.Describe(), ": ")),
        backoff_(std::min(kInitialBackoff, options.max_reconnect_backoff)) {}
  ~Connection() { Close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The live context, or null with *error set when not connected and either the
  // backoff forbids a new attempt or the attempt failed.
  redisContext* Get(std::string* error) {
    if (locator_.generation() != generation_) {
      // The Sentinels named another master: leave the old one, at once.
      Close();
      next_attempt_ = {};
      backoff_ = std::min(kInitialBackoff, options_.max_reconnect_backoff);
      generation_ = locator_.generation();
    }
    if (ctx_ != nullptr && !PeerClosed()) return ctx_;
    if (ctx_ != nullptr) {
      // Closed by the server: a restart, or Sentinel demoting it (it kills
      // the clients of a master it turns into a replica).
      Close();
      locator_.Suspect();
    }
    const auto now = SteadyClock::now();
    if (now < next_attempt_) {
      *error = last_error_;
      return nullptr;
    }
    std::string why;
    std::optional<internal::MasterLocator::Master> master = locator_.Current(&why);
    if (!master) {
      // Nothing to connect to: fail fast, and look again soon.
      last_error_ = absl::StrCat("redis: ", why);
      reachability_.Failed(last_error_);
      *error = last_error_;
      next_attempt_ = now + absl::ToChronoNanoseconds(kInitialBackoff);
      return nullptr;
    }
    generation_ = master->generation;
    if (locator_.uses_sentinels()) {
      prefix_ = absl::StrCat("redis master ", options_.master_name, " at ", master->host, ":", master->port, ": ");
    }
    ctx_ = redisConnectWithTimeout(master->host.c_str(), master->port,
                                   absl::ToTimeval(options_.connect_timeout));
    std::string reason;
    if (ctx_ == nullptr) {
      reason = "cannot allocate connection";
    } else if (ctx_->err != 0) {
      reason = ctx_->errstr;
    } else if (redisSetTimeout(ctx_, absl::ToTimeval(options_.command_timeout)) != REDIS_OK) {
      reason = absl::StrCat("cannot set timeout: ", ctx_->errstr);
    } else if (!options_.password.empty()) {
      reason = Authenticate();
    }
    if (reason.empty() && locator_.uses_sentinels()) reason = CheckRole();
    if (!reason.empty()) {
      Close();
      locator_.Suspect();
      last_error_ = absl::StrCat(prefix_, reason);
      reachability_.Failed(last_error_);
      *error = last_error_;
      next_attempt_ = now + absl::ToChronoNanoseconds(backoff_);
      backoff_ = std::min(backoff_ * 2, options_.max_reconnect_backoff);
      return nullptr;
    }
    // Dead peers behind a silent network are found without a command waiting.
    redisEnableKeepAlive(ctx_);
    if (was_connected_) metrics_.Reconnected();
    reachability_.Connected();
    was_connected_ = true;
    backoff_ = std::min(kInitialBackoff, options_.max_reconnect_backoff);
    return ctx_;
  }

  // AUTH with the configured password on the fresh context; "" when
  // accepted, else why (never the password).
  std::string Authenticate() {
    auto* reply = static_cast<redisReply*>(redisCommand(
        ctx_, "AUTH %b", options_.password.data(), options_.password.size()));
    if (reply == nullptr) return absl::StrCat("AUTH: ", ctx_->errstr);
    std::string why;
    if (reply->type == REDIS_REPLY_ERROR) why = absl::StrCat("AUTH refused: ", reply->str);
    freeReplyObject(reply);
    return why;
  }

  // "" when the server says it is a master, else why. A Sentinel's answer may
  // be stale (a failover under way, a replica that was just promoted or
  // demoted): only a master is written to.
  std::string CheckRole() {
    auto* reply = static_cast<redisReply*>(redisCommand(ctx_, "ROLE"));
    if (reply == nullptr) return absl::StrCat("ROLE: ", ctx_->errstr);
    std::string why;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0 ||
        reply->element[0]->type != REDIS_REPLY_STRING) {
      why = "ROLE: unexpected reply";
    } else if (std::string role(reply->element[0]->str, reply->element[0]->len); role != "master") {
      why = absl::StrCat("is a ", role, ", not the master (not written to)");
    }
    freeReplyObject(reply);
    return why;
  }

  // A reply or an I/O error says the master is not where we thought.
  void Suspect() { locator_.Suspect(); }

  // True when the I/O error on the live context is the command timeout.
  bool TimedOut(int saved_errno) const {
    return ctx_->err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK);
  }

  // The message for the I/O error on the live context.
  std::string IoError(int saved_errno) const {
    if (TimedOut(saved_errno)) {
      return absl::StrCat(prefix_, "no reply within ",
                          absl::FormatDuration(options_.command_timeout));
    }
    return absl::StrCat(prefix_, ctx_->errstr);
  }

  // True when the idle connection can no longer be used: Redis closed it (it
  // restarted, or dropped an idle client) or something unasked-for is waiting
  // on it. Checked before each batch with a non-blocking peek, so a restart
  // while the client was idle costs no failed command.
  bool PeerClosed() const {
    char byte;
    const ssize_t n = ::recv(ctx_->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }

  // Drops the connection; the next Get() reconnects at once.
  void Close() {
    if (ctx_ != nullptr) redisFree(ctx_);
    ctx_ = nullptr;
  }

  const std::string& prefix() const { return prefix_; }

 private:
  const Options& options_;
  internal::ClientMetrics& metrics_;
  Reachability& reachability_;
  internal::MasterLocator& locator_;
  std::string prefix_;
  uint64_t generation_ = 0;
  redisContext* ctx_ = nullptr;
  bool was_connected_ = false;
  absl::Duration backoff_;
  SteadyClock::time_point next_attempt_{};
  std::string last_error_;
};

}  // namespace

class Client::Impl {
 public:
  Impl(const Options& options, prometheus::Registry* registry)
      : options_(options),
        metrics_(registry),
        command_timeout_(absl::ToChronoNanoseconds(options.command_timeout)) {
    workers_.reserve(options_.connections);
    for (int i = 0; i < options_.connections; ++i) {
      workers_.emplace_back([this] { WorkerLoop(); });
    }
  }

  ~Impl() {
    std::deque<Pending> left;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      left.swap(queue_);
      metrics_.QueueLength(0);
    }
    work_.notify_all();
    for (Pending& p : left) {
      Deliver(p, absl::UnavailableError("redis client shutting down"));
    }
    for (std::thread& t : workers_) t.join();
  }

  void Enqueue(Pending p) {
    p.enqueued = SteadyClock::now();
    absl::Status refused;
    if (p.argv.empty()) {
      // Redis answers nothing to an empty command: the replies would shift.
      Deliver(p, absl::InvalidArgumentError("redis: empty command"));
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        refused = absl::UnavailableError("redis client shutting down");
      } else if (queue_.size() >= options_.max_queue) {
        refused = absl::ResourceExhaustedError(
            absl::StrCat("redis queue full (", options_.max_queue, " commands)"));
      } else {
        queue_.push_back(std::move(p));
        metrics_.QueueLength(queue_.size());
      }
    }
    if (refused.ok()) {
      work_.notify_one();
      return;
    }
    Deliver(p, std::move(refused));
  }

 private:
  void WorkerLoop() {
    BlockSigpipeInThisThread();
    Connection conn(options_, metrics_, reachability_, locator_);
    std::vector<Pending> batch;
    batch.reserve(options_.max_pipeline);
    while (true) {
      batch.clear();
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        // The destructor empties the queue when it sets stopping_.
        if (queue_.empty()) return;
        const size_t n = std::min(queue_.size(), static_cast<size_t>(options_.max_pipeline));
        for (size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        metrics_.QueueLength(queue_.size());
      }
      RunBatch(conn, batch);
    }
  }

  // Writes the batch in one go, then reads the replies in order. Every command
  // of the batch gets its callback before this returns.
  void RunBatch(Connection& conn, std::vector<Pending>& batch) {
    // A command that already waited a whole timeout in the queue has a caller
    // that would time out anyway; not sending it keeps the outcome certain.
    const auto now = SteadyClock::now();
    std::deque<Pending*> expected;  // commands whose reply is next, in order
    for (Pending& p : batch) {
      if (now - p.enqueued >= command_timeout_) {
        Deliver(p, absl::UnavailableError(
                       absl::StrCat(conn.prefix(), "command waited in the queue longer than ",
                                    absl::FormatDuration(options_.command_timeout))));
      } else {
        expected.push_back(&p);
      }
    }
    if (expected.empty()) return;

    std::string error;
    redisContext* c = conn.Get(&error);
    if (c == nullptr) {
      FailAll(expected, error);
      return;
    }
    // With wait_replicas, scripts are followed by one WAIT (a null entry in
    // `expected`): their replies are held until it answers.
    const bool wait = options_.wait_replicas > 0;
    bool any_script = false;
    for (Pending* p : expected) {
      any_script = any_script || p->script != nullptr;
      if (!Append(c, p->argv)) {  // out of memory: nothing sensible to salvage
        FailAll(expected, absl::StrCat(conn.prefix(), "cannot buffer command"));
        conn.Close();
        return;
      }
    }
    if (wait && any_script) {
      if (!Append(c, WaitCommand())) {
        FailAll(expected, absl::StrCat(conn.prefix(), "cannot buffer command"));
        conn.Close();
        return;
      }
      expected.push_back(nullptr);
    }
    metrics_.BatchSent(expected.size());

    // Write the whole batch before reading. A write failure while nothing
    // has left the buffer means nothing was sent: UNAVAILABLE, a plain retry
    // is safe. Once bytes have gone, Redis may have run some of the batch.
    const size_t unsent_before = sdslen(c->obuf);
    for (int written = 0; !written;) {
      if (redisBufferWrite(c, &written) != REDIS_OK) {
        error = conn.IoError(errno);
        const bool nothing_sent = sdslen(c->obuf) == unsent_before;
        conn.Close();
        conn.Suspect();
        if (nothing_sent) {
          FailAll(expected, absl::UnavailableError(error));
        } else {
          FailAll(expected, absl::UnknownError(absl::StrCat(error, kMayHaveRun)));
        }
        return;
      }
    }
    // Scripts that answered, waiting for the WAIT after them.
    std::vector<std::pair<Pending*, Reply>> held;
    bool readonly = false;
    while (!expected.empty()) {
      void* raw = nullptr;
      if (redisGetReply(c, &raw) != REDIS_OK) {
        const bool timed_out = conn.TimedOut(errno);
        error = conn.IoError(errno);
        // Later replies would be matched to the wrong commands: drop the link.
        conn.Close();
        conn.Suspect();
        // Sent and unanswered: the caller must not assume it did not happen.
        for (auto& [p, reply] : held) expected.push_back(p);
        const std::string message = absl::StrCat(error, kMayHaveRun);
        FailAll(expected, timed_out ? absl::DeadlineExceededError(message)
                                    : absl::UnknownError(message));
        return;
      }
      Pending* p = expected.front();
      expected.pop_front();
      Reply reply = ToReply(*static_cast<redisReply*>(raw));
      freeReplyObject(raw);
      if (p == nullptr) {  // the WAIT
        ReleaseHeld(held, reply, conn);
        continue;
      }
      if (reply.is_error() && absl::StartsWith(reply.str, "READONLY")) readonly = true;
      if (p->script != nullptr && reply.is_error() && absl::StartsWith(reply.str, "NOSCRIPT")) {
        // EVAL runs and caches the script; its reply comes after the rest of
        // the batch, so the command goes to the back of the line (with a
        // WAIT of its own behind it).
        p->argv[0] = "EVAL";
        p->argv[1] = p->script->body();
        p->script = nullptr;
        expected.push_back(p);
        bool buffered = Append(c, p->argv);
        if (buffered && wait) {
          buffered = Append(c, WaitCommand());
          expected.push_back(nullptr);
          p->waits = true;
        }
        if (!buffered) {
          for (auto& [q, r] : held) expected.push_back(q);
          FailAll(expected, absl::StrCat(conn.prefix(), "cannot buffer command"));
          conn.Close();
          return;
        }
        continue;
      }
      if (wait && (p->script != nullptr || p->waits)) {
        held.emplace_back(p, std::move(reply));
        continue;
      }
      Deliver(*p, std::move(reply));
    }
    if (readonly) {
      // Written to a replica: this server was demoted. Find the master again.
      conn.Close();
      conn.Suspect();
    }
  }

  // WAIT <replicas> <timeout ms>.
  Command WaitCommand() const {
    return {"WAIT", std::to_string(options_.wait_replicas),
            std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(options_.wait_timeout)))};
  }

  // Delivers the held script replies once WAIT answered: as they are when
  // enough replicas confirmed (or the script failed, so wrote nothing to
  // confirm), else UNAVAILABLE.
  void ReleaseHeld(std::vector<std::pair<Pending*, Reply>>& held, const Reply& wait, Connection& conn) {
    const long long confirmed = wait.type == Reply::Type::kInteger ? wait.integer : -1;
    const bool enough = confirmed >= options_.wait_replicas;
    if (!enough) metrics_.WaitShort();
    for (auto& [p, reply] : held) {
      if (enough || reply.is_error()) {
        Deliver(*p, std::move(reply));
        continue;
      }
      Deliver(*p, absl::UnavailableError(absl::StrCat(
                      conn.prefix(), "written on the master but confirmed by ",
                      confirmed < 0 ? std::string("no") : std::to_string(confirmed), " of the ",
                      options_.wait_replicas, " replica(s) required within ",
                      absl::FormatDuration(options_.wait_timeout),
                      wait.is_error() ? absl::StrCat(" (", wait.str, ")") : std::string(),
                      ": not acknowledged; it may or may not survive a failover; retry only with "
                      "the same idempotency key")));
    }
    held.clear();
  }

  void FailAll(std::deque<Pending*>& commands, const std::string& error) {
    FailAll(commands, absl::UnavailableError(error));
  }
  void FailAll(std::deque<Pending*>& commands, const absl::Status& status) {
    for (Pending* p : commands) {
      if (p != nullptr) Deliver(*p, status);  // null: a WAIT
    }
    commands.clear();
  }

  // Records the outcome and runs the callback (never under mu_).
  void Deliver(Pending& p, absl::StatusOr<Reply> result) {
    Result kind = Result::kOk;
    if (!result.ok()) {
      const absl::Status& st = result.status();
      kind = absl::IsUnavailable(st)                                    ? Result::kUnavailable
             : absl::IsDeadlineExceeded(st) || absl::IsUnknown(st) ? Result::kUnanswered
                                                                    : Result::kRejected;
    } else if (result->is_error()) {
      kind = Result::kErrorReply;
    }
    metrics_.CommandDone(kind,
                         std::chrono::duration<double>(SteadyClock::now() - p.enqueued).count());
    Callback done = std::move(p.done);
    if (done) done(std::move(result));
  }

  const Options& options_;
  internal::ClientMetrics metrics_;
  internal::MasterLocator locator_{options_};
  Reachability reachability_{locator_};
  const SteadyClock::duration command_timeout_;

  // std::mutex rather than absl::Mutex: Debian's abseil is not built for
  // ThreadSanitizer, which then cannot see absl::Mutex's ordering.
  std::mutex mu_;
  std::condition_variable work_;  // queue_ non-empty or stopping_
  std::deque<Pending> queue_;     // guarded by mu_
  bool stopping_ = false;         // guarded by mu_

  std::vector<std::thread> workers_;  // last: started once the rest exists
};

Client::Client(Options options, prometheus::Registry* metrics) : options_(std::move(options)) {
  // Nonsense sizes would leave the client without workers or unable to send.
  options_.connections = std::max(options_.connections, 1);
  options_.max_pipeline = std::max(options_.max_pipeline, 1);
  impl_ = std::make_unique<Impl>(options_, metrics);
}

Client::~Client() = default;

void Client::Submit(Command command, Callback done) {
  Pending p;
  p.argv = std::move(command);
  p.done = std::move(done);
  impl_->Enqueue(std::move(p));
}

void Client::SubmitScript(const Script& script, std::vector<std::string> keys,
                          std::vector<std::string> args, Callback done) {
  Pending p;
  p.argv.reserve(3 + keys.size() + args.size());
  p.argv.push_back("EVALSHA");
  p.argv.push_back(script.sha1());
  p.argv.push_back(std::to_string(keys.size()));
  for (std::string& k : keys) p.argv.push_back(std::move(k));
  for (std::string& a : args) p.argv.push_back(std::move(a));
  p.script = &script;
  p.done = std::move(done);
  impl_->Enqueue(std::move(p));
}

absl::StatusOr<Reply> Client::Execute(Command command) {
  std::promise<absl::StatusOr<Reply>> result;
  std::future<absl::StatusOr<Reply>> future = result.get_future();
  Submit(std::move(command),
         [&result](absl::StatusOr<Reply> r) { result.set_value(std::move(r)); });
  return future.get();
}

absl::StatusOr<Reply> Client::ExecuteScript(const Script& script, std::vector<std::string> keys,
                                            std::vector<std::string> args) {
  std::promise<absl::StatusOr<Reply>> result;
  std::future<absl::StatusOr<Reply>> future = result.get_future();
  SubmitScript(script, std::move(keys), std::move(args),
               [&result](absl::StatusOr<Reply> r) { result.set_value(std::move(r)); });
  return future.get();
}

}  // namespace hotline::redis
