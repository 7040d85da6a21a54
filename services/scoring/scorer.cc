#include "scoring/scorer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace hotline::scoring {
namespace {

struct ItemRef {
  const v1::OrderFacts* order;
  const v1::Fact* fact;
};

bool ByTime(const ItemRef& a, const ItemRef& b) {
  return std::forward_as_tuple(a.fact->at_ms(), a.order->order_id(), a.fact->seq(), a.fact->kind()) <
         std::forward_as_tuple(b.fact->at_ms(), b.order->order_id(), b.fact->seq(), b.fact->kind());
}

enum class Rate { kNone, kResponse, kResolution, kSatisfaction };

Rate RateOf(v1::FactKind k) {
  switch (k) {
    case v1::FACT_KIND_SIGNED_ON_TIME:
    case v1::FACT_KIND_LATE_SIGN_OFF: return Rate::kResponse;
    case v1::FACT_KIND_REPLIED_ON_TIME:
    case v1::FACT_KIND_OVERDUE_CLOSURE: return Rate::kResolution;
    case v1::FACT_KIND_SATISFIED:
    case v1::FACT_KIND_BASICALLY_SATISFIED:
    case v1::FACT_KIND_DISSATISFIED: return Rate::kSatisfaction;
    default: return Rate::kNone;
  }
}

// Points gained (+) or lost (-) for the event itself, apart from the rates,
// before normalising and capping (Scale). Callbacks earn nothing here: the
// satisfaction rate already counts them.
double EventPoints(const v1::ScoringPoints& p, v1::FactKind k) {
  switch (k) {
    case v1::FACT_KIND_LATE_SIGN_OFF: return -p.late_sign_off();
    case v1::FACT_KIND_OVERDUE_CLOSURE: return -p.overdue_closure();
    case v1::FACT_KIND_BOUNCE: return -p.bounce();
    case v1::FACT_KIND_UNJUSTIFIED_RETURN: return -p.unjustified_return();
    case v1::FACT_KIND_REDO: return -p.redo();
    case v1::FACT_KIND_DISSATISFIED: return -p.dissatisfied();
    case v1::FACT_KIND_URGE: return -p.urge();
    case v1::FACT_KIND_SUPERVISE: return -p.supervise();
    case v1::FACT_KIND_NOTICE: return -p.notice();
    case v1::FACT_KIND_PRAISE: return p.praise();
    default: return 0;
  }
}

// What one unit of each kind of item is worth for a unit and period, from
// its counts alone, so the explanation's items (Score) and the aggregates'
// sums (ScoreCounts) are the same products and the items sum to the score.
struct Scale {
  double rate_weight[4] = {0, 0, 0, 0};  // a rate's share of the maximum; 0: n/a
  double penalty_factor = 0;             // a penalty event costs points x this
  double reward_factor = 0;              // a reward event gains points x this
  double penalty_uncapped = 0;           // <= 0
  double reward_uncapped = 0;            // >= 0
  bool penalty_capped = false, reward_capped = false;
};

Scale ScaleOf(const v1::ScoringRules& r, const int64_t trials[4], const std::map<v1::FactKind, int64_t>& events,
              int64_t orders) {
  Scale s;
  const v1::RateWeights& w = r.weights();
  const double weight[4] = {0, w.response(), w.resolution(), w.satisfaction()};
  // A rate with no trials is n/a: its weight goes to the rates that have
  // some, so a unit with no callbacks yet is judged on what it did.
  double total = 0, active = 0;
  for (int rate = 1; rate < 4; ++rate) {
    total += weight[rate];
    if (trials[rate] > 0) active += weight[rate];
  }
  for (int rate = 1; rate < 4; ++rate) {
    if (trials[rate] > 0 && active > 0) s.rate_weight[rate] = weight[rate] * total / active;
  }
  // Penalties per 100 assessed orders: the same share of late orders costs
  // the same at any volume. Rewards are per event (praise is rare and not a
  // share of anything); both pools capped.
  double raw_penalty = 0, raw_reward = 0;
  for (const auto& [kind, n] : events) {
    const double p = EventPoints(r.points(), kind);
    if (p < 0) raw_penalty += p * static_cast<double>(n);
    if (p > 0) raw_reward += p * static_cast<double>(n);
  }
  const double per_order = orders > 0 ? 100.0 / static_cast<double>(orders) : 0;
  s.penalty_uncapped = raw_penalty * per_order;
  s.reward_uncapped = raw_reward;
  s.penalty_factor = per_order;
  s.penalty_capped = -s.penalty_uncapped > r.penalty_cap();
  if (s.penalty_capped) s.penalty_factor *= r.penalty_cap() / -s.penalty_uncapped;
  s.reward_factor = 1;
  s.reward_capped = s.reward_uncapped > r.reward_cap();
  if (s.reward_capped) s.reward_factor = r.reward_cap() / s.reward_uncapped;
  return s;
}

// A trial's credit towards its rate (1 success, 0 failure, the basically
// satisfied credit in between).
double Credit(const v1::RateWeights& w, v1::FactKind k) {
  switch (k) {
    case v1::FACT_KIND_SIGNED_ON_TIME:
    case v1::FACT_KIND_REPLIED_ON_TIME:
    case v1::FACT_KIND_SATISFIED: return 1;
    case v1::FACT_KIND_BASICALLY_SATISFIED: return w.basically_satisfied_credit();
    default: return 0;
  }
}

v1::UnitKind KindOfLevel(v1::UnitLevel level) {
  switch (level) {
    case v1::UNIT_LEVEL_STREET: return v1::UNIT_KIND_STREET;
    case v1::UNIT_LEVEL_DEPARTMENT: return v1::UNIT_KIND_DEPARTMENT;
    default: return v1::UNIT_KIND_DISTRICT;
  }
}

}  // namespace

