#include "dispatch/dispatch_service.h"

#include "audit/reply_once_recorded.h"
#include "server/identity.h"
#include "server/reply.h"
#include "status/status.h"

namespace hotline::dispatch {

DispatchService::DispatchService(Dispatcher& dispatcher, audit::ReadRecorder& reads,
                                 QueueWatchers& watchers, prometheus::Registry& metrics)
    : dispatcher_(dispatcher),
      reads_(reads),
      watchers_(watchers),
      actions_(prometheus::BuildCounter()
                   .Name("hotline_dispatch_actions_total")
                   .Help("Actions on orders, by action and outcome (status code).")
                   .Register(metrics)) {}

grpc::ServerUnaryReactor* DispatchService::Act(grpc::CallbackServerContext* context,
                                               const v1::ActRequest* request,
                                               v1::ActResponse* response) {
  std::optional<v1::Actor> caller;
  if (auto* refused = server::RefuseUnverified(context, *request, &caller)) return refused;
  auto* reactor = context->DefaultReactor();
  // Both labels are bounded: an enum and a status code.
  std::string action = v1::Action_IsValid(request->action())
                           ? ActionName(request->action())
                           : std::string("unknown");
  auto finish = server::ReplyTo(reactor, response);
  dispatcher_.Act(caller, *request,
                  [this, action, finish = std::move(finish)](
                      absl::StatusOr<v1::ActResponse> result) mutable {
                    actions_
                        .Add({{"action", action},
                              {"code", absl::StatusCodeToString(result.status().code())}})
                        .Increment();
                    finish(std::move(result));
                  });
  return reactor;
}

grpc::ServerUnaryReactor* DispatchService::ListQueue(grpc::CallbackServerContext* context,
                                                     const v1::ListQueueRequest* request,
                                                     v1::ListQueueResponse* response) {
  std::optional<v1::Actor> actor;
  if (auto* refused = server::RefuseUnverified(context, *request, &actor)) return refused;
  auto* reactor = context->DefaultReactor();
  dispatcher_.ListQueue(
      actor, *request,
      [this, actor, reactor, response](absl::StatusOr<v1::ListQueueResponse> page) {
        if (!page.ok()) return reactor->Finish(ToGrpcStatus(page.status()));
        std::vector<std::string> ids = audit::OrderIdsOf(*page);  // before the page moves
        audit::ReplyOnceRecorded(reads_, *actor, v1::AUDIT_ACTION_LIST_ORDERS, std::move(ids), std::move(*page),
                                 response, reactor);
      });
  return reactor;
}

grpc::ServerWriteReactor<v1::WatchQueueResponse>* DispatchService::WatchQueue(
    grpc::CallbackServerContext* context, const v1::WatchQueueRequest* request) {
  absl::StatusOr<v1::Actor> actor = server::VerifiedIdentity(*context, *request);
  if (!actor.ok()) {
    return RefusedWatch(grpc::Status(absl::IsPermissionDenied(actor.status())
                                         ? grpc::StatusCode::PERMISSION_DENIED
                                         : grpc::StatusCode::UNAUTHENTICATED,
                                     std::string(actor.status().message())));
  }
  return watchers_.Watch(context, *actor, *request);
}

}  // namespace hotline::dispatch
