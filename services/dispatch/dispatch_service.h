#pragma once
// The gRPC edge of dispatch: hotline.v1.Dispatch on the callback API, with
// per-action metrics. The work is in Dispatcher. A queue page carries its
// orders' callers, so it is recorded in the access log before it is answered
// (UNAVAILABLE when it cannot be). WatchQueue is QueueWatchers'
// (queue_watch.h); its messages carry no callers. Thread-safe.
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "audit/read_recorder.h"
#include "dispatch/dispatcher.h"
#include "dispatch/queue_watch.h"
#include "hotline/v1/dispatch.grpc.pb.h"

namespace hotline::dispatch {

class DispatchService final : public v1::Dispatch::CallbackService {
 public:
  DispatchService(Dispatcher& dispatcher, audit::ReadRecorder& reads, QueueWatchers& watchers,
                  prometheus::Registry& metrics);

  grpc::ServerUnaryReactor* Act(grpc::CallbackServerContext* context,
                                const v1::ActRequest* request,
                                v1::ActResponse* response) override;
  grpc::ServerUnaryReactor* ListQueue(grpc::CallbackServerContext* context,
                                      const v1::ListQueueRequest* request,
                                      v1::ListQueueResponse* response) override;
  grpc::ServerWriteReactor<v1::WatchQueueResponse>* WatchQueue(
      grpc::CallbackServerContext* context, const v1::WatchQueueRequest* request) override;

 private:
  Dispatcher& dispatcher_;
  audit::ReadRecorder& reads_;
  QueueWatchers& watchers_;
  prometheus::Family<prometheus::Counter>& actions_;
};

}  // namespace hotline::dispatch
