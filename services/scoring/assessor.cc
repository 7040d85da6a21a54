#include "scoring/assessor.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "clock/proto_time.h"
#include "enums/enum_names.h"
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

const char* TypeLabel(int type) {
  switch (type) {
    case v1::ORDER_TYPE_CONSULTATION: return "咨询";
    case v1::ORDER_TYPE_COMPLAINT: return "投诉";
    case v1::ORDER_TYPE_REPORT: return "举报";
    case v1::ORDER_TYPE_HELP: return "求助";
    case v1::ORDER_TYPE_SUGGESTION: return "建议";
    case v1::ORDER_TYPE_PRAISE: return "表扬";
    default: return "其他";
  }
}

const char* ChannelLabel(int channel) {
  switch (channel) {
    case v1::CHANNEL_PHONE: return "电话";
    case v1::CHANNEL_WEB: return "网站";
    case v1::CHANNEL_APP: return "APP";
    case v1::CHANNEL_WECHAT: return "微信";
    case v1::CHANNEL_SMS: return "短信";
    case v1::CHANNEL_API: return "接口";
    default: return "其他";
  }
}

bool IsCentreStaff(const Caller& caller) { return caller && caller->role() != v1::ROLE_UNIT_HANDLER; }

}  // namespace

absl::StatusOr<v1::UnitScore> Assessor::Score(const Caller& caller, const std::string& unit,
                                              const v1::Period& period, const std::string& version,
                                              int item_limit) {
  if (unit.empty()) return absl::InvalidArgumentError("unit_code: is required");
  if (directory_.FindUnit(unit) == nullptr) {
    return absl::NotFoundError(absl::StrCat("unit_code: no unit ", unit));
  }
  if (absl::Status s = CheckMaySee(caller, unit, directory_); !s.ok()) return s;
  absl::StatusOr<const v1::ScoringRules*> rules = rules_.Find(version);
  if (!rules.ok()) return rules.status();
  absl::StatusOr<Interval> interval = Resolve(period, clock_.Now(), zone_);
  if (!interval.ok()) return interval.status();
  absl::StatusOr<std::vector<v1::OrderFacts>> facts = store_.Load(interval->start, interval->end);
  if (!facts.ok()) return facts.status();
  return Scorer(**rules, directory_).Score(Ptrs(*facts), unit, *interval, item_limit);
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
  if (!caller) return absl::UnauthenticatedError("no caller identity");
  if (!v1::UnitLevel_IsValid(r.level())) return absl::InvalidArgumentError("level: unknown level");
  absl::StatusOr<const v1::ScoringRules*> rules = rules_.Find(r.rules_version());
  if (!rules.ok()) return rules.status();
  absl::StatusOr<Interval> interval = Resolve(r.period(), clock_.Now(), zone_);
  if (!interval.ok()) return interval.status();
  absl::StatusOr<std::vector<v1::OrderFacts>> facts = store_.Load(interval->start, interval->end);
  if (!facts.ok()) return facts.status();
  v1::RankUnitsResponse out = Scorer(**rules, directory_).Rank(Ptrs(*facts), r.level(), *interval);
  if (!IsCentreStaff(caller)) {
    auto* rows = out.mutable_ranking();
    for (int i = rows->size() - 1; i >= 0; --i) {
      if (!CheckMaySee(caller, rows->Get(i).unit_code(), directory_).ok()) rows->DeleteSubrange(i, 1);
    }
  }
  return out;
}

absl::StatusOr<v1::GetHotSpotsResponse> Assessor::GetHotSpots(const v1::GetHotSpotsRequest& r) {
  if (!v1::HotKind_IsValid(r.kind()) || r.kind() == v1::HOT_KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError("kind: matters, locations, departments, rising or district_matters");
  }
  if (r.kind() == v1::HOT_KIND_DISTRICT_MATTERS && !directory_.IsDistrict(r.district_code())) {
    return absl::InvalidArgumentError(absl::StrCat("district_code: \"", r.district_code(), "\" is not a district"));
  }
  absl::StatusOr<Interval> interval = Resolve(r.period(), clock_.Now(), zone_);
  if (!interval.ok()) return interval.status();
  absl::Time from = interval->start;
  absl::StatusOr<Interval> previous = Previous(r.period(), clock_.Now(), zone_);
  if (!previous.ok()) return previous.status();
  if (r.kind() == v1::HOT_KIND_RISING) from = previous->start;
  absl::StatusOr<std::vector<v1::OrderFacts>> facts = store_.Load(from, interval->end);
  if (!facts.ok()) return facts.status();
  const Scorer scorer(rules_.current(), directory_);
  const FactsList list = Ptrs(*facts);
  std::vector<v1::HotEntry> entries;
  switch (r.kind()) {
    case v1::HOT_KIND_MATTERS: entries = scorer.TopMatters(list, *interval); break;
    case v1::HOT_KIND_LOCATIONS: entries = scorer.TopLocations(list, *interval); break;
    case v1::HOT_KIND_DEPARTMENTS: entries = scorer.TopDepartments(list, *interval); break;
    case v1::HOT_KIND_RISING: entries = scorer.RisingMatters(list, *interval, *previous); break;
    default: entries = scorer.TopMatters(list, *interval, r.district_code()); break;
  }
  v1::GetHotSpotsResponse out;
  out.set_period_label(interval->label);
  for (v1::HotEntry& e : entries) *out.add_entries() = std::move(e);
  return out;
}

