#include "scoring/scoring_fixture.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "clock/proto_time.h"

namespace hotline::scoring::fixture {

const directory::Directory& Dir() {
  static const directory::Directory dir = directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data").value();
  return dir;
}

v1::ScoringRules TestRules() {
  v1::ScoringRules r;
  r.set_version("t1");
  v1::ScoringPoints* p = r.mutable_points();
  p->set_late_sign_off(1);
  p->set_overdue_closure(2);
  p->set_bounce(0.5);
  p->set_unjustified_return(1);
  p->set_redo(1);
  p->set_dissatisfied(1);
  p->set_urge(0.5);
  p->set_supervise(1);
  p->set_notice(3);
  p->set_praise(1);
  r.mutable_weights()->set_response(30);
  r.mutable_weights()->set_resolution(35);
  r.mutable_weights()->set_satisfaction(35);
  r.mutable_weights()->set_basically_satisfied_credit(0.5);
  r.mutable_ranking()->set_red_list_size(1);
  r.mutable_ranking()->set_black_list_size(1);
  r.mutable_ranking()->set_min_orders(1);
  r.mutable_hot()->set_top_n(10);
  r.mutable_hot()->set_rising_min_count(3);
  r.mutable_hot()->set_rising_factor(1.5);
  r.mutable_hot()->set_address_min_orders(2);
  r.set_penalty_cap(40);
  r.set_reward_cap(4);
  return r;
}

OrderBuilder::OrderBuilder(std::string id, v1::OrderType type, std::string district, std::string street,
                           std::string category, std::string agent, absl::Time created)
    : created_(created) {
  order_.set_id(std::move(id));
  order_.set_type(type);
  order_.set_channel(v1::CHANNEL_PHONE);
  order_.mutable_location()->set_district_code(std::move(district));
  order_.mutable_location()->set_street_code(std::move(street));
  order_.set_category_code(std::move(category));
  order_.mutable_created_by()->set_user_id(std::move(agent));
  order_.mutable_created_by()->set_role(v1::ROLE_AGENT);
  *order_.mutable_created_at() = FromMillis(absl::ToUnixMillis(created));
  order_.set_state(v1::ORDER_STATE_CREATED);
  Step(0, "create", "", v1::ORDER_STATE_CREATED);
}

OrderBuilder& OrderBuilder::Step(int minutes, std::string action, std::string unit, v1::OrderState to,
                                 std::string note, std::string sla_mark) {
  v1::HistoryEntry* e = order_.add_history();
  e->set_seq(order_.history_size());
  *e->mutable_at() = FromMillis(absl::ToUnixMillis(created_ + absl::Minutes(minutes)));
  e->set_action(std::move(action));
  e->set_from_state(order_.state());
  if (to == v1::ORDER_STATE_UNSPECIFIED) to = order_.state();
  e->set_to_state(to);
  e->set_unit_code(std::move(unit));
  e->set_note(std::move(note));
  e->set_sla_mark(std::move(sla_mark));
  order_.set_state(to);
  order_.set_version(order_.history_size());
  order_.set_history_total(order_.history_size());
  order_.set_assigned_unit_code(e->unit_code());
  return *this;
}

OrderBuilder& OrderBuilder::HandlingMillis(int64_t ms) {
  *order_.mutable_handling_time() = DurationFromMillis(ms);
  return *this;
}

std::vector<v1::WorkOrder> KnownMonth() {
  using S = v1::OrderState;
  const absl::Time nov3 = absl::FromCivil(absl::CivilSecond(2026, 11, 3, 9, 0, 0), Guangzhou());
  const absl::Time nov10 = absl::FromCivil(absl::CivilSecond(2026, 11, 10, 9, 0, 0), Guangzhou());
  const int kDay = 24 * 60;
  std::vector<v1::WorkOrder> out;
  // A: 天河 complaint handled on time, satisfied.
  out.push_back(OrderBuilder("A", v1::ORDER_TYPE_COMPLAINT, "440106", "440106001", "010101", "agent-1", nov3)
                    .HandlingMillis(300000)
                    .Step(60, "dispatch", "440106", S::ORDER_STATE_DISPATCHED)
                    .Step(120, "sign", "440106", S::ORDER_STATE_SIGNED)
                    .Step(kDay, "reply", "440106", S::ORDER_STATE_REPLIED)
                    .Step(kDay + 60, "approve_reply", "440106", S::ORDER_STATE_CALLBACK_PENDING)
                    .Step(kDay + 120, "callback", "440106", S::ORDER_STATE_CLOSED, "rating: satisfied")
                    .Build());
  // B: 天河 complaint signed late, overdue, urged, publicly noticed, dissatisfied, redone.
  out.push_back(OrderBuilder("B", v1::ORDER_TYPE_COMPLAINT, "440106", "440106002", "010101", "agent-2", nov3)
                    .HandlingMillis(420000)
                    .Step(60, "dispatch", "440106", S::ORDER_STATE_DISPATCHED)
                    .Step(kDay + 60, "sla_breach", "440106", S::ORDER_STATE_UNSPECIFIED, "", "sign_off.0.breach")
                    .Step(kDay + 120, "sign", "440106", S::ORDER_STATE_SIGNED)
                    .Step(20 * kDay, "sla_breach", "440106", S::ORDER_STATE_UNSPECIFIED, "", "closing.0.breach")
                    .Step(20 * kDay + 1, "sla_urge", "440106", S::ORDER_STATE_UNSPECIFIED, "", "closing.0.urge")
                    .Step(22 * kDay, "sla_notice", "440106", S::ORDER_STATE_UNSPECIFIED, "", "closing.0.notice")
                    .Step(23 * kDay, "reply", "440106", S::ORDER_STATE_REPLIED)
                    .Step(23 * kDay + 60, "approve_reply", "440106", S::ORDER_STATE_CALLBACK_PENDING)
                    .Step(23 * kDay + 120, "callback", "440106", S::ORDER_STATE_CALLBACK_PENDING,
                          "rating: dissatisfied; still noisy")
                    .Step(23 * kDay + 180, "redo", "440106", S::ORDER_STATE_DISPATCHED)
                    .Build());
  // C: 越秀 report returned without reason (rejected), then handled; basically satisfied.
  out.push_back(OrderBuilder("C", v1::ORDER_TYPE_REPORT, "440103", "440103001", "010201", "agent-2", nov10)
                    .HandlingMillis(500500)
                    .Step(30, "dispatch", "440103", S::ORDER_STATE_DISPATCHED)
                    .Step(60, "sign", "440103", S::ORDER_STATE_SIGNED)
                    .Step(90, "return", "440103", S::ORDER_STATE_RETURN_REQUESTED, "not ours")
                    .Step(120, "reject_return", "440103", S::ORDER_STATE_SIGNED, "it is yours")
                    .Step(3 * kDay, "reply", "440103", S::ORDER_STATE_REPLIED)
                    .Step(3 * kDay + 60, "approve_reply", "440103", S::ORDER_STATE_CALLBACK_PENDING)
                    .Step(3 * kDay + 120, "callback", "440103", S::ORDER_STATE_CLOSED, "rating: basically_satisfied")
                    .Build());
  // D: a consultation answered on the spot (first-contact resolution).
  out.push_back(OrderBuilder("D", v1::ORDER_TYPE_CONSULTATION, "440106", "440106001", "010202", "agent-1", nov3)
                    .HandlingMillis(150000)
                    .Build());
  out.back().mutable_history(0)->set_to_state(v1::ORDER_STATE_CLOSED);
  out.back().set_state(v1::ORDER_STATE_CLOSED);
  // E: praise for a city department, signed on time, still open.
  out.push_back(OrderBuilder("E", v1::ORDER_TYPE_PRAISE, "440106", "", "", "agent-1", nov10)
                    .Step(30, "dispatch", "GZD001", S::ORDER_STATE_DISPATCHED)
                    .Step(60, "sign", "GZD001", S::ORDER_STATE_SIGNED)
                    .Build());
  return out;
}

namespace {
// The digits of `n` in full-width form (０..９).
std::string FullWidth(uint32_t n) {
  std::string out;
  for (char c : absl::StrCat(n)) {
    absl::StrAppend(&out, "\xEF\xBC", std::string(1, static_cast<char>(0x90 + c - '0')));
  }
  return out;
}
}  // namespace

std::vector<v1::WorkOrder> BusyMonth(const directory::Directory& dir, absl::CivilMonth month, int n, uint32_t seed,
                                     const Mix& mix) {
  using S = v1::OrderState;
  std::mt19937 rng(seed);
  std::mt19937 timing(seed ^ 0x5A17u);  // apart from rng: adding times changed no order's life
  auto chance = [&rng](int percent) { return static_cast<int>(rng() % 100) < percent; };
  const std::vector<v1::Unit> districts = dir.ListUnits("", v1::UNIT_KIND_DISTRICT);
  const std::vector<v1::Unit> departments = dir.ListUnits("", v1::UNIT_KIND_DEPARTMENT);
  const std::vector<v1::Category> categories = dir.ListCategories("");
  const char* ratings[] = {"rating: satisfied", "rating: basically_satisfied", "rating: dissatisfied"};
  std::mt19937 address_rng(seed ^ 0xadd7e55u);  // its own draws: the others stay as they were
  std::vector<v1::WorkOrder> out;
  for (int i = 0; i < n; ++i) {
    const v1::Unit& district = districts[rng() % districts.size()];
    const std::vector<v1::Unit> streets = dir.ListUnits(district.code(), v1::UNIT_KIND_STREET);
    const std::string street = streets.empty() ? "" : streets[rng() % streets.size()].code();
    const absl::Time created = absl::FromCivil(absl::CivilSecond(month.year(), month.month(), 1 + rng() % 28, rng() % 24, rng() % 60, 0),
                                               Guangzhou());
    const v1::OrderType type = chance(mix.praise_percent)         ? v1::ORDER_TYPE_PRAISE
                               : chance(mix.consultation_percent) ? v1::ORDER_TYPE_CONSULTATION
                                                                  : v1::ORDER_TYPE_COMPLAINT;
    OrderBuilder b(absl::StrCat("GZ", month.year(), month.month(), "-", i), type, district.code(), street,
                   categories[rng() % categories.size()].code(), absl::StrCat("agent-", rng() % mix.agents), created);
    if (timing() % 10 != 0) b.HandlingMillis(30000 + static_cast<int64_t>(timing() % 870001));
    // A few house numbers per street, so many addresses are shared; written
    // in variants (full-width digits, spaces) that normalise alike; some none.
    const uint32_t house = address_rng() % 5, variant = address_rng() % 10;
    if (variant == 1) {
      b.Address(absl::StrCat("中山路 ", house, " 号"));
    } else if (variant == 2) {
      b.Address(absl::StrCat("中山路", FullWidth(house), "号"));
    } else if (variant != 0) {
      b.Address(absl::StrCat("中山路", house, "号"));
    }
    if (type == v1::ORDER_TYPE_CONSULTATION && chance(85)) {
      v1::WorkOrder o = b.Build();
      o.mutable_history(0)->set_to_state(S::ORDER_STATE_CLOSED);
      o.set_state(S::ORDER_STATE_CLOSED);
      out.push_back(o);
      continue;
    }
    int t = 10 + rng() % 60;  // minutes since creation
    auto later = [&](int max_minutes) { return t += 1 + rng() % max_minutes; };
    std::string unit = chance(30) ? departments[rng() % departments.size()].code() : district.code();
    b.Step(later(60), "dispatch", unit, S::ORDER_STATE_DISPATCHED);
    if (chance(15)) {
      b.Step(later(600), "return", unit, S::ORDER_STATE_RETURN_REQUESTED, "not ours");
      if (chance(50)) {
        b.Step(later(60), "reject_return", unit, S::ORDER_STATE_SIGNED, "yours");
      } else {
        unit = districts[rng() % districts.size()].code();
        b.Step(later(60), "approve_return", unit, S::ORDER_STATE_DISPATCHED);
      }
    }
    if (chance(20)) b.Step(later(1440), "sla_breach", unit, S::ORDER_STATE_UNSPECIFIED, "", "sign_off.0.breach");
    b.Step(later(600), "sign", unit, S::ORDER_STATE_SIGNED);
    if (unit == district.code() && !street.empty() && chance(25)) {
      b.Step(later(60), "request_hand_down", unit, S::ORDER_STATE_HAND_DOWN_REQUESTED);
      unit = street;
      b.Step(later(60), "approve_hand_down", unit, S::ORDER_STATE_DISPATCHED);
      b.Step(later(600), "sign", unit, S::ORDER_STATE_SIGNED);
    }
    if (chance(15)) {
      b.Step(later(20 * 1440), "sla_breach", unit, S::ORDER_STATE_UNSPECIFIED, "", "closing.0.breach");
      b.Step(later(10), "sla_urge", unit, S::ORDER_STATE_UNSPECIFIED, "", "closing.0.urge");
      if (chance(50)) b.Step(later(1440), "sla_supervise", unit, S::ORDER_STATE_UNSPECIFIED, "", "closing.0.supervise");
      if (chance(30)) b.Step(later(1440), "sla_notice", unit, S::ORDER_STATE_UNSPECIFIED, "", "closing.0.notice");
    }
    if (chance(10)) {  // still open
      out.push_back(b.Build());
      continue;
    }
    for (int round = 0; round < 2; ++round) {
      b.Step(later(3 * 1440), "reply", unit, S::ORDER_STATE_REPLIED);
      b.Step(later(600), "approve_reply", unit, S::ORDER_STATE_CALLBACK_PENDING);
      const char* rating = ratings[rng() % 3];
      b.Step(later(1440), "callback", unit, S::ORDER_STATE_CALLBACK_PENDING, rating);
      if (std::string(rating) != "rating: dissatisfied" || round == 1 || !chance(50)) break;
      b.Step(later(60), "redo", unit, S::ORDER_STATE_DISPATCHED);
      b.Step(later(600), "sign", unit, S::ORDER_STATE_SIGNED);
    }
    out.push_back(b.Build());
  }
  return out;
}

}  // namespace hotline::scoring::fixture
