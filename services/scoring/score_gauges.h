#pragma once
// The month-to-date score and three rates of each district as Prometheus
// gauges (for the Grafana dashboard), refreshed by a thread every
// `interval`, and the count of facts records the consumer wrote. Labels:
// district (the 11 district codes), rate (response, resolution, satisfaction).
#include <atomic>
#include <set>
#include <string>
#include <thread>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "scoring/assessor.h"

namespace hotline::scoring {

class ScoreGauges {
 public:
  ScoreGauges(Assessor& assessor, prometheus::Registry& metrics, absl::Duration interval);
  ~ScoreGauges();  // Stop()
  void Start();
  void Stop();
  void FactsWritten(int n) { facts_written_.Increment(n); }
  // One refresh (also used by tests).
  absl::Status Refresh();

 private:
  Assessor& assessor_;
  absl::Duration interval_;
  std::set<std::string> open_districts_;  // on the last Refresh's screen
  prometheus::Family<prometheus::Gauge>& score_;
  prometheus::Family<prometheus::Gauge>& rate_;
  prometheus::Family<prometheus::Gauge>& open_;
  prometheus::Counter& facts_written_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace hotline::scoring
