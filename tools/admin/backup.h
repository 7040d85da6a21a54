#pragma once
// `hotline-admin backup DIR` and `hotline-admin restore DIR`: a consistent
// copy of the centre's Redis (and, when given, its PostgreSQL archive tier)
// taken while it serves, and its return onto an empty Redis.
//
// Backup: BGSAVE SCHEDULE (Redis forks and writes a point-in-time RDB; an
// AOF rewrite in progress delays it instead of failing it), waits until
// LASTSAVE moves past its value before the request and the save reports ok,
// then copies the RDB file (found by CONFIG GET dir/dbfilename, or
// --redis_dir when Redis's disk is mounted elsewhere) into DIR with its
// SHA-256. Every write acknowledged before the backup began is in it (the
// fork comes after). With a PostgreSQL URL, `pg_dump --format=custom` of
// that database beside it. DIR/manifest.json says what it holds: files,
// sizes, SHA-256, times, LASTSAVE, the Redis version, keys and orders.
//
// Restore: checks every file against the manifest, refuses a target Redis
// that holds any key, starts a private redis-server (loopback, free port,
// no persistence) on a copy of the RDB, and copies every key with DUMP /
// PTTL / RESTORE (pipelined; RESTORE without REPLACE, so nothing on the
// target is overwritten), then compares key and order counts. Works on any
// Redis the client can reach (password, container), needs `redis-server` of
// the same or a newer version on this machine. With --pg_url, pg_restore
// into an empty database.
//
// Errors: FAILED_PRECONDITION (DIR not empty, target not empty, checksum
// mismatch, save failed), UNAVAILABLE (Redis down), INTERNAL (a tool
// failed). Blocking; not thread-safe.
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "redis/client.h"

namespace hotline::backup {

struct BackupOptions {
  std::string dir;
  std::string redis_dir;      // where Redis writes its RDB as seen here ("" = CONFIG GET dir)
  std::string redis_address;  // for the manifest
  std::string pg_url;         // "" = no PostgreSQL
  std::string pg_dump = "pg_dump";
  absl::Duration timeout = absl::Hours(1);  // for the save
  std::function<void(const std::string&)> progress;
};

struct BackupResult {
  std::string manifest_path;
  int64_t rdb_bytes = 0;
  int64_t orders_before = 0;  // idx:all when the backup began: all of them are in it
  int64_t lastsave = 0;
  absl::Duration save_time, total_time;
};

absl::StatusOr<BackupResult> Backup(redis::Client& redis, const BackupOptions& options);

struct RestoreOptions {
  std::string dir;
  std::string redis_server = "redis-server";
  std::string pg_url;
  std::string pg_restore = "pg_restore";
  std::string psql = "psql";
  int batch = 1000;
  std::function<void(const std::string&)> progress;
};

struct RestoreResult {
  int64_t keys = 0;
  int64_t orders = 0;
  int64_t bytes = 0;  // the RDB's size
  bool postgres_restored = false;
  absl::Duration load_time, copy_time, total_time;
};

absl::StatusOr<RestoreResult> Restore(redis::Client& target, const RestoreOptions& options);

// Lowercase hex SHA-256 of a file's bytes, and its size.
absl::StatusOr<std::string> FileSha256(const std::string& path, int64_t* size = nullptr);

}  // namespace hotline::backup

namespace hotline::backup {
// The subcommands (backup_cli.cc): argv[1] is "backup" or "restore".
int BackupMain(int argc, char** argv);
int RestoreMain(int argc, char** argv);
}  // namespace hotline::backup
