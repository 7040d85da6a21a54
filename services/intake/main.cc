// hotline-intake: takes work orders in, keeps them in Redis, serves the
// directory. Settings come from flags or the environment (--help lists them).
#include "archive/audit_archive.h"
#include "archive/pg.h"
#include "archive/tiered_order_store.h"
#include "crypto/phone_vault.h"
#include "intake/intake_service.h"
#include "intake/legacy_phones.h"
#include "log/log.h"
#include "orders/event_retention.h"
#include "redis/server_stats.h"
#include "refdata/directory_source.h"
#include "server/service_runner.h"

int main(int argc, char** argv) {
  using namespace hotline;
  server::ServiceRunner runner(
      {.server = {.service_name = "intake", .grpc_port = 50052, .metrics_port = 9102},
       .summary = "takes work orders in and serves the unit directory",
       .data_dir_help = "folder with the seed of units and categories (used when Redis has no version)",
       .city_clock = true});
  std::string phone_keys, postgres;
  int postgres_connections = 4;
  runner.flags().String("phone_keys", "HOTLINE_PHONE_KEYS",
                        "key file that seals callers' numbers and keys their lookup hash (required; "
                        "format in libs/crypto/phone_vault.h)", &phone_keys);
  runner.flags().String("postgres", "HOTLINE_POSTGRES",
                        "libpq connection string of the archive tier (libs/archive); empty: Redis only, "
                        "archived orders moved out of Redis are NOT_FOUND", &postgres);
  runner.flags().Int("postgres_connections", "HOTLINE_POSTGRES_CONNECTIONS",
                     "connections (and threads) reading the archive", &postgres_connections);
  return runner.Run(argc, argv, [&](server::ServiceRunner& s) -> absl::Status {
    if (phone_keys.empty()) return server::Fail(2, "no phone key file: set --phone_keys or HOTLINE_PHONE_KEYS");
    absl::StatusOr<crypto::PhoneVault> loaded = crypto::PhoneVault::LoadKeyFile(phone_keys);
    if (!loaded.ok()) return server::Fail(1, "cannot load the phone keys", loaded.status());
    auto& vault = s.Make<crypto::PhoneVault>(*std::move(loaded));
    absl::StatusOr<refdata::Live<directory::Directory>*> dir = s.Reference(refdata::MakeLiveDirectory, "cannot load the directory");
    if (!dir.ok()) return dir.status();
    auto& store = s.Make<orders::RedisOrderStore>(s.redis());  // numbers orders with CityOrderPrefix()
    auto& metrics = s.Make<intake::IntakeMetrics>(s.metrics());
    // With an archive tier, reads look in Redis first, then PostgreSQL
    // (libs/archive/tiered_order_store.h); writes stay Redis's. The access
    // log's old entries are in the archive too (archive/audit_archive.h).
    orders::OrderStore* order_reads = &store;
    orders::GuardedStore* guarded = &store;
    archive::PgAuditArchive* audit_archive = nullptr;
    if (!postgres.empty()) {
      auto& pool = s.Make<archive::PgPool>(postgres, std::max(1, postgres_connections));
      auto& tiered = s.Make<archive::TieredOrderStore>(store, pool);
      order_reads = &tiered;
      guarded = &tiered;
      audit_archive = &s.Make<archive::PgAuditArchive>(pool);
      log::Info("archive tier on", {{"postgres_connections", absl::StrCat(postgres_connections)}});
    }
    auto& core = s.Make<intake::Intake>(*order_reads, **dir, s.clock(), metrics, vault);
    auto& access_log = s.Make<audit::AuditLog>(s.redis(), audit::AuditKeys(store.keys().prefix()), audit_archive);
    auto& reads = s.Make<audit::ReadRecorder>(access_log, s.clock());
    auto& guardian_metrics = s.Make<intake::GuardianMetrics>(s.metrics());
    auto& guardian = s.Make<intake::Guardian>(*order_reads, *guarded, access_log, vault, s.clock(), guardian_metrics);
    s.Serve(s.Make<intake::IntakeService>(core, reads, guardian), "hotline.v1.Intake");
    s.Serve(s.Make<intake::DirectoryService>(**dir, *s.city()), "hotline.v1.Directory");
    s.Serve(s.Make<intake::AuditService>(access_log), "hotline.v1.Audit");
    if (absl::Status ping = s.redis().Execute({"PING"}).status(); !ping.ok()) {
      // Not fatal: requests answer UNAVAILABLE until Redis is reachable.
      log::Warning("redis not reachable at start", {{"redis", s.redis_address()}, {"error", ping.ToString()}});
    }
    log::Info("phone keys loaded", {{"current_key_id", vault.current_key_id()}});
    log::Info("directory loaded", {{"units", absl::StrCat((*dir)->Current()->unit_count())},
                                   {"categories", absl::StrCat((*dir)->Current()->category_count())}});
    // Trims the event stream up to what every consumer group has settled.
    s.Background(s.Make<orders::EventRetention>(s.redis(), store.keys(), s.metrics()));
    // Redis's memory and append-only file, for the alerts.
    s.Background(s.Make<redis::ServerStats>(s.redis(), s.metrics()));
    // Numbers stored before sealing existed: sealed in the background, once.
    s.Background(s.Make<intake::LegacySealer>(store, vault));
    return absl::OkStatus();
  });
}
