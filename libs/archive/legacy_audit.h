#pragma once
// Compaction of the per-order access-log streams an older version wrote
// (<p>audit:order:{ID}: each entry naming the order, stored whole under its
// log id; read only since the index, audit/audit_log.h). Their entries move
// into PostgreSQL's access log in the shape the log's own mover gives them
// (audit_entries by stream id, byte for byte; audit_entry_orders, one row for
// each order the entry names), then leave Redis; an emptied stream is
// deleted. Readers with the archive (intake --postgres) list them as before.
//
// Per stream, a batch at a time, oldest first:
//   1. XRANGE the stream (entries are immutable);
//   2. copy the batch in one transaction, ON CONFLICT DO NOTHING (an entry
//      already moved from the log, or by a killed run, is not copied twice);
//   3. read it back and compare byte for byte (DATA_LOSS, nothing removed,
//      if a stored entry under that id differs);
//   4. one script XDELs the batch from the stream and DELs it once empty.
// Killed anywhere, a rerun finds the entries still in the stream (before 4)
// or gone (after), so nothing is lost or duplicated.
//
// Errors: UNAVAILABLE (Redis or PostgreSQL down: run again), DATA_LOSS (an
// entry of another shape, or a copy that does not read back equal: that
// batch stays in Redis), FAILED_PRECONDITION (the schema not migrated).
#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "archive/pg.h"
#include "audit/audit_log.h"
#include "redis/client.h"

namespace hotline::archive {

struct LegacyAuditCount {
  int64_t streams = 0;
  int64_t entries = 0;
};
// How many per-order streams remain, and their entries (SCAN ... TYPE
// stream, then XLEN each): read only.
absl::StatusOr<LegacyAuditCount> CountLegacyAudit(redis::Client& redis,
                                                  const audit::AuditKeys& keys);

struct LegacyCompactOptions {
  int batch = 200;
  // Called between steps 3 and 4 of each batch (tests inject a failure: a
  // non-OK return stops the run there, as a kill would).
  std::function<absl::Status()> before_delete;
};
struct LegacyCompactResult {
  int64_t streams = 0;  // emptied and deleted
  int64_t entries = 0;  // copied, verified, removed from Redis
};
absl::StatusOr<LegacyCompactResult> CompactLegacyAudit(redis::Client& redis, PgConnection& pg,
                                                       const audit::AuditKeys& keys,
                                                       const LegacyCompactOptions& options);

}  // namespace hotline::archive