std::string FactName(v1::FactKind kind) {
  // The enum's name without its FACT_KIND_ prefix, lower case.
  std::string name = v1::FactKind_Name(kind);
  constexpr absl::string_view kPrefix = "FACT_KIND_";
  if (absl::StartsWith(name, kPrefix)) name = name.substr(kPrefix.size());
  return absl::AsciiStrToLower(name);
}

std::string FactLabel(v1::FactKind kind) {
  switch (kind) {
    case v1::FACT_KIND_DISPATCHED: return "派单";
    case v1::FACT_KIND_SIGNED_ON_TIME: return "按时签收";
    case v1::FACT_KIND_LATE_SIGN_OFF: return "签收超时";
    case v1::FACT_KIND_REPLIED_ON_TIME: return "按时办结";
    case v1::FACT_KIND_OVERDUE_CLOSURE: return "办理超时";
    case v1::FACT_KIND_BOUNCE: return "退回";
    case v1::FACT_KIND_UNJUSTIFIED_RETURN: return "退回不成立";
    case v1::FACT_KIND_REDO: return "重办";
    case v1::FACT_KIND_SATISFIED: return "满意";
    case v1::FACT_KIND_BASICALLY_SATISFIED: return "基本满意";
    case v1::FACT_KIND_DISSATISFIED: return "不满意";
    case v1::FACT_KIND_URGE: return "催办";
    case v1::FACT_KIND_SUPERVISE: return "督办";
    case v1::FACT_KIND_NOTICE: return "通报";
    case v1::FACT_KIND_PRAISE: return "表扬";
    default: return "?";
  }
}

Scorer::Scorer(const v1::ScoringRules& rules, const directory::Directory& directory)
    : rules_(rules), directory_(directory) {}

bool Scorer::InSubtree(const v1::Fact& fact, const std::string& root) const {
  const std::vector<std::string> units = UnitsOf(fact, directory_);  // as the aggregates place it
  return std::find(units.begin(), units.end(), root) != units.end();
}

