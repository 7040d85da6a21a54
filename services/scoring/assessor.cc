#include "scoring/assessor.h"

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clock/proto_time.h"
#include "enums/chinese_names.h"
#include "enums/enum_names.h"
#include "log/log.h"
#include "scoring/access.h"
#include "scoring/scorer.h"

namespace hotline::scoring {
namespace {

FactsList Ptrs(const std::vector<v1::OrderFacts>& facts) {
  FactsList out;
  out.reserve(facts.size());
  for (const v1::OrderFacts& f : facts) out.push_back(&f);
  return out;
}

bool IsCentreStaff(const Caller& caller) { return caller && caller->role() != v1::ROLE_UNIT_HANDLER; }

}  // namespace

absl::StatusOr<const v1::ScoringRules*> Assessor::RulesFor(const RuleBook& book, const v1::Period& period,
                                                         const Interval& interval,
                                                         const std::string& version) {
  // A version asked for is a recompute under it: nothing is recorded.
  const bool month = period.kind() == v1::PERIOD_KIND_MONTH || period.kind() == v1::PERIOD_KIND_UNSPECIFIED;
  if (!version.empty() || !month) return book.Find(version);
  const std::string yyyymm = absl::FormatTime("%Y%m", interval.start, zone_);
  const bool closed = interval.end <= clock_.Now();
  absl::StatusOr<std::string> kept = store_.MonthRules(yyyymm, book.current().version(), closed);
  if (!kept.ok()) return kept.status();
  absl::StatusOr<const v1::ScoringRules*> rules = book.Find(*kept);
  if (!rules.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "month ", interval.label, " was scored under rules \"", *kept,
        "\", which the rule book no longer has; name a rules_version to recompute it"));
  }
  return rules;
}

absl::StatusOr<v1::UnitScore> Assessor::Score(const Caller& caller, const std::string& unit,
                                              const v1::Period& period, const std::string& version,
                                              int item_limit) {
  // One snapshot of each for this answer (refdata/source.h).
  const std::shared_ptr<const RuleBook> rules_in_force = rules_.Current();
  const std::shared_ptr<const directory::Directory> directory_in_force = directory_.Current();
  if (unit.empty()) return absl::InvalidArgumentError("unit_code: is required");
  if (directory_in_force->FindUnit(unit) == nullptr) {
    return absl::NotFoundError(absl::StrCat("unit_code: no unit ", unit));
  }
  if (absl::Status s = CheckMaySee(caller, unit, *directory_in_force); !s.ok()) return s;
  absl::StatusOr<Interval> interval = Resolve(period, clock_.Now(), zone_);
  if (!interval.ok()) return interval.status();
  absl::StatusOr<const v1::ScoringRules*> rules = RulesFor(*rules_in_force, period, *interval, version);
  if (!rules.ok()) return rules.status();
  const Scorer scorer(**rules, *directory_in_force);
  if (item_limit == 0) {  // the figures alone: from the unit's per-day aggregates
    absl::StatusOr<std::vector<Counts>> counts = store_.SumUnitDays({unit}, interval->start, interval->end);
    if (!counts.ok()) return counts.status();
    return scorer.ScoreCounts(counts->at(0), unit, *interval, CityDay(interval->start, zone_));
  }
  // The explanation: the facts of this unit's orders of the period only.
  absl::StatusOr<std::vector<v1::OrderFacts>> facts = store_.LoadUnit(unit, interval->start, interval->end);
  if (!facts.ok()) return facts.status();
  return scorer.Score(Ptrs(*facts), unit, *interval, item_limit);
}

absl::StatusOr<v1::RankUnitsResponse> Assessor::Rank(const v1::ScoringRules& rules, v1::UnitLevel level,
                                                     const Interval& interval) {
  const std::shared_ptr<const directory::Directory> directory_in_force = directory_.Current();
  const Scorer scorer(rules, *directory_in_force);
  const std::vector<std::string> units = scorer.UnitsOfLevel(level);
  absl::StatusOr<std::vector<Counts>> counts = store_.SumUnitDays(units, interval.start, interval.end);
  if (!counts.ok()) return counts.status();
  const std::string start_day = CityDay(interval.start, zone_);
  std::vector<v1::UnitScore> scores;
  for (size_t i = 0; i < units.size(); ++i) {
    scores.push_back(scorer.ScoreCounts((*counts)[i], units[i], interval, start_day));
  }
  return scorer.RankScores(std::move(scores), interval);
}

