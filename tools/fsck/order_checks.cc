// The orders' own invariants: every order in exactly the indexes and queues
// its record implies (create_order.lua and transition.lua write them), no
// index member without its order, duplicates sets matching their orders'
// master field, no history without an order; and every trail verifies
// (orders::VerifyTrail, the same verifier as VerifyOrderTrail).
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fsck/fsck.h"
#include "hotline/v1/work_order.pb.h"
#include "orders/order_record.h"
#include "orders/trail.h"

namespace hotline::fsck {
namespace {

namespace of = orders::field;

const std::vector<std::string> kIndexFields = {
    of::kId,        of::kState,           of::kType,  of::kDistrict, of::kUnit,
    of::kCreatedMs, of::kCallerPhoneHash, of::kMaster};

// "<p>order:{ID}" -> ID ("" if it is not an order key).
std::string IdOfOrderKey(const orders::OrderKeys& keys, const std::string& key) {
  const std::string head = keys.prefix() + "order:{";
  if (!absl::StartsWith(key, head) || !absl::EndsWith(key, "}")) return "";
  return key.substr(head.size(), key.size() - head.size() - 1);
}

// The orders' ids, page by page (SCAN over order records, not idx:all: an
// order missing from idx:all must still be found).
absl::Status ForEachOrder(
    Context& ctx, const std::function<absl::Status(const std::vector<std::string>&)>& visit) {
  return ctx.ScanKeys(ctx.keys().prefix() + "order:{*}", "hash",
                      [&](const std::vector<std::string>& keys) {
                        std::vector<std::string> ids;
                        for (const std::string& k : keys) {
                          std::string id = IdOfOrderKey(ctx.keys(), k);
                          if (!id.empty() && id.find('}') == std::string::npos)
                            ids.push_back(std::move(id));
                        }
                        return ids.empty() ? absl::OkStatus() : visit(ids);
                      });
}

struct Expected {
  std::string key;
  bool sorted = true;
  std::string score;  // "" when any score will do
  std::string invariant;
};

// What an order's record implies: its index, queue, phone and duplicates memberships.
std::vector<Expected> ExpectedOf(const orders::OrderKeys& keys, const std::string& id,
                                 const std::map<std::string, std::string>& f) {
  auto get = [&](const char* name) {
    auto it = f.find(name);
    return it == f.end() ? std::string() : it->second;
  };
  std::vector<Expected> out;
  int state = 0, type = 0;
  (void)absl::SimpleAtoi(get(of::kState), &state);
  (void)absl::SimpleAtoi(get(of::kType), &type);
  const std::string created = get(of::kCreatedMs), unit = get(of::kUnit),
                    district = get(of::kDistrict);
  out.push_back({keys.IndexAll(), true, created, "index_all"});
  out.push_back({keys.IndexState(state), true, created, "index_state"});
  out.push_back({keys.IndexType(type), true, created, "index_type"});
  out.push_back({keys.IndexDistrict(district), true, created, "index_district"});
  if (!unit.empty()) {
    out.push_back({keys.IndexUnit(unit), true, created, "index_unit"});
    out.push_back({keys.Queue(unit, state), true, "", "queue"});
  }
  if (!get(of::kCallerPhoneHash).empty()) {
    out.push_back({keys.IndexPhone(get(of::kCallerPhoneHash)), true, created, "index_phone"});
  }
  if (!get(of::kMaster).empty())
    out.push_back({keys.Duplicates(get(of::kMaster)), false, "", "duplicate_link"});
  (void)id;
  return out;
}

// Forward: each order in every index its record names.
std::vector<Finding> CheckOrders(Context& ctx, const std::vector<std::string>& ids) {
  std::vector<Finding> out;
  std::vector<redis::Command> reads;
  for (const std::string& id : ids) {
    redis::Command c = {"HMGET", ctx.keys().Order(id)};
    c.insert(c.end(), kIndexFields.begin(), kIndexFields.end());
    reads.push_back(std::move(c));
  }
  std::vector<absl::StatusOr<redis::Reply>> records = ctx.ExecuteAll(std::move(reads));
  std::vector<redis::Command> probes;
  std::vector<std::pair<size_t, Expected>> asked;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!StatusOf(records[i]).ok() || records[i]->elements.size() != kIndexFields.size()) {
      out.push_back({"order_unreadable", ids[i], StatusOf(records[i]).ToString()});
      continue;
    }
    std::map<std::string, std::string> f;
    for (size_t k = 0; k < kIndexFields.size(); ++k)
      f[kIndexFields[k]] = records[i]->elements[k].str;
    if (f[of::kId].empty())
      continue;  // gone meanwhile (or never more than a stray field: next run)
    if (f[of::kId] != ids[i] || f[of::kState].empty() || f[of::kType].empty() ||
        f[of::kCreatedMs].empty()) {
      out.push_back({"order_record_malformed", ids[i],
                     absl::StrCat("id \"", f[of::kId], "\", state \"", f[of::kState], "\", type \"",
                                  f[of::kType], "\", created_ms \"", f[of::kCreatedMs], "\"")});
      continue;
    }
    for (Expected& e : ExpectedOf(ctx.keys(), ids[i], f)) {
      probes.push_back(e.sorted ? redis::Command{"ZSCORE", e.key, ids[i]}
                                : redis::Command{"SISMEMBER", e.key, ids[i]});
      asked.emplace_back(i, std::move(e));
    }
  }
  std::vector<absl::StatusOr<redis::Reply>> got = ctx.ExecuteAll(std::move(probes));
  for (size_t j = 0; j < got.size(); ++j) {
    const std::string& id = ids[asked[j].first];
    const Expected& e = asked[j].second;
    if (!StatusOf(got[j]).ok()) {
      out.push_back({e.invariant, id, absl::StrCat(e.key, ": ", StatusOf(got[j]).ToString())});
      continue;
    }
    const bool present = e.sorted ? got[j]->type != redis::Reply::Type::kNil : got[j]->integer == 1;
    if (!present) {
      out.push_back({e.invariant, id, absl::StrCat("not in ", e.key)});
    } else if (e.sorted && !e.score.empty() && got[j]->str != e.score) {
      out.push_back(
          {e.invariant, id,
           absl::StrCat("in ", e.key, " with score ", got[j]->str, ", not created_ms ", e.score)});
    }
  }
  return out;
}

