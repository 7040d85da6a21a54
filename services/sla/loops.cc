#include "sla/loops.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "log/log.h"
#include "orders/order_event.h"

namespace hotline::sla {

stream::BatchHandler EventHandler(Monitor& monitor) {
  return [&monitor](const std::vector<stream::Entry>& entries) {
    std::vector<absl::Status> out(entries.size());
    absl::flat_hash_map<std::string, absl::Status> settled;  // order id -> outcome
    for (size_t i = 0; i < entries.size(); ++i) {
      absl::StatusOr<v1::OrderEvent> decoded = orders::DecodeOrderEvent(entries[i].fields);
      if (!decoded.ok()) {
        out[i] = decoded.status();  // retried, then parked in the dead letters for a human
        continue;
      }
      const std::string& event = decoded->event();
      const std::string& id = decoded->order_id();
      if (id.empty() || absl::StartsWith(event, "order.sla_") || absl::StartsWith(event, "order.extension_")) {
        out[i] = absl::FailedPreconditionError("nothing to do");
        continue;
      }
      auto it = settled.find(id);
      if (it == settled.end()) {
        absl::StatusOr<int> n = monitor.Settle(id);
        it = settled.emplace(id, n.status()).first;
      }
      out[i] = it->second;
    }
    return out;
  };
}

DueLoop::DueLoop(Monitor& monitor, DeadlineStore& store, SlaMetrics& metrics, absl::Duration interval,
                 int batch, double clock_rate)
    : monitor_(monitor), store_(store), metrics_(metrics), interval_(interval), batch_(batch),
      clock_rate_(clock_rate > 0 ? clock_rate : 1.0) {
  monitor_.OnFiled([this](absl::Duration until_due) { Wake(until_due); });
}

DueLoop::~DueLoop() { Stop(); }

void DueLoop::Start() {
  thread_ = std::thread([this] { Run(); });
}

void DueLoop::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    woken_cv_.Signal();
  }
  if (thread_.joinable()) thread_.join();
}

absl::Duration DueLoop::Gap(absl::Duration until_due) const {
  return std::clamp(until_due / clock_rate_, kMinPassGap, interval_);
}

void DueLoop::Wake(absl::Duration until_due) {
  absl::MutexLock lock(&mu_);
  const absl::Time at = absl::Now() + Gap(until_due);
  if (at < wake_at_) {
    wake_at_ = at;
    woken_cv_.Signal();
  }
}

void DueLoop::Run() {
  absl::Time next_gauges = absl::Now();
  while (!stop_) {
    {
      absl::MutexLock lock(&mu_);
      wake_at_ = absl::InfiniteFuture();
    }
    absl::StatusOr<int> fired = monitor_.DuePass(batch_);
    metrics_.PassDone();
    if (!fired.ok()) log::Warning("due pass failed", {{"error", fired.status().ToString()}});
    if (absl::Now() >= next_gauges) {
      if (auto counts = store_.CountByStatus(); counts.ok()) metrics_.SetOpen(*counts);
      if (auto counts = store_.CountByDistrict(); counts.ok()) metrics_.SetOpenByDistrict(*counts);
      if (auto gaps = store_.CountGaps(); gaps.ok()) metrics_.SetGaps(*gaps);
      next_gauges = absl::Now() + absl::Seconds(1);
    }
    // A pass that found work may have left more: go again at once.
    if (fired.ok() && *fired > 0) continue;
    absl::Duration gap = interval_;
    if (fired.ok()) {
      absl::StatusOr<std::optional<absl::Duration>> next = monitor_.UntilNextDue();
      if (next.ok() && next->has_value()) gap = Gap(**next);
    }
    absl::MutexLock lock(&mu_);
    const absl::Time planned = absl::Now() + gap;
    while (!stop_) {
      const absl::Time until = std::min(planned, wake_at_);
      if (absl::Now() >= until) break;
      woken_cv_.WaitWithDeadline(&mu_, until);
    }
  }
}

}  // namespace hotline::sla
