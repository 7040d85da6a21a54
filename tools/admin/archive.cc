// hotline-admin archive run [--postgres CONNINFO] [--policy data/archive_policy.textproto]
//                           [--min_age 720h] [--max_orders N] [--batch N]
//                           [--access_log_min_age 2160h] [--max_entries N]
//                           [--scoring_month_after 1440h] [--max_months N]
// hotline-admin archive stats [--postgres CONNINFO]
// hotline-admin archive migrate --postgres OWNER_CONNINFO --grant_to ROLE[,ROLE]
// hotline-admin archive compact-audit [--postgres CONNINFO] [--batch N] [--dry_run]
// hotline-admin archive ready [--postgres CONNINFO] [--wait 5m]
//
// `run` moves every order ARCHIVED (归档) for longer than the policy's
// archive_after_days out of Redis into PostgreSQL (libs/archive/mover.h):
// copied in one statement, read back and compared, then deleted from Redis
// by one script that checks the order did not change. Safe to kill at any
// moment and to run again (from cron, say, daily). --min_age overrides the
// policy (tests and drills; below the 24 h of idempotency records, a client
// retrying a create of a moved order would be told NOT_FOUND).
// Age is measured on the city clock (--clock_* flags or HOTLINE_CLOCK_*, as
// the services): the wall clock unless a demo runs a faster one.
// Then it moves every access-log entry (libs/audit) older than the policy's
// access_log_after_days the same way (libs/archive/audit_archive.h): copied
// in one transaction, read back, deleted with its order-index ids by one
// script; the age is measured on the wall clock (Redis's stream ids).
// Last, scoring's closed months (services/scoring/month_archive.h): a city
// month --scoring_month_after (HOTLINE_SCORING_MONTH_AFTER, 60 days) past its end, with no order in
// it that can still change, is copied in one transaction, read back, and
// deleted from Redis by one script, oldest first; a month held back is named
// with why.
// `migrate`, run as the schema's owner (not the services' role), creates or
// updates the tables and grants each --grant_to role what the services and
// the mover need: the access log's tables SELECT and INSERT only
// (libs/archive/archive_store.h, MigrateSchema). Run it before the services
// and the mover, and again after an upgrade; it is idempotent.
// `compact-audit` moves the per-order access-log streams an older version
// wrote (audit:order:{ID}) into PostgreSQL's access log, then deletes them
// (libs/archive/legacy_audit.h: copied, read back, deleted; safe to kill and
// to run again), and prints how many remain; --dry_run only counts them.
// `ready`, as the services' role, exits 0 once the schema is at this
// build's version and granted to it (archive::CheckGranted), 1 otherwise,
// saying what is missing; with --wait it asks every 2 s until then (a k8s
// initContainer: the services start after the migrate Job has granted).
// `stats` prints how many orders and history entries the archive holds and
// its bytes on disk.
#include "admin/archive.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "archive/archive_store.h"
#include "archive/audit_archive.h"
#include "audit/audit_log.h"
#include "archive/legacy_audit.h"
#include "archive/mover.h"
#include "clock/city_clock.h"
#include "config/flags.h"
#include "orders/order_keys.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "scoring/month_archive.h"

namespace hotline::admin {
namespace {

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "hotline-admin archive: %s\n", s.ToString().c_str());
  return 1;
}

// `compact-audit`: the old per-order streams into PostgreSQL, then the count
// of what remains (0 after a whole run).
int CompactAudit(const redis::RedisFlags& redis_flags, archive::PgConnection& pg, int batch,
                 bool dry_run) {
  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags);
  if (!redis_options.ok()) return Fail(redis_options.status());
  redis_options->connections = 1;
  redis::Client redis(*redis_options);
  const audit::AuditKeys keys(orders::OrderKeys().prefix());
  if (!dry_run) {
    archive::LegacyCompactOptions options;
    if (batch > 0) options.batch = batch;
    absl::StatusOr<archive::LegacyCompactResult> moved =
        archive::CompactLegacyAudit(redis, pg, keys, options);
    if (!moved.ok()) return Fail(moved.status());
    std::printf("archive compact-audit: %lld entries of %lld per-order streams moved to "
                "PostgreSQL's access log, the streams deleted\n",
                static_cast<long long>(moved->entries), static_cast<long long>(moved->streams));
  }
  absl::StatusOr<archive::LegacyAuditCount> left = archive::CountLegacyAudit(redis, keys);
  if (!left.ok()) return Fail(left.status());
  std::printf("archive compact-audit: %lld per-order streams (audit:order:{ID}) remain, "
              "%lld entries\n",
              static_cast<long long>(left->streams), static_cast<long long>(left->entries));
  return 0;
}

