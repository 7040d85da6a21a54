#include "scoring/archived_fact_store.h"

#include <future>
#include <map>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "scoring/month_archive.h"

namespace hotline::scoring {

namespace {

void Add(const Counts& from, Counts* to) {
  for (const auto& [field, n] : from) (*to)[field] += n;
}

// As sum_hashes.lua answers: no zero sums.
Counts WithoutZeros(Counts c) {
  for (auto it = c.begin(); it != c.end();) it = it->second == 0 ? c.erase(it) : std::next(it);
  return c;
}

absl::StatusOr<int64_t> Int(const std::optional<std::string>& v) {
  int64_t n = 0;
  if (!v.has_value() || !absl::SimpleAtoi(*v, &n))
    return absl::DataLossError("scoring archive: a count that is not an integer");
  return n;
}

}  // namespace

absl::StatusOr<std::set<std::string>> ArchivedFactStore::Moved() {
  absl::StatusOr<std::map<std::string, std::string>> states = MonthStates(redis_, keys_);
  if (!states.ok()) return states.status();
  std::set<std::string> out;
  for (const auto& [month, state] : *states) {
    if (state == "moved") out.insert(month);
  }
  return out;
}

absl::StatusOr<archive::PgRows> ArchivedFactStore::Query(std::string sql, archive::PgParams params) {
  auto done = std::make_shared<std::promise<absl::StatusOr<archive::PgRows>>>();
  std::future<absl::StatusOr<archive::PgRows>> result = done->get_future();
  pool_.Submit([done, sql = std::move(sql), params = std::move(params)](archive::PgConnection& pg) {
    done->set_value(pg.Exec(sql, params));
  });
  return result.get();
}

absl::StatusOr<std::vector<ArchivedFactStore::Run>> ArchivedFactStore::Runs(absl::Time start,
                                                                            absl::Time end) {
  std::vector<Run> out;
  if (start >= end) return out;
  absl::StatusOr<std::set<std::string>> moved = Moved();
  if (!moved.ok()) return moved.status();
  for (absl::CivilMonth m = absl::ToCivilMonth(start, zone_); absl::FromCivil(m, zone_) < end; ++m) {
    const absl::Time a = std::max(start, absl::FromCivil(m, zone_));
    const absl::Time b = std::min(end, absl::FromCivil(m + 1, zone_));
    const bool is_moved = moved->count(absl::FormatTime("%Y%m", absl::FromCivil(m, zone_), zone_)) == 1;
    if (!out.empty() && out.back().moved == is_moved && out.back().end == a) {
      out.back().end = b;
    } else {
      out.push_back({a, b, is_moved});
    }
  }
  return out;
}

absl::StatusOr<std::vector<Counts>> ArchivedFactStore::SumKeys(
    const std::vector<std::vector<std::string>>& groups) {
  std::vector<std::string> keys, index;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const std::string& k : groups[g]) {
      keys.push_back(k);
      index.push_back(absl::StrCat(g));
    }
  }
  std::vector<Counts> out(groups.size());
  if (keys.empty()) return out;
  absl::StatusOr<archive::PgRows> r = Query(
      "SELECT u.g, h.field, sum(h.n)::bigint FROM unnest($1::text[], $2::int[]) AS u(key, g) "
      "JOIN scoring_hashes h ON h.key = u.key GROUP BY u.g, h.field",
      {archive::TextArrayLiteral(keys), archive::TextArrayLiteral(index)});
  if (!r.ok()) return r.status();
  for (const auto& row : r->rows) {
    absl::StatusOr<int64_t> g = Int(row[0]), n = Int(row[2]);
    if (!g.ok() || !n.ok() || *g < 0 || *g >= static_cast<int64_t>(out.size()))
      return absl::DataLossError("scoring archive: unexpected sum row");
    out[*g][row[1].value_or("")] += *n;
  }
  return out;
}

