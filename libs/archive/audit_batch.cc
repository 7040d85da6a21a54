#include "archive/audit_batch.h"

#include <cstdlib>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "hotline/v1/audit.pb.h"

namespace hotline::archive {

absl::StatusOr<AuditId> SplitAuditId(const std::string& id) {
  const size_t dash = id.find('-');
  uint64_t a = 0, b = 0;
  if (dash == std::string::npos || !absl::SimpleAtoi(id.substr(0, dash), &a) ||
      !absl::SimpleAtoi(id.substr(dash + 1), &b)) {
    return absl::DataLossError(absl::StrCat("access log: not a stream id: ", id));
  }
  return AuditId{id.substr(0, dash), id.substr(dash + 1)};
}

absl::Status AddAuditEntry(const redis::Reply& item, AuditBatch* batch) {
  if (item.elements.size() != 2 || item.elements[1].elements.size() != 2 ||
      item.elements[1].elements[0].str != "e") {
    return absl::DataLossError("access log: an entry of an unexpected shape");
  }
  const std::string& id = item.elements[0].str;
  const std::string& bytes = item.elements[1].elements[1].str;
  v1::AuditEntry entry;
  if (!entry.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("access log: entry ", id, " does not parse"));
  }
  absl::StatusOr<AuditId> split = SplitAuditId(id);
  if (!split.ok()) return split.status();
  batch->ids.push_back(id);
  batch->ms.push_back(split->ms);
  batch->seq.push_back(split->seq);
  batch->hex.push_back(absl::BytesToHexString(bytes));
  // Each named order once, as append_audit.lua indexed it.
  std::set<std::string> named(entry.order_ids().begin(), entry.order_ids().end());
  if (!entry.order_id().empty()) named.insert(entry.order_id());
  for (const std::string& order : named) {
    batch->order_ids.push_back(order);
    batch->order_ms.push_back(split->ms);
    batch->order_seq.push_back(split->seq);
    batch->by_order[order].push_back(id);
  }
  return absl::OkStatus();
}

absl::Status CopyAuditBatch(PgConnection& pg, const AuditBatch& b, absl::Time now) {
  if (auto r = pg.Exec("BEGIN"); !r.ok()) return r.status();
  auto run = [&]() -> absl::Status {
    absl::StatusOr<PgRows> r = pg.Exec(
        "INSERT INTO audit_entries (ms, seq, entry, moved_ms) "
        "SELECT ms, seq, decode(hex, 'hex'), $4 FROM unnest($1::bigint[], $2::bigint[], "
        "$3::text[]) AS t(ms, seq, hex) ON CONFLICT DO NOTHING",
        {TextArrayLiteral(b.ms), TextArrayLiteral(b.seq), TextArrayLiteral(b.hex),
         absl::StrCat(absl::ToUnixMillis(now))});
    if (!r.ok()) return r.status();
    if (b.order_ids.empty()) return absl::OkStatus();
    r = pg.Exec(
        "INSERT INTO audit_entry_orders (order_id, ms, seq) "
        "SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) ON CONFLICT DO NOTHING",
        {TextArrayLiteral(b.order_ids), TextArrayLiteral(b.order_ms),
         TextArrayLiteral(b.order_seq)});
    return r.status();
  };
  if (absl::Status s = run(); !s.ok()) {
    (void)pg.Exec("ROLLBACK");
    return s;
  }
  return pg.Exec("COMMIT").status();
}

// Every entry of the batch is stored with the same bytes, and every order
// index row is there.
absl::Status VerifyAuditBatch(PgConnection& pg, const AuditBatch& b) {
  absl::StatusOr<PgRows> r = pg.Exec(
      "SELECT count(*) FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS t(ms, seq, hex) "
      "JOIN audit_entries e USING (ms, seq) WHERE e.entry = decode(t.hex, 'hex')",
      {TextArrayLiteral(b.ms), TextArrayLiteral(b.seq), TextArrayLiteral(b.hex)});
  if (!r.ok()) return r.status();
  if (r->rows.empty() || !r->rows[0][0] ||
      std::atoll(r->rows[0][0]->c_str()) != static_cast<long long>(b.ids.size())) {
    return absl::DataLossError(absl::StrCat("access log: batch from ", b.ids.front(),
                                            " does not read back equal from PostgreSQL"));
  }
  if (b.order_ids.empty()) return absl::OkStatus();
  r = pg.Exec(
      "SELECT count(*) FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS t(order_id, ms, seq) "
      "JOIN audit_entry_orders o USING (order_id, ms, seq)",
      {TextArrayLiteral(b.order_ids), TextArrayLiteral(b.order_ms), TextArrayLiteral(b.order_seq)});
  if (!r.ok()) return r.status();
  if (r->rows.empty() || !r->rows[0][0] ||
      std::atoll(r->rows[0][0]->c_str()) != static_cast<long long>(b.order_ids.size())) {
    return absl::DataLossError(absl::StrCat("access log: order index of the batch from ",
                                            b.ids.front(), " does not read back whole"));
  }
  return absl::OkStatus();
}

}  // namespace hotline::archive
