// Every open order with its deadlines armed: the SLA monitor's own decision
// (sla::Monitor::Settle, the code `hotline-admin rebuild sla` and the service
// run) taken against a store that refuses to write. An order the monitor
// would change is not settled: its deadlines, due time, status or lists are
// not what its history implies. Marks falling due are the monitor's work in
// flight (a finding only once older than the grace); an order that changed
// within the grace is its consumer's work in flight.
//
// Then the monitor's sets against the fields it filed on the records, both
// ways: status/level, district, unit list (scored by the closing deadline),
// provisional and no-deadline sets, and the due set.
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "calendar/calendar_store.h"
#include "calendar/live_calendar.h"
#include "clock/proto_time.h"
#include "fsck/fsck.h"
#include "sla/monitor.h"
#include "sla/policies.h"
#include "sla/redis_deadline_store.h"

namespace hotline::fsck {
namespace {

namespace sf = sla::field;

// Reads from Redis; every write is refused, the settlement it would have
// written kept for the check to judge.
class DryRunStore final : public sla::DeadlineStore {
 public:
  explicit DryRunStore(sla::RedisDeadlineStore& real) : real_(real) {}
  absl::StatusOr<sla::LoadedOrder> Load(const std::string& id) override {
    absl::StatusOr<sla::LoadedOrder> l = real_.Load(id);
    if (l.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      updated_[id] = ToTime(l->order.updated_at());
    }
    return l;
  }
  absl::StatusOr<std::vector<std::string>> Due(absl::Time now, int limit) override {
    return real_.Due(now, limit);
  }
  absl::StatusOr<std::optional<absl::Time>> NextDue() override { return real_.NextDue(); }
  absl::Status Settle(const sla::Settlement& s) override {
    std::lock_guard<std::mutex> lock(mu_);
    wanted_[s.order_id] = s;
    return absl::CancelledError("fsck: dry run, nothing written");
  }
  absl::Status Reschedule(const std::string&, std::optional<absl::Time>) override {
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> ListUnit(const sla::UnitListQuery& q) override {
    return real_.ListUnit(q);
  }
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> CountByStatus() override {
    return real_.CountByStatus();
  }
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> CountByDistrict() override {
    return real_.CountByDistrict();
  }
  absl::StatusOr<Gaps> CountGaps() override { return real_.CountGaps(); }
  absl::StatusOr<int64_t> RequeueForCalendar(int64_t, absl::Time) override { return -1; }
  absl::Status PublishPolicies(const std::string&, const std::string&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> LoadPolicies(const std::string& v) override {
    return real_.LoadPolicies(v);
  }

  bool Take(const std::string& id, sla::Settlement* s, absl::Time* updated) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = wanted_.find(id);
    if (it == wanted_.end()) return false;
    *s = std::move(it->second);
    wanted_.erase(it);
    *updated = updated_[id];
    return true;
  }

 private:
  sla::RedisDeadlineStore& real_;
  std::mutex mu_;
  std::map<std::string, sla::Settlement> wanted_;
  std::map<std::string, absl::Time> updated_;
};

std::string Ms(const std::optional<absl::Time>& t) {
  return t ? absl::StrCat(absl::ToUnixMillis(*t)) : "";
}

// What the monitor would change, in words.
std::string Differences(const sla::Settlement& s) {
  const sla::SlaFields& p = s.previous;
  const sla::Summary& n = s.summary;
  std::vector<std::string> d;
  auto diff = [&](const char* what, const std::string& was, const std::string& want) {
    if (was != want) d.push_back(absl::StrCat(what, " \"", was, "\" should be \"", want, "\""));
  };
  for (const auto& step : s.steps) {
    if (step.mark.empty()) d.push_back(absl::StrCat("deadlines not recorded (", step.event, ")"));
  }
  diff("next due (sla:due)", p.next_due_ms, Ms(s.next_due));
  diff(sf::kSignDue, p.sign_due_ms, Ms(n.sign_due));
  diff(sf::kCloseDue, p.close_due_ms, Ms(n.close_due));
  diff(sf::kCloseOriginal, p.close_original_ms, Ms(n.close_original));
  diff(sf::kStatus, p.status, n.status);
  diff(sf::kLevel, p.level, n.level);
  diff(sf::kUnit, p.unit, n.unit);
  diff(sf::kDistrict, p.district, n.status.empty() ? "" : n.district);
  diff(sf::kProvisional, p.provisional ? "1" : "", n.provisional ? "1" : "");
  diff(sf::kNoDeadline, p.no_deadline ? "1" : "", n.no_deadline ? "1" : "");
  return absl::StrJoin(d, "; ");
}

const std::vector<std::string> kSlaFields = {
    "id",          sf::kStatus,   sf::kLevel,       sf::kUnit,
    sf::kCloseDue, sf::kDistrict, sf::kProvisional, sf::kNoDeadline};

// The monitor's sets as its fields on the order say.
std::vector<Finding> CheckMemberships(Context& ctx, const sla::SlaKeys& keys,
                                      const std::vector<std::string>& ids) {
  std::vector<Finding> out;
  std::vector<redis::Command> reads;
  for (const std::string& id : ids) {
    redis::Command c = {"HMGET", ctx.keys().Order(id)};
    c.insert(c.end(), kSlaFields.begin(), kSlaFields.end());
    reads.push_back(std::move(c));
  }
  std::vector<absl::StatusOr<redis::Reply>> got = ctx.ExecuteAll(std::move(reads));
  struct Probe {
    std::string id, invariant, key, score;
    bool sorted;
  };
  std::vector<Probe> probes;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!StatusOf(got[i]).ok() || got[i]->elements.size() != kSlaFields.size()) continue;
    std::map<std::string, std::string> f;
    for (size_t k = 0; k < kSlaFields.size(); ++k) f[kSlaFields[k]] = got[i]->elements[k].str;
    if (f["id"].empty()) continue;
    if (!f[sf::kStatus].empty())
      probes.push_back(
          {ids[i], "sla_status_set", keys.Status(f[sf::kStatus], f[sf::kLevel]), "", false});
    if (!f[sf::kDistrict].empty())
      probes.push_back(
          {ids[i], "sla_district_set", keys.District(f[sf::kDistrict], f[sf::kStatus]), "", false});
    if (!f[sf::kUnit].empty())
      probes.push_back({ids[i], "sla_unit_list", keys.Unit(f[sf::kUnit]), f[sf::kCloseDue], true});
    if (f[sf::kProvisional] == "1")
      probes.push_back({ids[i], "sla_provisional_set", keys.Provisional(), "", false});
    if (f[sf::kNoDeadline] == "1")
      probes.push_back({ids[i], "sla_no_deadline_set", keys.NoDeadline(), "", false});
  }
  std::vector<redis::Command> cmds;
  for (const Probe& p : probes)
    cmds.push_back(p.sorted ? redis::Command{"ZSCORE", p.key, p.id}
                            : redis::Command{"SISMEMBER", p.key, p.id});
  std::vector<absl::StatusOr<redis::Reply>> answers = ctx.ExecuteAll(std::move(cmds));
  for (size_t j = 0; j < probes.size(); ++j) {
    if (!StatusOf(answers[j]).ok()) continue;
    const Probe& p = probes[j];
    const bool present =
        p.sorted ? answers[j]->type != redis::Reply::Type::kNil : answers[j]->integer == 1;
    if (!present) {
      out.push_back(
          {p.invariant, p.id, absl::StrCat("its fields say it is in ", p.key, "; it is not")});
    } else if (p.sorted && answers[j]->str != p.score) {
      out.push_back({p.invariant, p.id,
                     absl::StrCat("in ", p.key, " at ", answers[j]->str,
                                  ", but its closing deadline is ", p.score)});
    }
  }
  return out;
}

// The sets and list an order's own fields put it in: (invariant, key,
// expected score or "", sorted).
struct SlaProbe {
  std::string invariant, key, score;
  bool sorted;
};
std::vector<SlaProbe> ProbesOf(const sla::SlaKeys& keys, std::map<std::string, std::string>& f) {
  std::vector<SlaProbe> out;
  if (!f[sf::kStatus].empty())
    out.push_back({"sla_status_set", keys.Status(f[sf::kStatus], f[sf::kLevel]), "", false});
  if (!f[sf::kDistrict].empty())
    out.push_back({"sla_district_set", keys.District(f[sf::kDistrict], f[sf::kStatus]), "", false});
  if (!f[sf::kUnit].empty())
    out.push_back({"sla_unit_list", keys.Unit(f[sf::kUnit]), f[sf::kCloseDue], true});
  if (f[sf::kProvisional] == "1")
    out.push_back({"sla_provisional_set", keys.Provisional(), "", false});
  if (f[sf::kNoDeadline] == "1")
    out.push_back({"sla_no_deadline_set", keys.NoDeadline(), "", false});
  return out;
}

// The second look at one order: its fields and the memberships they imply,
// read in one atomic step.
std::vector<Finding> ConfirmMemberships(Context& ctx, const sla::SlaKeys& keys,
                                        const std::string& id) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    absl::StatusOr<Context::AtomicRead> first = ctx.ReadAtomically(id, kSlaFields, {});
    if (!first.ok() || first->fields["id"].empty()) return {};
    const std::vector<SlaProbe> probes = ProbesOf(keys, first->fields);
    std::vector<Context::Probe> p;
    for (const SlaProbe& q : probes) p.push_back({q.key, q.sorted});
    absl::StatusOr<Context::AtomicRead> now = ctx.ReadAtomically(id, kSlaFields, p);
    if (!now.ok()) return {};
    if (now->fields != first->fields) continue;
    std::vector<Finding> out;
    for (size_t k = 0; k < probes.size(); ++k) {
      if (!now->members[k]) {
        out.push_back({probes[k].invariant, id,
                       absl::StrCat("its fields say it is in ", probes[k].key, "; it is not")});
      } else if (probes[k].sorted && *now->members[k] != probes[k].score) {
        out.push_back({probes[k].invariant, id,
                       absl::StrCat("in ", probes[k].key, " at ", *now->members[k],
                                    ", but its closing deadline is ", probes[k].score)});
      }
    }
    return out;
  }
  return {};
}