// What an index key's name says about its members: the record field and
// value each member must have ("" field: only that the order exists).
struct IndexMeaning {
  std::vector<std::pair<std::string, std::string>> fields;
  bool known = false;
};

IndexMeaning MeaningOf(const orders::OrderKeys& keys, const std::string& key) {
  IndexMeaning m;
  const std::string head = keys.prefix() + "idx:";
  if (!absl::StartsWith(key, head)) return m;
  const std::string rest = key.substr(head.size());
  std::vector<std::string> parts = absl::StrSplit(rest, ':');
  m.known = true;
  if (parts.size() == 1 && parts[0] == "all") return m;
  if (parts.size() == 2 && parts[0] == "state")
    m.fields = {{of::kState, parts[1]}};
  else if (parts.size() == 2 && parts[0] == "type")
    m.fields = {{of::kType, parts[1]}};
  else if (parts.size() == 2 && parts[0] == "district")
    m.fields = {{of::kDistrict, parts[1]}};
  else if (parts.size() == 2 && parts[0] == "unit")
    m.fields = {{of::kUnit, parts[1]}};
  else if (parts.size() == 2 && parts[0] == "phone")
    m.fields = {{of::kCallerPhoneHash, parts[1]}};
  else if (parts.size() == 3 && parts[0] == "queue")
    m.fields = {{of::kUnit, parts[1]}, {of::kState, parts[2]}};
  else
    m.known = false;
  return m;
}