absl::StatusOr<std::vector<Counts>> ArchivedFactStore::SumUnitDays(
    const std::vector<std::string>& units, absl::Time start, absl::Time end) {
  absl::StatusOr<std::vector<Run>> runs = Runs(start, end);
  if (!runs.ok()) return runs.status();
  std::vector<Counts> total(units.size());
  for (const Run& run : *runs) {
    absl::StatusOr<std::vector<Counts>> part;
    if (run.moved) {
      std::vector<std::vector<std::string>> groups;
      const std::vector<std::string> days = BucketDaysCovering(run.start, run.end, zone_);
      for (const std::string& unit : units) {
        std::vector<std::string>& g = groups.emplace_back();
        for (const std::string& day : days) g.push_back(rel_.UnitDay(unit, day));
      }
      part = SumKeys(groups);
    } else {
      part = live_.SumUnitDays(units, run.start, run.end);
    }
    if (!part.ok()) return part.status();
    for (size_t i = 0; i < units.size() && i < part->size(); ++i) Add((*part)[i], &total[i]);
  }
  for (Counts& c : total) c = WithoutZeros(std::move(c));
  return total;
}

absl::StatusOr<Counts> ArchivedFactStore::SumCityDays(const std::string& list, absl::Time start,
                                                      absl::Time end) {
  absl::StatusOr<std::vector<Run>> runs = Runs(start, end);
  if (!runs.ok()) return runs.status();
  Counts total;
  for (const Run& run : *runs) {
    if (run.moved) {
      std::vector<std::string> g;
      for (const std::string& day : BucketDaysCovering(run.start, run.end, zone_))
        g.push_back(rel_.CityDay(list, day));
      absl::StatusOr<std::vector<Counts>> part = SumKeys({g});
      if (!part.ok()) return part.status();
      Add(part->at(0), &total);
    } else {
      absl::StatusOr<Counts> part = live_.SumCityDays(list, run.start, run.end);
      if (!part.ok()) return part.status();
      Add(*part, &total);
    }
  }
  return WithoutZeros(std::move(total));
}

absl::StatusOr<std::vector<Counts>> ArchivedFactStore::CityDays(const std::string& list,
                                                                absl::Time start, absl::Time end) {
  absl::StatusOr<std::vector<Run>> runs = Runs(start, end);
  if (!runs.ok()) return runs.status();
  std::vector<Counts> out;
  for (const Run& run : *runs) {
    if (!run.moved) {
      absl::StatusOr<std::vector<Counts>> part = live_.CityDays(list, run.start, run.end);
      if (!part.ok()) return part.status();
      out.insert(out.end(), part->begin(), part->end());
      continue;
    }
    std::vector<std::vector<std::string>> days;
    for (absl::CivilDay d = absl::ToCivilDay(run.start, zone_); absl::FromCivil(d, zone_) < run.end; ++d)
      days.push_back({rel_.CityDay(list, CityDay(absl::FromCivil(d, zone_), zone_))});
    absl::StatusOr<std::vector<Counts>> part = SumKeys(days);
    if (!part.ok()) return part.status();
    out.insert(out.end(), part->begin(), part->end());
  }
  return out;
}