// Whether an order whose fields are `f` belongs in the monitor's set `key`.
bool Belongs(const sla::SlaKeys& keys, const std::string& key,
             std::map<std::string, std::string>& f) {
  if (key == keys.Provisional()) return f[sf::kProvisional] == "1";
  if (key == keys.NoDeadline()) return f[sf::kNoDeadline] == "1";
  if (key == keys.Due()) return true;
  if (absl::StartsWith(key, keys.Unit(""))) return key == keys.Unit(f[sf::kUnit]);
  const std::string district = keys.District("", "").substr(0, keys.District("", "").size() - 1);
  if (absl::StartsWith(key, district))
    return key == keys.District(f[sf::kDistrict], f[sf::kStatus]);
  const std::string status = keys.Status("", "").substr(0, keys.Status("", "").size() - 1);
  if (absl::StartsWith(key, status))
    return !f[sf::kStatus].empty() && key == keys.Status(f[sf::kStatus], f[sf::kLevel]);
  return true;
}

std::string Stray(const std::string& key, std::map<std::string, std::string>& f) {
  return absl::StrCat("in ", key, " but its fields say status \"", f[sf::kStatus], ":",
                      f[sf::kLevel], "\", unit \"", f[sf::kUnit], "\", district \"",
                      f[sf::kDistrict], "\"");
}

