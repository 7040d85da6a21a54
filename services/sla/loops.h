#pragma once
// What runs the monitor in the service: the due-pass loop (a thread that
// settles what is due, several times a second) and the handler of order
// events for the "sla" consumer group (libs/stream).
#include <atomic>
#include <thread>

#include "sla/monitor.h"
#include "sla/sla_metrics.h"
#include "stream/consumer_group.h"

namespace hotline::sla {

// Settles the orders of each event batch (each order once per batch). Events
// the monitor wrote itself need nothing more (their write re-filed the order).
stream::BatchHandler EventHandler(Monitor& monitor);

class DueLoop {
 public:
  // Every `interval` (wall time): a due pass of at most `batch` orders,
  // repeated at once while passes come back full; every second the open-order
  // gauges are refreshed from the store.
  DueLoop(Monitor& monitor, DeadlineStore& store, SlaMetrics& metrics, absl::Duration interval, int batch);
  ~DueLoop();  // Stop()
  void Start();
  void Stop();

 private:
  void Run();
  Monitor& monitor_;
  DeadlineStore& store_;
  SlaMetrics& metrics_;
  absl::Duration interval_;
  int batch_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace hotline::sla