// `ready`: the services' role may read the archive (the migration ran and
// granted), asked every 2 s for up to `wait`.
int Ready(archive::PgConnection& pg, absl::Duration wait) {
  const absl::Time deadline = absl::Now() + wait;
  std::string last;
  while (true) {
    absl::Status s = archive::CheckGranted(pg);
    if (s.ok()) {
      std::printf("archive ready: schema version %d, granted to this role\n",
                  archive::kSchemaVersion);
      return 0;
    }
    if (s.ToString() != last) {
      last = s.ToString();
      std::fprintf(stderr, "hotline-admin archive ready: not yet: %s\n", last.c_str());
    }
    if (absl::Now() + absl::Seconds(2) > deadline) return 1;
    absl::SleepFor(absl::Seconds(2));
  }
}

}  // namespace

int ArchiveMain(int argc, char** argv) {
  const std::string verb = argc >= 3 ? argv[2] : "";
  std::vector<const char*> rest = {argv[0]};
  for (int i = 3; i < argc; ++i) rest.push_back(argv[i]);
  redis::RedisFlags redis_flags;
  std::string postgres = "host=127.0.0.1 port=5432 user=postgres dbname=hotline";
  std::string policy_path = "data/archive_policy.textproto";
  absl::Duration min_age = absl::ZeroDuration();
  int max_orders = 0, batch = 0, max_entries = 0;
  absl::Duration access_log_min_age = absl::ZeroDuration();
  config::Flags flags("hotline-admin archive " + verb,
                      "moves old archived orders from Redis to PostgreSQL");
  redis::AddRedisFlags(flags, &redis_flags);
  flags.String("postgres", "HOTLINE_POSTGRES", "libpq connection string of the archive",
               &postgres);
  flags.String("policy", "HOTLINE_ARCHIVE_POLICY", "hotline.v1.ArchivePolicy text file",
               &policy_path);
  flags.Duration("min_age", "", "overrides the policy's age (e.g. 1s in drills)", &min_age);
  flags.Int("max_orders", "", "stop after moving this many (0: all due)", &max_orders);
  flags.Int("batch", "", "ids read from Redis a step (0: the policy's)", &batch);
  flags.Duration("access_log_min_age", "",
                 "overrides the policy's access-log age (e.g. 1s in drills)", &access_log_min_age);
  flags.Int("max_entries", "", "stop after moving this many access-log entries (0: all due)",
            &max_entries);
  absl::Duration wait = absl::ZeroDuration();
  flags.Duration("wait", "", "ready: keep asking this long (0: once)", &wait);
  // Not in ArchivePolicy: its proto is compiled into every service.
  absl::Duration scoring_month_after = absl::Hours(24 * 60);
  flags.Duration("scoring_month_after", "HOTLINE_SCORING_MONTH_AFTER",
                 "how long after a city month's end scoring's data of it moves to PostgreSQL",
                 &scoring_month_after);
  int max_months = 0;
  flags.Int("max_months", "", "stop after moving this many scoring months (0: all closed)",
            &max_months);
  bool dry_run = false;
  flags.Bool("dry_run", "", "compact-audit: only count what remains", &dry_run);
  std::string grant_to;
  flags.String("grant_to", "", "migrate: the services' roles, comma-separated", &grant_to);
  CityClockFlags clock_flags;  // the city's clock: orders' times are written on it
  AddCityClockFlags(flags, &clock_flags);
  flags.ParseOrExit(static_cast<int>(rest.size()), rest.data());

  archive::PgConnection pg(postgres);
  if (verb == "migrate") {
    std::vector<std::string> roles = absl::StrSplit(grant_to, ',', absl::SkipEmpty());
    if (roles.empty()) {
      std::fputs("hotline-admin archive migrate: --grant_to names the services' role\n", stderr);
      return 2;
    }
    if (absl::Status s = archive::MigrateSchema(pg, roles); !s.ok()) return Fail(s);
    std::printf("archive migrate: schema version %d; %s may read the archive, move orders, and "
                "append to the access log (no UPDATE or DELETE on it)\n",
                archive::kSchemaVersion, absl::StrJoin(roles, ", ").c_str());
    return 0;
  }
  if (verb == "compact-audit") return CompactAudit(redis_flags, pg, batch, dry_run);
  if (verb == "ready") return Ready(pg, wait);
  if (verb == "stats") {
    // A PostgreSQL no move has run against yet: empty tables, not an error.
    if (absl::Status s = archive::EnsureSchema(pg); !s.ok()) return Fail(s);
    absl::StatusOr<archive::ArchiveSize> size = archive::MeasureArchive(pg);
    if (!size.ok()) return Fail(size.status());
    std::printf("archive: %lld orders, %lld history entries, %lld bytes (%.0f bytes/order)\n",
                static_cast<long long>(size->orders), static_cast<long long>(size->history_entries),
                static_cast<long long>(size->table_bytes),
                size->orders > 0 ? static_cast<double>(size->table_bytes) / size->orders : 0.0);
    absl::StatusOr<archive::AuditArchiveSize> audit_size = archive::MeasureAuditArchive(pg);
    if (!audit_size.ok()) return Fail(audit_size.status());
    std::printf("access log archive: %lld entries, %lld order index rows, %lld bytes\n",
                static_cast<long long>(audit_size->entries),
                static_cast<long long>(audit_size->order_rows),
                static_cast<long long>(audit_size->bytes));
    return 0;
  }
  if (verb != "run") {
    std::fputs("usage: hotline-admin archive run|stats|migrate|compact-audit|ready [--help]\n", stderr);
    return 2;
  }
  if (scoring_month_after <= absl::ZeroDuration()) {
    std::fputs("hotline-admin archive run: --scoring_month_after must be positive\n", stderr);
    return 2;
  }
  absl::StatusOr<v1::ArchivePolicy> policy = archive::LoadArchivePolicy(policy_path);
  if (!policy.ok()) return Fail(policy.status());
  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags);
  if (!redis_options.ok()) return Fail(redis_options.status());
  redis_options->connections = 1;
  redis::Client redis(*redis_options);

  absl::StatusOr<std::unique_ptr<Clock>> clock = MakeCityClock(clock_flags);
  if (!clock.ok()) return Fail(clock.status());
  archive::MoveOptions options;
  options.now = (*clock)->Now();
  options.min_age = min_age > absl::ZeroDuration() ? min_age
                                                   : absl::Hours(24) * policy->archive_after_days();
  options.batch = batch > 0 ? batch : policy->batch();
  options.max_orders = max_orders;
  absl::Time last_shown = absl::Now();
  options.progress = [&](int64_t scanned, int64_t moved) {
    if (absl::Now() - last_shown < absl::Seconds(1)) return;
    last_shown = absl::Now();
    std::fprintf(stderr, "archive run: %lld looked at, %lld moved\n",
                 static_cast<long long>(scanned), static_cast<long long>(moved));
  };
  const absl::Time start = absl::Now();
  absl::StatusOr<archive::MoveResult> result =
      archive::MoveDueOrders(redis, pg, orders::OrderKeys(), options);
  if (!result.ok()) return Fail(result.status());
  for (const std::string& id : result->failed_ids) std::fprintf(stderr, "failed: %s\n", id.c_str());
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf(
      "archive run: %lld archived orders looked at, %lld moved to PostgreSQL, %lld not due yet "
      "(younger than %s), %lld read again after a change, %lld failed, in %.1f s\n",
      static_cast<long long>(result->scanned), static_cast<long long>(result->moved),
      static_cast<long long>(result->young), absl::FormatDuration(options.min_age).c_str(),
      static_cast<long long>(result->retried), static_cast<long long>(result->failed), seconds);
  archive::AuditMoveOptions audit_options;
  audit_options.min_age = access_log_min_age > absl::ZeroDuration()
                              ? access_log_min_age
                              : absl::Hours(24) * policy->access_log_after_days();
  audit_options.batch = options.batch;
  audit_options.max_entries = max_entries;
  const absl::Time audit_start = absl::Now();
  absl::StatusOr<archive::AuditMoveResult> audit_result = archive::MoveOldAuditEntries(
      redis, pg, audit::AuditKeys(orders::OrderKeys().prefix()), audit_options);
  if (!audit_result.ok()) return Fail(audit_result.status());
  std::printf("archive run: %lld access-log entries older than %s moved to PostgreSQL, in %.1f s\n",
              static_cast<long long>(audit_result->moved),
              absl::FormatDuration(audit_options.min_age).c_str(),
              absl::ToDoubleSeconds(absl::Now() - audit_start));
  scoring::MonthMoveOptions month_options;
  month_options.now = options.now;
  month_options.zone = CityTimeZone();
  month_options.after = scoring_month_after;
  month_options.max_months = max_months;
  const absl::Time month_start = absl::Now();
  absl::StatusOr<scoring::MonthMoveResult> months = scoring::MoveClosedMonths(
      redis, pg, scoring::ScoringKeys(orders::OrderKeys().prefix()), month_options);
  if (!months.ok()) return Fail(months.status());
  for (const auto& [month, why] : months->held)
    std::fprintf(stderr, "archive run: scoring month %s held in Redis: %s\n", month.c_str(), why.c_str());
  std::printf("archive run: %zu scoring months moved to PostgreSQL (%s), %lld Redis keys, %lld rows; "
              "facts of %lld orders settled in moved months, in %.1f s\n",
              months->moved.size(), absl::StrJoin(months->moved, ",").c_str(),
              static_cast<long long>(months->keys), static_cast<long long>(months->rows),
              static_cast<long long>(months->facts),
              absl::ToDoubleSeconds(absl::Now() - month_start));
  return result->failed == 0 ? 0 : 1;
}

}  // namespace hotline::admin