// Reverse: each member of `key` is an order whose record says so.
std::vector<Finding> CheckMembers(Context& ctx, const std::string& key,
                                  const std::vector<std::string>& members) {
  std::vector<Finding> out;
  const IndexMeaning m = MeaningOf(ctx.keys(), key);
  std::vector<redis::Command> reads;
  for (const std::string& id : members) {
    redis::Command c = {"HMGET", ctx.keys().Order(id), of::kId};
    for (const auto& [field, value] : m.fields) c.push_back(field);
    reads.push_back(std::move(c));
  }
  std::vector<absl::StatusOr<redis::Reply>> got = ctx.ExecuteAll(std::move(reads));
  for (size_t i = 0; i < members.size(); ++i) {
    if (!StatusOf(got[i]).ok()) continue;
    const auto& e = got[i]->elements;
    if (e.empty() || e[0].type == redis::Reply::Type::kNil) {
      out.push_back(
          {"index_stray", members[i], absl::StrCat("in ", key, " but there is no such order")});
      continue;
    }
    for (size_t k = 0; k < m.fields.size() && k + 1 < e.size(); ++k) {
      if (e[k + 1].str != m.fields[k].second) {
        out.push_back({"index_stray", members[i],
                       absl::StrCat("in ", key, " but its ", m.fields[k].first, " is \"",
                                    e[k + 1].str, "\"")});
        break;
      }
    }
  }
  return out;
}

// The second look at one suspect order: its record and every membership
// its record implies, read in one atomic step (a transition cannot fall in
// between). Retried if the record moved between choosing the keys and
// reading them.
std::vector<Finding> ConfirmOrder(Context& ctx, const std::string& id) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    absl::StatusOr<Context::AtomicRead> first = ctx.ReadAtomically(id, kIndexFields, {});
    if (!first.ok() || first->fields[of::kId].empty()) return {};
    const std::vector<Expected> expected = ExpectedOf(ctx.keys(), id, first->fields);
    std::vector<Context::Probe> probes;
    for (const Expected& e : expected) probes.push_back({e.key, e.sorted});
    absl::StatusOr<Context::AtomicRead> now = ctx.ReadAtomically(id, kIndexFields, probes);
    if (!now.ok()) return {};
    if (now->fields != first->fields) continue;  // moved on: choose the keys again
    std::vector<Finding> out;
    for (size_t k = 0; k < expected.size(); ++k) {
      const Expected& e = expected[k];
      if (!now->members[k]) {
        out.push_back({e.invariant, id, absl::StrCat("not in ", e.key)});
      } else if (e.sorted && !e.score.empty() && *now->members[k] != e.score) {
        out.push_back({e.invariant, id,
                       absl::StrCat("in ", e.key, " with score ", *now->members[k],
                                    ", not created_ms ", e.score)});
      }
    }
    return out;
  }
  return {};  // kept moving: not a stable fault
}

// The second look at one member of an index: still a member, and its
// record (read in the same atomic step) says otherwise.
std::vector<Finding> ConfirmMember(Context& ctx, const std::string& key, const std::string& id) {
  const IndexMeaning m = MeaningOf(ctx.keys(), key);
  std::vector<std::string> fields = {of::kId};
  for (const auto& [field, value] : m.fields) fields.push_back(field);
  absl::StatusOr<Context::AtomicRead> now = ctx.ReadAtomically(id, fields, {{key, true}});
  if (!now.ok() || !now->members[0]) return {};
  if (now->fields[of::kId].empty()) {
    return {{"index_stray", id, absl::StrCat("in ", key, " but there is no such order")}};
  }
  for (const auto& [field, value] : m.fields) {
    if (now->fields[field] != value) {
      return {{"index_stray", id,
               absl::StrCat("in ", key, " but its ", field, " is \"", now->fields[field], "\"")}};
    }
  }
  return {};
}

class OrderIndexCheck final : public Check {
 public:
  std::string name() const override { return "orders"; }

