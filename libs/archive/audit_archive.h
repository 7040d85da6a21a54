#pragma once
// The access log's archive tier: entries older than the archive policy's
// access_log_after_days leave Redis (libs/audit) for PostgreSQL, where they
// are kept for good, append-only: the services' role is granted SELECT and
// INSERT only (MigrateSchema, archive_store.h), and a trigger refuses UPDATE
// and DELETE on both tables whoever asks, the owner included.
//
// Tables (schema in audit_archive.cc, created by EnsureSchema):
//   audit_entries        (ms, seq) the entry's Redis stream id, entry bytea
//                        (the serialized AuditEntry exactly as Redis held it)
//   audit_entry_orders   (order_id, ms, seq): the orders each entry names,
//                        the per-order index of audit:order:{ID}:ids
//
// The move (MoveOldAuditEntries), oldest first, a batch at a time:
//   1. XRANGE the log up to the cutoff (entries are immutable: no snapshot
//      script needed);
//   2. copy the batch, entries and order index rows, in one transaction
//      (ON CONFLICT DO NOTHING: a rerun after a kill copies nothing twice);
//   3. read the batch back and compare byte for byte;
//   4. remove the entries and their ids in every order's index from Redis in
//      one script (audit_delete.lua).
// Killed anywhere, a rerun finds the same oldest entries still in Redis
// (before 4) or already gone (after), so nothing is lost or duplicated.
// Readers (audit::AuditLog with PgAuditArchive) merge both tiers by id.
//
// Errors: UNAVAILABLE (Redis or PostgreSQL down: run again), DATA_LOSS (an
// entry that does not parse, or a copy that does not read back equal: nothing
// of that batch is removed from Redis), INTERNAL.
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "archive/pg.h"
#include "audit/audit_log.h"
#include "redis/client.h"

namespace hotline::archive {

// The tables, triggers and indexes; run by EnsureSchema (archive_store.h).
const char* AuditSchemaSql();

struct AuditMoveOptions {
  absl::Duration min_age = absl::Hours(24 * 90);  // since the entry was appended
  absl::Time now = absl::InfinitePast();  // InfinitePast: absl::Now() (Redis's ids are wall clock)
  int batch = 200;
  int64_t max_entries = 0;  // 0: every entry due
  // Called between steps 3 and 4 of each batch (tests inject a failure:
  // a non-OK return stops the run there, as a kill would).
  std::function<absl::Status()> before_delete;
};

struct AuditMoveResult {
  int64_t moved = 0;  // copied, verified, removed from Redis
  int64_t batches = 0;
};

absl::StatusOr<AuditMoveResult> MoveOldAuditEntries(redis::Client& redis, PgConnection& pg,
                                                    const audit::AuditKeys& keys,
                                                    const AuditMoveOptions& options);

// Entries and bytes of the archived access log.
struct AuditArchiveSize {
  int64_t entries = 0;
  int64_t order_rows = 0;
  int64_t bytes = 0;  // both tables with their indexes
};
absl::StatusOr<AuditArchiveSize> MeasureAuditArchive(PgConnection& pg);

// One indexed query: at most `limit` entries older than `before` ("" : the
// newest), newest first, naming `order_id` unless empty.
absl::StatusOr<std::vector<audit::StoredEntry>> ListArchivedAudit(PgConnection& pg,
                                                                  const std::string& order_id,
                                                                  const std::string& before,
                                                                  int limit);

// audit::AuditArchive on a PgPool (the services' read path).
class PgAuditArchive final : public audit::AuditArchive {
 public:
  explicit PgAuditArchive(PgPool& pool) : pool_(pool) {}
  void ListOlder(
      std::string order_id, std::string before, int limit,
      absl::AnyInvocable<void(absl::StatusOr<std::vector<audit::StoredEntry>>)> done) override;

 private:
  PgPool& pool_;
};

}  // namespace hotline::archive
