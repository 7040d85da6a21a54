#pragma once
// What runs the monitor in the service: the due-pass loop (a thread that
// settles what is due, several times a second) and the handler of order
// events for the "sla" consumer group (libs/stream).
#include <atomic>
#include <thread>

#include "absl/synchronization/mutex.h"

#include "sla/monitor.h"
#include "sla/sla_metrics.h"
#include "stream/consumer_group.h"

namespace hotline::sla {

// Settles the orders of each event batch (each order once per batch). Events
// the monitor wrote itself need nothing more (their write re-filed the order).
stream::BatchHandler EventHandler(Monitor& monitor);

class DueLoop {
 public:
  // A due pass of at most `batch` orders, repeated at once while passes find
  // work; then it sleeps until the earliest mark in the due set falls due, at
  // least kMinPassGap (so a busy due set is served in batches) and at most
  // `interval` (wall time; the bound for an idle set). A mark filed meanwhile
  // by this replica that falls due sooner wakes it early. `clock_rate` is the
  // city clock's speed (clock/scaled_clock.h): due moments are city time.
  // Every second the open-order gauges are refreshed from the store.
  // Registers itself as the monitor's OnFiled callback.
  DueLoop(Monitor& monitor, DeadlineStore& store, SlaMetrics& metrics, absl::Duration interval, int batch,
          double clock_rate = 1.0);
  ~DueLoop();  // Stop()
  void Start();
  void Stop();

  static constexpr absl::Duration kMinPassGap = absl::Milliseconds(10);

 private:
  void Run();
  // The wall time until the next pass, from how far ahead (city time) the
  // earliest mark is.
  absl::Duration Gap(absl::Duration until_due) const;
  void Wake(absl::Duration until_due);
  Monitor& monitor_;
  DeadlineStore& store_;
  SlaMetrics& metrics_;
  absl::Duration interval_;
  int batch_;
  double clock_rate_;
  absl::Mutex mu_;
  absl::CondVar woken_cv_;
  absl::Time wake_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();  // asked by Wake since the pass began
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace hotline::sla
