#include "archive/archive_store.h"

#include "archive/audit_archive.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "orders/order_record.h"

namespace hotline::archive {
namespace {

// id is compared byte-wise (COLLATE "C") so ties on created_ms order exactly
// as Redis orders sorted-set members of equal score.
constexpr char kOrderSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS archived_orders (
  id          text COLLATE "C" PRIMARY KEY,
  version     bigint  NOT NULL,
  state       integer NOT NULL,
  type        integer NOT NULL,
  district    text    NOT NULL,
  unit        text    NOT NULL,
  phone_hash  text,
  created_ms  bigint  NOT NULL,
  archived_ms bigint  NOT NULL,
  moved_ms    bigint  NOT NULL,
  trail_head  text    NOT NULL,
  record      text[]  NOT NULL,
  history     text[]  NOT NULL,
  duplicates  text[]  NOT NULL
);
CREATE INDEX IF NOT EXISTS archived_orders_created ON archived_orders (created_ms, id);
CREATE INDEX IF NOT EXISTS archived_orders_phone ON archived_orders (phone_hash, created_ms, id)
  WHERE phone_hash IS NOT NULL;
CREATE INDEX IF NOT EXISTS archived_orders_unit ON archived_orders (unit, created_ms, id);
CREATE INDEX IF NOT EXISTS archived_orders_district ON archived_orders (district, created_ms, id);
)sql";

absl::flat_hash_map<std::string, std::string> Fields(const std::vector<std::string>& flat) {
  absl::flat_hash_map<std::string, std::string> m;
  for (size_t i = 0; i + 1 < flat.size(); i += 2) m[flat[i]] = flat[i + 1];
  return m;
}

std::string Get(const absl::flat_hash_map<std::string, std::string>& m, const char* name,
                const char* fallback = "") {
  auto it = m.find(name);
  return it == m.end() ? fallback : it->second;
}

// A database no move has run against yet (a new deployment) has no table:
// nothing is archived, which is not an error for a reader.
bool NoArchiveYet(const absl::Status& s) {
  return absl::StrContains(s.message(), "relation \"archived_orders\" does not exist");
}

}  // namespace

const char* OrderSchemaSql() { return kOrderSchema; }

absl::Status UpsertCopy(PgConnection& pg, const OrderCopy& c, absl::Time moved_at) {
  const auto f = Fields(c.record);
  const std::string phone = Get(f, orders::field::kCallerPhoneHash);
  PgParams params = {
      c.id,
      absl::StrCat(c.version),
      Get(f, orders::field::kState, "0"),
      Get(f, orders::field::kType, "0"),
      Get(f, orders::field::kDistrict),
      Get(f, orders::field::kUnit),
      phone.empty() ? std::nullopt : std::optional<std::string>(phone),
      Get(f, orders::field::kCreatedMs, "0"),
      Get(f, orders::field::kUpdatedMs, "0"),
      absl::StrCat(absl::ToUnixMillis(moved_at)),
      Get(f, orders::field::kTrailHead),
      TextArrayLiteral(c.record),
      TextArrayLiteral(c.history),
      TextArrayLiteral(c.duplicates),
  };
  return pg
      .Exec(R"sql(
INSERT INTO archived_orders (id, version, state, type, district, unit, phone_hash, created_ms,
  archived_ms, moved_ms, trail_head, record, history, duplicates)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state,
  type = EXCLUDED.type, district = EXCLUDED.district, unit = EXCLUDED.unit,
  phone_hash = EXCLUDED.phone_hash, created_ms = EXCLUDED.created_ms,
  archived_ms = EXCLUDED.archived_ms, moved_ms = EXCLUDED.moved_ms,
  trail_head = EXCLUDED.trail_head, record = EXCLUDED.record, history = EXCLUDED.history,
  duplicates = EXCLUDED.duplicates
WHERE archived_orders.version <= EXCLUDED.version)sql",
            params)
      .status();
}

