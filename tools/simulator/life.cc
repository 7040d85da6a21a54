#include "simulator/life.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "clock/proto_time.h"
#include "simulator/scenarios.h"

namespace hotline::simulator {
namespace {

bool IsDistrictCode(const std::string& unit) { return unit.size() == 6; }

}  // namespace

uint64_t Dice(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

bool IsSlowUnit(const std::string& unit_code, int percent) {
  return static_cast<int>(Dice("slow:" + unit_code) % 100) < percent;
}

const std::vector<v1::OrderState>& WorkedStates() {
  static const std::vector<v1::OrderState> states = {
      v1::ORDER_STATE_DISPATCHED,       v1::ORDER_STATE_SIGNED,
      v1::ORDER_STATE_RETURN_REQUESTED, v1::ORDER_STATE_HAND_DOWN_REQUESTED,
      v1::ORDER_STATE_REPLIED,          v1::ORDER_STATE_SENT_BACK,
      v1::ORDER_STATE_CALLBACK_PENDING, v1::ORDER_STATE_CLOSED};
  return states;
}

std::optional<Step> NextStep(const v1::WorkOrder& order, absl::Time now, absl::Duration minute) {
  // One throw of the dice per version: the same order in the same state
  // always gets the same delay and outcome.
  const uint64_t dice = Dice(absl::StrCat(order.id(), "#", order.version()));
  const int percent = static_cast<int>(dice % 100);
  // Between lo and hi simulated minutes after the order entered its state.
  auto due_after = [&](int lo, int hi) {
    return ToTime(order.updated_at()) +
           minute * (lo + static_cast<int>((dice >> 8) % (hi - lo + 1)));
  };

  Step step{Actor::kCentre, {}};
  v1::ActRequest& r = step.request;
  r.set_order_id(order.id());
  r.set_expected_version(order.version());
  r.set_idempotency_key(absl::StrCat("sim-", order.id(), "-", order.version()));
  const std::string& unit = order.assigned_unit_code();
  const std::string& street = order.location().street_code();

  switch (order.state()) {
    case v1::ORDER_STATE_DISPATCHED:  // the unit signs, or says it is not theirs
      if (now < due_after(1, 10)) return std::nullopt;
      step.actor = Actor::kAssignedUnit;
      if (percent < 5) {
        r.set_action(v1::ACTION_RETURN);
        r.set_note("经核实，该事项不属于本单位职责范围，请重新派单。");
      } else {
        r.set_action(v1::ACTION_SIGN);
      }
      return step;
    case v1::ORDER_STATE_SIGNED:  // a district hands local matters down to the street, or replies
      if (IsDistrictCode(unit) && !street.empty() && street.rfind(unit, 0) == 0 && percent < 40) {
        if (now < due_after(1, 5)) return std::nullopt;
        step.actor = Actor::kAssignedUnit;
        r.set_action(v1::ACTION_REQUEST_HAND_DOWN);
        r.set_unit_code(street);
        r.set_note("属地事项，转街道办理。");
        return step;
      }
      [[fallthrough]];
    case v1::ORDER_STATE_SENT_BACK:
      if (now < due_after(5, 60)) return std::nullopt;
      step.actor = Actor::kAssignedUnit;
      r.set_action(v1::ACTION_REPLY);
      r.set_note(PickReply(dice >> 16));
      return step;
    case v1::ORDER_STATE_RETURN_REQUESTED:  // the centre decides on a return
      if (now < due_after(2, 10)) return std::nullopt;
      if (!IsDistrictCode(unit) && IsDistrictCode(order.location().district_code())) {
        r.set_action(v1::ACTION_APPROVE_RETURN);  // to the district where it happened
        r.set_unit_code(order.location().district_code());
        r.set_note("同意退回，改派属地区政府。");
      } else {
        r.set_action(v1::ACTION_REJECT_RETURN);
        r.set_note("属本单位职责，请继续办理。");
      }
      return step;
    case v1::ORDER_STATE_HAND_DOWN_REQUESTED:
      if (now < due_after(1, 5)) return std::nullopt;
      r.set_action(percent < 90 ? v1::ACTION_APPROVE_HAND_DOWN : v1::ACTION_REJECT_HAND_DOWN);
      return step;
    case v1::ORDER_STATE_REPLIED:  // review: most replies pass
      if (now < due_after(2, 15)) return std::nullopt;
      if (percent < 8) {
        r.set_action(v1::ACTION_SEND_BACK);
        r.set_note("答复未说明具体处理结果，请补充后重新答复。");
      } else {
        r.set_action(v1::ACTION_APPROVE_REPLY);
      }
      return step;
    case v1::ORDER_STATE_CALLBACK_PENDING:
      if (order.last_rating() == v1::RATING_DISSATISFIED) {  // after a dissatisfied callback
        if (now < due_after(2, 10)) return std::nullopt;
        r.set_action(percent < 60 ? v1::ACTION_REDO : v1::ACTION_CLOSE);
        r.set_note(percent < 60 ? "市民诉求合理，退回重办。"
                                : "已按政策处理，诉求无法满足，作结案处理。");
        return step;
      }
      if (now < due_after(10, 60)) return std::nullopt;
      r.set_action(v1::ACTION_CALLBACK);
      r.set_rating(percent < 75   ? v1::RATING_SATISFIED
                   : percent < 90 ? v1::RATING_BASICALLY_SATISFIED
                                  : v1::RATING_DISSATISFIED);
      return step;
    case v1::ORDER_STATE_CLOSED:
      if (now < due_after(30, 120)) return std::nullopt;
      r.set_action(v1::ACTION_ARCHIVE);
      return step;
    default:  // created (auto-dispatch's), archived, merged: nothing to do
      return std::nullopt;
  }
}

}  // namespace hotline::simulator