absl::StatusOr<v1::GetUnitScoreResponse> Assessor::GetUnitScore(const Caller& caller,
                                                                const v1::GetUnitScoreRequest& r) {
  absl::StatusOr<v1::UnitScore> s = Score(caller, r.unit_code(), r.period(), r.rules_version(), 0);
  if (!s.ok()) return s.status();
  v1::GetUnitScoreResponse out;
  *out.mutable_score() = std::move(*s);
  return out;
}

absl::StatusOr<v1::ExplainScoreResponse> Assessor::ExplainScore(const Caller& caller,
                                                                const v1::ExplainScoreRequest& r) {
  if (r.limit() < 0 || r.limit() > 5000) return absl::InvalidArgumentError("limit: must be 0..5000");
  absl::StatusOr<v1::UnitScore> s =
      Score(caller, r.unit_code(), r.period(), r.rules_version(), r.limit() == 0 ? 200 : r.limit());
  if (!s.ok()) return s.status();
  v1::ExplainScoreResponse out;
  *out.mutable_score() = std::move(*s);
  return out;
}

absl::StatusOr<v1::RankUnitsResponse> Assessor::RankUnits(const Caller& caller, const v1::RankUnitsRequest& r) {
  // One snapshot of each for this answer (refdata/source.h).
  const std::shared_ptr<const RuleBook> rules_in_force = rules_.Current();
  const std::shared_ptr<const directory::Directory> directory_in_force = directory_.Current();
  if (!caller) return absl::UnauthenticatedError("no caller identity");
  if (!v1::UnitLevel_IsValid(r.level())) return absl::InvalidArgumentError("level: unknown level");
  absl::StatusOr<Interval> interval = Resolve(r.period(), clock_.Now(), zone_);
  if (!interval.ok()) return interval.status();
  absl::StatusOr<const v1::ScoringRules*> rules = RulesFor(*rules_in_force, r.period(), *interval, r.rules_version());
  if (!rules.ok()) return rules.status();
  absl::StatusOr<v1::RankUnitsResponse> ranked = Rank(**rules, r.level(), *interval);
  if (!ranked.ok()) return ranked.status();
  v1::RankUnitsResponse out = std::move(*ranked);
  if (!IsCentreStaff(caller)) {
    auto* rows = out.mutable_ranking();
    for (int i = rows->size() - 1; i >= 0; --i) {
      if (!CheckMaySee(caller, rows->Get(i).unit_code(), *directory_in_force).ok()) rows->DeleteSubrange(i, 1);
    }
  }
  return out;
}

absl::StatusOr<v1::GetHotSpotsResponse> Assessor::GetHotSpots(const v1::GetHotSpotsRequest& r,
                                                              const Caller& caller) {
  // One snapshot of each for this answer (refdata/source.h).
  const std::shared_ptr<const RuleBook> rules_in_force = rules_.Current();
  const std::shared_ptr<const directory::Directory> directory_in_force = directory_.Current();
  if (!v1::HotKind_IsValid(r.kind()) || r.kind() == v1::HOT_KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "kind: matters, locations, departments, rising, district_matters or addresses");
  }
  if (r.kind() == v1::HOT_KIND_ADDRESSES) return TopAddresses(caller, r);
  if (r.kind() == v1::HOT_KIND_DISTRICT_MATTERS && !directory_in_force->IsDistrict(r.district_code())) {
    return absl::InvalidArgumentError(absl::StrCat("district_code: \"", r.district_code(), "\" is not a district"));
  }
  absl::StatusOr<Interval> interval = Resolve(r.period(), clock_.Now(), zone_);
  if (!interval.ok()) return interval.status();
  const char* list = r.kind() == v1::HOT_KIND_LOCATIONS      ? "street"
                     : r.kind() == v1::HOT_KIND_DEPARTMENTS    ? "dept"
                     : r.kind() == v1::HOT_KIND_DISTRICT_MATTERS ? "dcat"
                                                                 : "cat";
  absl::StatusOr<Counts> city = store_.SumCityDays(list, interval->start, interval->end);
  if (!city.ok()) return city.status();
  const Scorer scorer(rules_in_force->current(), *directory_in_force);
  std::vector<v1::HotEntry> entries;
  switch (r.kind()) {
    case v1::HOT_KIND_MATTERS: entries = scorer.Top(WithPrefix(*city, "cat:"), true); break;
    case v1::HOT_KIND_LOCATIONS: entries = scorer.Top(WithPrefix(*city, "street:"), false); break;
    case v1::HOT_KIND_DEPARTMENTS:
      entries = scorer.Top(DistinctFrom(*city, "dept:", CityDay(interval->start, zone_)), false);
      break;
    case v1::HOT_KIND_RISING: {
      absl::StatusOr<Interval> previous = Previous(r.period(), clock_.Now(), zone_);
      if (!previous.ok()) return previous.status();
      absl::StatusOr<Counts> before = store_.SumCityDays("cat", previous->start, previous->end);
      if (!before.ok()) return before.status();
      entries = scorer.Rising(WithPrefix(*city, "cat:"), WithPrefix(*before, "cat:"));
      break;
    }
    default: entries = scorer.Top(WithPrefix(*city, absl::StrCat("dcat:", r.district_code(), "|")), true); break;
  }
  v1::GetHotSpotsResponse out;
  out.set_period_label(interval->label);
  for (v1::HotEntry& e : entries) *out.add_entries() = std::move(e);
  return out;
}

