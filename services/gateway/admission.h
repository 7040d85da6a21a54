#pragma once
// Admission control (issue 20, overload): a cap on the calls the gateway has
// in flight to its backends. A call over the cap is refused at once, before
// its token is checked or its request parsed (the cheapest refusal when the
// machine is the bottleneck): RESOURCE_EXHAUSTED "gateway at capacity" with a
// short google.rpc.RetryInfo (retry_later.h).
//
// Why refuse at once instead of letting a call wait for a slot: under
// sustained overload any wait queue is always full, so every admitted call
// would wait about the whole queue-time cap before its backend even saw it:
// the admitted calls' p99 would be the cap plus the backends' own p99, and
// the cap would have to be tiny to matter. Refusing at once keeps an
// admitted call's latency at what the backends take with at most `limit`
// calls in flight, which is near their unloaded latency when `limit` is
// about peak throughput x normal latency (Little's law) with some headroom;
// the caller that was refused learns it in microseconds and may retry. The
// price: a burst above the cap is refused although a few milliseconds of
// waiting would have served it, so the cap needs that headroom.
//
// Calls the gateway answers itself (WhoAmI), health checks and the big
// screen (another port) never take a slot. Server-streaming calls are exempt
// too: none is forwarded yet, and an open stream would hold a slot for its
// whole life while costing the backend per message, not per call; the first
// streaming RPC needs a cap of its own (a number of open streams).
// Thread-safe and lock-free.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <cstdint>
#include <optional>

#include "absl/time/time.h"

namespace hotline::gateway {

class Admission {
 public:
  // limit <= 0: no cap (every call admitted, still counted in flight).
  // `retry_after`: the delay a refused caller is told to wait (RetryInfo).
  // `metrics` (optional) gets hotline_gateway_in_flight,
  // hotline_gateway_in_flight_limit and hotline_gateway_shed_total{reason}.
  Admission(int limit, absl::Duration retry_after, prometheus::Registry* metrics = nullptr);
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;

  // One call in flight: its slot is given back when the ticket is destroyed.
  class Ticket {
   public:
    Ticket(Ticket&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    ~Ticket();

   private:
    friend class Admission;
    explicit Ticket(Admission* owner) : owner_(owner) {}
    Admission* owner_;
  };

  // A ticket when fewer than `limit` calls are in flight; else nullopt, and
  // the call counts as shed.
  std::optional<Ticket> TryEnter();

  int limit() const { return limit_; }
  absl::Duration retry_after() const { return retry_after_; }
  int in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  int64_t shed() const { return shed_.load(std::memory_order_relaxed); }

 private:
  void Leave();

  const int limit_;
  const absl::Duration retry_after_;
  std::atomic<int> in_flight_{0};
  std::atomic<int64_t> shed_{0};
  prometheus::Gauge* in_flight_gauge_ = nullptr;
  prometheus::Counter* shed_counter_ = nullptr;
};

}  // namespace hotline::gateway
