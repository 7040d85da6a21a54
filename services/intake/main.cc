// hotline-intake: takes work orders in, keeps them in Redis, serves the
// directory. Settings come from flags or the environment (--help lists them).
#include <atomic>
#include <cstdio>
#include <thread>

#include "archive/pg.h"
#include "archive/audit_archive.h"
#include "archive/tiered_order_store.h"
#include "audit/audit_log.h"
#include "clock/city_clock.h"
#include "crypto/phone_vault.h"
#include "config/flags.h"
#include "clock/clock.h"
#include "directory/city.h"
#include "directory/directory.h"
#include "intake/guardian.h"
#include "intake/intake.h"
#include "intake/legacy_phones.h"
#include "intake/intake_service.h"
#include "log/log.h"
#include "orders/event_retention.h"
#include "orders/redis_order_store.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "redis/health_probe.h"
#include "redis/server_stats.h"
#include "refdata/directory_source.h"
#include "server/dependency_watch.h"
#include "server/server.h"
#include "server/server_flags.h"

int main(int argc, char** argv) {
  using namespace hotline;
  server::BlockShutdownSignals();
  log::SetService("intake");

  server::ServerOptions options{.service_name = "intake", .grpc_port = 50052, .metrics_port = 9102};
  redis::RedisFlags redis_flags;
  std::string data_dir = "data";
  config::Flags flags("hotline-intake", "takes work orders in and serves the unit directory");
  server::AddServerFlags(flags, &options);
  redis::AddRedisFlags(flags, &redis_flags);
  flags.String("data_dir", "HOTLINE_DATA_DIR",
               "folder with the seed of units and categories (used when Redis has no version)", &data_dir);
  std::string phone_keys;
  flags.String("phone_keys", "HOTLINE_PHONE_KEYS",
               "key file that seals callers' numbers and keys their lookup hash (required; "
               "format in libs/crypto/phone_vault.h)",
               &phone_keys);
  std::string postgres;
  int postgres_connections = 4;
  flags.String("postgres", "HOTLINE_POSTGRES",
               "libpq connection string of the archive tier (libs/archive); empty: Redis only, "
               "archived orders moved out of Redis are NOT_FOUND",
               &postgres);
  flags.Int("postgres_connections", "HOTLINE_POSTGRES_CONNECTIONS",
            "connections (and threads) reading the archive", &postgres_connections);
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

  if (phone_keys.empty()) {
    log::Error("no phone key file: set --phone_keys or HOTLINE_PHONE_KEYS", {});
    return 2;
  }
  absl::StatusOr<crypto::PhoneVault> vault = crypto::PhoneVault::LoadKeyFile(phone_keys);
  if (!vault.ok()) {
    log::Error("cannot load the phone keys", {{"error", vault.status().ToString()}});
    return 1;
  }

  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags);
  if (!redis_options.ok()) {
    log::Error("bad Redis settings", {{"error", redis_options.status().ToString()}});
    return 2;
  }

  server::Server server(options);
  redis::Client redis(*redis_options, &server.metrics());
  // Reference data from Redis (seeded from data/ when it has none), the
  // directory followed live (libs/refdata); the city profile read at start.
  refdata::RefStore ref_store(redis);
  refdata_options.data_dir = data_dir;
  absl::StatusOr<std::unique_ptr<refdata::Live<directory::Directory>>> dir =
      refdata::MakeLiveDirectory(ref_store, refdata_options);
  if (!dir.ok()) {
    log::Error("cannot load the directory", {{"error", dir.status().ToString()}});
    return 1;
  }
  refdata::LiveOptions city_options = refdata_options;
  if (refdata::FromDataDir((*dir)->versions())) city_options.redis_wait = absl::ZeroDuration();
  absl::StatusOr<directory::City> city = refdata::AdoptCity(ref_store, city_options);
  if (!city.ok()) {
    log::Error("cannot load the city profile", {{"error", city.status().ToString()}});
    return 1;
  }
  orders::RedisOrderStore store(redis);  // numbers orders with CityOrderPrefix()
  intake::IntakeMetrics metrics(server.metrics());
  // With an archive tier, reads look in Redis first, then PostgreSQL
  // (libs/archive/tiered_order_store.h); writes stay Redis's.
  std::unique_ptr<archive::PgPool> archive_pool;
  std::unique_ptr<archive::TieredOrderStore> tiered;
  orders::OrderStore* order_reads = &store;
  orders::GuardedStore* guarded = &store;
  if (!postgres.empty()) {
    archive_pool = std::make_unique<archive::PgPool>(postgres, std::max(1, postgres_connections));
    tiered = std::make_unique<archive::TieredOrderStore>(store, *archive_pool);
    order_reads = tiered.get();
    guarded = tiered.get();
    log::Info("archive tier on", {{"postgres_connections", absl::StrCat(postgres_connections)}});
  }
  intake::Intake core(*order_reads, **dir, **clock, metrics, *vault);
  // The access log's old entries are in the archive too (archive/audit_archive.h).
  std::unique_ptr<archive::PgAuditArchive> audit_archive;
  if (archive_pool) audit_archive = std::make_unique<archive::PgAuditArchive>(*archive_pool);
  audit::AuditLog access_log(redis, audit::AuditKeys(store.keys().prefix()), audit_archive.get());
  audit::ReadRecorder reads(access_log, **clock);
  intake::GuardianMetrics guardian_metrics(server.metrics());
  intake::Guardian guardian(*order_reads, *guarded, access_log, *vault, **clock, guardian_metrics);
  intake::IntakeService intake_service(core, reads, guardian);
  intake::DirectoryService directory_service(**dir);
  intake::AuditService audit_service(access_log);
  server.AddService(&intake_service, "hotline.v1.Intake");
  server.AddService(&directory_service, "hotline.v1.Directory");
  server.AddService(&audit_service, "hotline.v1.Audit");

  if (absl::Status s = redis.Execute({"PING"}).status(); !s.ok()) {
    // Not fatal: requests answer UNAVAILABLE until Redis is reachable.
    log::Warning("redis not reachable at start",
                 {{"redis", redis_flags.address}, {"error", s.ToString()}});
  }
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  // NOT_SERVING on grpc.health.v1 while Redis is unreachable (issue 20).
  server::DependencyWatch redis_health(server, "redis", [&redis] { return redis::Answers(redis); });
  log::Info("phone keys loaded", {{"current_key_id", vault->current_key_id()}});
  log::Info("directory loaded", {{"units", absl::StrCat((*dir)->Current()->unit_count())},
                                 {"categories", absl::StrCat((*dir)->Current()->category_count())}});
  (*dir)->Start();
  // Trims the event stream up to what every consumer group has settled.
  orders::EventRetention retention(redis, store.keys(), server.metrics());
  retention.Start();
  // Redis's memory and append-only file, for the alerts.
  redis::ServerStats redis_stats(redis, server.metrics());
  redis_stats.Start();
  // Numbers stored before sealing existed: sealed in the background, once.
  std::atomic<bool> stop_sealing{false};
  std::thread sealer([&] {
    absl::StatusOr<intake::LegacySealCounts> counts =
        intake::SealLegacyPhones(store, *vault, stop_sealing);
    if (!counts.ok()) {
      log::Warning("sealing of legacy phone numbers stopped (retried at the next start)",
                   {{"error", counts.status().ToString()}});
    } else if (counts->sealed > 0 || counts->resealed > 0) {
      log::Info("legacy phone numbers sealed", {{"orders_scanned", absl::StrCat(counts->scanned)},
                                                {"sealed", absl::StrCat(counts->sealed)},
                                                {"resealed", absl::StrCat(counts->resealed)}});
    }
  });
  server::WaitForShutdownSignal();
  stop_sealing = true;
  sealer.join();
  redis_stats.Stop();
  retention.Stop();
  server.Shutdown();
  (*dir)->Stop();
  return 0;
}
