#include "support/fake_order_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clock/clock.h"
#include "orders/order_record.h"

namespace hotline::testing {
namespace {

bool Matches(const v1::WorkOrder& o, const orders::ListQuery& q) {
  if (q.state != v1::ORDER_STATE_UNSPECIFIED && o.state() != q.state) return false;
  if (q.type != v1::ORDER_TYPE_UNSPECIFIED && o.type() != q.type) return false;
  if (!q.district_code.empty() && o.location().district_code() != q.district_code) return false;
  if (!q.unit_code.empty() && o.assigned_unit_code() != q.unit_code) return false;
  return true;
}

bool IsOpenMaster(v1::OrderState s) {
  return s != v1::ORDER_STATE_CLOSED && s != v1::ORDER_STATE_ARCHIVED &&
         s != v1::ORDER_STATE_MERGED;
}

// The order with the entries LRANGE would return for the window.
v1::WorkOrder Windowed(v1::WorkOrder o, orders::HistoryWindow w) {
  const int total = o.history_size();
  int first = w.offset < 0 ? std::max(0, total + w.offset) : w.offset;
  int last = std::min(total, first + std::max(0, w.limit));
  v1::WorkOrder out = o;
  out.clear_history();
  for (int i = first; i < last; ++i) *out.add_history() = o.history(i);
  out.set_history_total(total);
  return out;
}

}  // namespace

void FakeOrderStore::Create(orders::NewOrder in, orders::Done<orders::CreateResult> done) {
  absl::StatusOr<orders::CreateResult> result;
  {
    absl::MutexLock lock(&mu_);
    auto seen = create_keys_.find(in.idempotency_key);
    if (!in.idempotency_key.empty() && seen != create_keys_.end()) {
      if (seen->second.first != in.fingerprint) {
        result = absl::InvalidArgumentError("idempotency_key: already used for a different request");
      } else {
        v1::WorkOrder stored = orders_.at(seen->second.second);
        stored.clear_history();
        result = orders::CreateResult{std::move(stored), true};
      }
    } else {
      v1::WorkOrder& o = in.order;
      const absl::Time created = absl::FromUnixMillis(orders::ToMillis(o.created_at()));
      o.set_id(absl::StrCat("GZ", absl::FormatTime("%Y%m%d", created, CityTimeZone()),
                            absl::StrFormat("%06d", ++sequence_)));
      // The number is sealed bound to the order id (the Redis store does the same).
      absl::Status sealed = absl::OkStatus();
      if (in.seal_phone) sealed = in.seal_phone(o.id()).status();
      if (!sealed.ok()) {
        result = sealed;
      } else {
        v1::WorkOrder stored = o;
        *stored.add_history() = in.first_entry;
        orders_[o.id()] = std::move(stored);
        if (!in.phone_hash.empty()) phone_hashes_[o.id()] = in.phone_hash;
        if (!in.idempotency_key.empty()) {
          create_keys_[in.idempotency_key] = {in.fingerprint, o.id()};
        }
        events_.push_back("order.created");
        result = orders::CreateResult{o, false};
      }
    }
  }
  done(std::move(result));
}

void FakeOrderStore::GetPage(std::string id, orders::HistoryWindow window,
                             orders::Done<v1::WorkOrder> done) {
  absl::StatusOr<v1::WorkOrder> result;
  std::function<void()> hook;
  {
    absl::MutexLock lock(&mu_);
    auto it = orders_.find(id);
    if (!fail_next_get_.ok()) {
      result = std::exchange(fail_next_get_, absl::OkStatus());
    } else if (it == orders_.end()) {
      result = absl::NotFoundError(absl::StrCat("order ", id, " not found"));
    } else {
      result = Windowed(it->second, window);
    }
    hook.swap(before_get_answer_);
  }
  if (hook) hook();
  done(std::move(result));
}

void FakeOrderStore::List(orders::ListQuery query, orders::Done<orders::ListPage> done) {
  orders::ListPage page;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, o] : orders_) {
      if (!Matches(o, query)) continue;
      if (!query.phone_hash.empty() &&
          (!phone_hashes_.contains(id) || phone_hashes_.at(id) != query.phone_hash)) {
        continue;
      }
      v1::WorkOrder copy = o;
      copy.clear_history();
      page.orders.push_back(std::move(copy));
    }
  }
  std::sort(page.orders.begin(), page.orders.end(),
            [&](const v1::WorkOrder& a, const v1::WorkOrder& b) {
              return query.oldest_first ? a.id() < b.id() : a.id() > b.id();
            });
  if (static_cast<int>(page.orders.size()) > query.page_size) page.orders.resize(query.page_size);
  done(std::move(page));
}

namespace {
// As the transition script checks a change with decided_on.
bool StillAsDecided(const v1::WorkOrder& o, const orders::Change& c) {
  const orders::DecidedOn& d = *c.decided_on;
  return (c.expected_version == 0 || o.version() == c.expected_version) && o.state() == d.state &&
         o.assigned_unit_code() == d.unit && o.pending_unit_code() == d.pending_unit &&
         o.last_rating() == d.last_rating && o.handed_down_by() == d.handed_down_by;
}
}  // namespace

