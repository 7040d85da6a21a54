// Scoring's aggregates equal the facts: every stored fact set
// (scoring:facts:{ID}) is run through scoring's own ContributionOf, the
// same function its put script applies, and the sums are compared with
// every aggregate key (unit days, city days, month rollups, the load, the
// month's addresses, each unit's order list), both ways. And each order's
// facts are as new as the order (else scoring is behind on it). Facts stay in
// Redis when their order moves to the archive tier (until all their months
// have moved), so with --postgres an archived order's facts are no
// orphans; without it they are reported, as nothing says where the order is.
// A closed month moved to PostgreSQL (scoring:months "moved",
// services/scoring/month_archive.h) has no aggregates in Redis: the facts'
// contributions to it are not expected there (and a key of it that is there
// is a finding). The facts of an order settled in moved months move too
// (scoring_facts): with --postgres an order in Redis whose facts are there
// at its version is not missing them (their contributions are all to moved
// months); without it, such an order is reported as missing its facts.
#include <map>
#include <memory>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "archive/archive_store.h"
#include "clock/city_clock.h"
#include "fsck/fsck.h"
#include "scoring/aggregates.h"
#include "scoring/scoring_keys.h"

namespace hotline::fsck {
namespace {

using scoring::Bucket;
using scoring::BucketKind;
using scoring::Counts;

std::string KeyOf(const scoring::ScoringKeys& k, const Bucket& b) {
  switch (b.kind) {
    case BucketKind::kUnitDay:
      return k.UnitDay(b.unit, b.day);
    case BucketKind::kCityDay:
      return k.CityDay(b.list, b.day);
    case BucketKind::kLoad:
      return k.Load();
    case BucketKind::kCityMonth:
      return k.CityMonth(b.list, b.day);
  }
  return "";
}

// The differences between two count maps, zero counts being absent.
std::vector<std::string> Diff(const Counts& stored, const Counts& expected) {
  std::set<std::string> fields;
  for (const auto& [f, n] : stored) fields.insert(f);
  for (const auto& [f, n] : expected) fields.insert(f);
  std::vector<std::string> out;
  for (const std::string& f : fields) {
    auto s = stored.find(f);
    auto e = expected.find(f);
    const int64_t sv = s == stored.end() ? 0 : s->second, ev = e == expected.end() ? 0 : e->second;
    if (sv != ev) out.push_back(absl::StrCat(f, " is ", sv, ", the facts sum to ", ev));
  }
  return out;
}

// The version of each of `ids` whose facts moved to PostgreSQL
// (scoring_facts, services/scoring/month_archive.h).
absl::StatusOr<std::map<std::string, int64_t>> MovedFacts(archive::PgConnection& pg,
                                                          const std::vector<std::string>& ids) {
  std::map<std::string, int64_t> out;
  if (ids.empty()) return out;
  absl::StatusOr<archive::PgRows> r =
      pg.Exec("SELECT order_id, version FROM scoring_facts WHERE order_id = ANY($1::text[])",
              {archive::TextArrayLiteral(ids)});
  if (!r.ok()) return r.status();
  for (const auto& row : r->rows) {
    int64_t v = 0;
    (void)absl::SimpleAtoi(row[1].value_or("0"), &v);
    out[row[0].value_or("")] = v;
  }
  return out;
}

class ScoringCheck final : public Check {
 public:
  std::string name() const override { return "scoring"; }

