// hotline-admin backup DIR / restore DIR: flags and figures around
// backup.h. Exit 0 done, 1 failed or refused, 2 bad usage.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "admin/backup.h"
#include "config/flags.h"
#include "redis/client.h"
#include "redis/flags.h"

namespace hotline::backup {
namespace {

// DIR (the first argument not a flag) and the rest for the flag parser.
std::vector<const char*> SplitArgs(int argc, char** argv, std::string* dir) {
  std::vector<const char*> rest = {argv[0]};
  for (int i = 2; i < argc; ++i) {
    if (dir->empty() && argv[i][0] != '-') {
      *dir = argv[i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  return rest;
}

int Fail(const char* what, const absl::Status& s) {
  std::fprintf(stderr, "hotline-admin %s: %s\n", what, s.ToString().c_str());
  return 1;
}

}  // namespace

int BackupMain(int argc, char** argv) {
  BackupOptions o;
  std::vector<const char*> rest = SplitArgs(argc, argv, &o.dir);
  redis::RedisFlags redis_flags;
  config::Flags flags(
      "hotline-admin backup DIR",
      "a consistent copy of Redis (BGSAVE, the RDB copied) and, with --pg_url, pg_dump, "
      "with DIR/manifest.json; while the centre serves");
  redis::AddRedisFlags(flags, &redis_flags);
  flags.String("redis_dir", "", "Redis's data folder as seen from here (default: CONFIG GET dir)",
               &o.redis_dir);
  flags.String("pg_url", "HOTLINE_PG_URL", "PostgreSQL (archive tier) to pg_dump; empty: none",
               &o.pg_url);
  flags.String("pg_dump", "", "the pg_dump binary", &o.pg_dump);
  flags.Duration("timeout", "", "how long the save may take", &o.timeout);
  flags.ParseOrExit(static_cast<int>(rest.size()), rest.data());
  if (o.dir.empty()) {
    std::fprintf(stderr, "hotline-admin backup: which folder? (hotline-admin backup DIR)\n");
    return 2;
  }
  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags);
  if (!redis_options.ok()) return Fail("backup", redis_options.status());
  redis_options->connections = 1;
  o.redis_address = absl::StrCat(redis_options->host, ":", redis_options->port);
  redis::Client redis(*redis_options);
  absl::StatusOr<BackupResult> r = Backup(redis, o);
  if (!r.ok()) return Fail("backup", r.status());
  std::printf(
      "backup: %s: %lld orders when begun, RDB %lld bytes (LASTSAVE %lld), save %.2f s, total %.2f "
      "s\n",
      r->manifest_path.c_str(), static_cast<long long>(r->orders_before),
      static_cast<long long>(r->rdb_bytes), static_cast<long long>(r->lastsave),
      absl::ToDoubleSeconds(r->save_time), absl::ToDoubleSeconds(r->total_time));
  return 0;
}

int RestoreMain(int argc, char** argv) {
  RestoreOptions o;
  std::vector<const char*> rest = SplitArgs(argc, argv, &o.dir);
  redis::RedisFlags redis_flags;
  config::Flags flags(
      "hotline-admin restore DIR",
      "brings a backup back onto an EMPTY Redis (and, with --pg_url, an empty PostgreSQL "
      "database); refuses a target that holds anything");
  redis::AddRedisFlags(flags, &redis_flags);
  flags.String("redis_server", "", "the redis-server binary that loads the backup privately",
               &o.redis_server);
  flags.String("pg_url", "HOTLINE_PG_URL",
               "PostgreSQL database to pg_restore into; empty: Redis only", &o.pg_url);
  flags.String("pg_restore", "", "the pg_restore binary", &o.pg_restore);
  flags.String("psql", "", "the psql binary (checks the database is empty)", &o.psql);
  flags.Int("batch", "", "keys a pipelined step", &o.batch);
  flags.ParseOrExit(static_cast<int>(rest.size()), rest.data());
  if (o.dir.empty()) {
    std::fprintf(stderr, "hotline-admin restore: which folder? (hotline-admin restore DIR)\n");
    return 2;
  }
  if (o.batch <= 0) {
    std::fprintf(stderr, "hotline-admin restore: --batch: must be positive\n");
    return 2;
  }
  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags);
  if (!redis_options.ok()) return Fail("restore", redis_options.status());
  redis_options->connections = 4;
  redis::Client redis(*redis_options);
  absl::StatusOr<RestoreResult> r = Restore(redis, o);
  if (!r.ok()) return Fail("restore", r.status());
  std::printf(
      "restore: %lld keys, %lld orders from a %lld-byte RDB in %.2f s (load %.2f s, copy %.2f "
      "s)%s\n",
      static_cast<long long>(r->keys), static_cast<long long>(r->orders),
      static_cast<long long>(r->bytes), absl::ToDoubleSeconds(r->total_time),
      absl::ToDoubleSeconds(r->load_time), absl::ToDoubleSeconds(r->copy_time),
      r->postgres_restored ? ", PostgreSQL restored" : "");
  return 0;
}

}  // namespace hotline::backup
