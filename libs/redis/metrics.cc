#include "redis/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdio>
#include <exception>

namespace hotline::redis::internal {

ClientMetrics::ClientMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  // Registration throws only on a name clash with a different metric type, a
  // programming error; the client then works without metrics rather than throw.
  try {
    auto& commands = prometheus::BuildCounter()
                         .Name("hotline_redis_commands_total")
                         .Help(
                             "Redis commands finished, by result: ok, error_reply (Redis "
                             "answered an error), unavailable (not sent: unreachable, "
                             "shutdown, waited too long), unanswered (sent, then timeout or "
                             "connection lost: may have run), rejected (queue full, empty "
                             "command)")
                         .Register(*registry);
    ok_ = &commands.Add({{"result", "ok"}});
    error_reply_ = &commands.Add({{"result", "error_reply"}});
    unavailable_ = &commands.Add({{"result", "unavailable"}});
    unanswered_ = &commands.Add({{"result", "unanswered"}});
    rejected_ = &commands.Add({{"result", "rejected"}});
    duration_ = &prometheus::BuildHistogram()
                     .Name("hotline_redis_command_duration_seconds")
                     .Help("Time from queueing a Redis command to its callback")
                     .Register(*registry)
                     .Add({}, prometheus::Histogram::BucketBoundaries{
                                  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                  0.1, 0.25, 0.5, 1, 2.5});
    pipeline_ = &prometheus::BuildHistogram()
                     .Name("hotline_redis_pipeline_commands")
                     .Help("Commands written to Redis in one pipelined batch")
                     .Register(*registry)
                     .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128});
    reconnects_ = &prometheus::BuildCounter()
                       .Name("hotline_redis_reconnects_total")
                       .Help("Redis connections re-established after one was lost")
                       .Register(*registry)
                       .Add({});
    wait_short_ = &prometheus::BuildCounter()
                       .Name("hotline_redis_wait_short_total")
                       .Help("WAITs after scripts that fewer replicas confirmed than required "
                             "(--redis_wait_replicas): the scripts' writes were not acknowledged")
                       .Register(*registry)
                       .Add({});
    queue_length_ = &prometheus::BuildGauge()
                         .Name("hotline_redis_queue_length")
                         .Help("Redis commands queued, not yet taken by a connection")
                         .Register(*registry)
                         .Add({});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hotline redis: metrics disabled: %s\n", e.what());
    *this = ClientMetrics(nullptr);
  }
}

void ClientMetrics::CommandDone(Result result, double seconds) {
  if (ok_ == nullptr) return;
  switch (result) {
    case Result::kOk:
      ok_->Increment();
      break;
    case Result::kErrorReply:
      error_reply_->Increment();
      break;
    case Result::kUnavailable:
      unavailable_->Increment();
      break;
    case Result::kUnanswered:
      unanswered_->Increment();
      break;
    case Result::kRejected:
      rejected_->Increment();
      return;  // never queued: its duration would say nothing
  }
  duration_->Observe(seconds);
}

void ClientMetrics::BatchSent(size_t commands) {
  if (pipeline_ != nullptr) pipeline_->Observe(static_cast<double>(commands));
}

void ClientMetrics::Reconnected() {
  if (reconnects_ != nullptr) reconnects_->Increment();
}

void ClientMetrics::WaitShort() {
  if (wait_short_ != nullptr) wait_short_->Increment();
}

void ClientMetrics::QueueLength(size_t length) {
  if (queue_length_ != nullptr) queue_length_->Set(static_cast<double>(length));
}

}  // namespace hotline::redis::internal
