#pragma once
// The hotline_redis_* Prometheus metrics of a Client. Internal to libs/redis.
// Without a registry every method is a no-op, so callers never check.
#include <cstddef>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace hotline::redis::internal {

// How a command ended; the values of the `result` label.
// kUnanswered: sent, then no reply (timeout, connection lost): it may have run.
enum class Result { kOk, kErrorReply, kUnavailable, kUnanswered, kRejected };

class ClientMetrics {
 public:
  // Registers the families in `registry` (may be null). Several clients on one
  // registry share the same series.
  explicit ClientMetrics(prometheus::Registry* registry);

  // `seconds` is from enqueue to the callback; not observed for kRejected.
  void CommandDone(Result result, double seconds);
  void BatchSent(size_t commands);
  void Reconnected();
  void QueueLength(size_t length);
  // A WAIT got fewer replicas than required.
  void WaitShort();

 private:
  prometheus::Counter* ok_ = nullptr;
  prometheus::Counter* error_reply_ = nullptr;
  prometheus::Counter* unavailable_ = nullptr;
  prometheus::Counter* unanswered_ = nullptr;
  prometheus::Counter* rejected_ = nullptr;
  prometheus::Histogram* duration_ = nullptr;
  prometheus::Histogram* pipeline_ = nullptr;
  prometheus::Counter* reconnects_ = nullptr;
  prometheus::Gauge* queue_length_ = nullptr;
  prometheus::Counter* wait_short_ = nullptr;
};

}  // namespace hotline::redis::internal