absl::StatusOr<v1::GetHotSpotsResponse> Assessor::TopAddresses(const Caller& caller,
                                                               const v1::GetHotSpotsRequest& r) {
  // One snapshot of each for this answer (refdata/source.h).
  const std::shared_ptr<const RuleBook> rules_in_force = rules_.Current();
  const std::shared_ptr<const directory::Directory> directory_in_force = directory_.Current();
  if (absl::Status s = CheckMaySeeAddresses(caller); !s.ok()) return s;
  // One sorted set per month (aggregates.h): other periods would merge months.
  if (r.period().kind() != v1::PERIOD_KIND_MONTH &&
      r.period().kind() != v1::PERIOD_KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError("period.kind: addresses are counted by month only");
  }
  absl::StatusOr<Interval> interval = Resolve(r.period(), clock_.Now(), zone_);
  if (!interval.ok()) return interval.status();
  const Scorer scorer(rules_in_force->current(), *directory_in_force);
  const v1::HotSpotRules& hot = rules_in_force->current().hot();
  absl::StatusOr<Counts> top =
      store_.TopOfMonth(kAddressList, CityDay(interval->start, zone_).substr(0, 6), hot.top_n(),
                        hot.address_min_orders());
  if (!top.ok()) return top.status();
  v1::GetHotSpotsResponse out;
  out.set_period_label(interval->label);
  for (v1::HotEntry& e : scorer.TopAddressCounts(*top)) *out.add_entries() = std::move(e);
  return out;
}

absl::StatusOr<v1::GetAgentFiguresResponse> Assessor::GetAgentFigures(const Caller& caller,
                                                                      const v1::GetAgentFiguresRequest& r) {
  // One snapshot of each for this answer (refdata/source.h).
  const std::shared_ptr<const RuleBook> rules_in_force = rules_.Current();
  const std::shared_ptr<const directory::Directory> directory_in_force = directory_.Current();
  if (!caller) return absl::UnauthenticatedError("no caller identity");
  if (!IsCentreStaff(caller)) return absl::PermissionDeniedError("agents' figures are for the centre's staff");
  absl::StatusOr<Interval> interval = Resolve(r.period(), clock_.Now(), zone_);
  if (!interval.ok()) return interval.status();
  absl::StatusOr<std::vector<Counts>> days = store_.CityDays("agent", interval->start, interval->end);
  if (!days.ok()) return days.status();
  return Scorer(rules_in_force->current(), *directory_in_force).AgentsFromDays(*days, *interval, r.agent_id());
}