std::string Scorer::AncestorOfKind(const v1::Fact& fact, v1::UnitKind kind) const {
  for (const std::string& code : UnitsOf(fact, directory_)) {
    const v1::Unit* u = directory_.FindUnit(code);
    if (u != nullptr && u->kind() == kind) return code;
  }
  return "";
}

v1::UnitScore Scorer::Score(const FactsList& facts, const std::string& unit_code, const Interval& period,
                            int item_limit) const {
  std::vector<ItemRef> items;
  for (const v1::OrderFacts* o : facts) {
    for (const v1::Fact& f : o->facts()) {
      if (period.Contains(f.at_ms()) && InSubtree(f, unit_code)) items.push_back({o, &f});
    }
  }
  std::sort(items.begin(), items.end(), ByTime);

  int64_t trials[4] = {0, 0, 0, 0};
  double credit[4] = {0, 0, 0, 0};
  std::map<v1::FactKind, int64_t> events;
  std::set<std::string> orders;
  const v1::RateWeights& w = rules_.weights();
  for (const ItemRef& r : items) {
    const Rate rate = RateOf(r.fact->kind());
    ++trials[static_cast<int>(rate)];
    credit[static_cast<int>(rate)] += Credit(w, r.fact->kind());
    ++events[r.fact->kind()];
    orders.insert(r.order->order_id());
  }
  const int64_t assessed = static_cast<int64_t>(orders.size());
  const Scale scale = ScaleOf(rules_, trials, events, assessed);
  const char* rate_name[4] = {"", "响应率", "解决率", "满意率"};

  v1::UnitScore out;
  out.set_unit_code(unit_code);
  if (const v1::Unit* u = directory_.FindUnit(unit_code)) out.set_unit_name(u->name());
  out.set_rules_version(rules_.version());
  out.set_period_label(period.label);
  double score = 0, rate_points = 0, penalties = 0, rewards = 0;
  int total = 0;
  auto emit = [&](const ItemRef& r, double points, std::string reason) {
    score += points;
    ++total;
    if (item_limit > 0 && out.items_size() < item_limit) {
      v1::ScoreItem* item = out.add_items();
      item->set_order_id(r.order->order_id());
      item->set_seq(r.fact->seq());
      item->set_at_ms(r.fact->at_ms());
      item->set_unit_code(r.fact->unit_code());
      item->set_kind(r.fact->kind());
      item->set_points(points);
      item->set_reason(std::move(reason));
    }
  };
  for (const ItemRef& r : items) {
    const v1::FactKind k = r.fact->kind();
    (*out.mutable_counts())[FactName(k)] += 1;
    const int rate = static_cast<int>(RateOf(k));
    if (rate != 0) {
      const double c = Credit(w, k);
      if (c > 0) {
        const double points = scale.rate_weight[rate] * c / trials[rate];
        rate_points += points;
        emit(r, points, absl::StrFormat("%s: %s (%.4g × %g / %d)", rate_name[rate], FactLabel(k),
                                        scale.rate_weight[rate], c, trials[rate]));
      }
    }
    const double base = EventPoints(rules_.points(), k);
    if (base < 0) {
      const double points = base * scale.penalty_factor;
      penalties += points;
      emit(r, points,
           absl::StrFormat("扣分: %s (%g × 100 / %d 单%s)", FactLabel(k), -base, assessed,
                           scale.penalty_capped ? absl::StrFormat(", 封顶 %g", rules_.penalty_cap()) : ""));
    } else if (base > 0) {
      const double points = base * scale.reward_factor;
      rewards += points;
      emit(r, points,
           absl::StrFormat("加分: %s (%g%s)", FactLabel(k), base,
                           scale.reward_capped ? absl::StrFormat(", 封顶 %g", rules_.reward_cap()) : ""));
    }
  }
  out.set_score(score);
  out.set_rate_points(rate_points);
  out.set_penalty_points(penalties);
  out.set_reward_points(rewards);
  out.set_penalty_uncapped(scale.penalty_uncapped);
  out.set_reward_uncapped(scale.reward_uncapped);
  out.set_items_total(total);
  out.set_orders(static_cast<int>(assessed));
  auto ratio = [&](int rate) { return trials[rate] == 0 ? 0.0 : credit[rate] / trials[rate]; };
  out.set_response_rate(ratio(1));
  out.set_resolution_rate(ratio(2));
  out.set_satisfaction_rate(ratio(3));
  out.set_response_trials(static_cast<int32_t>(trials[1]));
  out.set_resolution_trials(static_cast<int32_t>(trials[2]));
  out.set_satisfaction_trials(static_cast<int32_t>(trials[3]));
  return out;
}

