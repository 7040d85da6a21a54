#include "gateway/admission.h"

namespace hotline::gateway {

Admission::Admission(int limit, absl::Duration retry_after, prometheus::Registry* metrics)
    : limit_(limit), retry_after_(retry_after) {
  if (metrics == nullptr) return;
  in_flight_gauge_ = &prometheus::BuildGauge()
                          .Name("hotline_gateway_in_flight")
                          .Help("Calls the gateway is forwarding to its backends now.")
                          .Register(*metrics)
                          .Add({});
  prometheus::BuildGauge()
      .Name("hotline_gateway_in_flight_limit")
      .Help("Most calls in flight to the backends (--max_in_flight); 0: no cap.")
      .Register(*metrics)
      .Add({})
      .Set(limit > 0 ? limit : 0);
  // One reason today; the label leaves room for others (a queue-time cap).
  shed_counter_ = &prometheus::BuildCounter()
                       .Name("hotline_gateway_shed_total")
                       .Help("Calls refused RESOURCE_EXHAUSTED because the gateway was at "
                             "capacity, by reason (in_flight: --max_in_flight calls were).")
                       .Register(*metrics)
                       .Add({{"reason", "in_flight"}});
}

std::optional<Admission::Ticket> Admission::TryEnter() {
  int now = in_flight_.load(std::memory_order_relaxed);
  do {
    if (limit_ > 0 && now >= limit_) {
      shed_.fetch_add(1, std::memory_order_relaxed);
      if (shed_counter_ != nullptr) shed_counter_->Increment();
      return std::nullopt;
    }
  } while (!in_flight_.compare_exchange_weak(now, now + 1, std::memory_order_acquire,
                                             std::memory_order_relaxed));
  if (in_flight_gauge_ != nullptr) in_flight_gauge_->Increment();
  return Ticket(this);
}

void Admission::Leave() {
  in_flight_.fetch_sub(1, std::memory_order_release);
  if (in_flight_gauge_ != nullptr) in_flight_gauge_->Decrement();
}

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->Leave();
    owner_ = other.owner_;
    other.owner_ = nullptr;
  }
  return *this;
}

Admission::Ticket::~Ticket() {
  if (owner_ != nullptr) owner_->Leave();
}

}  // namespace hotline::gateway