absl::StatusOr<v1::GetScreenResponse> Assessor::GetScreen() {
  // One snapshot of each for this answer (refdata/source.h).
  const std::shared_ptr<const RuleBook> rules_in_force = rules_.Current();
  const std::shared_ptr<const directory::Directory> directory_in_force = directory_.Current();
  const absl::Time now = clock_.Now();
  v1::Period day, month;
  day.set_kind(v1::PERIOD_KIND_DAY);
  month.set_kind(v1::PERIOD_KIND_MONTH);
  absl::StatusOr<Interval> today = Resolve(day, now, zone_);
  absl::StatusOr<Interval> this_month = Resolve(month, now, zone_);
  if (!today.ok() || !this_month.ok()) return absl::InternalError("cannot place today in the calendar");
  absl::StatusOr<Counts> matters = store_.SumCityDays("cat", today->start, today->end);
  if (!matters.ok()) return matters.status();
  absl::StatusOr<Counts> volume = store_.SumCityDays("volume", today->start, today->end);
  if (!volume.ok()) return volume.status();
  absl::StatusOr<Counts> streets = store_.SumCityDays("street", this_month->start, this_month->end);
  if (!streets.ok()) return streets.status();
  absl::StatusOr<Counts> dispatched = store_.SumCityDays("dept", this_month->start, this_month->end);
  if (!dispatched.ok()) return dispatched.status();
  absl::StatusOr<Counts> load = store_.OpenLoad();
  if (!load.ok()) return load.status();
  const v1::ScoringRules& rules = rules_in_force->current();
  absl::StatusOr<v1::RankUnitsResponse> ranking = Rank(rules, v1::UNIT_LEVEL_DISTRICT, *this_month);
  if (!ranking.ok()) return ranking.status();
  const Scorer scorer(rules, *directory_in_force);

  v1::GetScreenResponse out;
  *out.mutable_at() = FromMillis(absl::ToUnixMillis(now));
  out.set_day_label(today->label);
  out.set_time_label(absl::FormatTime("%H:%M:%S", now, zone_));
  out.set_month_label(this_month->label);
  out.set_rules_version(rules.version());
  for (v1::HotEntry& e : scorer.Top(WithPrefix(*matters, "cat:"), true)) {
    *out.add_top_matters_today() = std::move(e);
  }
  for (v1::HotEntry& e : scorer.Top(WithPrefix(*streets, "street:"), false)) {
    *out.add_top_locations_month() = std::move(e);
  }
  const Counts departments = DistinctFrom(*dispatched, "dept:", CityDay(this_month->start, zone_));
  for (v1::HotEntry& e : scorer.Top(departments, false)) *out.add_top_departments_month() = std::move(e);
  std::map<int, int64_t> by_type, by_channel;
  // Field names come from Redis: one that is not a number is skipped (and
  // logged), never an exception in a request handler.
  auto number = [](const std::string& field, int* out) {
    if (absl::SimpleAtoi(field, out)) return true;
    log::Warning("a volume field that is not a number; skipped", {{"field", field}});
    return false;
  };
  for (const auto& [type, n] : WithPrefix(*volume, "type:")) {
    int t = 0;
    if (!number(type, &t)) continue;
    by_type[t] += n;
    out.set_today_total(out.today_total() + n);
  }
  for (const auto& [channel, n] : WithPrefix(*volume, "channel:")) {
    int c = 0;
    if (number(channel, &c)) by_channel[c] += n;
  }
  for (const auto& [type, n] : by_type) {
    v1::CountEntry* e = out.add_today_by_type();
    e->set_key(enums::SnakeName(static_cast<v1::OrderType>(type)));
    e->set_name(enums::ChineseName(static_cast<v1::OrderType>(type)));
    e->set_count(n);
  }
  for (const auto& [channel, n] : by_channel) {
    v1::CountEntry* e = out.add_today_by_channel();
    e->set_key(enums::SnakeName(static_cast<v1::Channel>(channel)));
    e->set_name(enums::ChineseName(static_cast<v1::Channel>(channel)));
    e->set_count(n);
  }
  const Counts open = WithPrefix(*load, "open:"), overdue = WithPrefix(*load, "overdue:"),
               provisional = WithPrefix(*load, "provisional:");
  auto count_of = [](const Counts& c, const std::string& k) {
    const auto it = c.find(k);
    return it == c.end() ? int64_t{0} : it->second;
  };
  for (const v1::Unit& d : directory_in_force->ListUnits("", v1::UNIT_KIND_DISTRICT)) {
    // A district merged away is no live district once nothing open is
    // counted there (its past records stay readable elsewhere).
    if (d.retired() && count_of(open, d.code()) == 0 && count_of(overdue, d.code()) == 0 &&
        count_of(provisional, d.code()) == 0) {
      continue;
    }
    v1::DistrictLoad* l = out.add_districts();
    l->set_district_code(d.code());
    l->set_name(d.name());
    l->set_open(count_of(open, d.code()));
    l->set_overdue(count_of(overdue, d.code()));
    l->set_provisional(count_of(provisional, d.code()));
  }
  for (v1::UnitScore& s : *ranking->mutable_ranking()) {
    s.clear_counts();
    *out.add_district_ranking() = std::move(s);
  }
  return out;
}

}  // namespace hotline::scoring
