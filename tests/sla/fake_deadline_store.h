#pragma once
// An in-memory DeadlineStore with the same atomic check-and-write as the
// Redis one (version and rev), for testing the monitor alone. Also plays the
// order store's part: tests create orders and apply transitions here.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "orders/order_record.h"
#include "sla/deadline_store.h"

namespace hotline::sla {

class FakeDeadlineStore final : public DeadlineStore {
 public:
  struct Event {
    std::string name, order_id, mark;
    int64_t version;
  };

  void Put(const v1::WorkOrder& order) {
    absl::MutexLock lock(&mu_);
    orders_[order.id()].order = order;
  }
  // A transition as dispatch would write it (version + 1, one history entry).
  void Transition(const std::string& id, absl::Time at, const std::string& action, v1::OrderState to,
                  const std::string& unit) {
    absl::MutexLock lock(&mu_);
    v1::WorkOrder& o = orders_.at(id).order;
    v1::HistoryEntry* e = o.add_history();
    e->set_seq(o.version() + 1);
    *e->mutable_at() = orders::FromMillis(absl::ToUnixMillis(at));
    e->set_action(action);
    e->set_from_state(o.state());
    e->set_to_state(to);
    e->set_unit_code(unit);
    o.set_version(o.version() + 1);
    o.set_state(to);
    o.set_assigned_unit_code(unit);
  }
  v1::WorkOrder Order(const std::string& id) {
    absl::MutexLock lock(&mu_);
    return orders_.at(id).order;
  }
  int Notices(const std::string& id) {
    absl::MutexLock lock(&mu_);
    return orders_.at(id).notices;
  }
  std::vector<Event> Events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  int Writes() {
    absl::MutexLock lock(&mu_);
    return writes_;
  }
  size_t DueSize() {
    absl::MutexLock lock(&mu_);
    return due_.size();
  }

  // Runs once, right after the next Load: another writer acting between
  // the monitor's read and its write.
  void AfterNextLoad(std::function<void()> f) {
    absl::MutexLock lock(&mu_);
    after_next_load_ = std::move(f);
  }