absl::StatusOr<v1::GetAgentFiguresResponse> Assessor::GetAgentFigures(const Caller& caller,
                                                                      const v1::GetAgentFiguresRequest& r) {
  if (!caller) return absl::UnauthenticatedError("no caller identity");
  if (!IsCentreStaff(caller)) return absl::PermissionDeniedError("agents' figures are for the centre's staff");
  absl::StatusOr<Interval> interval = Resolve(r.period(), clock_.Now(), zone_);
  if (!interval.ok()) return interval.status();
  absl::StatusOr<std::vector<v1::OrderFacts>> facts = store_.Load(interval->start, interval->end);
  if (!facts.ok()) return facts.status();
  return Scorer(rules_.current(), directory_).Agents(Ptrs(*facts), *interval, r.agent_id());
}

absl::StatusOr<v1::GetScreenResponse> Assessor::GetScreen() {
  const absl::Time now = clock_.Now();
  v1::Period day, month;
  day.set_kind(v1::PERIOD_KIND_DAY);
  month.set_kind(v1::PERIOD_KIND_MONTH);
  absl::StatusOr<Interval> today = Resolve(day, now, zone_);
  absl::StatusOr<Interval> this_month = Resolve(month, now, zone_);
  if (!today.ok() || !this_month.ok()) return absl::InternalError("cannot place today in the calendar");
  absl::StatusOr<std::vector<v1::OrderFacts>> facts = store_.Load(this_month->start, this_month->end);
  if (!facts.ok()) return facts.status();
  absl::StatusOr<std::vector<v1::OrderFacts>> open = store_.LoadOpen();
  if (!open.ok()) return open.status();
  const v1::ScoringRules& rules = rules_.current();
  const Scorer scorer(rules, directory_);
  const FactsList list = Ptrs(*facts);

  v1::GetScreenResponse out;
  *out.mutable_at() = FromMillis(absl::ToUnixMillis(now));
  out.set_day_label(today->label);
  out.set_month_label(this_month->label);
  out.set_rules_version(rules.version());
  for (v1::HotEntry& e : scorer.TopMatters(list, *today)) *out.add_top_matters_today() = std::move(e);
  for (v1::HotEntry& e : scorer.TopLocations(list, *this_month)) *out.add_top_locations_month() = std::move(e);
  for (v1::HotEntry& e : scorer.TopDepartments(list, *this_month)) *out.add_top_departments_month() = std::move(e);
  std::map<int, int64_t> by_type, by_channel;
  for (const v1::OrderFacts* f : list) {
    if (!today->Contains(f->created_ms())) continue;
    ++by_type[f->type()];
    ++by_channel[f->channel()];
    out.set_today_total(out.today_total() + 1);
  }
  for (const auto& [type, n] : by_type) {
    v1::CountEntry* e = out.add_today_by_type();
    e->set_key(enums::SnakeName(static_cast<v1::OrderType>(type)));
    e->set_name(TypeLabel(type));
    e->set_count(n);
  }
  for (const auto& [channel, n] : by_channel) {
    v1::CountEntry* e = out.add_today_by_channel();
    e->set_key(enums::SnakeName(static_cast<v1::Channel>(channel)));
    e->set_name(ChannelLabel(channel));
    e->set_count(n);
  }
  std::map<std::string, std::pair<int64_t, int64_t>> load;
  for (const v1::OrderFacts& f : *open) {
    auto& l = load[f.district_code()];
    ++l.first;
    if (f.overdue()) ++l.second;
  }
  for (const v1::Unit& d : directory_.ListUnits("", v1::UNIT_KIND_DISTRICT)) {
    v1::DistrictLoad* l = out.add_districts();
    l->set_district_code(d.code());
    l->set_name(d.name());
    l->set_open(load[d.code()].first);
    l->set_overdue(load[d.code()].second);
  }
  v1::RankUnitsResponse ranking = scorer.Rank(list, v1::UNIT_LEVEL_DISTRICT, *this_month);
  for (v1::UnitScore& s : *ranking.mutable_ranking()) {
    s.clear_counts();
    *out.add_district_ranking() = std::move(s);
  }
  return out;
}

}  // namespace hotline::scoring
