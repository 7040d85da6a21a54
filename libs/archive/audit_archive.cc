#include "archive/audit_archive.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "archive/archive_store.h"
#include "archive/audit_batch.h"
#include "hotline/v1/audit.pb.h"
#include "redis/reply_status.h"

namespace hotline::archive {

namespace scripts {
extern const std::string_view kAuditDelete;
}  // namespace scripts

namespace {

// (ms, seq) is the entry's Redis stream id, so both tiers order alike and a
// page token of either tier is a bound in the other. The trigger makes the
// log append-only for every role, the owner's included.
constexpr char kAuditSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS audit_entries (
  ms        bigint NOT NULL,
  seq       bigint NOT NULL,
  entry     bytea  NOT NULL,
  moved_ms  bigint NOT NULL,
  PRIMARY KEY (ms, seq)
);
CREATE TABLE IF NOT EXISTS audit_entry_orders (
  order_id  text COLLATE "C" NOT NULL,
  ms        bigint NOT NULL,
  seq       bigint NOT NULL,
  PRIMARY KEY (order_id, ms, seq)
);
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION 'the access log is append-only (%)', TG_OP;
END
$f$;
CREATE OR REPLACE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE OR REPLACE TRIGGER audit_entry_orders_append_only BEFORE UPDATE OR DELETE
  ON audit_entry_orders FOR EACH ROW EXECUTE FUNCTION audit_append_only();
)sql";

absl::Status ReadBatch(redis::Client& redis, const audit::AuditKeys& keys, int64_t cutoff_ms,
                       int count, AuditBatch* batch) {
  absl::StatusOr<redis::Reply> r =
      redis.Execute({"XRANGE", keys.Log(), "-", absl::StrCat("(", cutoff_ms, "-0"), "COUNT",
                     absl::StrCat(count)});
  if (!r.ok()) return r.status();
  if (r->is_error()) return redis::ErrorReplyToStatus(r->str);
  for (const redis::Reply& item : r->elements) {
    if (absl::Status s = AddAuditEntry(item, batch); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status DeleteFromRedis(redis::Client& redis, const audit::AuditKeys& keys, const AuditBatch& b) {
  static const redis::Script script(scripts::kAuditDelete);
  std::vector<std::string> k = {keys.Log()};
  std::vector<std::string> argv = {absl::StrJoin(b.ids, " ")};
  for (const auto& [order, ids] : b.by_order) {
    k.push_back(keys.OrderIndex(order));
    argv.push_back(absl::StrJoin(ids, " "));
  }
  absl::StatusOr<redis::Reply> r = redis.ExecuteScript(script, std::move(k), std::move(argv));
  if (!r.ok()) return r.status();
  if (r->is_error()) return redis::ErrorReplyToStatus(r->str);
  return absl::OkStatus();
}

}  // namespace

const char* AuditSchemaSql() { return kAuditSchema; }

absl::StatusOr<AuditMoveResult> MoveOldAuditEntries(redis::Client& redis, PgConnection& pg,
                                                    const audit::AuditKeys& keys,
                                                    const AuditMoveOptions& o) {
  if (o.batch <= 0) return absl::InvalidArgumentError("batch: must be positive");
  if (absl::Status s = EnsureSchema(pg); !s.ok()) return s;
  const absl::Time now = o.now == absl::InfinitePast() ? absl::Now() : o.now;
  const int64_t cutoff_ms = absl::ToUnixMillis(now - o.min_age);
  AuditMoveResult result;
  while (o.max_entries == 0 || result.moved < o.max_entries) {
    int count = o.batch;
    if (o.max_entries != 0)
      count = static_cast<int>(std::min<int64_t>(count, o.max_entries - result.moved));
    AuditBatch b;
    if (absl::Status s = ReadBatch(redis, keys, cutoff_ms, count, &b); !s.ok()) return s;
    if (b.ids.empty()) break;
    if (absl::Status s = CopyAuditBatch(pg, b, now); !s.ok()) return s;
    if (absl::Status s = VerifyAuditBatch(pg, b); !s.ok()) return s;
    if (o.before_delete) {
      if (absl::Status s = o.before_delete(); !s.ok()) return s;
    }
    if (absl::Status s = DeleteFromRedis(redis, keys, b); !s.ok()) return s;
    result.moved += static_cast<int64_t>(b.ids.size());
    ++result.batches;
  }
  return result;
}

absl::StatusOr<AuditArchiveSize> MeasureAuditArchive(PgConnection& pg) {
  absl::StatusOr<PgRows> r = pg.Exec(
      "SELECT (SELECT count(*) FROM audit_entries), (SELECT count(*) FROM audit_entry_orders), "
      "pg_total_relation_size('audit_entries') + pg_total_relation_size('audit_entry_orders')");
  if (!r.ok()) return r.status();
  if (r->rows.size() != 1 || r->rows[0].size() != 3) return absl::InternalError("bad size row");
  AuditArchiveSize size;
  size.entries = std::atoll(r->rows[0][0].value_or("0").c_str());
  size.order_rows = std::atoll(r->rows[0][1].value_or("0").c_str());
  size.bytes = std::atoll(r->rows[0][2].value_or("0").c_str());
  return size;
}

absl::StatusOr<std::vector<audit::StoredEntry>> ListArchivedAudit(PgConnection& pg,
                                                                  const std::string& order_id,
                                                                  const std::string& before,
                                                                  int limit) {
  AuditId bound{"9223372036854775807", "9223372036854775807"};
  if (!before.empty()) {
    absl::StatusOr<AuditId> split = SplitAuditId(before);
    if (!split.ok()) return absl::InvalidArgumentError("page_token: not a token this API gave out");
    bound = *split;
  }
  absl::StatusOr<PgRows> r =
      order_id.empty()
          ? pg.Exec(
                "SELECT ms, seq, encode(entry, 'hex') FROM audit_entries "
                "WHERE (ms, seq) < ($1::bigint, $2::bigint) ORDER BY ms DESC, seq DESC LIMIT $3",
                {bound.ms, bound.seq, absl::StrCat(limit)})
          : pg.Exec(
                "SELECT e.ms, e.seq, encode(e.entry, 'hex') FROM audit_entry_orders o "
                "JOIN audit_entries e USING (ms, seq) WHERE o.order_id = $1 "
                "AND (o.ms, o.seq) < ($2::bigint, $3::bigint) "
                "ORDER BY o.ms DESC, o.seq DESC LIMIT $4",
                {order_id, bound.ms, bound.seq, absl::StrCat(limit)});
  if (!r.ok()) {
    // No table yet: nothing was ever moved.
    if (absl::StrContains(r.status().message(), "does not exist")) {
      return std::vector<audit::StoredEntry>{};
    }
    return r.status();
  }
  std::vector<audit::StoredEntry> out;
  out.reserve(r->rows.size());
  for (const auto& row : r->rows) {
    if (row.size() != 3 || !row[0] || !row[1] || !row[2]) {
      return absl::DataLossError("archived access log: a row that cannot be read");
    }
    out.push_back({absl::StrCat(*row[0], "-", *row[1]), absl::HexStringToBytes(*row[2])});
  }
  return out;
}

void PgAuditArchive::ListOlder(
    std::string order_id, std::string before, int limit,
    absl::AnyInvocable<void(absl::StatusOr<std::vector<audit::StoredEntry>>)> done) {
  auto shared = std::make_shared<decltype(done)>(std::move(done));
  pool_.Submit(
      [order_id = std::move(order_id), before = std::move(before), limit,
       shared](PgConnection& pg) { (*shared)(ListArchivedAudit(pg, order_id, before, limit)); });
}

}  // namespace hotline::archive