absl::StatusOr<bool> CopyMatches(PgConnection& pg, const OrderCopy& c) {
  absl::StatusOr<PgRows> r = pg.Exec(
      "SELECT version = $2::bigint AND record = $3::text[] AND history = $4::text[] AND "
      "duplicates = $5::text[] FROM archived_orders WHERE id = $1",
      {c.id, absl::StrCat(c.version), TextArrayLiteral(c.record), TextArrayLiteral(c.history),
       TextArrayLiteral(c.duplicates)});
  if (!r.ok()) return r.status();
  return r->rows.size() == 1 && r->rows[0][0] == std::optional<std::string>("t");
}

absl::Status DeleteCopy(PgConnection& pg, const std::string& id, int64_t version) {
  return pg.Exec("DELETE FROM archived_orders WHERE id = $1 AND version = $2::bigint",
                 {id, absl::StrCat(version)})
      .status();
}

absl::StatusOr<StoredOrder> ReadOrder(PgConnection& pg, const std::string& id,
                                      orders::HistoryWindow window) {
  // The page as LRANGE would cut it: a negative offset counts from the end.
  absl::StatusOr<PgRows> r = pg.Exec(R"sql(
SELECT record, history[lo : lo + $3::int - 1], cardinality(history)
FROM archived_orders,
  LATERAL (SELECT CASE WHEN $2::int >= 0 THEN $2::int + 1
                       ELSE greatest(cardinality(history) + $2::int + 1, 1) END AS lo) AS w
WHERE id = $1)sql",
                                     {id, absl::StrCat(window.offset), absl::StrCat(window.limit)});
  if (!r.ok() && !NoArchiveYet(r.status())) return r.status();
  if (!r.ok() || r->rows.empty())
    return absl::NotFoundError(absl::StrCat("order ", id, " not found"));
  const auto& row = r->rows[0];
  StoredOrder out;
  absl::StatusOr<std::vector<std::string>> record = ParseTextArray(row[0].value_or("{}"));
  if (!record.ok()) return record.status();
  out.record = std::move(*record);
  if (window.limit > 0) {
    absl::StatusOr<std::vector<std::string>> history = ParseTextArray(row[1].value_or("{}"));
    if (!history.ok()) return history.status();
    out.history = std::move(*history);
  }
  (void)absl::SimpleAtoi(row[2].value_or("0"), &out.history_total);
  return out;
}

absl::StatusOr<v1::WorkOrder> ToWorkOrder(const std::string& id, const StoredOrder& stored) {
  absl::StatusOr<v1::WorkOrder> order = orders::FromRecord(stored.record);
  if (!order.ok()) return order.status();
  for (const std::string& json : stored.history) {
    absl::StatusOr<v1::HistoryEntry> entry = orders::HistoryEntryFromJson(json);
    if (!entry.ok()) return entry.status();
    *order->add_history() = std::move(*entry);
  }
  order->set_history_total(static_cast<int32_t>(stored.history_total));
  order->set_storage_tier(v1::STORAGE_TIER_ARCHIVE);
  if (order->id().empty()) order->set_id(id);
  return order;
}

