#include "scoring/month_archive.h"

#include <algorithm>
#include <cctype>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "archive/archive_store.h"
#include "hotline/v1/scoring.pb.h"
#include "hotline/v1/work_order.pb.h"
#include "redis/reply_status.h"

namespace hotline::scoring {

namespace scripts {
extern const std::string_view kMonthDelete;
extern const std::string_view kFactsDelete;
}  // namespace scripts

namespace {

// Replies of `commands`, all in flight at once; the first error stops.
absl::StatusOr<std::vector<redis::Reply>> RunAll(redis::Client& redis,
                                                 std::vector<redis::Command> commands) {
  std::vector<std::future<absl::StatusOr<redis::Reply>>> pending;
  pending.reserve(commands.size());
  for (redis::Command& c : commands) {
    auto p = std::make_shared<std::promise<absl::StatusOr<redis::Reply>>>();
    pending.push_back(p->get_future());
    redis.Submit(std::move(c), [p](absl::StatusOr<redis::Reply> r) { p->set_value(std::move(r)); });
  }
  std::vector<redis::Reply> out;
  out.reserve(pending.size());
  absl::Status first;
  for (auto& f : pending) {
    absl::StatusOr<redis::Reply> r = f.get();
    if (first.ok() && !r.ok()) first = r.status();
    if (first.ok() && r->is_error()) first = redis::ErrorReplyToStatus(r->str);
    if (r.ok()) out.push_back(std::move(*r));
  }
  if (!first.ok()) return first;
  return out;
}

// One command, an error reply as its status.
absl::StatusOr<redis::Reply> Run(redis::Client& redis, redis::Command c) {
  absl::StatusOr<std::vector<redis::Reply>> r = RunAll(redis, {std::move(c)});
  if (!r.ok()) return r.status();
  return std::move(r->front());
}

absl::Status Scan(redis::Client& redis, const std::string& pattern, const std::string& type,
                  std::set<std::string>* out) {
  std::string cursor = "0";
  do {
    absl::StatusOr<redis::Reply> r =
        Run(redis, {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000", "TYPE", type});
    if (!r.ok()) return r.status();
    if (r->elements.size() != 2) return absl::InternalError("SCAN: unexpected reply");
    cursor = r->elements[0].str;
    for (const redis::Reply& k : r->elements[1].elements) out->insert(k.str);
  } while (cursor != "0");
  return absl::OkStatus();
}

// The month (YYYYMM) of a day or month aggregate key (…:YYYYMMDD or
// …:YYYYMM), "" for another key.
std::string MonthOfKey(const std::string& key) {
  const size_t colon = key.rfind(':');
  if (colon == std::string::npos) return "";
  const std::string day = key.substr(colon + 1);
  if ((day.size() != 6 && day.size() != 8) || !std::all_of(day.begin(), day.end(), ::isdigit))
    return "";
  return day.substr(0, 6);
}

// The unit of <p>scoring:unitorders:{UNIT}.
std::string UnitOf(const std::string& key) {
  const size_t open = key.find('{'), close = key.rfind('}');
  return open == std::string::npos || close == std::string::npos ? ""
                                                                 : key.substr(open + 1, close - open - 1);
}

// One month as read from Redis (relative keys: without the prefix).
struct MonthCopy {
  std::set<std::tuple<std::string, std::string, int64_t>> hashes;   // key, field, n
  std::set<std::tuple<std::string, std::string, int64_t>> members;  // key, member, n
  std::set<std::tuple<std::string, int64_t, std::string>> unit_orders;  // unit, day, member
  std::vector<std::string> keys;         // the hash and sorted-set keys to delete
  std::vector<std::string> order_lists;  // every unitorders key
  std::set<std::string> order_ids;       // orders with a unit fact in the month
};

absl::StatusOr<int64_t> Count(const std::string& s) {
  int64_t n = 0;
  double d = 0;
  if (absl::SimpleAtoi(s, &n)) return n;
  if (absl::SimpleAtod(s, &d)) return static_cast<int64_t>(d);
  return absl::DataLossError(absl::StrCat("scoring: \"", s, "\" is not a count"));
}

// The ids idx:all lists as created in `month` (city time).
absl::StatusOr<std::vector<std::string>> CreatedIn(redis::Client& redis, const ScoringKeys& keys,
                                                   const std::string& month, absl::TimeZone zone) {
  int year = 0, mon = 0;
  if (!absl::SimpleAtoi(month.substr(0, 4), &year) || !absl::SimpleAtoi(month.substr(4), &mon))
    return absl::InvalidArgumentError(absl::StrCat("scoring: \"", month, "\" is not YYYYMM"));
  const absl::Time start = absl::FromCivil(absl::CivilMonth(year, mon), zone);
  const absl::Time end = absl::FromCivil(absl::CivilMonth(year, mon) + 1, zone);
  absl::StatusOr<redis::Reply> r =
      Run(redis, {"ZRANGEBYSCORE", keys.orders().IndexAll(), absl::StrCat(absl::ToUnixMillis(start)),
                  absl::StrCat("(", absl::ToUnixMillis(end))});
  if (!r.ok()) return r.status();
  std::vector<std::string> out;
  for (const redis::Reply& e : r->elements) out.push_back(e.str);
  return out;
}

// Reads every key of `month` (after the fence: nothing changes it).
absl::StatusOr<MonthCopy> ReadMonth(redis::Client& redis, const ScoringKeys& keys,
                                    const std::string& month) {
  const std::string p = keys.orders().prefix();
  MonthCopy copy;
  std::set<std::string> hashes, zsets, lists;
  for (const std::string& pattern : {absl::StrCat(p, "scoring:unitday:{*}:", month, "*"),
                                     absl::StrCat(p, "scoring:cityday:*:", month, "*")}) {
    if (absl::Status s = Scan(redis, pattern, "hash", &hashes); !s.ok()) return s;
  }
  if (absl::Status s = Scan(redis, absl::StrCat(p, "scoring:citymonth:*:", month), "zset", &zsets);
      !s.ok())
    return s;
  if (absl::Status s = Scan(redis, absl::StrCat(p, "scoring:unitorders:{*}"), "zset", &lists);
      !s.ok())
    return s;
  std::vector<std::string> hash_keys, zset_keys;
  for (const std::string& k : hashes) {
    if (MonthOfKey(k) == month) hash_keys.push_back(k);
  }
  for (const std::string& k : zsets) {
    if (MonthOfKey(k) == month) zset_keys.push_back(k);
  }
  copy.order_lists.assign(lists.begin(), lists.end());
  std::vector<redis::Command> reads;
  for (const std::string& k : hash_keys) reads.push_back({"HGETALL", k});
  for (const std::string& k : zset_keys) reads.push_back({"ZRANGE", k, "0", "-1", "WITHSCORES"});
  const std::string lo = absl::StrCat(month, "01"), hi = absl::StrCat(month, "31");
  for (const std::string& k : copy.order_lists)
    reads.push_back({"ZRANGEBYSCORE", k, lo, hi, "WITHSCORES"});
  absl::StatusOr<std::vector<redis::Reply>> got = RunAll(redis, std::move(reads));
  if (!got.ok()) return got.status();
  size_t i = 0;
  for (const auto* group : {&hash_keys, &zset_keys}) {
    for (const std::string& k : *group) {
      const redis::Reply& r = (*got)[i++];
      const std::string rel = k.substr(p.size());
      for (size_t e = 0; e + 1 < r.elements.size(); e += 2) {
        absl::StatusOr<int64_t> n = Count(r.elements[e + 1].str);
        if (!n.ok()) return n.status();
        (group == &hash_keys ? copy.hashes : copy.members).emplace(rel, r.elements[e].str, *n);
      }
      copy.keys.push_back(k);
    }
  }
  for (const std::string& k : copy.order_lists) {
    const redis::Reply& r = (*got)[i++];
    for (size_t e = 0; e + 1 < r.elements.size(); e += 2) {
      absl::StatusOr<int64_t> day = Count(r.elements[e + 1].str);
      if (!day.ok()) return day.status();
      const std::string& member = r.elements[e].str;
      copy.unit_orders.emplace(UnitOf(k), *day, member);
      copy.order_ids.insert(member.substr(member.find(':') + 1));
    }
  }
  return copy;
}

// Why `month` may still change: an order with facts in it that is in Redis
// and not archived, or whose facts are behind it. "" when none.
absl::StatusOr<std::string> StillChanging(redis::Client& redis, const ScoringKeys& keys,
                                          const std::set<std::string>& ids) {
  std::vector<std::string> list(ids.begin(), ids.end());
  std::vector<redis::Command> reads;
  for (const std::string& id : list) {
    reads.push_back({"HMGET", keys.orders().Order(id), "state", "version"});
    reads.push_back({"HGET", keys.Facts(id), "version"});
  }
  absl::StatusOr<std::vector<redis::Reply>> got = RunAll(redis, std::move(reads));
  if (!got.ok()) return got.status();
  int64_t open = 0;
  std::string example;
  for (size_t i = 0; i < list.size(); ++i) {
    const redis::Reply& order = (*got)[2 * i];
    if (order.elements.size() != 2 || order.elements[0].type != redis::Reply::Type::kString)
      continue;  // not in Redis: in the archive tier, final
    // Archived (归档) or merged: no action changes the order any more.
    const bool archived = order.elements[0].str == absl::StrCat(v1::ORDER_STATE_ARCHIVED) ||
                          order.elements[0].str == absl::StrCat(v1::ORDER_STATE_MERGED);
    const bool scored = order.elements[1].str == (*got)[2 * i + 1].str;
    if (archived && scored) continue;
    if (open++ == 0) example = absl::StrCat(list[i], archived ? " (facts behind)" : " (not archived)");
  }
  if (open == 0) return std::string();
  return absl::StrCat(open, " orders with facts in it may still change, e.g. ", example);
}

absl::Status Exec(archive::PgConnection& pg, const std::string& sql, const archive::PgParams& params = {}) {
  absl::StatusOr<archive::PgRows> r = pg.Exec(sql, params);
  return r.ok() ? absl::OkStatus() : r.status();
}

// Writes the month's rows in one transaction, replacing any earlier copy.
absl::Status CopyMonth(archive::PgConnection& pg, const std::string& month, const MonthCopy& c) {
  constexpr size_t kChunk = 5000;
  auto body = [&]() -> absl::Status {
    for (const char* table : {"scoring_hashes", "scoring_members", "scoring_unit_orders", "scoring_months"}) {
      if (absl::Status s = Exec(pg, absl::StrCat("DELETE FROM ", table, " WHERE month = $1"), {month});
          !s.ok())
        return s;
    }
    for (const auto* rows : {&c.hashes, &c.members}) {
      const std::string sql = absl::StrCat(
          "INSERT INTO ", rows == &c.hashes ? "scoring_hashes (month, key, field, n)" : "scoring_members (month, key, member, n)",
          " SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[])");
      std::vector<std::string> a, b, n;
      auto flush = [&]() -> absl::Status {
        if (a.empty()) return absl::OkStatus();
        absl::Status s = Exec(pg, sql, {month, archive::TextArrayLiteral(a), archive::TextArrayLiteral(b),
                                        archive::TextArrayLiteral(n)});
        a.clear(), b.clear(), n.clear();
        return s;
      };
      for (const auto& [key, field, count] : *rows) {
        a.push_back(key), b.push_back(field), n.push_back(absl::StrCat(count));
        if (a.size() == kChunk) {
          if (absl::Status s = flush(); !s.ok()) return s;
        }
      }
      if (absl::Status s = flush(); !s.ok()) return s;
    }
    std::vector<std::string> units, days, members;
    auto flush = [&]() -> absl::Status {
      if (units.empty()) return absl::OkStatus();
      absl::Status s = Exec(pg,
                            "INSERT INTO scoring_unit_orders (month, unit, day, member) "
                            "SELECT $1, * FROM unnest($2::text[], $3::int[], $4::text[])",
                            {month, archive::TextArrayLiteral(units), archive::TextArrayLiteral(days),
                             archive::TextArrayLiteral(members)});
      units.clear(), days.clear(), members.clear();
      return s;
    };
    for (const auto& [unit, day, member] : c.unit_orders) {
      units.push_back(unit), days.push_back(absl::StrCat(day)), members.push_back(member);
      if (units.size() == kChunk) {
        if (absl::Status s = flush(); !s.ok()) return s;
      }
    }
    if (absl::Status s = flush(); !s.ok()) return s;
    const size_t rows = c.hashes.size() + c.members.size() + c.unit_orders.size();
    return Exec(pg, "INSERT INTO scoring_months (month, moved_at, keys, rows) VALUES ($1, now(), $2, $3)",
                {month, absl::StrCat(c.keys.size()), absl::StrCat(rows)});
  };
  if (absl::Status s = Exec(pg, "BEGIN"); !s.ok()) return s;
  if (absl::Status s = body(); !s.ok()) {
    (void)pg.Exec("ROLLBACK");
    return s;
  }
  return Exec(pg, "COMMIT");
}

// The month's rows read back equal what Redis held.
absl::Status VerifyMonth(archive::PgConnection& pg, const std::string& month, const MonthCopy& c) {
  MonthCopy back;
  for (const auto* table : {"scoring_hashes", "scoring_members"}) {
    absl::StatusOr<archive::PgRows> r = pg.Exec(
        absl::StrCat("SELECT key, ", std::string(table) == "scoring_hashes" ? "field" : "member",
                     ", n FROM ", table, " WHERE month = $1"),
        {month});
    if (!r.ok()) return r.status();
    for (const auto& row : r->rows) {
      absl::StatusOr<int64_t> n = Count(row[2].value_or(""));
      if (!n.ok()) return n.status();
      (std::string(table) == "scoring_hashes" ? back.hashes : back.members)
          .emplace(row[0].value_or(""), row[1].value_or(""), *n);
    }
  }
  absl::StatusOr<archive::PgRows> r =
      pg.Exec("SELECT unit, day, member FROM scoring_unit_orders WHERE month = $1", {month});
  if (!r.ok()) return r.status();
  for (const auto& row : r->rows) {
    absl::StatusOr<int64_t> day = Count(row[1].value_or(""));
    if (!day.ok()) return day.status();
    back.unit_orders.emplace(row[0].value_or(""), *day, row[2].value_or(""));
  }
  if (back.hashes != c.hashes || back.members != c.members || back.unit_orders != c.unit_orders) {
    return absl::DataLossError(absl::StrCat("scoring month ", month,
                                            ": the copy in PostgreSQL does not read back equal; "
                                            "nothing deleted from Redis"));
  }
  return absl::OkStatus();
}

// The months (YYYYMM, city time) an order's facts count in: its creation's
// (the city days) and each fact's (the unit days).
std::set<std::string> MonthsOf(const v1::OrderFacts& f, absl::TimeZone zone) {
  std::set<std::string> out = {absl::FormatTime("%Y%m", absl::FromUnixMillis(f.created_ms()), zone)};
  for (const v1::Fact& fact : f.facts())
    out.insert(absl::FormatTime("%Y%m", absl::FromUnixMillis(fact.at_ms()), zone));
  return out;
}

// One page of settled facts: copied in one transaction (replacing any
// earlier copy of them), read back, then deleted from Redis by one script.
absl::Status MoveFacts(redis::Client& redis, archive::PgConnection& pg, const ScoringKeys& keys,
                       const std::vector<std::tuple<std::string, std::string, std::string>>& page) {
  static const redis::Script script(scripts::kFactsDelete);
  std::vector<std::string> ids, versions, hex, fkeys;
  for (const auto& [id, version, bytes] : page) {
    ids.push_back(id), versions.push_back(version), hex.push_back(absl::BytesToHexString(bytes));
    fkeys.push_back(keys.Facts(id));
  }
  const std::string id_array = archive::TextArrayLiteral(ids);
  if (absl::Status s = Exec(pg, "BEGIN"); !s.ok()) return s;
  absl::Status copied = Exec(pg, "DELETE FROM scoring_facts WHERE order_id = ANY($1::text[])", {id_array});
  if (copied.ok()) {
    copied = Exec(pg,
                  "INSERT INTO scoring_facts (order_id, version, facts) SELECT i, v, decode(h, 'hex') "
                  "FROM unnest($1::text[], $2::bigint[], $3::text[]) AS u(i, v, h)",
                  {id_array, archive::TextArrayLiteral(versions), archive::TextArrayLiteral(hex)});
  }
  if (!copied.ok()) {
    (void)pg.Exec("ROLLBACK");
    return copied;
  }
  if (absl::Status s = Exec(pg, "COMMIT"); !s.ok()) return s;
  absl::StatusOr<archive::PgRows> back = pg.Exec(
      "SELECT order_id, version::text, encode(facts, 'hex') FROM scoring_facts WHERE order_id = "
      "ANY($1::text[])",
      {id_array});
  if (!back.ok()) return back.status();
  std::set<std::tuple<std::string, std::string, std::string>> want, got;
  for (size_t i = 0; i < ids.size(); ++i) want.emplace(ids[i], versions[i], hex[i]);
  for (const auto& row : back->rows)
    got.emplace(row[0].value_or(""), row[1].value_or(""), row[2].value_or(""));
  if (got != want) {
    return absl::DataLossError(
        "scoring facts: the copy in PostgreSQL does not read back equal; nothing deleted from Redis");
  }
  absl::StatusOr<redis::Reply> d = redis.ExecuteScript(script, std::move(fkeys), std::move(versions));
  if (!d.ok()) return d.status();
  if (d->is_error()) return redis::ErrorReplyToStatus(d->str);
  return absl::OkStatus();
}

// Moves the facts of every order all of whose months have moved and that
// is final: archived or merged in Redis at the facts' version, or in the
// archive tier (not in Redis); and whose facts say closed (an open order's
// facts count in scoring:load, which stays). Returns how many orders' facts
// moved.
absl::StatusOr<int64_t> MoveSettledFacts(redis::Client& redis, archive::PgConnection& pg,
                                         const ScoringKeys& keys,
                                         const std::set<std::string>& moved, absl::TimeZone zone) {
  if (moved.empty()) return 0;
  const std::string head = keys.Facts("");
  int64_t total = 0;
  constexpr size_t kPage = 500;
  // Page by page of the SCAN (not every key held at once: ~10 million a year).
  std::string cursor = "0";
  do {
    absl::StatusOr<redis::Reply> r =
        Run(redis, {"SCAN", cursor, "MATCH", keys.Facts("*"), "COUNT", "1000", "TYPE", "hash"});
    if (!r.ok()) return r.status();
    if (r->elements.size() != 2) return absl::InternalError("SCAN: unexpected reply");
    cursor = r->elements[0].str;
    std::vector<std::string> ids;
    for (const redis::Reply& k : r->elements[1].elements)
      ids.push_back(k.str.substr(head.size() - 1, k.str.size() - head.size()));
    for (size_t from = 0; from < ids.size(); from += kPage) {
      const size_t to = std::min(ids.size(), from + kPage);
      std::vector<redis::Command> reads;
      for (size_t i = from; i < to; ++i) {
        reads.push_back({"HMGET", keys.Facts(ids[i]), "version", "facts"});
        reads.push_back({"HMGET", keys.orders().Order(ids[i]), "state", "version"});
      }
      absl::StatusOr<std::vector<redis::Reply>> got = RunAll(redis, std::move(reads));
      if (!got.ok()) return got.status();
      std::vector<std::tuple<std::string, std::string, std::string>> settled;
      for (size_t i = from; i < to; ++i) {
        const redis::Reply& f = (*got)[2 * (i - from)];
        const redis::Reply& order = (*got)[2 * (i - from) + 1];
        if (f.elements.size() != 2 || f.elements[0].type != redis::Reply::Type::kString) continue;
        v1::OrderFacts facts;
        if (!facts.ParseFromString(f.elements[1].str)) {
          return absl::DataLossError(
              absl::StrCat("scoring: the facts of order ", ids[i], " do not parse"));
        }
        if (facts.open()) continue;  // counted in scoring:load, which stays in Redis
        bool all_moved = true;
        for (const std::string& m : MonthsOf(facts, zone))
          all_moved = all_moved && moved.count(m) == 1;
        if (!all_moved) continue;
        if (order.elements.size() == 2 && order.elements[0].type == redis::Reply::Type::kString) {
          const std::string& state = order.elements[0].str;
          const bool final = state == absl::StrCat(v1::ORDER_STATE_ARCHIVED) ||
                             state == absl::StrCat(v1::ORDER_STATE_MERGED);
          if (!final || order.elements[1].str != f.elements[0].str) continue;
        }
        settled.emplace_back(ids[i], f.elements[0].str, f.elements[1].str);
      }
      if (settled.empty()) continue;
      if (absl::Status s = MoveFacts(redis, pg, keys, settled); !s.ok()) return s;
      total += static_cast<int64_t>(settled.size());
    }
  } while (cursor != "0");
  return total;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> MonthStates(redis::Client& redis,
                                                               const ScoringKeys& keys) {
  absl::StatusOr<redis::Reply> r = Run(redis, {"HGETALL", keys.Months()});
  if (!r.ok()) return r.status();
  std::map<std::string, std::string> out;
  for (size_t i = 0; i + 1 < r->elements.size(); i += 2)
    out[r->elements[i].str] = r->elements[i + 1].str;
  return out;
}

absl::StatusOr<MonthMoveResult> MoveClosedMonths(redis::Client& redis, archive::PgConnection& pg,
                                                 const ScoringKeys& keys, const MonthMoveOptions& o) {
  if (absl::Status s = archive::EnsureSchema(pg); !s.ok()) return s;
  // One run at a time (a manual run beside the nightly job): a second run
  // that read a month after the first deleted it from Redis would replace its
  // rows with an empty copy. Held by this session: a killed run's goes with it.
  absl::StatusOr<archive::PgRows> locked = pg.Exec("SELECT pg_try_advisory_lock(1812346)");
  if (!locked.ok()) return locked.status();
  if (locked->rows.empty() || locked->rows[0][0] != "t") {
    return absl::FailedPreconditionError("another archive run is moving scoring months; run it again later");
  }
  const absl::Cleanup unlock = [&pg] { (void)pg.Exec("SELECT pg_advisory_unlock(1812346)"); };
  // A bulk rebuild writes the aggregates last, outside put_facts.lua's fence:
  // a month moved meanwhile would lose what it writes after.
  absl::StatusOr<redis::Reply> rebuilding = Run(redis, {"EXISTS", keys.RebuildMark()});
  if (!rebuilding.ok()) return rebuilding.status();
  if (rebuilding->integer != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a bulk rebuild of scoring is running or was interrupted (", keys.RebuildMark(),
        "): no month moves until it has finished"));
  }
  static const redis::Script script(scripts::kMonthDelete);
  absl::StatusOr<std::map<std::string, std::string>> states = MonthStates(redis, keys);
  if (!states.ok()) return states.status();
  // The months Redis holds day aggregates of (a month's volume list counts
  // every order created in it; its unit days every fact).
  std::set<std::string> found, months;
  const std::string p = keys.orders().prefix();
  for (const std::string& pattern : {p + "scoring:cityday:*", p + "scoring:unitday:*"}) {
    if (absl::Status s = Scan(redis, pattern, "hash", &found); !s.ok()) return s;
  }
  for (const std::string& k : found) {
    if (std::string m = MonthOfKey(k); !m.empty()) months.insert(m);
  }
  for (const auto& [m, state] : *states) {
    if (state == "moving") months.insert(m);  // a run killed after its fence
  }
  MonthMoveResult result;
  for (const std::string& month : months) {
    if (o.max_months > 0 && static_cast<int>(result.moved.size()) >= o.max_months) break;
    auto it = states->find(month);
    if (it != states->end() && it->second == "moved") continue;
    int year = 0, mon = 0;
    if (!absl::SimpleAtoi(month.substr(0, 4), &year) || !absl::SimpleAtoi(month.substr(4), &mon)) continue;
    const absl::Time end = absl::FromCivil(absl::CivilMonth(year, mon) + 1, o.zone);
    if (end + o.after > o.now) break;  // months come in order: the rest are younger
    const bool fenced = it != states->end() && it->second == "moving";
    if (!fenced) {
      absl::StatusOr<MonthCopy> probe = ReadMonth(redis, keys, month);
      if (!probe.ok()) return probe.status();
      // And the orders created in it: one with city-day facts only (a
      // consultation never dispatched) is on no unit's list, yet may still
      // change its category, address or agent.
      absl::StatusOr<std::vector<std::string>> created = CreatedIn(redis, keys, month, o.zone);
      if (!created.ok()) return created.status();
      probe->order_ids.insert(created->begin(), created->end());
      absl::StatusOr<std::string> why = StillChanging(redis, keys, probe->order_ids);
      if (!why.ok()) return why.status();
      if (!why->empty()) {
        result.held.emplace_back(month, *why);
        break;  // a later month waits for this one
      }
      // Marked first: a run killed after the fence still leads to the facts step.
      if (absl::StatusOr<redis::Reply> f = Run(redis, {"SET", keys.FactsPending(), month}); !f.ok())
        return f.status();
      if (absl::StatusOr<redis::Reply> f = Run(redis, {"HSETNX", keys.Months(), month, "moving"}); !f.ok())
        return f.status();
    }
    // Fenced by this run or a killed one, or moved by another meanwhile.
    absl::StatusOr<redis::Reply> state = Run(redis, {"HGET", keys.Months(), month});
    if (!state.ok()) return state.status();
    if (state->str == "moved") continue;
    absl::StatusOr<MonthCopy> copy = ReadMonth(redis, keys, month);
    if (!copy.ok()) return copy.status();
    if (copy->keys.empty()) {
      // Nothing left in Redis of a fenced month: never let that replace a copy.
      absl::StatusOr<archive::PgRows> kept = pg.Exec("SELECT 1 FROM scoring_months WHERE month = $1", {month});
      if (!kept.ok()) return kept.status();
      if (!kept->rows.empty()) {
        return absl::AbortedError(absl::StrCat("scoring month ", month,
                                               ": Redis holds none of its keys and PostgreSQL a copy; "
                                               "the copy is kept (the month stays \"moving\")"));
      }
    }
    if (absl::Status s = CopyMonth(pg, month, *copy); !s.ok()) return s;
    if (absl::Status s = VerifyMonth(pg, month, *copy); !s.ok()) return s;
    if (o.before_delete) {
      if (absl::Status s = o.before_delete(month); !s.ok()) return s;
    }
    std::vector<std::string> script_keys = {keys.Months()};
    script_keys.insert(script_keys.end(), copy->keys.begin(), copy->keys.end());
    script_keys.insert(script_keys.end(), copy->order_lists.begin(), copy->order_lists.end());
    absl::StatusOr<redis::Reply> d = redis.ExecuteScript(
        script, std::move(script_keys),
        {month, absl::StrCat(copy->keys.size()), absl::StrCat(month, "01"), absl::StrCat(month, "31")});
    if (!d.ok()) return d.status();
    if (d->is_error()) return redis::ErrorReplyToStatus(d->str);
    if (d->integer < 0) {
      return absl::AbortedError(absl::StrCat("scoring month ", month, " is no longer being moved"));
    }
    result.moved.push_back(month);
    result.keys += static_cast<int64_t>(copy->keys.size());
    result.rows += static_cast<int64_t>(copy->hashes.size() + copy->members.size() + copy->unit_orders.size());
  }
  // Then the facts of the orders settled in moved months: only after a
  // month was fenced (orders settle only when a month they count in moves),
  // by this run or one killed before it finished this step.
  absl::StatusOr<redis::Reply> pending = Run(redis, {"EXISTS", keys.FactsPending()});
  if (!pending.ok()) return pending.status();
  if (pending->integer == 0) return result;
  absl::StatusOr<std::map<std::string, std::string>> now_states = MonthStates(redis, keys);
  if (!now_states.ok()) return now_states.status();
  std::set<std::string> moved;
  for (const auto& [m, state] : *now_states) {
    if (state == "moved") moved.insert(m);
  }
  absl::StatusOr<int64_t> facts = MoveSettledFacts(redis, pg, keys, moved, o.zone);
  if (!facts.ok()) return facts.status();
  result.facts = *facts;
  if (absl::StatusOr<redis::Reply> d = Run(redis, {"DEL", keys.FactsPending()}); !d.ok()) return d.status();
  return result;
}

}  // namespace hotline::scoring
