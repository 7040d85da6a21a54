#include "archive/tiered_order_store.h"

#include <algorithm>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "archive/archive_store.h"
#include "orders/order_record.h"

namespace hotline::archive {
namespace {

// The Redis store's page token, "created_ms:id" (redis_order_store.cc).
bool DecodeToken(const std::string& token, ListCursor* out) {
  std::vector<std::string> parts = absl::StrSplit(token, absl::MaxSplits(':', 1));
  if (parts.size() != 2 || parts[1].empty() || !absl::SimpleAtoi(parts[0], &out->created_ms)) {
    return false;
  }
  out->set = true;
  out->id = parts[1];
  return true;
}

ListCursor CursorOf(const v1::WorkOrder& o) {
  return ListCursor{true, orders::ToMillis(o.created_at()), o.id()};
}

// True when a comes before b in the listing's order.
bool Before(const ListCursor& a, const ListCursor& b, bool desc) {
  if (a.created_ms != b.created_ms) return desc ? a.created_ms > b.created_ms : a.created_ms < b.created_ms;
  return desc ? a.id > b.id : a.id < b.id;
}

}  // namespace

TieredOrderStore::TieredOrderStore(orders::RedisOrderStore& live, PgPool& archive)
    : live_(live), archive_(archive) {}

void TieredOrderStore::Create(orders::NewOrder order, orders::Done<orders::CreateResult> done) {
  live_.Create(std::move(order), std::move(done));
}

void TieredOrderStore::GetPage(std::string id, orders::HistoryWindow window,
                               orders::Done<v1::WorkOrder> done) {
  live_.GetPage(id, window, [this, id, window, done = std::move(done)](
                                absl::StatusOr<v1::WorkOrder> order) mutable {
    if (order.ok()) {
      order->set_storage_tier(v1::STORAGE_TIER_LIVE);
      return done(std::move(order));
    }
    if (!absl::IsNotFound(order.status())) return done(order.status());
    auto shared = std::make_shared<orders::Done<v1::WorkOrder>>(std::move(done));
    archive_.Submit([id, window, shared](PgConnection& pg) {
      absl::StatusOr<StoredOrder> stored = ReadOrder(pg, id, window);
      if (!stored.ok()) return (*shared)(stored.status());
      (*shared)(ToWorkOrder(id, *stored));
    });
  });
}

void TieredOrderStore::List(orders::ListQuery query, orders::Done<orders::ListPage> done) {
  ListCursor cursor;
  if (!query.page_token.empty() && !DecodeToken(query.page_token, &cursor)) {
    return done(absl::InvalidArgumentError("page_token: not a token from a previous page"));
  }
  // Redis first: an order the mover deletes from Redis after this read was
  // committed to PostgreSQL before, so the second read finds it.
  live_.List(query, [this, query, cursor, done = std::move(done)](
                        absl::StatusOr<orders::ListPage> live) mutable {
    if (!live.ok()) return done(live.status());
    auto shared = std::make_shared<orders::Done<orders::ListPage>>(std::move(done));
    archive_.Submit([query = std::move(query), cursor, live = std::move(*live),
                     shared](PgConnection& pg) mutable {
      const int page_size = query.page_size;
      const bool desc = !query.oldest_first;
      absl::StatusOr<std::vector<v1::WorkOrder>> archived =
          ListArchived(pg, query, cursor, page_size);
      if (!archived.ok()) return (*shared)(archived.status());
      const bool archive_may_have_more = static_cast<int>(archived->size()) == page_size;
      // Redis stopped early (a page's scan limit) at its token: archived
      // orders past it wait for the next page, or Redis's in between would
      // be skipped.
      ListCursor live_end;
      const bool live_more = !live.next_page_token.empty();
      if (live_more) DecodeToken(live.next_page_token, &live_end);

      std::vector<v1::WorkOrder> all;
      absl::flat_hash_set<std::string> seen;
      for (v1::WorkOrder& o : live.orders) {
        o.set_storage_tier(v1::STORAGE_TIER_LIVE);
        seen.insert(o.id());
        all.push_back(std::move(o));
      }
      for (v1::WorkOrder& o : *archived) {
        if (seen.contains(o.id())) continue;  // in both tiers during its move
        if (live_more && Before(live_end, CursorOf(o), desc)) continue;
        all.push_back(std::move(o));
      }
      std::sort(all.begin(), all.end(), [desc](const v1::WorkOrder& a, const v1::WorkOrder& b) {
        return Before(CursorOf(a), CursorOf(b), desc);
      });
      orders::ListPage page;
      if (static_cast<int>(all.size()) > page_size) all.resize(page_size);
      if (static_cast<int>(all.size()) == page_size || (!live_more && archive_may_have_more)) {
        if (!all.empty()) {
          const ListCursor last = CursorOf(all.back());
          page.next_page_token = absl::StrCat(last.created_ms, ":", last.id);
        }
      } else if (live_more) {
        page.next_page_token = live.next_page_token;
      }
      page.orders = std::move(all);
      (*shared)(std::move(page));
    });
  });
}

void TieredOrderStore::Apply(orders::Change change, orders::Done<orders::ApplyResult> done) {
  live_.Apply(std::move(change), std::move(done));
}

void TieredOrderStore::FindAction(std::string idempotency_key, std::string fingerprint,
                                  orders::Done<std::optional<int64_t>> done) {
  live_.FindAction(std::move(idempotency_key), std::move(fingerprint), std::move(done));
}

void TieredOrderStore::ListQueue(orders::QueueQuery query, orders::Done<orders::ListPage> done) {
  live_.ListQueue(std::move(query), std::move(done));
}

void TieredOrderStore::LoadPhone(std::string id, orders::Done<orders::StoredPhone> done) {
  live_.LoadPhone(id, [this, id, done = std::move(done)](
                          absl::StatusOr<orders::StoredPhone> phone) mutable {
    if (!absl::IsNotFound(phone.status())) return done(std::move(phone));
    auto shared = std::make_shared<orders::Done<orders::StoredPhone>>(std::move(done));
    archive_.Submit([id, shared](PgConnection& pg) {
      absl::StatusOr<StoredOrder> stored = ReadOrder(pg, id, {0, 0});
      if (!stored.ok()) return (*shared)(stored.status());
      orders::StoredPhone out;
      for (size_t i = 0; i + 1 < stored->record.size(); i += 2) {
        if (stored->record[i] == orders::field::kCallerPhoneSealed) out.sealed = stored->record[i + 1];
        if (stored->record[i] == orders::field::kCallerPhoneLegacy) {
          out.legacy_plain = stored->record[i + 1];
        }
      }
      (*shared)(std::move(out));
    });
  });
}

void TieredOrderStore::LoadTrail(std::string id, absl::Time now,
                                 orders::Done<orders::StoredTrail> done) {
  live_.LoadTrail(id, now, [this, id, done = std::move(done)](
                               absl::StatusOr<orders::StoredTrail> trail) mutable {
    if (!absl::IsNotFound(trail.status())) return done(std::move(trail));
    auto shared = std::make_shared<orders::Done<orders::StoredTrail>>(std::move(done));
    archive_.Submit([id, shared](PgConnection& pg) {
      absl::StatusOr<StoredOrder> stored = ReadOrder(pg, id, {0, 1 << 30});
      if (!stored.ok()) return (*shared)(stored.status());
      orders::StoredTrail out;
      out.order_id = id;
      out.entries = std::move(stored->history);
      out.archived = true;
      for (size_t i = 0; i + 1 < stored->record.size(); i += 2) {
        if (stored->record[i] == orders::field::kTrailHead) out.head = stored->record[i + 1];
        if (stored->record[i] == orders::field::kTrailLegacy) out.legacy = stored->record[i + 1];
      }
      (*shared)(std::move(out));
    });
  });
}

void TieredOrderStore::ListOrderIds(int64_t offset, int count,
                                    orders::Done<std::vector<std::string>> done) {
  {
    absl::MutexLock lock(&cursors_mu_);
    // A walk begins at 0: what earlier walks left (one stopped by an error
    // midway) must not send this one past live orders added since.
    if (offset == 0) cursors_.clear();
    if (auto it = cursors_.find(offset); it != cursors_.end()) {
      ArchiveCursor at = it->second;
      cursors_.erase(it);
      return ArchivePage(std::move(at), offset, {}, count, std::move(done));
    }
  }
  live_.ListOrderIds(offset, count, [this, offset, count, done = std::move(done)](
                                        absl::StatusOr<std::vector<std::string>> ids) mutable {
    if (!ids.ok() || static_cast<int>(ids->size()) >= count) return done(std::move(ids));
    // The live tier ends within this page: the archive from its first row.
    if (!ids->empty()) {
      const int64_t live_count = offset + static_cast<int64_t>(ids->size());
      return ArchivePage({live_count, {}}, offset, std::move(*ids), count, std::move(done));
    }
    live_.CountOrders([this, offset, count, done = std::move(done)](absl::StatusOr<int64_t> live) mutable {
      if (!live.ok()) return done(live.status());
      ArchivePage({std::min(*live, offset), {}}, offset, {}, count, std::move(done));
    });
  });
}

void TieredOrderStore::ArchivePage(ArchiveCursor at, int64_t offset, std::vector<std::string> head,
                                   int count, orders::Done<std::vector<std::string>> done) {
  auto shared = std::make_shared<orders::Done<std::vector<std::string>>>(std::move(done));
  archive_.Submit([this, at = std::move(at), offset, head = std::move(head), count,
                   shared](PgConnection& pg) mutable {
    const int limit = count - static_cast<int>(head.size());
    const int64_t archive_offset = offset + static_cast<int64_t>(head.size()) - at.live_count;
    absl::StatusOr<ArchivedIds> page = ListArchivedIds(pg, at.after, archive_offset, limit);
    if (!page.ok()) return (*shared)(page.status());
    // Remembered after a short page too: the walk's last call, which finds
    // nothing, then costs no Redis round trip either.
    if (!page->ids.empty()) {
      absl::MutexLock lock(&cursors_mu_);
      const int64_t next = offset + static_cast<int64_t>(head.size() + page->ids.size());
      cursors_[next] = ArchiveCursor{at.live_count, page->last};
      constexpr size_t kWalksRemembered = 64;
      if (cursors_.size() > kWalksRemembered) cursors_.erase(cursors_.begin());
    }
    head.insert(head.end(), page->ids.begin(), page->ids.end());
    (*shared)(std::move(head));
  });
}

}  // namespace hotline::archive