  absl::StatusOr<LoadedOrder> Load(const std::string& id) override {
    std::function<void()> meanwhile;
    absl::StatusOr<LoadedOrder> out;
    {
      absl::MutexLock lock(&mu_);
      std::swap(meanwhile, after_next_load_);
      auto it = orders_.find(id);
      if (it == orders_.end()) return absl::NotFoundError(absl::StrCat("order ", id, " not found"));
      out = LoadedOrder{it->second.order, it->second.sla, calendar_applied_};
    }
    if (meanwhile) meanwhile();
    return out;
  }
  absl::StatusOr<std::vector<std::string>> Due(absl::Time now, int limit) override {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> out;
    for (const auto& [key, id] : by_due_) {
      if (key.first > absl::ToUnixMillis(now) || static_cast<int>(out.size()) >= limit) break;
      out.push_back(id);
    }
    return out;
  }
  absl::StatusOr<std::optional<absl::Time>> NextDue() override {
    absl::MutexLock lock(&mu_);
    if (by_due_.empty()) return std::optional<absl::Time>();
    return std::optional<absl::Time>(absl::FromUnixMillis(by_due_.begin()->first.first));
  }
  absl::Status Settle(const Settlement& s) override {
    absl::MutexLock lock(&mu_);
    auto it = orders_.find(s.order_id);
    if (it == orders_.end()) return absl::NotFoundError("order not found");
    Stored& st = it->second;
    if (st.order.version() != s.expected_version || st.sla.rev != s.expected_rev) {
      return absl::AbortedError("conflict");
    }
    for (const Settlement::Step& step : s.steps) {
      *st.order.add_history() = step.entry;
      st.order.set_version(st.order.version() + 1);
      if (step.counter == "urges") st.order.set_urge_count(st.order.urge_count() + 1);
      if (step.counter == "supervises") st.order.set_supervise_count(st.order.supervise_count() + 1);
      if (step.counter == "notices") ++st.notices;
      events_.push_back({step.event, s.order_id, step.mark, st.order.version()});
    }
    if (auto d = due_.find(s.order_id); d != due_.end()) {
      by_due_.erase({d->second, s.order_id});
      due_.erase(d);
    }
    if (s.next_due) {
      due_[s.order_id] = absl::ToUnixMillis(*s.next_due);
      by_due_.insert({{absl::ToUnixMillis(*s.next_due), s.order_id}, s.order_id});
    }
    if (!s.previous.unit.empty()) units_[s.previous.unit].erase(s.order_id);
    if (!s.summary.unit.empty()) units_[s.summary.unit][s.order_id] = absl::ToUnixMillis(*s.summary.close_due);
    if (!s.previous.status.empty()) status_[s.previous.status + ":" + s.previous.level].erase(s.order_id);
    if (!s.summary.status.empty()) status_[s.summary.status + ":" + s.summary.level].insert(s.order_id);
    if (!s.previous.status.empty()) districts_[s.previous.district + ":" + s.previous.status].erase(s.order_id);
    if (!s.summary.status.empty()) districts_[s.summary.district + ":" + s.summary.status].insert(s.order_id);
    auto ms = [](const std::optional<absl::Time>& t) { return t ? absl::StrCat(absl::ToUnixMillis(*t)) : ""; };
    st.sla = {st.sla.rev + 1, s.summary.status, s.summary.level, s.summary.unit,
              s.summary.status.empty() ? "" : s.summary.district, ms(s.next_due), ms(s.summary.sign_due),
              ms(s.summary.close_due), ms(s.summary.close_original), s.summary.provisional,
              s.summary.no_deadline};
    if (s.summary.provisional) provisional_.insert(s.order_id); else provisional_.erase(s.order_id);
    if (s.summary.no_deadline) no_deadline_.insert(s.order_id); else no_deadline_.erase(s.order_id);
    ++writes_;
    return absl::OkStatus();
  }
  absl::Status Reschedule(const std::string& id, std::optional<absl::Time> due) override {
    absl::MutexLock lock(&mu_);
    auto d = due_.find(id);
    if (d == due_.end()) return absl::OkStatus();
    by_due_.erase({d->second, id});
    due_.erase(d);
    if (due) {
      due_[id] = absl::ToUnixMillis(*due);
      by_due_.insert({{absl::ToUnixMillis(*due), id}, id});
    }
    return absl::OkStatus();
  }
  // An entry in the due set without an order (as after a lost record).
  void FileDue(const std::string& id, absl::Time due) {
    absl::MutexLock lock(&mu_);
    due_[id] = absl::ToUnixMillis(due);
    by_due_.insert({{absl::ToUnixMillis(due), id}, id});
  }
  absl::StatusOr<std::vector<std::string>> ListUnit(const UnitListQuery& q) override {
    absl::MutexLock lock(&mu_);
    std::vector<std::pair<int64_t, std::string>> hits;
    for (const auto& [id, due] : units_[q.unit_code]) {
      if (q.due_from && due <= absl::ToUnixMillis(*q.due_from)) continue;
      if (due > absl::ToUnixMillis(q.due_until)) continue;
      hits.emplace_back(due, id);
    }
    std::sort(hits.begin(), hits.end());
    std::vector<std::string> out;
    for (size_t i = q.offset; i < hits.size() && static_cast<int>(out.size()) < q.page_size; ++i) {
      out.push_back(hits[i].second);
    }
    return out;
  }
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> CountByStatus() override {
    absl::MutexLock lock(&mu_);
    std::vector<std::pair<std::string, int64_t>> out;
    for (const auto& [k, ids] : status_) out.emplace_back(k, static_cast<int64_t>(ids.size()));
    return out;
  }
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> CountByDistrict() override {
    absl::MutexLock lock(&mu_);
    std::vector<std::pair<std::string, int64_t>> out;
    for (const auto& [k, ids] : districts_) out.emplace_back(k, static_cast<int64_t>(ids.size()));
    return out;
  }
  absl::StatusOr<Gaps> CountGaps() override {
    absl::MutexLock lock(&mu_);
    return Gaps{static_cast<int64_t>(provisional_.size()), static_cast<int64_t>(no_deadline_.size())};
  }
  absl::StatusOr<int64_t> RequeueForCalendar(int64_t version, absl::Time now) override {
    absl::MutexLock lock(&mu_);
    std::vector<const std::set<std::string>*> sets = {&no_deadline_};
    if (version > 0) {
      if (calendar_applied_ >= version) return -1;
      calendar_applied_ = version;
      sets.push_back(&provisional_);
    }
    int64_t n = 0;
    for (const std::set<std::string>* set : sets) {
      for (const std::string& id : *set) {
        auto d = due_.find(id);
        if (d != due_.end() && d->second <= absl::ToUnixMillis(now)) continue;
        if (d != due_.end()) by_due_.erase({d->second, id});
        due_[id] = absl::ToUnixMillis(now);
        by_due_.insert({{absl::ToUnixMillis(now), id}, id});
        ++n;
      }
    }
    return n;
  }
  absl::Status PublishPolicies(const std::string& version, const std::string& serialized) override {
    absl::MutexLock lock(&mu_);
    policies_.emplace(version, serialized);
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> LoadPolicies(const std::string& version) override {
    absl::MutexLock lock(&mu_);
    auto it = policies_.find(version);
    if (it == policies_.end()) return absl::NotFoundError("never published");
    return it->second;
  }
  bool InProvisionalSet(const std::string& id) {
    absl::MutexLock lock(&mu_);
    return provisional_.contains(id);
  }
  SlaFields Fields(const std::string& id) {
    absl::MutexLock lock(&mu_);
    return orders_.at(id).sla;
  }

 private:
  struct Stored {
    v1::WorkOrder order;
    SlaFields sla;
    int notices = 0;
  };
  absl::Mutex mu_;
  std::function<void()> after_next_load_;
  std::map<std::string, Stored> orders_;
  std::map<std::string, int64_t> due_;
  std::map<std::pair<int64_t, std::string>, std::string> by_due_;
  std::map<std::string, std::map<std::string, int64_t>> units_;
  std::map<std::string, std::set<std::string>> status_;
  std::map<std::string, std::set<std::string>> districts_;
  std::vector<Event> events_;
  int writes_ = 0;
  std::set<std::string> provisional_, no_deadline_;
  int64_t calendar_applied_ = 0;
  std::map<std::string, std::string> policies_;
};

}  // namespace hotline::sla
