// The archive tier's invariant: every order is in exactly one tier. Redis
// holds an order as order:{ID}; PostgreSQL as a row of archived_orders
// (libs/archive). Two findings, each confirmed after recheck_after (an order
// is in both tiers for the moment between the mover's commit and its delete
// script):
//   tier_both     an order in Redis and in PostgreSQL
//   tier_neither  an order id Redis names (idx:all, a history key, the
//                 events stream) with its record in neither tier
// Read-only on both sides. Without --postgres the check is skipped (said so).
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "archive/archive_store.h"
#include "archive/pg.h"
#include "fsck/fsck.h"

namespace hotline::fsck {
namespace {

class TierCheck final : public Check {
 public:
  std::string name() const override { return "tiers"; }

  absl::Status Run(Context& ctx) override {
    if (ctx.options().postgres.empty()) {
      ctx.Progress("tiers: no --postgres given, the tier check is skipped");
      return absl::OkStatus();
    }
    archive::PgConnection pg(ctx.options().postgres);
    if (absl::Status s = FromArchive(ctx, pg); !s.ok()) return s;
    return FromRedis(ctx, pg);
  }

 private:
  // Which of `ids` Redis holds a record for.
  static absl::StatusOr<std::set<std::string>> InRedis(Context& ctx,
                                                       const std::vector<std::string>& ids) {
    std::vector<redis::Command> commands;
    for (const std::string& id : ids) commands.push_back({"EXISTS", ctx.keys().Order(id)});
    std::vector<absl::StatusOr<redis::Reply>> got = ctx.ExecuteAll(std::move(commands));
    std::set<std::string> out;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (absl::Status s = StatusOf(got[i]); !s.ok()) return s;
      if (got[i]->integer == 1) out.insert(ids[i]);
    }
    return out;
  }

  // Every archived id, in pages: none may still have its Redis record.
  absl::Status FromArchive(Context& ctx, archive::PgConnection& pg) {
    std::string after;
    std::vector<Finding> suspects;
    int64_t archived = 0;
    while (true) {
      absl::StatusOr<archive::PgRows> r =
          pg.Exec("SELECT id FROM archived_orders WHERE id > $1 ORDER BY id LIMIT $2",
                  {after, absl::StrCat(ctx.options().batch)});
      if (!r.ok()) {
        // A PostgreSQL the mover never ran against has no table: nothing archived.
        if (absl::StrContains(r.status().message(), "does not exist")) return absl::OkStatus();
        return r.status();
      }
      if (r->rows.empty()) break;
      std::vector<std::string> ids;
      for (const auto& row : r->rows) ids.push_back(row[0].value_or(""));
      after = ids.back();
      archived += static_cast<int64_t>(ids.size());
      absl::StatusOr<std::set<std::string>> live = InRedis(ctx, ids);
      if (!live.ok()) return live.status();
      for (const std::string& id : *live) {
        suspects.push_back(
            {"tier_both", id, "in Redis (order:{ID}) and in PostgreSQL (archived_orders)"});
      }
      ctx.Progress(absl::StrCat("tiers: ", archived, " archived orders looked up in Redis"));
    }
    ctx.Count("archived orders", archived);
    Confirm(ctx, pg, suspects);
    return absl::OkStatus();
  }

  // Every id Redis names (idx:all, history keys, the events stream) must
  // have its record in one tier.
  absl::Status FromRedis(Context& ctx, archive::PgConnection& pg) {
    std::map<std::string, std::string> suspects;  // id -> where it was named
    auto look = [&](const std::vector<std::string>& ids, const std::string& where) -> absl::Status {
      absl::StatusOr<std::set<std::string>> live = InRedis(ctx, ids);
      if (!live.ok()) return live.status();
      std::vector<std::string> missing;
      for (const std::string& id : ids) {
        if (live->count(id) == 0) missing.push_back(id);
      }
      if (missing.empty()) return absl::OkStatus();
      absl::StatusOr<std::set<std::string>> archived = archive::ArchivedAmong(pg, missing);
      if (!archived.ok()) return archived.status();
      for (const std::string& id : missing) {
        if (archived->count(id) == 0) suspects.emplace(id, where);
      }
      return absl::OkStatus();
    };
    absl::Status s =
        ctx.ScanMembers(ctx.keys().IndexAll(), true,
                        [&](const std::vector<std::pair<std::string, std::string>>& m) {
                          std::vector<std::string> ids;
                          for (const auto& [id, score] : m) ids.push_back(id);
                          return look(ids, "idx:all");
                        });
    if (!s.ok()) return s;
    const std::string history_prefix = ctx.keys().Order("");  // <p>order:{}
    s = ctx.ScanKeys(ctx.keys().prefix() + "order:{*}:history", "list",
                     [&](const std::vector<std::string>& keys) {
                       std::vector<std::string> ids;
                       const size_t open = history_prefix.size() - 1;  // after '{'
                       for (const std::string& k : keys) {
                         const size_t close = k.find('}', open);
                         if (close != std::string::npos)
                           ids.push_back(k.substr(open, close - open));
                       }
                       return look(ids, "a history key");
                     });
    if (!s.ok()) return s;
    std::string from = "-";
    int64_t events = 0;
    while (true) {
      absl::StatusOr<redis::Reply> r = ctx.Execute(
          {"XRANGE", ctx.keys().Events(), from, "+", "COUNT", absl::StrCat(ctx.options().batch)});
      if (absl::Status st = StatusOf(r); !st.ok()) return st;
      if (r->elements.empty()) break;
      std::set<std::string> named;
      for (const redis::Reply& e : r->elements) {
        if (e.elements.size() != 2) continue;
        if (std::string id = EventOrderId(e.elements[1]); !id.empty()) named.insert(std::move(id));
      }
      events += static_cast<int64_t>(r->elements.size());
      from = "(" + r->elements.back().elements[0].str;
      if (!named.empty()) {
        if (absl::Status st = look({named.begin(), named.end()}, "the events stream"); !st.ok()) {
          return st;
        }
      }
    }
    ctx.Count("order ids named by events", events);
    std::vector<Finding> found;
    for (const auto& [id, where] : suspects) {
      found.push_back({"tier_neither", id,
                       absl::StrCat("named by ", where, " but in neither Redis nor PostgreSQL")});
    }
    Confirm(ctx, pg, found);
    return absl::OkStatus();
  }

  // Looks at each suspect again in both tiers after recheck_after.
  static void Confirm(Context& ctx, archive::PgConnection& pg,
                      const std::vector<Finding>& suspects) {
    if (suspects.empty()) return;
    std::map<std::string, Finding> by_id;
    for (const Finding& f : suspects) by_id.emplace(f.order_id, f);
    ctx.Confirm(suspects, [&](const std::string& id) -> std::vector<Finding> {
      absl::StatusOr<std::set<std::string>> live = InRedis(ctx, {id});
      absl::StatusOr<std::set<std::string>> archived = archive::ArchivedAmong(pg, {id});
      if (!live.ok() || !archived.ok()) return {by_id.at(id)};  // cannot tell: still suspect
      const bool in_redis = live->count(id) == 1, in_pg = archived->count(id) == 1;
      const Finding& f = by_id.at(id);
      if (f.invariant == "tier_both" && in_redis && in_pg) return {f};
      if (f.invariant == "tier_neither" && !in_redis && !in_pg) return {f};
      return {};
    });
  }
};

}  // namespace

std::unique_ptr<Check> MakeTierCheck() { return std::make_unique<TierCheck>(); }

}  // namespace hotline::fsck