v1::RankUnitsResponse Scorer::Rank(const FactsList& facts, v1::UnitLevel level, const Interval& period) const {
  const v1::UnitKind kind = KindOfLevel(level);
  // Each unit scored over only the orders that touch its subtree.
  std::map<std::string, FactsList> by_unit;
  for (const v1::UnitKind k : {kind}) {
    for (const v1::Unit& u : directory_.ListUnits("", k)) by_unit[u.code()];
  }
  for (const v1::OrderFacts* o : facts) {
    std::set<std::string> touched;
    for (const v1::Fact& f : o->facts()) {
      if (!period.Contains(f.at_ms())) continue;
      const std::string unit = AncestorOfKind(f, kind);
      if (!unit.empty()) touched.insert(unit);
    }
    for (const std::string& u : touched) by_unit[u].push_back(o);
  }
  std::vector<v1::UnitScore> scores;
  for (const auto& [code, list] : by_unit) scores.push_back(Score(list, code, period));
  return RankScores(std::move(scores), period);
}

std::vector<std::string> Scorer::UnitsOfLevel(v1::UnitLevel level) const {
  std::vector<std::string> out;
  for (const v1::Unit& u : directory_.ListUnits("", KindOfLevel(level))) out.push_back(u.code());
  return out;
}

v1::RankUnitsResponse Scorer::RankScores(std::vector<v1::UnitScore> scores, const Interval& period) const {
  std::vector<v1::UnitScore> ranked, unranked;
  for (v1::UnitScore& s : scores) {
    // A unit none of whose rates has a trial yet has nothing measured to rank.
    const bool measured = s.response_trials() + s.resolution_trials() + s.satisfaction_trials() > 0;
    if (measured && s.orders() > 0 && s.orders() >= rules_.ranking().min_orders()) {
      ranked.push_back(std::move(s));
    } else {
      unranked.push_back(std::move(s));
    }
  }
  // Scores equal but for the rounding of their sums (items summed one by
  // one, or counts times points) are a tie, broken by code.
  auto key = [](const v1::UnitScore& s) { return std::llround(s.score() * 1e6); };
  std::sort(ranked.begin(), ranked.end(), [&key](const v1::UnitScore& a, const v1::UnitScore& b) {
    if (key(a) != key(b)) return key(a) > key(b);
    return a.unit_code() < b.unit_code();
  });
  v1::RankUnitsResponse out;
  out.set_rules_version(rules_.version());
  out.set_period_label(period.label);
  const int n = static_cast<int>(ranked.size());
  const int red = std::min(n, rules_.ranking().red_list_size());
  for (int i = 0; i < n; ++i) {
    ranked[i].set_rank(i + 1);
    if (i < red) out.add_red_list(ranked[i].unit_code());
  }
  const int black = std::min(n - red, rules_.ranking().black_list_size());
  const double below = rules_.ranking().black_list_below();
  for (int i = red; i < n; ++i) {
    const bool bottom = i >= n - black;
    if (bottom || (below > 0 && ranked[i].score() < below)) out.add_black_list(ranked[i].unit_code());
  }
  for (v1::UnitScore& s : ranked) *out.add_ranking() = std::move(s);
  for (v1::UnitScore& s : unranked) *out.add_ranking() = std::move(s);
  return out;
}