  absl::Status Run(Context& ctx) override {
    int64_t orders = 0;
    absl::Status s = ForEachOrder(ctx, [&](const std::vector<std::string>& ids) {
      orders += static_cast<int64_t>(ids.size());
      ctx.Confirm(CheckOrders(ctx, ids),
                  [&](const std::string& id) { return ConfirmOrder(ctx, id); });
      ctx.Progress(absl::StrCat("orders: ", orders, " orders checked against their indexes"));
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    ctx.Count("orders", orders);

    // Every member of every index is an order that belongs there.
    int64_t index_keys = 0, members = 0;
    s = ctx.ScanKeys(
        ctx.keys().prefix() + "idx:*", "zset", [&](const std::vector<std::string>& keys) {
          for (const std::string& key : keys) {
            ++index_keys;
            if (!MeaningOf(ctx.keys(), key).known) {
              ctx.Report(
                  {"index_unknown", "-", absl::StrCat(key, ": not a key the order store writes")});
              continue;
            }
            absl::Status m = ctx.ScanMembers(
                key, true, [&](const std::vector<std::pair<std::string, std::string>>& page) {
                  std::vector<std::string> ids;
                  for (const auto& [id, score] : page) ids.push_back(id);
                  members += static_cast<int64_t>(ids.size());
                  ctx.Confirm(CheckMembers(ctx, key, ids),
                              [&](const std::string& id) { return ConfirmMember(ctx, key, id); });
                  return absl::OkStatus();
                });
            if (!m.ok()) return m;
          }
          ctx.Progress(
              absl::StrCat("orders: ", index_keys, " index keys, ", members, " members checked"));
          return absl::OkStatus();
        });
    if (!s.ok()) return s;
    ctx.Count("index keys", index_keys);
    ctx.Count("index entries", members);

    // Duplicates sets: each member names this order as its master.
    s = ctx.ScanKeys(
        ctx.keys().prefix() + "order:{*}:duplicates", "set",
        [&](const std::vector<std::string>& keys) {
          for (const std::string& key : keys) {
            const std::string master = IdOfOrderKey(
                ctx.keys(), key.substr(0, key.size() - std::string(":duplicates").size()));
            auto check = [&](const std::vector<std::string>& ids) {
              std::vector<Finding> out;
              std::vector<redis::Command> reads;
              for (const std::string& id : ids)
                reads.push_back({"HGET", ctx.keys().Order(id), of::kMaster});
              std::vector<absl::StatusOr<redis::Reply>> got = ctx.ExecuteAll(std::move(reads));
              for (size_t i = 0; i < ids.size(); ++i) {
                if (StatusOf(got[i]).ok() && got[i]->str != master) {
                  out.push_back(
                      {"duplicate_stray", ids[i],
                       absl::StrCat("in ", key, " but its master is \"", got[i]->str, "\"")});
                }
              }
              return out;
            };
            absl::Status m = ctx.ScanMembers(
                key, false, [&](const std::vector<std::pair<std::string, std::string>>& page) {
                  std::vector<std::string> ids;
                  for (const auto& [id, unused] : page) ids.push_back(id);
                  ctx.Confirm(check(ids), [&](const std::string& id) -> std::vector<Finding> {
                    absl::StatusOr<Context::AtomicRead> now =
                        ctx.ReadAtomically(id, {of::kMaster}, {{key, false}});
                    if (!now.ok() || !now->members[0] || now->fields[of::kMaster] == master)
                      return {};
                    return {{"duplicate_stray", id,
                             absl::StrCat("in ", key, " but its master is \"",
                                          now->fields[of::kMaster], "\"")}};
                  });
                  return absl::OkStatus();
                });
            if (!m.ok()) return m;
          }
          return absl::OkStatus();
        });
    if (!s.ok()) return s;

    // A history list without its order.
    return ctx.ScanKeys(
        ctx.keys().prefix() + "order:{*}:history", "list",
        [&](const std::vector<std::string>& keys) {
          std::vector<redis::Command> reads;
          std::vector<std::string> ids;
          for (const std::string& key : keys) {
            ids.push_back(IdOfOrderKey(ctx.keys(),
                                       key.substr(0, key.size() - std::string(":history").size())));
            reads.push_back({"EXISTS", ctx.keys().Order(ids.back())});
          }
          std::vector<absl::StatusOr<redis::Reply>> got = ctx.ExecuteAll(std::move(reads));
          for (size_t i = 0; i < ids.size(); ++i) {
            if (StatusOf(got[i]).ok() && got[i]->integer == 0) {
              ctx.Report({"history_orphan", ids[i],
                          absl::StrCat(keys[i], " exists but the order record does not")});
            }
          }
          return absl::OkStatus();
        });
  }
};

// An order's trail fields and history in one step (a transition appends
// an entry and moves trail_head together). Reads only.
const redis::Script& TrailReadScript() {
  static const redis::Script script(R"lua(
return {redis.call("HMGET", KEYS[1], "id", "trail_head", "trail_legacy"),
        redis.call("LRANGE", KEYS[2], 0, -1)}
)lua");
  return script;
}

std::vector<Finding> CheckTrails(Context& ctx, const std::vector<std::string>& ids,
                                 int64_t* entries) {
  std::vector<Finding> out;
  std::vector<redis::Command> reads;
  for (const std::string& id : ids) {
    // EVAL (not EVALSHA): pipelined with the rest, nothing to load first.
    reads.push_back(
        {"EVAL", TrailReadScript().body(), "2", ctx.keys().Order(id), ctx.keys().History(id)});
  }
  std::vector<absl::StatusOr<redis::Reply>> got = ctx.ExecuteAll(std::move(reads));
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!StatusOf(got[i]).ok() || got[i]->elements.size() != 2) continue;
    const redis::Reply* rec = &got[i]->elements[0];
    const redis::Reply* list = &got[i]->elements[1];
    if (rec->elements.size() != 3) continue;
    if (rec->elements[0].type == redis::Reply::Type::kNil) continue;  // gone meanwhile
    orders::StoredTrail trail;
    trail.order_id = ids[i];
    trail.head = rec->elements[1].str;
    trail.legacy = rec->elements[2].str;
    for (const redis::Reply& e : list->elements) trail.entries.push_back(e.str);
    if (entries != nullptr) *entries += static_cast<int64_t>(trail.entries.size());
    if (trail.head.empty() && trail.legacy.empty() && !trail.entries.empty()) {
      // Written before the chain existed and never verified since: the
      // verifier would chain it now (a write), which fsck does not do.
      out.push_back(
          {"trail_unchained", ids[i],
           absl::StrCat(trail.entries.size(), " entries from before the chain, never chained")});
      continue;
    }
    if (trail.entries.empty()) {
      out.push_back({"trail_empty", ids[i], "the order has no history at all"});
      continue;
    }
    const v1::TrailVerdict v = orders::VerifyTrail(trail);
    if (!v.intact()) {
      out.push_back({"trail_broken", ids[i],
                     absl::StrCat(v1::TrailProblem_Name(v.problem()), " at entry ", v.entry(), ": ",
                                  v.detail())});
    }
  }
  return out;
}

class TrailCheck final : public Check {
 public:
  std::string name() const override { return "trails"; }
  absl::Status Run(Context& ctx) override {
    int64_t orders = 0, entries = 0;
    absl::Status s = ForEachOrder(ctx, [&](const std::vector<std::string>& ids) {
      orders += static_cast<int64_t>(ids.size());
      ctx.Confirm(CheckTrails(ctx, ids, &entries),
                  [&](const std::string& id) { return CheckTrails(ctx, {id}, nullptr); });
      ctx.Progress(absl::StrCat("trails: ", orders, " orders, ", entries, " entries verified"));
      return absl::OkStatus();
    });
    ctx.Count("trail entries", entries);
    return s;
  }
};

}  // namespace

std::unique_ptr<Check> MakeOrderIndexCheck() { return std::make_unique<OrderIndexCheck>(); }
std::unique_ptr<Check> MakeTrailCheck() { return std::make_unique<TrailCheck>(); }

}  // namespace hotline::fsck