void FakeOrderStore::Apply(orders::Change c, orders::Done<orders::ApplyResult> done) {
  absl::StatusOr<orders::ApplyResult> result;
  {
    absl::MutexLock lock(&mu_);
    auto it = orders_.find(c.order_id);
    auto seen = action_keys_.find(c.idempotency_key);
    if (it == orders_.end()) {
      result = absl::NotFoundError(absl::StrCat("order ", c.order_id, " not found"));
    } else if (!c.idempotency_key.empty() && seen != action_keys_.end()) {
      if (seen->second.first != c.fingerprint) {
        result = absl::InvalidArgumentError("idempotency_key: already used for a different request");
      } else {
        result = orders::ApplyResult{
            seen->second.second, true,
            Windowed(it->second, {-orders::kAnswerHistoryEntries, orders::kAnswerHistoryEntries})};
      }
    } else if (c.decided_on && !StillAsDecided(it->second, c)) {
      result = orders::ApplyResult{it->second.version(), false, Windowed(it->second, {0, 0}), true};
    } else if (!c.decided_on &&
               (it->second.version() != c.expected_version || it->second.state() != c.from_state)) {
      result = absl::AbortedError(absl::StrCat("order ", c.order_id, " changed meanwhile"));
    } else if (!c.master_order_id.empty() &&
               (!orders_.contains(c.master_order_id) ||
                !IsOpenMaster(orders_.at(c.master_order_id).state()))) {
      result = absl::InvalidArgumentError(absl::StrCat(
          "master_order_id: master order ", c.master_order_id,
          " not found, closed, archived or itself a duplicate"));
    } else {
      v1::WorkOrder& o = it->second;
      o.set_version(o.version() + 1);
      o.set_state(c.to_state);
      o.set_assigned_unit_code(c.to_unit);
      o.set_pending_unit_code(c.pending_unit);
      o.set_handed_down_by(c.handed_down_by);
      o.set_last_rating(c.last_rating);
      *o.mutable_updated_at() = orders::FromMillis(absl::ToUnixMillis(c.at));
      if (c.closes) *o.mutable_closed_at() = o.updated_at();
      if (c.bounce) o.set_bounce_count(o.bounce_count() + 1);
      if (c.redo) o.set_redo_count(o.redo_count() + 1);
      if (c.supervision_field == "urges") o.set_urge_count(o.urge_count() + 1);
      if (c.supervision_field == "supervises") o.set_supervise_count(o.supervise_count() + 1);
      if (!c.master_order_id.empty()) {
        o.set_master_order_id(c.master_order_id);
        duplicates_[c.master_order_id].push_back(o.id());
        // Its own duplicates follow it to the master.
        for (const std::string& dup : std::exchange(duplicates_[o.id()], {})) {
          v1::WorkOrder& d = orders_.at(dup);
          if (d.state() == v1::ORDER_STATE_MERGED) {
            d.set_version(d.version() + 1);
            d.set_master_order_id(c.master_order_id);
            v1::HistoryEntry entry = c.relinked_entry;
            entry.set_seq(d.version());
            *d.add_history() = std::move(entry);
            events_.push_back("order.relink_duplicate");
          }
          duplicates_[c.master_order_id].push_back(dup);
        }
      }
      if (!c.dispatch_rule.empty()) o.set_dispatch_rule(c.dispatch_rule);
      *o.add_history() = c.entry;
      if (c.decided_on) o.mutable_history()->rbegin()->set_seq(o.version());
      events_.push_back(c.event);
      if (c.closes) {
        for (const std::string& dup : duplicates_[o.id()]) {
          v1::WorkOrder& d = orders_.at(dup);
          if (d.state() != v1::ORDER_STATE_MERGED) continue;
          d.set_version(d.version() + 1);
          d.set_state(v1::ORDER_STATE_CLOSED);
          *d.mutable_closed_at() = o.updated_at();
          v1::HistoryEntry entry = c.duplicate_entry;
          entry.set_seq(d.version());
          *d.add_history() = std::move(entry);
          events_.push_back("order.closed_with_master");
        }
      }
      if (!c.idempotency_key.empty()) action_keys_[c.idempotency_key] = {c.fingerprint, o.version()};
      result = orders::ApplyResult{
          o.version(), false, Windowed(o, {-orders::kAnswerHistoryEntries, orders::kAnswerHistoryEntries})};
    }
  }
  done(std::move(result));
}

void FakeOrderStore::FindAction(std::string idempotency_key, std::string fingerprint,
                                orders::Done<std::optional<int64_t>> done) {
  absl::StatusOr<std::optional<int64_t>> result = std::optional<int64_t>();
  {
    absl::MutexLock lock(&mu_);
    auto seen = action_keys_.find(idempotency_key);
    if (seen != action_keys_.end()) {
      if (seen->second.first != fingerprint) {
        result = absl::InvalidArgumentError("idempotency_key: already used for a different request");
      } else {
        result = std::optional<int64_t>(seen->second.second);
      }
    }
  }
  done(std::move(result));
}

void FakeOrderStore::ListQueue(orders::QueueQuery q, orders::Done<orders::ListPage> done) {
  orders::ListQuery query;
  query.unit_code = q.unit_code;
  query.state = q.state;
  query.page_size = q.page_size;
  query.oldest_first = q.oldest_first;
  List(std::move(query), std::move(done));
}

void FakeOrderStore::BeforeNextGetAnswer(std::function<void()> hook) {
  absl::MutexLock lock(&mu_);
  before_get_answer_ = std::move(hook);
}

void FakeOrderStore::FailNextGet(absl::Status status) {
  absl::MutexLock lock(&mu_);
  fail_next_get_ = std::move(status);
}

std::optional<v1::WorkOrder> FakeOrderStore::Peek(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = orders_.find(id);
  if (it == orders_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> FakeOrderStore::Events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

int FakeOrderStore::creates() const {
  absl::MutexLock lock(&mu_);
  return sequence_;
}

}  // namespace hotline::testing
