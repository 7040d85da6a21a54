#include "archive/mover.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "archive/archive_store.h"
#include "config/text_proto.h"
#include "orders/order_codec.h"
#include "redis/reply_status.h"

namespace hotline::archive {

namespace scripts {
extern const std::string_view kArchiveSnapshot;
extern const std::string_view kArchiveDelete;
}  // namespace scripts

namespace {

const redis::Script& SnapshotScript() {
  static const redis::Script script(orders::WithOrderCodec(scripts::kArchiveSnapshot));
  return script;
}
const redis::Script& DeleteScript() {
  static const redis::Script script(scripts::kArchiveDelete);
  return script;
}

std::vector<std::string> Strings(const redis::Reply& reply) {
  std::vector<std::string> out;
  out.reserve(reply.elements.size());
  for (const redis::Reply& e : reply.elements) out.push_back(e.str);
  return out;
}

enum class Outcome { kMoved, kYoung, kGone, kChanged, kFailed };

enum class Snap { kDue, kYoung, kGone };

// Step 1: the order as it is, if due.
absl::StatusOr<Snap> Snapshot(redis::Client& redis, const orders::OrderKeys& keys,
                              const std::string& id, int64_t cutoff_ms, OrderCopy* copy) {
  absl::StatusOr<redis::Reply> snap = redis.ExecuteScript(
      SnapshotScript(), {keys.Order(id), keys.History(id), keys.Duplicates(id)},
      {absl::StrCat(v1::ORDER_STATE_ARCHIVED), absl::StrCat(cutoff_ms)});
  if (!snap.ok()) return snap.status();
  if (snap->is_error()) return redis::ErrorReplyToStatus(snap->str);
  if (snap->elements.empty()) return absl::InternalError("snapshot script: bad reply");
  const std::string& kind = snap->elements[0].str;
  if (kind == "gone") return Snap::kGone;
  if (kind == "young") return Snap::kYoung;
  if (kind != "due" || snap->elements.size() != 4) {
    return absl::InternalError("snapshot script: bad reply");
  }
  copy->id = id;
  copy->record = Strings(snap->elements[1]);
  copy->history = Strings(snap->elements[2]);
  copy->duplicates = Strings(snap->elements[3]);
  copy->version = 0;
  for (size_t i = 0; i + 1 < copy->record.size(); i += 2) {
    if (copy->record[i] == "version") copy->version = std::atoll(copy->record[i + 1].c_str());
  }
  return Snap::kDue;
}

// Steps 3 and 4 for a copy already committed.
absl::StatusOr<Outcome> VerifyAndDelete(redis::Client& redis, PgConnection& pg,
                                        const orders::OrderKeys& keys, const OrderCopy& copy) {
  absl::StatusOr<bool> same = CopyMatches(pg, copy);
  if (!same.ok()) return same.status();
  if (!*same) return Outcome::kFailed;
  absl::StatusOr<redis::Reply> del = redis.ExecuteScript(
      DeleteScript(), {keys.Order(copy.id), keys.History(copy.id), keys.Duplicates(copy.id)},
      {keys.prefix(), copy.id, absl::StrCat(copy.version), absl::StrCat(v1::ORDER_STATE_ARCHIVED)});
  if (!del.ok()) return del.status();
  if (del->is_error()) return redis::ErrorReplyToStatus(del->str);
  if (del->integer == 1) return Outcome::kMoved;
  if (del->integer == -1) return Outcome::kGone;  // another mover finished it
  return Outcome::kChanged;
}

// Steps 1-4 for one order on its own (its copy committed alone).
absl::StatusOr<Outcome> MoveOne(redis::Client& redis, PgConnection& pg,
                                const orders::OrderKeys& keys, const std::string& id,
                                int64_t cutoff_ms, absl::Time now) {
  OrderCopy copy;
  absl::StatusOr<Snap> snap = Snapshot(redis, keys, id, cutoff_ms, &copy);
  if (!snap.ok()) return snap.status();
  if (*snap == Snap::kGone) return Outcome::kGone;
  if (*snap == Snap::kYoung) return Outcome::kYoung;
  if (absl::Status s = UpsertCopy(pg, copy, now); !s.ok()) return s;
  return VerifyAndDelete(redis, pg, keys, copy);
}

// Commits every copy of a batch in one transaction: one WAL flush for the
// batch instead of one per order; nothing is deleted from Redis before it.
absl::Status UpsertBatch(PgConnection& pg, const std::vector<OrderCopy>& copies, absl::Time now) {
  if (auto r = pg.Exec("BEGIN"); !r.ok()) return r.status();
  for (const OrderCopy& c : copies) {
    if (absl::Status s = UpsertCopy(pg, c, now); !s.ok()) {
      (void)pg.Exec("ROLLBACK");
      return s;
    }
  }
  return pg.Exec("COMMIT").status();
}

}  // namespace

absl::StatusOr<v1::ArchivePolicy> LoadArchivePolicy(const std::string& path) {
  v1::ArchivePolicy policy;
  if (absl::Status s = config::ReadTextProto(path, &policy); !s.ok()) return s;
  if (policy.archive_after_days() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": archive_after_days: must be at least 1 (an archived order stays in "
                           "Redis that long; idempotency records live 24 h)"));
  }
  if (policy.batch() < 0 || policy.batch() > 10000) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": batch: 0 (default 200) to 10000"));
  }
  if (policy.batch() == 0) policy.set_batch(200);
  if (policy.access_log_after_days() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": access_log_after_days: must be at least 1 (0: the default, 90)"));
  }
  if (policy.access_log_after_days() == 0) policy.set_access_log_after_days(90);
  return policy;
}

