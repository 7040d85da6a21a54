#pragma once
// A batch of access-log entries on its way from Redis to PostgreSQL, shared
// by the two movers of the log: the aged entries of the log stream
// (audit_archive.h) and the per-order streams an older version wrote
// (legacy_audit.h). The copy is one transaction, ON CONFLICT DO NOTHING (a
// rerun copies nothing twice); the verify reads the batch back byte for
// byte, with its order rows, before anything leaves Redis.
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "archive/pg.h"
#include "redis/client.h"

namespace hotline::archive {

// A Redis stream id split into the (ms, seq) the tables key on.
struct AuditId {
  std::string ms, seq;
};
// DATA_LOSS when `id` is not a stream id.
absl::StatusOr<AuditId> SplitAuditId(const std::string& id);

struct AuditBatch {
  std::vector<std::string> ids;
  std::vector<std::string> ms, seq, hex;                     // per entry
  std::vector<std::string> order_ids, order_ms, order_seq;   // per (order, entry)
  std::map<std::string, std::vector<std::string>> by_order;  // order -> ids
};

// Adds one stream item as XRANGE answers it ({id, {"e", serialized
// AuditEntry}}), with one order row for each order it names (once each, as
// append_audit.lua indexes them). DATA_LOSS for another shape or an entry
// that does not parse.
absl::Status AddAuditEntry(const redis::Reply& item, AuditBatch* batch);

absl::Status CopyAuditBatch(PgConnection& pg, const AuditBatch& batch, absl::Time now);
// OK when every entry is stored with the same bytes and every order row is
// there; DATA_LOSS otherwise.
absl::Status VerifyAuditBatch(PgConnection& pg, const AuditBatch& batch);

}  // namespace hotline::archive
