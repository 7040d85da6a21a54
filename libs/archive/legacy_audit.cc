#include "archive/legacy_audit.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "archive/archive_store.h"
#include "archive/audit_batch.h"
#include "redis/reply_status.h"

namespace hotline::archive {

namespace scripts {
extern const std::string_view kLegacyAuditDelete;
}  // namespace scripts

namespace {

absl::StatusOr<redis::Reply> Run(redis::Client& redis, redis::Command c) {
  absl::StatusOr<redis::Reply> r = redis.Execute(std::move(c));
  if (!r.ok()) return r.status();
  if (r->is_error()) return redis::ErrorReplyToStatus(r->str);
  return r;
}

// Every per-order stream: the keys <p>audit:order:{ID} of type stream (the
// index lists, <p>audit:order:{ID}:ids, are lists). SCAN returns a key more
// than once at times: the caller's work on a key is idempotent.
absl::Status ForEachStream(redis::Client& redis, const audit::AuditKeys& keys,
                           const std::function<absl::Status(const std::string&)>& each) {
  const std::string sample = keys.LegacyOrderLog("X");  // <p>audit:order:{X}
  const std::string pattern = absl::StrCat(sample.substr(0, sample.size() - 3), "{*}");
  std::string cursor = "0";
  do {
    absl::StatusOr<redis::Reply> r =
        Run(redis, {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000", "TYPE", "stream"});
    if (!r.ok()) return r.status();
    if (r->elements.size() != 2) return absl::InternalError("SCAN: unexpected reply");
    cursor = r->elements[0].str;
    for (const redis::Reply& key : r->elements[1].elements) {
      if (absl::Status s = each(key.str); !s.ok()) return s;
    }
  } while (cursor != "0");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LegacyAuditCount> CountLegacyAudit(redis::Client& redis,
                                                  const audit::AuditKeys& keys) {
  LegacyAuditCount count;
  absl::Status s = ForEachStream(redis, keys, [&](const std::string& key) -> absl::Status {
    absl::StatusOr<redis::Reply> n = Run(redis, {"XLEN", key});
    if (!n.ok()) return n.status();
    ++count.streams;
    count.entries += n->integer;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return count;
}

absl::StatusOr<LegacyCompactResult> CompactLegacyAudit(redis::Client& redis, PgConnection& pg,
                                                       const audit::AuditKeys& keys,
                                                       const LegacyCompactOptions& o) {
  if (o.batch <= 0) return absl::InvalidArgumentError("batch: must be positive");
  if (absl::Status s = EnsureSchema(pg); !s.ok()) return s;
  static const redis::Script script(scripts::kLegacyAuditDelete);
  LegacyCompactResult result;
  const absl::Time now = absl::Now();
  absl::Status s = ForEachStream(redis, keys, [&](const std::string& key) -> absl::Status {
    while (true) {
      absl::StatusOr<redis::Reply> r =
          Run(redis, {"XRANGE", key, "-", "+", "COUNT", absl::StrCat(o.batch)});
      if (!r.ok()) return r.status();
      AuditBatch b;
      for (const redis::Reply& item : r->elements) {
        if (absl::Status s = AddAuditEntry(item, &b); !s.ok()) {
          return absl::DataLossError(absl::StrCat(key, ": ", s.message()));
        }
      }
      // An empty stream (entries XDELed by hand) is deleted by the script too.
      if (!b.ids.empty()) {
        if (absl::Status s = CopyAuditBatch(pg, b, now); !s.ok()) return s;
        if (absl::Status s = VerifyAuditBatch(pg, b); !s.ok()) {
          return absl::DataLossError(absl::StrCat(key, ": ", s.message()));
        }
        if (o.before_delete) {
          if (absl::Status s = o.before_delete(); !s.ok()) return s;
        }
      }
      absl::StatusOr<redis::Reply> d =
          redis.ExecuteScript(script, {key}, {absl::StrJoin(b.ids, " ")});
      if (!d.ok()) return d.status();
      if (d->is_error()) return redis::ErrorReplyToStatus(d->str);
      if (d->elements.size() != 2) return absl::InternalError("legacy_audit_delete: bad reply");
      result.entries += d->elements[0].integer;
      if (d->elements[1].integer == 1) {
        ++result.streams;
        return absl::OkStatus();
      }
      if (b.ids.empty()) return absl::OkStatus();  // gone meanwhile
    }
  });
  if (!s.ok()) return s;
  return result;
}

}  // namespace hotline::archive