absl::StatusOr<MoveResult> MoveDueOrders(redis::Client& redis, PgConnection& pg,
                                         const orders::OrderKeys& keys, const MoveOptions& o) {
  if (o.batch <= 0) return absl::InvalidArgumentError("batch: must be positive");
  if (absl::Status s = EnsureSchema(pg); !s.ok()) return s;
  const absl::Time now = o.now == absl::InfinitePast() ? absl::Now() : o.now;
  const int64_t cutoff_ms = absl::ToUnixMillis(now - o.min_age);
  const std::string index = keys.IndexState(v1::ORDER_STATE_ARCHIVED);
  MoveResult result;
  // Moved orders leave the index, so the next batch starts after those left
  // in it (young or failed), oldest created first.
  int64_t kept = 0;
  while (o.max_orders == 0 || result.moved < o.max_orders) {
    absl::StatusOr<redis::Reply> ids =
        redis.Execute({"ZRANGE", index, absl::StrCat(kept), absl::StrCat(kept + o.batch - 1)});
    if (!ids.ok()) return ids.status();
    if (ids->is_error()) return redis::ErrorReplyToStatus(ids->str);
    if (ids->elements.empty()) break;
    // Step 1 for the batch, step 2 for all of it in one transaction, then
    // steps 3-4 order by order; an order that changed meanwhile goes again
    // on its own.
    std::vector<OrderCopy> copies;
    for (const redis::Reply& member : ids->elements) {
      if (o.max_orders != 0 && result.moved + static_cast<int64_t>(copies.size()) >= o.max_orders) {
        break;
      }
      ++result.scanned;
      OrderCopy copy;
      absl::StatusOr<Snap> snap = Snapshot(redis, keys, member.str, cutoff_ms, &copy);
      if (!snap.ok()) return snap.status();
      if (*snap == Snap::kYoung) {
        ++result.young;
        ++kept;
      } else if (*snap == Snap::kDue) {
        copies.push_back(std::move(copy));
      } else {
        // Gone: another mover took it (then it left the index), or an index
        // entry without its order (fsck's to report): step over it, never
        // loop on it.
        ++kept;
      }
    }
    if (copies.empty() && (o.max_orders != 0 && result.moved >= o.max_orders)) break;
    if (!copies.empty()) {
      if (absl::Status s = UpsertBatch(pg, copies, now); !s.ok()) return s;
    }
    for (const OrderCopy& copy : copies) {
      absl::StatusOr<Outcome> outcome = VerifyAndDelete(redis, pg, keys, copy);
      if (!outcome.ok()) return outcome.status();
      for (int attempt = 0; attempt < 4 && *outcome == Outcome::kChanged; ++attempt) {
        ++result.retried;
        outcome = MoveOne(redis, pg, keys, copy.id, cutoff_ms, now);
        if (!outcome.ok()) return outcome.status();
      }
      switch (*outcome) {
        case Outcome::kMoved:
          ++result.moved;
          break;
        case Outcome::kGone:
          break;
        case Outcome::kYoung:  // not possible: ARCHIVED is final
          ++result.young;
          ++kept;
          break;
        case Outcome::kChanged:
        case Outcome::kFailed:
          ++result.failed;
          result.failed_ids.push_back(copy.id);
          ++kept;
          break;
      }
    }
    if (o.progress) o.progress(result.scanned, result.moved);
  }
  return result;
}

}  // namespace hotline::archive
