// hotline-dispatch: the life of work orders after intake (actions, work
// queues) and auto-dispatch of new orders from the event stream. Several
// replicas may run; they share the stream's consumer group.
#include <unistd.h>

#include <optional>

#include "clock/city_clock.h"
#include "config/flags.h"
#include "clock/clock.h"
#include "audit/audit_log.h"
#include "audit/read_recorder.h"
#include "directory/city.h"
#include "directory/directory.h"
#include "dispatch/catalogue.h"
#include "dispatch/dispatch_service.h"
#include "dispatch/dispatcher.h"
#include "dispatch/auto_dispatch.h"
#include "log/log.h"
#include "orders/redis_order_store.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "redis/health_probe.h"
#include "server/dependency_watch.h"
#include "server/server.h"
#include "server/server_flags.h"
#include "stream/group_flags.h"

#include "dispatch/reference_data.h"
#include "refdata/directory_source.h"

int main(int argc, char** argv) {
  using namespace hotline;
  server::BlockShutdownSignals();
  log::SetService("dispatch");

  server::ServerOptions options{.service_name = "dispatch", .grpc_port = 50053, .metrics_port = 9103};
  redis::RedisFlags redis_flags;
  std::string data_dir = "data";
  bool auto_dispatch = true;
  // The consumer group "dispatch" on the order event stream (libs/stream).
  stream::GroupOptions consumer{.group = "dispatch",
                                .consumer = absl::StrCat("dispatch-", ::getpid()),
                                .metric_prefix = "hotline_dispatch"};
  config::Flags flags("hotline-dispatch", "moves work orders through their lifecycle");
  server::AddServerFlags(flags, &options);
  redis::AddRedisFlags(flags, &redis_flags);
  flags.String("data_dir", "HOTLINE_DATA_DIR",
               "folder with the seed of units, categories and the catalogue (used when Redis has no version)", &data_dir);
  flags.Bool("auto_dispatch", "HOTLINE_AUTO_DISPATCH", "route new orders from the event stream",
             &auto_dispatch);
  stream::AddGroupFlags(flags, &consumer);
  refdata::LiveOptions refdata_options;
  refdata::AddLiveFlags(flags, &refdata_options);
  CityClockFlags clock_flags;  // the wall clock unless a demo or test sets it
  AddCityClockFlags(flags, &clock_flags);
  flags.ParseOrExit(argc, argv);
  absl::StatusOr<std::unique_ptr<Clock>> clock = MakeCityClock(clock_flags);
  if (!clock.ok()) {
    log::Error("bad clock settings", {{"error", clock.status().ToString()}});
    return 2;
  }

  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags);
  if (!redis_options.ok()) {
    log::Error("bad Redis settings", {{"error", redis_options.status().ToString()}});
    return 2;
  }

  server::Server server(options);
  redis::Client redis(*redis_options, &server.metrics());
  // Reference data from Redis (seeded from data/ when it has none): the
  // directory and the catalogue followed live (libs/refdata), one snapshot
  // for both; the city profile read at start.
  refdata::RefStore ref_store(redis);
  refdata_options.data_dir = data_dir;
  absl::StatusOr<std::unique_ptr<refdata::Live<dispatch::DispatchReferenceData>>> reference =
      dispatch::MakeLiveDispatchReferenceData(ref_store, refdata_options);
  if (!reference.ok()) {
    log::Error("cannot load the directory and the dispatch catalogue",
               {{"error", reference.status().ToString()}});
    return 1;
  }
  refdata::PartSource<directory::Directory, dispatch::DispatchReferenceData> dir(
      **reference, &dispatch::DispatchReferenceData::directory);
  refdata::PartSource<dispatch::Catalogue, dispatch::DispatchReferenceData> catalogue(
      **reference, &dispatch::DispatchReferenceData::catalogue);
  refdata::LiveOptions city_options = refdata_options;
  if (refdata::FromDataDir((*reference)->versions())) city_options.redis_wait = absl::ZeroDuration();
  absl::StatusOr<directory::City> city = refdata::AdoptCity(ref_store, city_options);
  if (!city.ok()) {
    log::Error("cannot load the city profile", {{"error", city.status().ToString()}});
    return 1;
  }
  orders::RedisOrderStore store(redis);
  dispatch::Dispatcher dispatcher(store, dir, catalogue, **clock);
  (*reference)->Start();
  audit::AuditLog access_log(redis);
  audit::ReadRecorder reads(access_log, **clock);
  dispatch::DispatchService service(dispatcher, reads, server.metrics());
  server.AddService(&service, "hotline.v1.Dispatch");
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  // NOT_SERVING on grpc.health.v1 while Redis is unreachable (issue 20).
  server::DependencyWatch redis_health(server, "redis", [&redis] { return redis::Answers(redis); });

  // The consumer blocks on XREADGROUP, so it gets a connection of its own.
  redis::Options stream_options = *redis_options;
  stream_options.connections = 1;
  redis::Client stream_redis(stream_options);
  std::optional<stream::ConsumerGroup> events;
  if (auto_dispatch) {
    consumer.stream = store.keys().Events();
    consumer.dead_letter = store.keys().DeadEvents();
    events.emplace(stream_redis, consumer, dispatch::AutoDispatchHandler(dispatcher),
                   server.metrics());
    events->Start();
    log::Info("auto-dispatch running", {{"consumer", consumer.consumer}});
  }
  server::WaitForShutdownSignal();
  if (events) events->Stop();
  server.Shutdown();
  (*reference)->Stop();
  return 0;
}