absl::StatusOr<Counts> ArchivedFactStore::TopOfMonth(const std::string& list, const std::string& month,
                                                     int n, int64_t min_count) {
  absl::StatusOr<std::set<std::string>> moved = Moved();
  if (!moved.ok()) return moved.status();
  if (moved->count(month) == 0) return live_.TopOfMonth(list, month, n, min_count);
  // top_of_month.lua's answer, on scoring_members: the members above the
  // n-th highest count (at least min_count), then those at it in member
  // order (bytewise, as Redis orders equal scores) up to n.
  const std::string key = rel_.CityMonth(list, month);
  absl::StatusOr<archive::PgRows> nth = Query(
      "SELECT n FROM scoring_members WHERE key = $1 ORDER BY n DESC LIMIT 1 OFFSET $2",
      {key, absl::StrCat(std::max(0, n - 1))});
  if (!nth.ok()) return nth.status();
  int64_t cut = min_count;
  if (!nth->rows.empty()) {
    absl::StatusOr<int64_t> v = Int(nth->rows[0][0]);
    if (!v.ok()) return v.status();
    if (*v > min_count) cut = *v;
  }
  Counts out;
  absl::StatusOr<archive::PgRows> above =
      Query("SELECT member, n FROM scoring_members WHERE key = $1 AND n > $2", {key, absl::StrCat(cut)});
  if (!above.ok()) return above.status();
  for (const auto& row : above->rows) {
    absl::StatusOr<int64_t> v = Int(row[1]);
    if (!v.ok()) return v.status();
    out[row[0].value_or("")] = *v;
  }
  const int64_t left = n - static_cast<int64_t>(above->rows.size());
  if (left > 0) {
    absl::StatusOr<archive::PgRows> at = Query(
        "SELECT member, n FROM scoring_members WHERE key = $1 AND n = $2 "
        "ORDER BY member COLLATE \"C\" LIMIT $3",
        {key, absl::StrCat(cut), absl::StrCat(left)});
    if (!at.ok()) return at.status();
    for (const auto& row : at->rows) {
      absl::StatusOr<int64_t> v = Int(row[1]);
      if (!v.ok()) return v.status();
      out[row[0].value_or("")] = *v;
    }
  }
  return out;
}

absl::StatusOr<std::vector<v1::OrderFacts>> ArchivedFactStore::LoadUnit(const std::string& unit,
                                                                        absl::Time start, absl::Time end) {
  absl::StatusOr<std::vector<Run>> runs = Runs(start, end);
  if (!runs.ok()) return runs.status();
  std::set<std::string> ids;
  for (const Run& run : *runs) {
    if (!run.moved) {
      absl::StatusOr<std::set<std::string>> part = live_.UnitOrderIds(unit, run.start, run.end);
      if (!part.ok()) return part.status();
      ids.insert(part->begin(), part->end());
      continue;
    }
    absl::StatusOr<archive::PgRows> r = Query(
        "SELECT member FROM scoring_unit_orders WHERE unit = $1 AND day >= $2 AND day < $3",
        {unit, CityDay(run.start, zone_), CityDay(run.end, zone_)});
    if (!r.ok()) return r.status();
    for (const auto& row : r->rows) {
      const std::string m = row[0].value_or("");
      ids.insert(m.substr(m.find(':') + 1));
    }
  }
  return LoadFacts({ids.begin(), ids.end()});
}

absl::StatusOr<std::vector<v1::OrderFacts>> ArchivedFactStore::LoadFacts(const std::vector<std::string>& ids) {
  absl::StatusOr<std::vector<v1::OrderFacts>> live = live_.LoadFacts(ids);
  if (!live.ok()) return live.status();
  std::map<std::string, v1::OrderFacts> found;
  for (v1::OrderFacts& f : *live) found.emplace(f.order_id(), std::move(f));
  std::vector<std::string> missing;
  for (const std::string& id : ids) {
    if (found.count(id) == 0) missing.push_back(id);
  }
  if (!missing.empty()) {
    // An order settled in moved months: its facts moved too (month_archive.h).
    absl::StatusOr<archive::PgRows> r =
        Query("SELECT order_id, encode(facts, 'hex') FROM scoring_facts WHERE order_id = ANY($1::text[])",
              {archive::TextArrayLiteral(missing)});
    if (!r.ok()) return r.status();
    for (const auto& row : r->rows) {
      v1::OrderFacts f;
      if (!f.ParseFromString(absl::HexStringToBytes(row[1].value_or("")))) {
        return absl::DataLossError("scoring archive: unreadable facts record");
      }
      found.emplace(row[0].value_or(""), std::move(f));
    }
  }
  std::vector<v1::OrderFacts> out;  // in the order of `ids`, as RedisFactStore answers
  for (const std::string& id : ids) {
    auto it = found.find(id);
    if (it != found.end()) out.push_back(std::move(it->second));
  }
  return out;
}

}  // namespace hotline::scoring
