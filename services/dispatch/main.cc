// hotline-dispatch: the life of work orders after intake (actions, work
// queues) and auto-dispatch of new orders from the event stream. Several
// replicas may run; they share the stream's consumer group.
#include "audit/audit_log.h"
#include "audit/read_recorder.h"
#include "dispatch/auto_dispatch.h"
#include "dispatch/dispatch_service.h"
#include "dispatch/dispatcher.h"
#include "dispatch/reference_data.h"
#include "log/log.h"
#include "orders/redis_order_store.h"
#include "refdata/directory_source.h"
#include "server/service_runner.h"

int main(int argc, char** argv) {
  using namespace hotline;
  server::ServiceRunner runner(
      {.server = {.service_name = "dispatch", .grpc_port = 50053, .metrics_port = 9103},
       .summary = "moves work orders through their lifecycle",
       .data_dir_help = "folder with the seed of units, categories and the catalogue (used when Redis has no version)",
       .city_clock = true,
       .consumer_group = "dispatch"});
  bool auto_dispatch = true;
  runner.flags().Bool("auto_dispatch", "HOTLINE_AUTO_DISPATCH", "route new orders from the event stream",
                      &auto_dispatch);
  return runner.Run(argc, argv, [&](server::ServiceRunner& s) -> absl::Status {
    // The directory and the catalogue followed live, one snapshot for both.
    absl::StatusOr<refdata::Live<dispatch::DispatchReferenceData>*> reference =
        s.Reference(dispatch::MakeLiveDispatchReferenceData, "cannot load the directory and the dispatch catalogue");
    if (!reference.ok()) return reference.status();
    auto& dir = s.Make<refdata::PartSource<directory::Directory, dispatch::DispatchReferenceData>>(
        **reference, &dispatch::DispatchReferenceData::directory);
    auto& catalogue = s.Make<refdata::PartSource<dispatch::Catalogue, dispatch::DispatchReferenceData>>(
        **reference, &dispatch::DispatchReferenceData::catalogue);
    auto& store = s.Make<orders::RedisOrderStore>(s.redis());
    auto& dispatcher = s.Make<dispatch::Dispatcher>(store, dir, catalogue, s.clock());
    auto& access_log = s.Make<audit::AuditLog>(s.redis());
    auto& reads = s.Make<audit::ReadRecorder>(access_log, s.clock());
    // WatchQueue's one reader of the events stream (its XREAD blocks).
    auto& watchers = s.Background(
        s.Make<dispatch::QueueWatchers>(s.OwnRedis(1), store.keys(), dir, s.metrics()));
    s.Serve(s.Make<dispatch::DispatchService>(dispatcher, reads, watchers, s.metrics()), "hotline.v1.Dispatch");
    if (auto_dispatch) {
      s.ConsumeEvents(store.keys().Events(), store.keys().DeadEvents(), dispatch::AutoDispatchHandler(dispatcher));
      log::Info("auto-dispatch running", {{"consumer", s.events().consumer}});
    }
    return absl::OkStatus();
  });
}