absl::StatusOr<std::vector<v1::WorkOrder>> ListArchived(PgConnection& pg,
                                                        const orders::ListQuery& q,
                                                        const ListCursor& after, int limit) {
  std::vector<std::string> where;
  PgParams params;
  auto add = [&](const std::string& condition, std::string value) {
    params.push_back(std::move(value));
    where.push_back(absl::StrCat(condition, " $", params.size()));
  };
  if (!q.phone_hash.empty()) add("phone_hash =", q.phone_hash);
  if (!q.unit_code.empty()) add("unit =", q.unit_code);
  if (!q.district_code.empty()) add("district =", q.district_code);
  if (q.state != v1::ORDER_STATE_UNSPECIFIED) add("state =", absl::StrCat(q.state));
  if (q.type != v1::ORDER_TYPE_UNSPECIFIED) add("type =", absl::StrCat(q.type));
  if (q.created_from) add("created_ms >=", absl::StrCat(absl::ToUnixMillis(*q.created_from)));
  if (q.created_until) add("created_ms <", absl::StrCat(absl::ToUnixMillis(*q.created_until)));
  const bool desc = !q.oldest_first;
  if (after.set) {
    params.push_back(absl::StrCat(after.created_ms));
    params.push_back(after.id);
    where.push_back(absl::StrCat("(created_ms, id) ", desc ? "<" : ">", " ($",
                                 params.size() - 1, "::bigint, $", params.size(), ")"));
  }
  const std::string sql = absl::StrCat(
      "SELECT id, record FROM archived_orders",
      where.empty() ? "" : absl::StrCat(" WHERE ", absl::StrJoin(where, " AND ")),
      desc ? " ORDER BY created_ms DESC, id DESC" : " ORDER BY created_ms, id", " LIMIT ", limit);
  absl::StatusOr<PgRows> r = pg.Exec(sql, params);
  if (!r.ok() && NoArchiveYet(r.status())) return std::vector<v1::WorkOrder>{};
  if (!r.ok()) return r.status();
  std::vector<v1::WorkOrder> out;
  out.reserve(r->rows.size());
  for (const auto& row : r->rows) {
    StoredOrder stored;
    absl::StatusOr<std::vector<std::string>> record = ParseTextArray(row[1].value_or("{}"));
    if (!record.ok()) return record.status();
    stored.record = std::move(*record);
    absl::StatusOr<v1::WorkOrder> order = ToWorkOrder(row[0].value_or(""), stored);
    if (!order.ok()) return order.status();
    order->clear_history_total();
    out.push_back(std::move(*order));
  }
  return out;
}

absl::StatusOr<ArchivedIds> ListArchivedIds(PgConnection& pg, const ListCursor& after, int64_t offset,
                                            int limit) {
  absl::StatusOr<PgRows> r =
      after.set ? pg.Exec("SELECT id, created_ms FROM archived_orders WHERE (created_ms, id) > ($1::bigint, $2) "
                          "ORDER BY created_ms, id LIMIT $3::int",
                          {absl::StrCat(after.created_ms), after.id, absl::StrCat(limit)})
                : pg.Exec("SELECT id, created_ms FROM archived_orders ORDER BY created_ms, id "
                          "OFFSET $1::bigint LIMIT $2::int",
                          {absl::StrCat(offset), absl::StrCat(limit)});
  if (!r.ok() && NoArchiveYet(r.status())) return ArchivedIds{};
  if (!r.ok()) return r.status();
  ArchivedIds out;
  out.ids.reserve(r->rows.size());
  for (const auto& row : r->rows) {
    out.ids.push_back(row[0].value_or(""));
    out.last.set = true;
    out.last.id = out.ids.back();
    if (!absl::SimpleAtoi(row[1].value_or(""), &out.last.created_ms)) {
      return absl::DataLossError(absl::StrCat("archived order ", out.last.id, ": created_ms unreadable"));
    }
  }
  return out;
}

absl::StatusOr<std::set<std::string>> ArchivedAmong(PgConnection& pg,
                                                    const std::vector<std::string>& ids) {
  absl::StatusOr<PgRows> r =
      pg.Exec("SELECT id FROM archived_orders WHERE id = ANY($1::text[])", {TextArrayLiteral(ids)});
  std::set<std::string> out;
  if (!r.ok() && NoArchiveYet(r.status())) return out;
  if (!r.ok()) return r.status();
  for (const auto& row : r->rows) {
    if (!row.empty() && row[0]) out.insert(*row[0]);
  }
  return out;
}

absl::StatusOr<ArchiveSize> MeasureArchive(PgConnection& pg) {
  absl::StatusOr<PgRows> r = pg.Exec(
      "SELECT count(*), coalesce(sum(cardinality(history)), 0), "
      "pg_total_relation_size('archived_orders') FROM archived_orders");
  if (!r.ok()) return r.status();
  ArchiveSize s;
  (void)absl::SimpleAtoi(r->rows[0][0].value_or("0"), &s.orders);
  (void)absl::SimpleAtoi(r->rows[0][1].value_or("0"), &s.history_entries);
  (void)absl::SimpleAtoi(r->rows[0][2].value_or("0"), &s.table_bytes);
  return s;
}

}  // namespace hotline::archive