  absl::Status Run(Context& ctx) override {
    const scoring::ScoringKeys keys(ctx.keys().prefix());
    std::map<std::string, Counts> expected;                    // aggregate key -> counts
    std::map<std::string, bool> sorted;                        // aggregate key -> a sorted set
    std::map<std::string, std::set<std::string>> unit_orders;  // unitorders key -> members
    int64_t facts = 0, archived_facts = 0;
    std::unique_ptr<archive::PgConnection> pg;
    if (!ctx.options().postgres.empty()) {
      pg = std::make_unique<archive::PgConnection>(ctx.options().postgres);
    }
    const std::string facts_head = ctx.keys().prefix() + "scoring:facts:{";

    absl::Status s =
        ctx.ScanKeys(facts_head + "*", "hash", [&](const std::vector<std::string>& fkeys) {
          std::vector<redis::Command> reads;
          std::vector<std::string> ids;
          for (const std::string& k : fkeys) {
            ids.push_back(k.substr(facts_head.size(), k.size() - facts_head.size() - 1));
            reads.push_back({"HMGET", k, "version", "facts"});
            reads.push_back({"HMGET", ctx.keys().Order(ids.back()), "version", "updated_ms"});
          }
          std::vector<absl::StatusOr<redis::Reply>> got = ctx.ExecuteAll(std::move(reads));
          std::vector<std::string> orphans;
          for (size_t i = 0; i < ids.size(); ++i) {
            const auto& f = got[2 * i];
            const auto& o = got[2 * i + 1];
            if (absl::Status st = StatusOf(f); !st.ok()) return st;
            if (absl::Status st = StatusOf(o); !st.ok()) return st;
            v1::OrderFacts of;
            if (f->elements.size() != 2 || !of.ParseFromString(f->elements[1].str)) {
              ctx.Report({"scoring_facts_unreadable", ids[i], "the stored facts do not parse"});
              continue;
            }
            ++facts;
            const scoring::Contribution c =
                scoring::ContributionOf(of, ctx.directory(), CityTimeZone());
            for (const auto& [bucket, counts] : c.counts) {
              const std::string key = KeyOf(keys, bucket);
              sorted[key] = bucket.kind == BucketKind::kCityMonth;
              for (const auto& [field, n] : counts) expected[key][field] += n;
            }
            for (const auto& [unit, member] : c.unit_days)
              unit_orders[keys.UnitOrders(unit)].insert(member);
            int64_t fv = 0, ov = 0;
            (void)absl::SimpleAtoi(f->elements[0].str, &fv);
            if (o->elements.size() == 2 && o->elements[0].type == redis::Reply::Type::kNil) {
              orphans.push_back(ids[i]);
            } else if (o->elements.size() == 2 && absl::SimpleAtoi(o->elements[0].str, &ov) &&
                       fv > ov) {
              ctx.Report({"scoring_facts_ahead", ids[i],
                          absl::StrCat("facts of version ", fv, ", the order is at ", ov)});
            }
          }
          std::set<std::string> archived;
          if (pg != nullptr && !orphans.empty()) {
            absl::StatusOr<std::set<std::string>> in_pg = archive::ArchivedAmong(*pg, orphans);
            if (!in_pg.ok()) return in_pg.status();
            archived = std::move(*in_pg);
          }
          for (const std::string& id : orphans) {
            if (archived.count(id) == 1) {
              ++archived_facts;
              continue;
            }
            ctx.Report({"scoring_facts_orphan", id,
                        pg != nullptr ? "facts stored for an order in neither tier"
                                      : "facts stored for an order Redis does not hold"});
          }
          ctx.Progress(absl::StrCat("scoring: ", facts, " orders' facts summed"));
          return absl::OkStatus();
        });
    if (!s.ok()) return s;
    ctx.Count("scoring facts", facts);
    if (pg != nullptr) ctx.Count("scoring facts of archived orders", archived_facts);

    // Orders whose facts are missing or older than the order (beyond the grace).
    int64_t behind_in_grace = 0;
    s = ctx.ScanKeys(
        ctx.keys().prefix() + "order:{*}", "hash", [&](const std::vector<std::string>& okeys) {
          std::vector<redis::Command> reads;
          std::vector<std::string> ids;
          const std::string head = ctx.keys().prefix() + "order:{";
          for (const std::string& k : okeys) {
            if (!absl::EndsWith(k, "}")) continue;
            ids.push_back(k.substr(head.size(), k.size() - head.size() - 1));
            reads.push_back({"HMGET", k, "version", "updated_ms"});
            reads.push_back({"HGET", keys.Facts(ids.back()), "version"});
          }
          std::vector<absl::StatusOr<redis::Reply>> got = ctx.ExecuteAll(std::move(reads));
          // Facts not in Redis may have moved to PostgreSQL with their months.
          std::map<std::string, int64_t> moved_facts;
          if (pg != nullptr) {
            std::vector<std::string> absent;
            for (size_t i = 0; i < ids.size(); ++i) {
              if (StatusOf(got[2 * i + 1]).ok() && got[2 * i + 1]->type == redis::Reply::Type::kNil)
                absent.push_back(ids[i]);
            }
            absl::StatusOr<std::map<std::string, int64_t>> in_pg = MovedFacts(*pg, absent);
            if (!in_pg.ok()) return in_pg.status();
            moved_facts = std::move(*in_pg);
          }
          for (size_t i = 0; i < ids.size(); ++i) {
            if (!StatusOf(got[2 * i]).ok() || !StatusOf(got[2 * i + 1]).ok()) continue;
            int64_t ov = 0, updated = 0, fv = 0;
            if (got[2 * i]->elements.size() != 2 ||
                !absl::SimpleAtoi(got[2 * i]->elements[0].str, &ov))
              continue;
            (void)absl::SimpleAtoi(got[2 * i]->elements[1].str, &updated);
            (void)absl::SimpleAtoi(got[2 * i + 1]->str, &fv);
            if (auto m = moved_facts.find(ids[i]); m != moved_facts.end()) fv = m->second;
            if (fv >= ov) continue;
            if (ctx.clock().Now() - absl::FromUnixMillis(updated) < ctx.options().grace) {
              ++behind_in_grace;
              continue;
            }
            ctx.Report({fv == 0 ? "scoring_facts_missing" : "scoring_facts_stale", ids[i],
                        absl::StrCat("facts of version ", fv, ", the order is at ", ov)});
          }
          return absl::OkStatus();
        });
    if (!s.ok()) return s;
    ctx.Count("scoring orders changed within the grace", behind_in_grace);
    if (pg != nullptr) {
      absl::StatusOr<archive::PgRows> n = pg->Exec("SELECT count(*) FROM scoring_facts");
      if (!n.ok()) return n.status();
      int64_t count = 0;
      (void)absl::SimpleAtoi(n->rows.at(0).at(0).value_or("0"), &count);
      ctx.Count("scoring facts moved to PostgreSQL", count);
    }

    // Moved months are PostgreSQL's: nothing of them is expected in Redis.
    const std::string p = ctx.keys().prefix();
    absl::StatusOr<redis::Reply> months = ctx.Execute({"HGETALL", keys.Months()});
    if (!months.ok()) return months.status();
    std::set<std::string> moved;
    for (size_t i = 0; i + 1 < months->elements.size(); i += 2) {
      if (months->elements[i + 1].str == "moved") moved.insert(months->elements[i].str);
    }
    ctx.Count("scoring months moved to PostgreSQL", static_cast<int64_t>(moved.size()));
    auto in_moved = [&](const std::string& day) { return moved.count(day.substr(0, 6)) == 1; };
    for (auto it = expected.begin(); it != expected.end();) {
      const size_t colon = it->first.rfind(':');
      const std::string day = colon == std::string::npos ? "" : it->first.substr(colon + 1);
      it = it->first != keys.Load() && in_moved(day) ? expected.erase(it) : std::next(it);
    }
    for (auto& [key, members] : unit_orders) {
      for (auto it = members.begin(); it != members.end();) it = in_moved(*it) ? members.erase(it) : std::next(it);
    }

    // Every aggregate key there is, and every one the facts imply.
    std::set<std::string> all;
    for (const auto& [k, c] : expected) all.insert(k);
    for (const auto& [pattern, type] :
         std::vector<std::pair<std::string, std::string>>{{p + "scoring:unitday:*", "hash"},
                                                          {p + "scoring:cityday:*", "hash"},
                                                          {p + "scoring:citymonth:*", "zset"},
                                                          {p + "scoring:load", "hash"}}) {
      s = ctx.ScanKeys(pattern, type, [&](const std::vector<std::string>& found) {
        for (const std::string& k : found) {
          all.insert(k);
          sorted[k] = type == "zset";
        }
        return absl::OkStatus();
      });
      if (!s.ok()) return s;
    }
    std::vector<std::string> list(all.begin(), all.end());
    int64_t compared = 0;
    for (size_t from = 0; from < list.size(); from += static_cast<size_t>(ctx.options().batch)) {
      const size_t to = std::min(list.size(), from + static_cast<size_t>(ctx.options().batch));
      std::vector<redis::Command> reads;
      for (size_t i = from; i < to; ++i) {
        reads.push_back(sorted[list[i]] ? redis::Command{"ZRANGE", list[i], "0", "-1", "WITHSCORES"}
                                        : redis::Command{"HGETALL", list[i]});
      }
      std::vector<absl::StatusOr<redis::Reply>> got = ctx.ExecuteAll(std::move(reads));
      for (size_t i = from; i < to; ++i) {
        const auto& r = got[i - from];
        if (absl::Status st = StatusOf(r); !st.ok()) return st;
        Counts stored;
        for (size_t e = 0; e + 1 < r->elements.size(); e += 2) {
          int64_t n = 0;
          double d = 0;
          if (!absl::SimpleAtoi(r->elements[e + 1].str, &n) &&
              absl::SimpleAtod(r->elements[e + 1].str, &d)) {
            n = static_cast<int64_t>(d);
          }
          stored[r->elements[e].str] += n;
        }
        std::vector<std::string> d = Diff(stored, expected[list[i]]);
        ++compared;
        if (!d.empty()) {
          ctx.Report(
              {"scoring_aggregate", "-",
               absl::StrCat(list[i], ": ", d.front(),
                            d.size() > 1 ? absl::StrCat(" (and ", d.size() - 1, " more)") : "")});
        }
      }
      ctx.Progress(
          absl::StrCat("scoring: ", compared, " / ", list.size(), " aggregate keys compared"));
    }
    ctx.Count("scoring aggregate keys", compared);

    // Each unit's order list.
    std::set<std::string> lists;
    for (const auto& [k, m] : unit_orders) lists.insert(k);
    s = ctx.ScanKeys(p + "scoring:unitorders:*", "zset",
                     [&](const std::vector<std::string>& found) {
                       lists.insert(found.begin(), found.end());
                       return absl::OkStatus();
                     });
    if (!s.ok()) return s;
    for (const std::string& key : lists) {
      std::set<std::string> stored;
      s = ctx.ScanMembers(key, true,
                          [&](const std::vector<std::pair<std::string, std::string>>& page) {
                            for (const auto& [m, score] : page) stored.insert(m);
                            return absl::OkStatus();
                          });
      if (!s.ok()) return s;
      const std::set<std::string>& want = unit_orders[key];
      for (const std::string& m : stored) {
        if (want.count(m) == 0) {
          const size_t colon = m.find(':');
          ctx.Report({"scoring_unit_orders", colon == std::string::npos ? m : m.substr(colon + 1),
                      absl::StrCat(key, " lists ", m, "; the facts do not")});
        }
      }
      for (const std::string& m : want) {
        if (stored.count(m) == 0) {
          const size_t colon = m.find(':');
          ctx.Report({"scoring_unit_orders", colon == std::string::npos ? m : m.substr(colon + 1),
                      absl::StrCat(key, " lacks ", m)});
        }
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Check> MakeScoringCheck() { return std::make_unique<ScoringCheck>(); }

}  // namespace hotline::fsck
