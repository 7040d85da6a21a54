// hotline-scoring: assessment of the handling units (scores, three rates,
// rankings, explanations) and the city's hot spots, from the order event
// stream. Several replicas may run; they share the "scoring" consumer group.
#include "audit/audit_log.h"
#include "audit/read_recorder.h"
#include "clock/city.h"
#include "log/log.h"
#include "refdata/directory_source.h"
#include "archive/pg.h"
#include "scoring/archived_fact_store.h"
#include "scoring/assessor.h"
#include "scoring/consumer.h"
#include "scoring/redis_fact_store.h"
#include "scoring/reference_data.h"
#include "scoring/score_gauges.h"
#include "scoring/scoring_service.h"
#include "server/service_runner.h"

int main(int argc, char** argv) {
  using namespace hotline;
  server::ServiceRunner runner(
      {.server = {.service_name = "scoring", .grpc_port = 50056, .metrics_port = 9106},
       .summary = "scores the handling units and finds the city's hot spots",
       .data_dir_help = "folder with scoring_rules.textproto, units and categories",
       .city_clock = true,
       .consumer_group = "scoring"});
  absl::Duration gauge_interval = absl::Seconds(30);
  runner.flags().Duration("gauge_interval", "HOTLINE_SCORING_GAUGE_INTERVAL",
                          "how often the districts' score gauges are recomputed", &gauge_interval);
  std::string postgres;
  int postgres_connections = 2;
  runner.flags().String("postgres", "HOTLINE_POSTGRES",
                        "libpq connection string of the archive tier; closed months moved there "
                        "(services/scoring/month_archive.h) are read from it. Empty: Redis only "
                        "(a moved month then reads as empty)", &postgres);
  runner.flags().Int("postgres_connections", "HOTLINE_POSTGRES_CONNECTIONS",
                     "connections (and threads) reading the archive", &postgres_connections);
  return runner.Run(argc, argv, [&](server::ServiceRunner& s) -> absl::Status {
    // The directory and the rule book, followed live by the assessor and the
    // fact store (which places each fact under the directory in force).
    absl::StatusOr<refdata::Live<scoring::ScoringReferenceData>*> reference = s.Reference(
        scoring::MakeLiveScoringReferenceData, "cannot load the unit directory and the scoring rules");
    if (!reference.ok()) return reference.status();
    auto& live_directory = s.Make<refdata::PartSource<directory::Directory, scoring::ScoringReferenceData>>(
        **reference, &scoring::ScoringReferenceData::directory);
    auto& live_rules = s.Make<refdata::PartSource<scoring::RuleBook, scoring::ScoringReferenceData>>(
        **reference, &scoring::ScoringReferenceData::rules);
    scoring::ScoringKeys keys;
    auto& store = s.Make<scoring::RedisFactStore>(s.redis(), keys, CityTimeZone(), live_directory);
    store.RecordMonthRules(live_rules, s.clock());  // a month keeps its rules with no one reading
    // With an archive, the queries read closed months moved to PostgreSQL
    // there and the rest from Redis; the consumer writes Redis either way.
    scoring::FactStore* reads_from = &store;
    if (!postgres.empty()) {
      auto& pool = s.Make<archive::PgPool>(postgres, std::max(1, postgres_connections));
      reads_from = &s.Make<scoring::ArchivedFactStore>(store, s.redis(), pool, keys, CityTimeZone());
      log::Info("archive tier on", {{"postgres_connections", absl::StrCat(postgres_connections)}});
    }
    auto& assessor = s.Make<scoring::Assessor>(live_rules, live_directory, *reads_from, s.clock(), CityTimeZone());
    auto& access_log = s.Make<audit::AuditLog>(s.redis(), audit::AuditKeys(keys.orders().prefix()));
    auto& reads = s.Make<audit::ReadRecorder>(access_log, s.clock());
    s.Serve(s.Make<scoring::ScoringService>(assessor, reads, s.metrics()), "hotline.v1.Scoring");
    auto& gauges = s.Make<scoring::ScoreGauges>(assessor, s.metrics(), gauge_interval);
    s.ConsumeEvents(keys.orders().Events(), keys.orders().DeadEvents(),
                    scoring::EventHandler(store, store, [&gauges](int n) { gauges.FactsWritten(n); }));
    s.Background(gauges);
    log::Info("scoring running",
              {{"consumer", s.events().consumer}, {"rules", live_rules.Current()->current().version()}});
    return absl::OkStatus();
  });
}