std::vector<v1::HotEntry> Scorer::Top(const Counts& counts, bool categories) const {
  std::vector<v1::HotEntry> all;
  for (const auto& [code, n] : counts) {
    v1::HotEntry e;
    e.set_code(code);
    e.set_count(n);
    if (categories) {
      if (const v1::Category* c = directory_.FindCategory(code)) e.set_name(c->name());
    } else if (const v1::Unit* u = directory_.FindUnit(code)) {
      e.set_name(u->name());
    }
    all.push_back(std::move(e));
  }
  std::sort(all.begin(), all.end(), [](const v1::HotEntry& a, const v1::HotEntry& b) {
    if (a.count() != b.count()) return a.count() > b.count();
    return a.code() < b.code();
  });
  if (static_cast<int>(all.size()) > rules_.hot().top_n()) all.resize(rules_.hot().top_n());
  return all;
}

std::vector<v1::HotEntry> Scorer::TopMatters(const FactsList& facts, const Interval& period,
                                             const std::string& district_code) const {
  std::map<std::string, int64_t> counts;
  for (const v1::OrderFacts* o : facts) {
    if (o->category_code().empty() || !period.Contains(o->created_ms())) continue;
    if (!district_code.empty() && o->district_code() != district_code) continue;
    ++counts[o->category_code()];
  }
  return Top(counts, true);
}

std::vector<v1::HotEntry> Scorer::TopLocations(const FactsList& facts, const Interval& period) const {
  std::map<std::string, int64_t> counts;
  for (const v1::OrderFacts* o : facts) {
    if (o->street_code().empty() || !period.Contains(o->created_ms())) continue;
    ++counts[o->street_code()];
  }
  return Top(counts, false);
}

std::vector<v1::HotEntry> Scorer::TopAddressCounts(const Counts& counts) const {
  Counts shared;
  for (const auto& [member, n] : counts) {
    if (n >= rules_.hot().address_min_orders()) shared[member] = n;
  }
  std::vector<v1::HotEntry> out = Top(shared, false);
  for (v1::HotEntry& e : out) {
    const std::string street = e.code().substr(0, e.code().find('|'));
    const std::string address = e.code().substr(street.size() + 1);
    const v1::Unit* u = directory_.FindUnit(street);
    e.set_name(u == nullptr ? address : absl::StrCat(u->name(), " ", address));
  }
  return out;
}

std::vector<v1::HotEntry> Scorer::TopAddresses(const FactsList& facts,
                                               const Interval& period) const {
  Counts counts;
  for (const v1::OrderFacts* o : facts) {
    if (o->address().empty() || !period.Contains(o->created_ms())) continue;
    ++counts[AddressMember(o->street_code(), o->address())];
  }
  return TopAddressCounts(counts);
}

std::vector<v1::HotEntry> Scorer::TopDepartments(const FactsList& facts, const Interval& period) const {
  std::map<std::string, int64_t> counts;
  for (const v1::OrderFacts* o : facts) {
    std::set<std::string> departments;  // an order counts once per department
    for (const v1::Fact& f : o->facts()) {
      if (f.kind() != v1::FACT_KIND_DISPATCHED || !period.Contains(f.at_ms())) continue;
      const std::string d = AncestorOfKind(f, v1::UNIT_KIND_DEPARTMENT);
      if (!d.empty()) departments.insert(d);
    }
    for (const std::string& d : departments) ++counts[d];
  }
  return Top(counts, false);
}

std::vector<v1::HotEntry> Scorer::RisingMatters(const FactsList& facts, const Interval& period,
                                                const Interval& previous) const {
  Counts now, before;
  for (const v1::OrderFacts* o : facts) {
    if (o->category_code().empty()) continue;
    if (period.Contains(o->created_ms())) ++now[o->category_code()];
    if (previous.Contains(o->created_ms())) ++before[o->category_code()];
  }
  return Rising(now, before);
}

