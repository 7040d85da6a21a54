#include "scoring/aggregates.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "scoring/scorer.h"

namespace hotline::scoring {
namespace {

// The unit and every unit above it, as `directory` has them.
std::vector<std::string> SelfAndAncestors(const std::string& unit, const directory::Directory& directory) {
  std::vector<std::string> out;
  std::string code = unit;
  for (int depth = 0; depth < 16 && !code.empty(); ++depth) {
    out.push_back(code);
    const v1::Unit* u = directory.FindUnit(code);
    if (u == nullptr) break;
    code = u->parent_code();
  }
  return out;
}

// For each day of `days` (sorted), one count under "<prefix>|<previous day or 0>".
void Chain(const std::set<std::string>& days, const std::string& prefix,
           const std::function<Counts&(const std::string& day)>& bucket) {
  std::string prev = "0";
  for (const std::string& day : days) {
    bucket(day)[absl::StrCat(prefix, "|", prev)] += 1;
    prev = day;
  }
}

}  // namespace

std::string CityDay(absl::Time t, absl::TimeZone zone) { return absl::FormatTime("%Y%m%d", t, zone); }

std::string AddressMember(const std::string& street_code, const std::string& address) {
  return absl::StrCat(street_code, "|", address);
}

std::vector<std::string> UnitsOf(const v1::Fact& f, const directory::Directory& directory) {
  if (f.above().empty()) return SelfAndAncestors(f.unit_code(), directory);
  std::vector<std::string> out = {f.unit_code()};
  out.insert(out.end(), f.above().begin(), f.above().end());
  return out;
}

void RecordUnitsAbove(const v1::OrderFacts& before, const directory::Directory& directory,
                      v1::OrderFacts* facts) {
  std::map<std::pair<int64_t, std::string>, const v1::Fact*> recorded;
  for (const v1::Fact& f : before.facts()) {
    if (!f.above().empty()) recorded.emplace(std::make_pair(f.seq(), f.unit_code()), &f);
  }
  for (v1::Fact& f : *facts->mutable_facts()) {
    f.clear_above();
    auto it = recorded.find({f.seq(), f.unit_code()});
    if (it != recorded.end()) {
      *f.mutable_above() = it->second->above();
      continue;
    }
    std::vector<std::string> units = SelfAndAncestors(f.unit_code(), directory);
    for (size_t i = 1; i < units.size(); ++i) f.add_above(units[i]);
  }
}

Contribution ContributionOf(const v1::OrderFacts& o, const directory::Directory& directory, absl::TimeZone zone) {
  Contribution out;
  auto unit_day = [&](const std::string& unit, const std::string& day) -> Counts& {
    return out.counts[{BucketKind::kUnitDay, unit, day, ""}];
  };
  std::map<std::string, std::set<std::string>> unit_fact_days, dept_days;
  for (const v1::Fact& f : o.facts()) {
    const std::string day = CityDay(absl::FromUnixMillis(f.at_ms()), zone);
    const std::vector<std::string> units = UnitsOf(f, directory);
    for (const std::string& unit : units) {
      unit_day(unit, day)[FactName(f.kind())] += 1;
      unit_fact_days[unit].insert(day);
      out.unit_days.insert({unit, absl::StrCat(day, ":", o.order_id())});
    }
    if (f.kind() == v1::FACT_KIND_DISPATCHED) {
      for (const std::string& unit : units) {
        const v1::Unit* u = directory.FindUnit(unit);
        if (u != nullptr && u->kind() == v1::UNIT_KIND_DEPARTMENT) {
          dept_days[unit].insert(day);
          break;
        }
      }
    }
  }
  for (const auto& [unit, days] : unit_fact_days) {
    Chain(days, "orders", [&](const std::string& day) -> Counts& { return unit_day(unit, day); });
  }
  auto city = [&](const std::string& list, const std::string& day) -> Counts& {
    return out.counts[{BucketKind::kCityDay, "", day, list}];
  };
  for (const auto& [dept, days] : dept_days) {
    Chain(days, absl::StrCat("dept:", dept), [&](const std::string& day) -> Counts& { return city("dept", day); });
  }

  const std::string created = CityDay(absl::FromUnixMillis(o.created_ms()), zone);
  if (!o.category_code().empty()) {
    city("cat", created)[absl::StrCat("cat:", o.category_code())] += 1;
    city("dcat", created)[absl::StrCat("dcat:", o.district_code(), "|", o.category_code())] += 1;
  }
  if (!o.address().empty()) {
    out.counts[{BucketKind::kCityMonth, "", created.substr(0, 6), kAddressList}]
              [AddressMember(o.street_code(), o.address())] += 1;
  }
  if (!o.street_code().empty()) city("street", created)[absl::StrCat("street:", o.street_code())] += 1;
  Counts& volume = city("volume", created);
  volume[absl::StrCat("type:", static_cast<int>(o.type()))] += 1;
  volume[absl::StrCat("channel:", static_cast<int>(o.channel()))] += 1;
  if (!o.agent_id().empty()) {
    Counts& agent = city("agent", created);
    agent[absl::StrCat("agent:", o.agent_id())] += 1;
    if (o.type() == v1::ORDER_TYPE_CONSULTATION) {
      agent[absl::StrCat("agent_consult:", o.agent_id())] += 1;
      if (o.on_spot()) agent[absl::StrCat("agent_onspot:", o.agent_id())] += 1;
    }
    if (o.handling_ms() > 0) {
      agent[absl::StrCat("agent_timed:", o.agent_id())] += 1;
      agent[absl::StrCat("agent_handling_ms:", o.agent_id())] += o.handling_ms();
    }
  }
  if (o.open()) {
    Counts& load = out.counts[{BucketKind::kLoad, "", "", ""}];
    load[absl::StrCat("open:", o.district_code())] += 1;
    if (o.overdue()) load[absl::StrCat("overdue:", o.district_code())] += 1;
    if (o.provisional()) load[absl::StrCat("provisional:", o.district_code())] += 1;
  }
  // Each day's counts again in its month's rollup (a day bucket named YYYYMM).
  std::vector<std::pair<Bucket, Counts>> rollups;
  for (const auto& [bucket, counts] : out.counts) {
    if (bucket.kind != BucketKind::kUnitDay && bucket.kind != BucketKind::kCityDay) continue;
    Bucket month = bucket;
    month.day = bucket.day.substr(0, 6);
    rollups.emplace_back(std::move(month), counts);
  }
  for (const auto& [month, counts] : rollups) {
    for (const auto& [field, n] : counts) out.counts[month][field] += n;
  }
  return out;
}

std::vector<std::string> BucketDaysCovering(absl::Time start, absl::Time end, absl::TimeZone zone) {
  std::vector<std::string> out;
  absl::CivilDay d = absl::ToCivilDay(start, zone);
  while (absl::FromCivil(d, zone) < end) {
    const absl::CivilMonth month(d);
    const absl::CivilDay next_month(month + 1);
    if (absl::CivilDay(month) == d && absl::FromCivil(next_month, zone) <= end) {
      out.push_back(absl::StrFormat("%04d%02d", month.year(), month.month()));
      d = next_month;
    } else {
      out.push_back(CityDay(absl::FromCivil(d, zone), zone));
      ++d;
    }
  }
  return out;
}

Counts WithPrefix(const Counts& summed, const std::string& prefix) {
  Counts out;
  for (auto it = summed.lower_bound(prefix); it != summed.end() && absl::StartsWith(it->first, prefix); ++it) {
    if (it->second != 0) out[it->first.substr(prefix.size())] += it->second;
  }
  return out;
}

Counts DistinctFrom(const Counts& summed, const std::string& prefix, const std::string& start_day) {
  Counts out;
  for (const auto& [rest, n] : WithPrefix(summed, prefix)) {
    const size_t bar = rest.rfind('|');
    if (bar == std::string::npos) continue;
    if (rest.substr(bar + 1) < start_day) out[rest.substr(0, bar)] += n;
  }
  for (auto it = out.begin(); it != out.end();) it = it->second == 0 ? out.erase(it) : std::next(it);
  return out;
}

}  // namespace hotline::scoring
