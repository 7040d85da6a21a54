// hotline-sla: the SLA monitor. Keeps every open order's deadlines on the
// working-day calendar, fires warnings, breaches and escalations exactly
// once, handles extensions and answers who made an order late. Several
// replicas may run; they share the "sla" consumer group and the due set.
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "calendar/calendar_source.h"
#include "clock/city_clock.h"
#include "config/flags.h"
#include "directory/directory.h"
#include "log/log.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "server/server.h"
#include "server/server_flags.h"
#include "sla/loops.h"
#include "sla/monitor.h"
#include "sla/policies.h"
#include "sla/redis_deadline_store.h"
#include "sla/sla_metrics.h"
#include "sla/sla_service.h"
#include "stream/consumer_group.h"
#include "stream/group_flags.h"

int main(int argc, char** argv) {
  using namespace hotline;
  server::BlockShutdownSignals();
  log::SetService("sla");

  server::ServerOptions options{.service_name = "sla", .grpc_port = 50054, .metrics_port = 9104};
  redis::RedisFlags redis_flags;
  CityClockFlags clock_flags;
  std::string data_dir = "data";
  absl::Duration pass_interval = absl::Milliseconds(100);
  int pass_batch = 200;
  sla::SlaKeys keys;
  stream::GroupOptions group;
  group.stream = keys.orders().Events();
  group.dead_letter = keys.orders().Events() + ":dead";
  group.group = "sla";
  group.consumer = absl::StrCat("sla-", ::getpid());
  group.metric_prefix = "hotline_sla";
  config::Flags flags("hotline-sla", "keeps work orders' deadlines, warns and escalates");
  server::AddServerFlags(flags, &options);
  redis::AddRedisFlags(flags, &redis_flags);
  AddCityClockFlags(flags, &clock_flags);
  flags.String("data_dir", "HOTLINE_DATA_DIR", "folder with sla_policies.textproto, calendar/YYYY.textproto and the unit directory",
               &data_dir);
  flags.Duration("pass_interval", "HOTLINE_SLA_PASS_INTERVAL", "how often to look for due deadlines",
                 &pass_interval);
  flags.Int("pass_batch", "HOTLINE_SLA_PASS_BATCH", "most orders one due pass settles", &pass_batch);
  stream::AddGroupFlags(flags, &group);
  flags.ParseOrExit(argc, argv);

  absl::StatusOr<calendar::WorkingCalendar> cal = calendar::WorkingCalendar::LoadDir(data_dir + "/calendar");
  if (!cal.ok()) {
    log::Error("cannot load the working-day calendar", {{"error", cal.status().ToString()}});
    return 1;
  }
  // The unit tree, for unit scoping of reads and extensions.
  absl::StatusOr<directory::Directory> dir = directory::Directory::LoadDataDir(data_dir);
  if (!dir.ok()) {
    log::Error("cannot load the directory", {{"error", dir.status().ToString()}});
    return 1;
  }
  absl::StatusOr<sla::Policies> policies = sla::Policies::Load(data_dir + "/sla_policies.textproto");
  if (!policies.ok()) {
    log::Error("cannot load the SLA policies", {{"error", policies.status().ToString()}});
    return 1;
  }
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
  sla::RedisDeadlineStore store(redis, keys);
  calendar::FixedCalendarSource calendar_source(std::move(*cal));
  sla::Monitor monitor(store, *policies, calendar_source, **clock, *dir);
  sla::SlaMetrics metrics(server.metrics());
  monitor.OnFire([&metrics](const sla::Mark& mark, absl::Duration lag) { metrics.Fired(mark, lag); });
  sla::SlaService service(monitor, server.metrics());
  server.AddService(&service, "hotline.v1.Sla");
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start", {{"error", s.ToString()}});
    return 1;
  }

  // The consumer blocks on XREADGROUP, so it gets a connection of its own.
  redis::Options stream_options = *redis_options;
  stream_options.connections = 1;
  redis::Client stream_redis(stream_options);
  stream::ConsumerGroup events(stream_redis, group, sla::EventHandler(monitor), server.metrics());
  events.Start();
  sla::DueLoop due(monitor, store, metrics, pass_interval, pass_batch);
  due.Start();
  log::Info("sla monitor running", {{"consumer", group.consumer},
                                    {"city_time", absl::FormatTime(absl::RFC3339_sec, (*clock)->Now(),
                                                                   CityTimeZone())}});
  server::WaitForShutdownSignal();
  due.Stop();
  events.Stop();
  server.Shutdown();
  return 0;
}