std::vector<v1::HotEntry> Scorer::Rising(const Counts& now, const Counts& before) const {
  std::map<std::string, std::pair<int64_t, int64_t>> counts;  // now, before
  for (const auto& [code, n] : now) counts[code].first = n;
  for (const auto& [code, n] : before) counts[code].second = n;
  std::vector<v1::HotEntry> all;
  for (const auto& [code, c] : counts) {
    if (c.first < rules_.hot().rising_min_count() || c.first < rules_.hot().rising_factor() * c.second) continue;
    v1::HotEntry e;
    e.set_code(code);
    e.set_count(c.first);
    e.set_previous(c.second);
    if (const v1::Category* cat = directory_.FindCategory(code)) e.set_name(cat->name());
    all.push_back(std::move(e));
  }
  std::sort(all.begin(), all.end(), [](const v1::HotEntry& a, const v1::HotEntry& b) {
    const int64_t ga = a.count() - a.previous(), gb = b.count() - b.previous();
    if (ga != gb) return ga > gb;
    return a.code() < b.code();
  });
  if (static_cast<int>(all.size()) > rules_.hot().top_n()) all.resize(rules_.hot().top_n());
  return all;
}

namespace {

struct AgentAcc {
  int64_t contacts = 0, consultations = 0, on_spot = 0;
  int64_t timed = 0, handling_ms = 0;  // contacts with a reported handling time, and its sum
  std::set<int64_t> days;
};

v1::GetAgentFiguresResponse AgentFigures(const std::map<std::string, AgentAcc>& by_agent, const AgentAcc& total,
                                         const Interval& period) {
  auto fill = [](const std::string& id, const AgentAcc& a, v1::AgentFigures* f) {
    f->set_agent_id(id);
    f->set_contacts(a.contacts);
    f->set_contacts_per_day(a.days.empty() ? 0 : static_cast<double>(a.contacts) / a.days.size());
    f->set_consultations(a.consultations);
    f->set_on_spot(a.on_spot);
    f->set_first_contact_resolution(a.consultations == 0 ? 0 : static_cast<double>(a.on_spot) / a.consultations);
    f->set_timed(a.timed);
    f->set_average_handling_seconds(a.timed == 0 ? 0 : static_cast<double>(a.handling_ms) / 1000.0 / a.timed);
  };
  v1::GetAgentFiguresResponse out;
  out.set_period_label(period.label);
  for (const auto& [id, a] : by_agent) fill(id, a, out.add_agents());
  fill("", total, out.mutable_total());
  return out;
}

}  // namespace

v1::GetAgentFiguresResponse Scorer::Agents(const FactsList& facts, const Interval& period,
                                           const std::string& agent_id) const {
  std::map<std::string, AgentAcc> by_agent;
  AgentAcc total;
  for (const v1::OrderFacts* o : facts) {
    if (o->agent_id().empty() || !period.Contains(o->created_ms())) continue;
    if (!agent_id.empty() && o->agent_id() != agent_id) continue;
    // Days are counted by the period's own boundaries: whole days since its start.
    const int64_t day = (absl::FromUnixMillis(o->created_ms()) - period.start) / absl::Hours(24);
    for (AgentAcc* a : {&by_agent[o->agent_id()], &total}) {
      ++a->contacts;
      a->days.insert(day);
      if (o->type() == v1::ORDER_TYPE_CONSULTATION) {
        ++a->consultations;
        if (o->on_spot()) ++a->on_spot;
      }
      if (o->handling_ms() > 0) {
        ++a->timed;
        a->handling_ms += o->handling_ms();
      }
    }
  }
  return AgentFigures(by_agent, total, period);
}