// The second look at one member: still in `key`, and its fields (read in
// the same atomic step) say it does not belong.
std::vector<Finding> ConfirmSetMember(Context& ctx, const sla::SlaKeys& keys,
                                      const std::string& key, bool sorted, const std::string& id) {
  absl::StatusOr<Context::AtomicRead> now = ctx.ReadAtomically(id, kSlaFields, {{key, sorted}});
  if (!now.ok() || !now->members[0]) return {};
  if (now->fields["id"].empty()) {
    if (key == keys.Due()) return {};
    return {{"sla_set_stray", id, absl::StrCat("in ", key, " but there is no such order")}};
  }
  if (Belongs(keys, key, now->fields)) return {};
  return {{"sla_set_stray", id, Stray(key, now->fields)}};
}

// Reverse: a member of one of the monitor's sets whose fields say otherwise.
std::vector<Finding> CheckSetMembers(Context& ctx, const sla::SlaKeys& keys, const std::string& key,
                                     const std::vector<std::string>& ids) {
  std::vector<Finding> out;
  std::vector<redis::Command> reads;
  for (const std::string& id : ids) {
    redis::Command c = {"HMGET", ctx.keys().Order(id)};
    c.insert(c.end(), kSlaFields.begin(), kSlaFields.end());
    reads.push_back(std::move(c));
  }
  std::vector<absl::StatusOr<redis::Reply>> got = ctx.ExecuteAll(std::move(reads));
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!StatusOf(got[i]).ok() || got[i]->elements.size() != kSlaFields.size()) continue;
    std::map<std::string, std::string> f;
    for (size_t k = 0; k < kSlaFields.size(); ++k) f[kSlaFields[k]] = got[i]->elements[k].str;
    if (f["id"].empty()) {
      if (key == keys.Due()) continue;  // the due pass drops a gone order itself
      out.push_back(
          {"sla_set_stray", ids[i], absl::StrCat("in ", key, " but there is no such order")});
      continue;
    }
    const bool belongs = Belongs(keys, key, f);
    if (!belongs) {
      out.push_back({"sla_set_stray", ids[i],
                     absl::StrCat("in ", key, " but its fields say status \"", f[sf::kStatus], ":",
                                  f[sf::kLevel], "\", unit \"", f[sf::kUnit], "\", district \"",
                                  f[sf::kDistrict], "\"")});
    }
  }
  return out;
}

