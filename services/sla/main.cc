// hotline-sla: the SLA monitor. Keeps every open order's deadlines on the
// working-day calendar, fires warnings, breaches and escalations exactly
// once, handles extensions and answers who made an order late. Several
// replicas may run; they share the "sla" consumer group and the due set.
// The working-day calendar comes from Redis (seeded from data/calendar) and
// follows `hotline-admin calendar load` while it runs (calendar/live_calendar.h).
#include <unistd.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "calendar/calendar_store.h"
#include "calendar/live_calendar.h"
#include "clock/city_clock.h"
#include "config/flags.h"
#include "directory/directory.h"
#include "log/log.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "redis/health_probe.h"
#include "refdata/directory_source.h"
#include "refdata/live.h"
#include "server/dependency_watch.h"
#include "server/server.h"
#include "server/server_flags.h"
#include "sla/calendar_metrics.h"
#include "sla/loops.h"
#include "sla/monitor.h"
#include "sla/policies.h"
#include "sla/redis_deadline_store.h"
#include "sla/reference_data.h"
#include "sla/sla_metrics.h"
#include "sla/sla_service.h"
#include "stream/consumer_group.h"
#include "stream/group_flags.h"

namespace hotline {
namespace {

// Writes the years of data/calendar that Redis does not have yet, then builds
// the calendar from Redis. Redis may still be starting (compose, Kubernetes),
// so a Redis error is retried until `wait` has passed; a bad seed file is not.
absl::StatusOr<std::unique_ptr<calendar::LiveCalendar>> StartCalendar(calendar::CalendarStore& store,
                                                                      const std::string& seed_dir,
                                                                      const Clock& clock,
                                                                      calendar::LiveCalendarOptions options,
                                                                      absl::Duration wait) {
  const absl::Time give_up = absl::Now() + wait;
  for (;;) {
    absl::StatusOr<calendar::SeedResult> seeded = store.Seed(seed_dir, absl::Now());
    absl::Status status = seeded.status();
    if (seeded.ok()) {
      log::Info("calendar seed", {{"dir", seed_dir},
                                  {"added", absl::StrJoin(seeded->added, ",")},
                                  {"version", absl::StrCat(seeded->version)}});
      for (int year : seeded->differing) {
        log::Warning("the seed file differs from the schedule loaded in Redis, which stays in force",
                     {{"year", absl::StrCat(year)}, {"dir", seed_dir}});
      }
      absl::StatusOr<std::unique_ptr<calendar::LiveCalendar>> live =
          calendar::LiveCalendar::Create(store, clock, options);
      if (live.ok()) return live;
      status = live.status();
    }
    const bool redis_trouble = status.code() == absl::StatusCode::kUnavailable ||
                               status.code() == absl::StatusCode::kDeadlineExceeded ||
                               status.code() == absl::StatusCode::kUnknown ||
                               status.code() == absl::StatusCode::kAborted;
    if (!redis_trouble || absl::Now() >= give_up) return status;
    log::Warning("cannot read the calendar from Redis yet; retrying", {{"error", status.ToString()}});
    absl::SleepFor(absl::Seconds(1));
  }
}

}  // namespace
}  // namespace hotline

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
  calendar::LiveCalendarOptions calendar_options;
  absl::Duration calendar_wait = absl::Seconds(60);
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
  flags.Bool("provisional_years", "HOTLINE_SLA_PROVISIONAL_YEARS",
             "count years without an official schedule as weekends plus statutory days (false: such "
             "years are missing; tests inject that)",
             &calendar_options.provisional_years);
  flags.Duration("calendar_poll", "HOTLINE_SLA_CALENDAR_POLL",
                 "how often to look for a newly loaded calendar in Redis", &calendar_options.poll_interval);
  flags.Duration("calendar_wait", "HOTLINE_SLA_CALENDAR_WAIT",
                 "how long to wait at start for Redis to give the calendar", &calendar_wait);
  stream::AddGroupFlags(flags, &group);
  refdata::LiveOptions refdata_options;
  refdata::AddLiveFlags(flags, &refdata_options);
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
  // The unit tree (for unit scoping of reads and extensions) and the SLA
  // policies from Redis (seeded from data/ when it has none), followed live
  // (libs/refdata).
  refdata::RefStore ref_store(redis);
  refdata_options.data_dir = data_dir;
  absl::StatusOr<std::unique_ptr<refdata::Live<sla::SlaReferenceData>>> reference =
      sla::MakeLiveSlaReferenceData(ref_store, refdata_options);
  if (!reference.ok()) {
    log::Error("cannot load the directory and the SLA policies",
               {{"error", reference.status().ToString()}});
    return 1;
  }
  refdata::PartSource<directory::Directory, sla::SlaReferenceData> dir(
      **reference, &sla::SlaReferenceData::directory);
  refdata::PartSource<sla::Policies, sla::SlaReferenceData> policies(
      **reference, &sla::SlaReferenceData::policies);
  // The city (time zone, centre, order prefix) in force at start, for every
  // thread after (clock/city.h).
  refdata::LiveOptions city_options = refdata_options;
  if (refdata::FromDataDir((*reference)->versions())) city_options.redis_wait = absl::ZeroDuration();
  if (absl::StatusOr<directory::City> city = refdata::AdoptCity(ref_store, city_options); !city.ok()) {
    log::Error("cannot load the city profile", {{"error", city.status().ToString()}});
    return 1;
  }
  sla::RedisDeadlineStore store(redis, keys);
  calendar::CalendarStore calendar_store(redis);
  absl::StatusOr<std::unique_ptr<calendar::LiveCalendar>> live_calendar =
      StartCalendar(calendar_store, data_dir + "/calendar", **clock, calendar_options, calendar_wait);
  if (!live_calendar.ok()) {
    log::Error("cannot load the working-day calendar", {{"error", live_calendar.status().ToString()}});
    return 1;
  }
  const calendar::CalendarSource& calendar_source = **live_calendar;
  sla::Monitor monitor(store, policies, calendar_source, **clock, dir);
  // Fire lag is measured in city time and reported in wall time.
  const auto* scaled = dynamic_cast<const ScaledClock*>(clock->get());
  sla::SlaMetrics metrics(server.metrics(), scaled ? scaled->rate() : 1.0);
  sla::CalendarMetrics calendar_metrics(server.metrics(), **live_calendar, **clock);
  monitor.OnFire([&metrics](const sla::Mark& mark, absl::Duration lag) { metrics.Fired(mark, lag); });
  sla::SlaService service(monitor, server.metrics());
  server.AddService(&service, "hotline.v1.Sla");
  // A newly loaded schedule: the orders whose deadlines lean on a provisional
  // year (or have none) are re-queued, once across replicas, and the due
  // passes recompute them. Also at start: a load may have come while every
  // replica was down.
  auto calendar_changed = [&monitor](int64_t version) {
    if (absl::Status s = monitor.CalendarChanged(version); !s.ok()) {
      log::Error("cannot re-queue the orders of a changed calendar", {{"error", s.ToString()}});
    }
  };
  (*live_calendar)->OnChange([calendar_changed](int64_t version, std::vector<int>) { calendar_changed(version); });
  calendar_changed(calendar_source.Current()->version());
  if (absl::Status s = monitor.RetryWithoutDeadline(); !s.ok()) {
    log::Error("cannot re-queue the orders without a deadline", {{"error", s.ToString()}});
  }
  // Loads are followed before the first request is served.
  (*live_calendar)->Start();
  (*reference)->Start();
  calendar_metrics.Start();
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
  calendar_metrics.Stop();
  (*live_calendar)->Stop();
  server.Shutdown();
  (*reference)->Stop();
  return 0;
}