v1::GetAgentFiguresResponse Scorer::AgentsFromDays(const std::vector<Counts>& city_days, const Interval& period,
                                                   const std::string& agent_id) const {
  std::map<std::string, AgentAcc> by_agent;
  AgentAcc total;
  for (size_t day = 0; day < city_days.size(); ++day) {
    const Counts consult = WithPrefix(city_days[day], "agent_consult:");
    const Counts on_spot = WithPrefix(city_days[day], "agent_onspot:");
    const Counts timed = WithPrefix(city_days[day], "agent_timed:");
    const Counts handling_ms = WithPrefix(city_days[day], "agent_handling_ms:");
    auto count = [](const Counts& c, const std::string& id) {
      const auto it = c.find(id);
      return it == c.end() ? int64_t{0} : it->second;
    };
    for (const auto& [id, n] : WithPrefix(city_days[day], "agent:")) {
      if (!agent_id.empty() && id != agent_id) continue;
      for (AgentAcc* a : {&by_agent[id], &total}) {
        a->contacts += n;
        a->days.insert(static_cast<int64_t>(day));
        a->consultations += count(consult, id);
        a->on_spot += count(on_spot, id);
        a->timed += count(timed, id);
        a->handling_ms += count(handling_ms, id);
      }
    }
  }
  return AgentFigures(by_agent, total, period);
}

v1::UnitScore Scorer::ScoreCounts(const Counts& unit_days, const std::string& unit_code, const Interval& period,
                                  const std::string& start_day) const {
  const v1::RateWeights& w = rules_.weights();
  int64_t trials[4] = {0, 0, 0, 0};
  double credit[4] = {0, 0, 0, 0};
  v1::UnitScore out;
  out.set_unit_code(unit_code);
  if (const v1::Unit* u = directory_.FindUnit(unit_code)) out.set_unit_name(u->name());
  out.set_rules_version(rules_.version());
  out.set_period_label(period.label);
  std::map<v1::FactKind, int64_t> events;
  for (int k = v1::FactKind_MIN; k <= v1::FactKind_MAX; ++k) {
    if (!v1::FactKind_IsValid(k) || k == v1::FACT_KIND_UNSPECIFIED) continue;
    const auto it = unit_days.find(FactName(static_cast<v1::FactKind>(k)));
    if (it == unit_days.end() || it->second == 0) continue;
    events[static_cast<v1::FactKind>(k)] = it->second;
    (*out.mutable_counts())[it->first] = static_cast<int32_t>(it->second);
    const int rate = static_cast<int>(RateOf(static_cast<v1::FactKind>(k)));
    trials[rate] += it->second;
    credit[rate] += Credit(w, static_cast<v1::FactKind>(k)) * it->second;
  }
  const Counts distinct = DistinctFrom(unit_days, "orders", start_day);
  const int64_t assessed = distinct.empty() ? 0 : distinct.begin()->second;
  const Scale scale = ScaleOf(rules_, trials, events, assessed);
  double rate_points = 0, penalties = 0, rewards = 0;
  int64_t items = 0;
  for (const auto& [k, n] : events) {
    const int rate = static_cast<int>(RateOf(k));
    if (rate != 0 && Credit(w, k) > 0) items += n;
    const double base = EventPoints(rules_.points(), k);
    if (base < 0) penalties += base * scale.penalty_factor * n;
    if (base > 0) rewards += base * scale.reward_factor * n;
    if (base != 0) items += n;
  }
  for (int rate = 1; rate < 4; ++rate) {
    if (trials[rate] > 0) rate_points += scale.rate_weight[rate] * credit[rate] / trials[rate];
  }
  out.set_score(rate_points + penalties + rewards);
  out.set_rate_points(rate_points);
  out.set_penalty_points(penalties);
  out.set_reward_points(rewards);
  out.set_penalty_uncapped(scale.penalty_uncapped);
  out.set_reward_uncapped(scale.reward_uncapped);
  out.set_items_total(static_cast<int32_t>(items));
  out.set_orders(static_cast<int32_t>(assessed));
  auto ratio = [&](int rate) { return trials[rate] == 0 ? 0.0 : credit[rate] / trials[rate]; };
  out.set_response_rate(ratio(1));
  out.set_resolution_rate(ratio(2));
  out.set_satisfaction_rate(ratio(3));
  out.set_response_trials(static_cast<int32_t>(trials[1]));
  out.set_resolution_trials(static_cast<int32_t>(trials[2]));
  out.set_satisfaction_trials(static_cast<int32_t>(trials[3]));
  return out;
}

}  // namespace hotline::scoring
