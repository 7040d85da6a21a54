#include "redis/master_locator.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "log/log.h"

namespace hotline::redis::internal {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How long the thread listens on the subscription before looking at its
// flags again: also how soon Suspect() is acted on.
constexpr int kListenSliceMs = 50;

struct ContextDeleter {
  void operator()(redisContext* c) const {
    if (c != nullptr) redisFree(c);
  }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r != nullptr) freeReplyObject(r);
  }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

Context Connect(const std::pair<std::string, int>& at, absl::Duration timeout, std::string* error) {
  Context c(redisConnectWithTimeout(at.first.c_str(), at.second, absl::ToTimeval(timeout)));
  if (c == nullptr) {
    *error = "cannot allocate connection";
    return nullptr;
  }
  if (c->err != 0 || redisSetTimeout(c.get(), absl::ToTimeval(timeout)) != REDIS_OK) {
    *error = c->errstr;
    return nullptr;
  }
  return c;
}

std::string Str(const redisReply* r) {
  return r != nullptr && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
             ? std::string(r->str, r->len)
             : std::string();
}

}  // namespace

MasterLocator::MasterLocator(const Options& options) : options_(options) {
  if (!uses_sentinels()) {
    master_ = Master{options_.host, options_.port, 0};
    return;
  }
  // Asked once here, so the first command has a master to go to; bounded
  // by connect_timeout per Sentinel.
  Ask();
  thread_ = std::thread([this] { Run(); });
}

MasterLocator::~MasterLocator() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<MasterLocator::Master> MasterLocator::Current(std::string* why) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!master_) *why = absl::StrCat("no Redis master known for ", Describe(), ": ", why_);
  return master_;
}

void MasterLocator::Suspect() {
  if (!uses_sentinels()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    suspected_ = true;
  }
  wake_.notify_all();
}

std::string MasterLocator::Describe() const {
  if (!uses_sentinels()) return absl::StrCat(options_.host, ":", options_.port);
  std::vector<std::string> list;
  for (const auto& [host, port] : options_.sentinels) list.push_back(absl::StrCat(host, ":", port));
  return absl::StrCat("sentinel://", absl::StrJoin(list, ","), "/", options_.master_name);
}

void MasterLocator::Set(const std::string& host, int port) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (master_ && master_->host == host && master_->port == port) return;
    master_ = Master{host, port, generation_.load() + 1};
    generation_.store(master_->generation, std::memory_order_release);
  }
  log::Info("redis master located", {{"master", options_.master_name},
                                     {"address", absl::StrCat(host, ":", port)}});
}

bool MasterLocator::Ask() {
  std::vector<std::string> errors;
  for (const auto& sentinel : options_.sentinels) {
    const std::string at = absl::StrCat(sentinel.first, ":", sentinel.second);
    std::string error;
    Context c = Connect(sentinel, options_.connect_timeout, &error);
    if (c == nullptr) {
      errors.push_back(absl::StrCat(at, ": ", error));
      continue;
    }
    ReplyPtr r(static_cast<redisReply*>(redisCommand(c.get(), "SENTINEL get-master-addr-by-name %s",
                                                     options_.master_name.c_str())));
    if (r == nullptr) {
      errors.push_back(absl::StrCat(at, ": ", c->errstr));
      continue;
    }
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
      int port = 0;
      const std::string port_text = Str(r->element[1]);
      if (absl::SimpleAtoi(port_text, &port) && port > 0 && port < 65536) {
        Set(Str(r->element[0]), port);
        return true;
      }
    }
    errors.push_back(absl::StrCat(at, r->type == REDIS_REPLY_ERROR ? ": " + Str(r.get())
                                                                   : ": does not know the master"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  why_ = absl::StrJoin(errors, "; ");
  return false;
}

void MasterLocator::Run() {
  // A Sentinel that closed its socket must not kill the process with SIGPIPE.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  Context sub;  // subscribed to +switch-master on one Sentinel
  size_t next_sentinel = 0;
  auto next_ask = SteadyClock::now() + absl::ToChronoNanoseconds(options_.sentinel_poll);
  const auto poll_every = absl::ToChronoNanoseconds(options_.sentinel_poll);
  while (true) {
    bool ask = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      ask = suspected_ || SteadyClock::now() >= next_ask;
      suspected_ = false;
    }
    if (ask) {
      Ask();
      next_ask = SteadyClock::now() + poll_every;
    }
    if (sub == nullptr) {
      const auto& at = options_.sentinels[next_sentinel++ % options_.sentinels.size()];
      std::string error;
      sub = Connect(at, options_.connect_timeout, &error);
      if (sub != nullptr) {
        ReplyPtr r(static_cast<redisReply*>(redisCommand(sub.get(), "SUBSCRIBE +switch-master")));
        if (r == nullptr || r->type != REDIS_REPLY_ARRAY) sub.reset();
      }
    }
    if (sub == nullptr) {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(kListenSliceMs),
                     [this] { return stopping_ || suspected_; });
      continue;
    }
    pollfd p{.fd = sub->fd, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, kListenSliceMs) <= 0) continue;
    if (redisBufferRead(sub.get()) != REDIS_OK) {
      sub.reset();
      continue;
    }
    while (sub != nullptr) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(sub.get(), &raw) != REDIS_OK) {
        sub.reset();
        break;
      }
      if (raw == nullptr) break;
      ReplyPtr r(static_cast<redisReply*>(raw));
      // ["message", "+switch-master", "<name> <old ip> <old port> <new ip> <new port>"]
      if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || Str(r->element[0]) != "message") continue;
      std::vector<std::string> parts = absl::StrSplit(Str(r->element[2]), ' ');
      int port = 0;
      if (parts.size() == 5 && parts[0] == options_.master_name && absl::SimpleAtoi(parts[4], &port)) {
        log::Info("sentinel announced a failover",
                  {{"master", options_.master_name},
                   {"from", absl::StrCat(parts[1], ":", parts[2])},
                   {"to", absl::StrCat(parts[3], ":", parts[4])}});
        Set(parts[3], port);
      }
    }
  }
}

}  // namespace hotline::redis::internal
