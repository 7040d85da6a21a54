// hotline-scoring: assessment of the handling units (scores, three rates,
// rankings, explanations) and the city's hot spots, from the order event
// stream. Several replicas may run; they share the "scoring" consumer group.
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "audit/audit_log.h"
#include "audit/read_recorder.h"
#include "clock/city_clock.h"
#include "config/flags.h"
#include "directory/directory.h"
#include "log/log.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "redis/health_probe.h"
#include "refdata/directory_source.h"
#include "refdata/live.h"
#include "scoring/assessor.h"
#include "scoring/consumer.h"
#include "scoring/redis_fact_store.h"
#include "scoring/reference_data.h"
#include "scoring/rules.h"
#include "scoring/score_gauges.h"
#include "scoring/scoring_service.h"
#include "server/dependency_watch.h"
#include "server/server.h"
#include "server/server_flags.h"
#include "stream/consumer_group.h"
#include "stream/group_flags.h"

int main(int argc, char** argv) {
  using namespace hotline;
  server::BlockShutdownSignals();
  log::SetService("scoring");

  server::ServerOptions options{.service_name = "scoring", .grpc_port = 50056, .metrics_port = 9106};
  redis::RedisFlags redis_flags;
  CityClockFlags clock_flags;
  std::string data_dir = "data";
  absl::Duration gauge_interval = absl::Seconds(30);
  scoring::ScoringKeys keys;
  stream::GroupOptions group;
  group.stream = keys.orders().Events();
  group.dead_letter = keys.orders().DeadEvents();
  group.group = "scoring";
  group.consumer = absl::StrCat("scoring-", ::getpid());
  group.metric_prefix = "hotline_scoring";
  config::Flags flags("hotline-scoring", "scores the handling units and finds the city's hot spots");
  server::AddServerFlags(flags, &options);
  redis::AddRedisFlags(flags, &redis_flags);
  AddCityClockFlags(flags, &clock_flags);
  flags.String("data_dir", "HOTLINE_DATA_DIR", "folder with scoring_rules.textproto, units and categories",
               &data_dir);
  flags.Duration("gauge_interval", "HOTLINE_SCORING_GAUGE_INTERVAL",
                 "how often the districts' score gauges are recomputed", &gauge_interval);
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
  // The directory and the rule book from Redis (seeded from data/ when it
  // has none), followed live by the assessor (libs/refdata). The fact store
  // attributes facts with the directory in force at start.
  refdata::RefStore ref_store(redis);
  refdata_options.data_dir = data_dir;
  absl::StatusOr<std::unique_ptr<refdata::Live<scoring::ScoringReferenceData>>> reference =
      scoring::MakeLiveScoringReferenceData(ref_store, refdata_options);
  if (!reference.ok()) {
    log::Error("cannot load the unit directory and the scoring rules",
               {{"error", reference.status().ToString()}});
    return 1;
  }
  refdata::PartSource<directory::Directory, scoring::ScoringReferenceData> live_directory(
      **reference, &scoring::ScoringReferenceData::directory);
  refdata::PartSource<scoring::RuleBook, scoring::ScoringReferenceData> live_rules(
      **reference, &scoring::ScoringReferenceData::rules);
  // The city (time zone, centre, order prefix) in force at start, for every
  // thread after (clock/city.h).
  refdata::LiveOptions city_options = refdata_options;
  if (refdata::FromDataDir((*reference)->versions())) city_options.redis_wait = absl::ZeroDuration();
  if (absl::StatusOr<directory::City> city = refdata::AdoptCity(ref_store, city_options); !city.ok()) {
    log::Error("cannot load the city profile", {{"error", city.status().ToString()}});
    return 1;
  }
  const std::shared_ptr<const directory::Directory> start_directory = live_directory.Current();
  scoring::RedisFactStore store(redis, keys, CityTimeZone(), *start_directory);
  scoring::Assessor assessor(live_rules, live_directory, store, **clock, CityTimeZone());
  (*reference)->Start();
  audit::AuditLog access_log(redis, audit::AuditKeys(keys.orders().prefix()));
  audit::ReadRecorder reads(access_log, **clock);
  scoring::ScoringService service(assessor, reads, server.metrics());
  server.AddService(&service, "hotline.v1.Scoring");
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  // NOT_SERVING on grpc.health.v1 while Redis is unreachable (issue 20).
  server::DependencyWatch redis_health(server, "redis", [&redis] { return redis::Answers(redis); });
  scoring::ScoreGauges gauges(assessor, server.metrics(), gauge_interval);

  // The consumer blocks on XREADGROUP, so it gets a connection of its own.
  redis::Options stream_options = *redis_options;
  stream_options.connections = 1;
  redis::Client stream_redis(stream_options);
  stream::ConsumerGroup events(stream_redis, group,
                               scoring::EventHandler(store, store, [&gauges](int n) { gauges.FactsWritten(n); }),
                               server.metrics());
  events.Start();
  gauges.Start();
  log::Info("scoring running", {{"consumer", group.consumer}, {"rules", live_rules.Current()->current().version()}});
  server::WaitForShutdownSignal();
  gauges.Stop();
  events.Stop();
  server.Shutdown();
  (*reference)->Stop();
  return 0;
}