class SlaCheck final : public Check {
 public:
  std::string name() const override { return "sla"; }

  absl::Status Run(Context& ctx) override {
    const std::string data = ctx.options().data_dir;
    absl::StatusOr<sla::Policies> policies = sla::Policies::Load(data + "/sla_policies.textproto");
    if (!policies.ok()) return policies.status();
    calendar::CalendarStore calendar_store(ctx.redis());
    absl::StatusOr<std::unique_ptr<calendar::LiveCalendar>> live =
        calendar::LiveCalendar::Create(calendar_store, ctx.clock());
    if (!live.ok()) return live.status();
    const sla::SlaKeys keys(ctx.keys().prefix());
    sla::RedisDeadlineStore real(ctx.redis(), keys);
    DryRunStore store(real);
    sla::Monitor monitor(store, *policies, **live, ctx.clock(), ctx.directory());

    int64_t orders = 0, in_flight = 0, marks_due = 0;
    auto judge = [&](const std::vector<std::string>& ids) {
      std::vector<Finding> out;
      std::vector<absl::Status> statuses(ids.size());
      std::atomic<size_t> next{0};
      std::vector<std::thread> workers;
      for (int w = 0; w < std::min<int>(16, static_cast<int>(ids.size())); ++w) {
        workers.emplace_back([&] {
          for (size_t i = next++; i < ids.size(); i = next++)
            statuses[i] = monitor.Settle(ids[i]).status();
        });
      }
      for (std::thread& t : workers) t.join();
      const absl::Time now = ctx.clock().Now();
      for (size_t i = 0; i < ids.size(); ++i) {
        if (statuses[i].ok() || absl::IsNotFound(statuses[i])) continue;
        sla::Settlement s;
        absl::Time updated;
        if (!absl::IsCancelled(statuses[i]) || !store.Take(ids[i], &s, &updated)) {
          out.push_back({"sla_undecidable", ids[i], statuses[i].ToString()});
          continue;
        }
        if (now - updated < ctx.options().grace) {
          ++in_flight;
          continue;
        }
        std::optional<absl::Time> first_mark;
        for (const auto& step : s.steps) {
          if (!step.mark.empty() && step.due && (!first_mark || *step.due < *first_mark))
            first_mark = step.due;
        }
        if (first_mark) {
          if (now - *first_mark < ctx.options().grace) {
            ++marks_due;
          } else {
            out.push_back({"sla_mark_late", ids[i],
                           absl::StrCat("a mark due at ", absl::FormatTime(*first_mark),
                                        " has not fired (", s.steps.size(), " steps waiting)")});
          }
          continue;
        }
        out.push_back({"sla_deadlines", ids[i], Differences(s)});
      }
      return out;
    };
    absl::Status walked = ctx.ScanKeys(
        ctx.keys().prefix() + "order:{*}", "hash", [&](const std::vector<std::string>& okeys) {
          std::vector<std::string> ids;
          const std::string head = ctx.keys().prefix() + "order:{";
          for (const std::string& k : okeys) {
            if (absl::EndsWith(k, "}") && k.size() > head.size())
              ids.push_back(k.substr(head.size(), k.size() - head.size() - 1));
          }
          orders += static_cast<int64_t>(ids.size());
          ctx.Confirm(judge(ids), [&](const std::string& id) { return judge({id}); });
          ctx.Confirm(CheckMemberships(ctx, keys, ids),
                      [&](const std::string& id) { return ConfirmMemberships(ctx, keys, id); });
          ctx.Progress(absl::StrCat("sla: ", orders, " orders judged by the monitor's own rules"));
          return absl::OkStatus();
        });
    if (!walked.ok()) return walked;
    ctx.Count("sla marks due (monitor's work in flight)", marks_due);
    ctx.Count("sla orders changed within the grace", in_flight);

    // Reverse: every member of the monitor's sets.
    const std::string p = ctx.keys().prefix();
    struct Family {
      std::string pattern, type;
    };
    int64_t members = 0;
    for (const Family& fam : std::vector<Family>{{p + "sla:status:*", "set"},
                                                 {p + "sla:district:*", "set"},
                                                 {p + "sla:unit:*", "zset"},
                                                 {keys.Provisional(), "set"},
                                                 {keys.NoDeadline(), "set"},
                                                 {keys.Due(), "zset"}}) {
      absl::Status s =
          ctx.ScanKeys(fam.pattern, fam.type, [&](const std::vector<std::string>& set_keys) {
            for (const std::string& key : set_keys) {
              absl::Status m = ctx.ScanMembers(
                  key, fam.type == "zset",
                  [&](const std::vector<std::pair<std::string, std::string>>& page) {
                    std::vector<std::string> ids;
                    for (const auto& [id, unused] : page) ids.push_back(id);
                    members += static_cast<int64_t>(ids.size());
                    ctx.Confirm(CheckSetMembers(ctx, keys, key, ids), [&](const std::string& id) {
                      return ConfirmSetMember(ctx, keys, key, fam.type == "zset", id);
                    });
                    return absl::OkStatus();
                  });
              if (!m.ok()) return m;
            }
            return absl::OkStatus();
          });
      if (!s.ok()) return s;
    }
    ctx.Count("sla set entries", members);
    // Open orders whose closing deadline could not be computed (a year the
    // calendar lacks): not a fault, the monitor retries them and a calendar
    // load re-queues them; shown so that an operator sees them.
    absl::StatusOr<redis::Reply> gaps = ctx.Execute({"SCARD", keys.NoDeadline()});
    if (!gaps.ok()) return gaps.status();
    ctx.Count("sla open orders without a closing deadline (sla:no_deadline)", gaps->integer);
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Check> MakeSlaCheck() { return std::make_unique<SlaCheck>(); }

}  // namespace hotline::fsck
