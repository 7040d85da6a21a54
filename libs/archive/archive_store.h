#pragma once
// The archive tier: work orders that left Redis, kept in PostgreSQL with
// their whole hash-chained history, exactly as Redis held them (the record's
// field/value pairs and every history entry byte for byte, so the trail
// verifies in either tier). Blocking functions on one connection; the
// callers put them on a PgPool (tiered_order_store.h) or a tool's thread.
//
// One table, archived_orders (schema in archive_store.cc, created by
// EnsureSchema): one row per order, keyed by id, with the columns the
// listings filter on (state, type, district, unit, phone_hash, created_ms)
// indexed. Reading an order is one primary-key lookup.
//
// Errors: UNAVAILABLE (PostgreSQL unreachable), NOT_FOUND, INTERNAL (a
// statement refused), DATA_LOSS (a stored row cannot be read).
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "archive/pg.h"
#include "hotline/v1/work_order.pb.h"
#include "orders/order_store.h"

namespace hotline::archive {

// The schema (schema.cc). Two roles: the schema's owner runs MigrateSchema
// (hotline-admin archive migrate), which creates the tables (these, the
// access log's in audit_archive.h) and their indexes if missing, records
// kSchemaVersion, and grants each of `service_roles` what the services and
// the mover need and no more: SELECT, INSERT, UPDATE, DELETE on
// archived_orders (the mover upserts and withdraws copies), SELECT and INSERT
// only on the access log's tables, so the log is append-only by the grants
// and again by its trigger; SELECT, INSERT and DELETE on scoring's month
// tables (services/scoring/month_archive.h). Idempotent; serialized by an advisory lock.
// INVALID_ARGUMENT for a bad role name or one that is the caller itself;
// FAILED_PRECONDITION when a service role owns one of the tables (an owner's
// rights are not taken away by grants: reassign it first, README).
inline constexpr int kSchemaVersion = 4;  // 3: scoring's closed months; 4: their orders' facts
absl::Status MigrateSchema(PgConnection& owner, const std::vector<std::string>& service_roles);
// For the mover and the tools: OK when the schema is at kSchemaVersion;
// otherwise migrates it as the caller (a single-role set-up, tests), and when
// the caller may not create it, FAILED_PRECONDITION saying to run
// `hotline-admin archive migrate` as the owner.
absl::Status EnsureSchema(PgConnection& pg);
// For the services' start (hotline-admin archive ready, k8s initContainers):
// OK when the schema is at kSchemaVersion and the caller's role may SELECT
// every table of ServiceTables(), i.e. the owner's migrate has granted;
// FAILED_PRECONDITION saying what is missing; UNAVAILABLE when PostgreSQL
// cannot be reached. Read only.
absl::Status CheckGranted(PgConnection& pg);
// The tables the services' role is granted (MigrateSchema).
std::vector<std::string> ServiceTables();
// The archived_orders table and its indexes.
const char* OrderSchemaSql();

// One order as the mover read it from Redis in one snapshot.
struct OrderCopy {
  std::string id;
  int64_t version = 0;
  std::vector<std::string> record;      // HGETALL: field, value, field, value ...
  std::vector<std::string> history;     // every stored entry, chained
  std::vector<std::string> duplicates;  // the duplicates set's members
};

// Writes `copy` in one statement (one transaction): inserted, or replacing
// an older version; a row at a newer version is left as it is.
absl::Status UpsertCopy(PgConnection& pg, const OrderCopy& copy, absl::Time moved_at);
// True when the stored row is exactly `copy` (version, record, history,
// duplicates): read back after the commit, before Redis lets go of it.
absl::StatusOr<bool> CopyMatches(PgConnection& pg, const OrderCopy& copy);
// Removes the row written for `copy` if it is still at that version (an order
// that changed in Redis after the copy, and is no longer due to move).
absl::Status DeleteCopy(PgConnection& pg, const std::string& id, int64_t version);

// An archived order's stored form: the record's field/value list, one page
// of its history and how many entries it has.
struct StoredOrder {
  std::vector<std::string> record;
  std::vector<std::string> history;
  int64_t history_total = 0;
};
// One indexed query (primary key). window as orders::HistoryWindow (a
// negative offset counts from the end). NOT_FOUND when not archived, also
// before the first move has made the table.
absl::StatusOr<StoredOrder> ReadOrder(PgConnection& pg, const std::string& id,
                                      orders::HistoryWindow window);
// The order as readers see it (storage_tier = ARCHIVE, history decoded).
absl::StatusOr<v1::WorkOrder> ToWorkOrder(const std::string& id, const StoredOrder& stored);

// One page of archived orders matching `query` (its filters and created
// range; its page_token and page_size are ignored), strictly after the
// cursor (created_ms, id) in the listing's order when `after_set`. Ordered
// by (created_ms, id), newest first unless oldest_first, like the Redis
// listings; without history. Empty before the first move has made the table.
struct ListCursor {
  bool set = false;
  int64_t created_ms = 0;
  std::string id;
};
absl::StatusOr<std::vector<v1::WorkOrder>> ListArchived(PgConnection& pg,
                                                        const orders::ListQuery& query,
                                                        const ListCursor& after, int limit);

// A page of the city-wide walk (VerifyOrderTrail all) over the archive:
// ids oldest first by (created_ms, id), strictly after `after` when it is
// set (an index range scan), else from row `offset` on (the index walks
// `offset` rows first). `last` is the page's last row, the next call's
// `after`. Empty before the first move has made the table.
struct ArchivedIds {
  std::vector<std::string> ids;
  ListCursor last;
};
absl::StatusOr<ArchivedIds> ListArchivedIds(PgConnection& pg, const ListCursor& after, int64_t offset,
                                            int limit);

// Which of `ids` the archive holds (one indexed query); none before the
// first move has made the table.
absl::StatusOr<std::set<std::string>> ArchivedAmong(PgConnection& pg,
                                                    const std::vector<std::string>& ids);

// Rows and bytes of the archive (the table with its TOAST and indexes).
struct ArchiveSize {
  int64_t orders = 0;
  int64_t history_entries = 0;
  int64_t table_bytes = 0;  // pg_total_relation_size
};
absl::StatusOr<ArchiveSize> MeasureArchive(PgConnection& pg);

}  // namespace hotline::archive
