#include "dispatch/state_machine.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "enums/enum_names.h"

namespace hotline::dispatch {
namespace {

using v1::OrderState;

// Who may take an action. The centre's dispatchers run the flow; unit
// handlers act only on orders that are with their own unit; supervisors mark.
enum class Who { kCentre, kAssignedUnit, kSupervision };

struct Rule {
  Who who;
  std::vector<OrderState> from;  // (an initializer_list would dangle once returned)
};

Rule RuleFor(v1::Action action) {
  using S = OrderState;
  switch (action) {
    // From DISPATCHED: the centre overrides a dispatch (e.g. auto-dispatch's)
    // before the unit has signed.
    case v1::ACTION_DISPATCH:
      return {Who::kCentre, {S::ORDER_STATE_CREATED, S::ORDER_STATE_DISPATCHED}};
    case v1::ACTION_SIGN: return {Who::kAssignedUnit, {S::ORDER_STATE_DISPATCHED}};
    case v1::ACTION_RETURN:
      return {Who::kAssignedUnit, {S::ORDER_STATE_DISPATCHED, S::ORDER_STATE_SIGNED}};
    case v1::ACTION_APPROVE_RETURN:
    case v1::ACTION_REJECT_RETURN: return {Who::kCentre, {S::ORDER_STATE_RETURN_REQUESTED}};
    case v1::ACTION_REQUEST_HAND_DOWN: return {Who::kAssignedUnit, {S::ORDER_STATE_SIGNED}};
    case v1::ACTION_APPROVE_HAND_DOWN:
    case v1::ACTION_REJECT_HAND_DOWN: return {Who::kCentre, {S::ORDER_STATE_HAND_DOWN_REQUESTED}};
    case v1::ACTION_HAND_UP:
      return {Who::kAssignedUnit, {S::ORDER_STATE_DISPATCHED, S::ORDER_STATE_SIGNED}};
    case v1::ACTION_REPLY:
      return {Who::kAssignedUnit, {S::ORDER_STATE_SIGNED, S::ORDER_STATE_SENT_BACK}};
    case v1::ACTION_APPROVE_REPLY:
    case v1::ACTION_SEND_BACK: return {Who::kCentre, {S::ORDER_STATE_REPLIED}};
    case v1::ACTION_CALLBACK:
    case v1::ACTION_REDO:
    case v1::ACTION_CLOSE: return {Who::kCentre, {S::ORDER_STATE_CALLBACK_PENDING}};
    case v1::ACTION_ARCHIVE: return {Who::kCentre, {S::ORDER_STATE_CLOSED}};
    case v1::ACTION_LINK_DUPLICATE:
      return {Who::kCentre,
              {S::ORDER_STATE_CREATED, S::ORDER_STATE_DISPATCHED, S::ORDER_STATE_SIGNED,
               S::ORDER_STATE_RETURN_REQUESTED, S::ORDER_STATE_HAND_DOWN_REQUESTED}};
    case v1::ACTION_URGE:
    case v1::ACTION_SUPERVISE:
      return {Who::kSupervision,
              {S::ORDER_STATE_CREATED, S::ORDER_STATE_DISPATCHED, S::ORDER_STATE_SIGNED,
               S::ORDER_STATE_RETURN_REQUESTED, S::ORDER_STATE_HAND_DOWN_REQUESTED,
               S::ORDER_STATE_REPLIED, S::ORDER_STATE_CALLBACK_PENDING,
               S::ORDER_STATE_SENT_BACK}};
    default: return {Who::kCentre, {}};
  }
}


absl::Status CheckActor(Who who, const v1::Actor& actor, const OrderFacts& order) {
  const v1::Role role = actor.role();
  switch (who) {
    case Who::kCentre:
      if (role == v1::ROLE_DISPATCHER || role == v1::ROLE_ADMIN) return absl::OkStatus();
      return absl::PermissionDeniedError("only the centre's dispatchers may do this");
    case Who::kSupervision:
      if (role == v1::ROLE_SUPERVISOR || role == v1::ROLE_DISPATCHER || role == v1::ROLE_ADMIN) {
        return absl::OkStatus();
      }
      return absl::PermissionDeniedError("only supervisors and dispatchers may do this");
    case Who::kAssignedUnit:
      if (role != v1::ROLE_UNIT_HANDLER) {
        return absl::PermissionDeniedError("only a handler of the assigned unit may do this");
      }
      if (actor.unit_code() != order.unit_code) {
        return absl::PermissionDeniedError(absl::StrCat(
            "the order is with unit ", order.unit_code, ", not with ", actor.unit_code()));
      }
      return absl::OkStatus();
  }
  return absl::InternalError("unknown actor rule");
}

// A unit an order can be sent to: any unit but the centre itself.
absl::Status CheckTarget(const std::string& code, const directory::Directory& directory) {
  if (code.empty()) return absl::InvalidArgumentError("unit_code: is required");
  const v1::Unit* unit = directory.FindUnit(code);
  if (unit == nullptr) return absl::InvalidArgumentError(absl::StrCat("unit_code: unknown unit \"", code, "\""));
  if (unit->kind() == v1::UNIT_KIND_CENTRE) {
    return absl::InvalidArgumentError("unit_code: orders are dispatched to units, not to the centre");
  }
  return directory.CheckTakesOrders(code, "unit_code");
}

absl::Status Require(const std::string& value, const char* field, const char* what) {
  if (absl::StripAsciiWhitespace(value).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", what, " is required"));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsOpen(v1::OrderState state) {
  return state != v1::ORDER_STATE_CLOSED && state != v1::ORDER_STATE_ARCHIVED &&
         state != v1::ORDER_STATE_MERGED && state != v1::ORDER_STATE_UNSPECIFIED;
}

std::string ActionName(v1::Action action) {
  return enums::SnakeName(action);
}

absl::StatusOr<Outcome> Decide(const OrderFacts& order, const ActionRequest& r,
                               const directory::Directory& directory) {
  if (r.action == v1::ACTION_UNSPECIFIED || !v1::Action_IsValid(r.action)) {
    return absl::InvalidArgumentError("action: unknown action");
  }
  const Rule rule = RuleFor(r.action);
  bool allowed = false;
  for (OrderState s : rule.from) allowed = allowed || s == order.state;
  if (!allowed) {
    return absl::FailedPreconditionError(absl::StrCat("cannot ", ActionName(r.action),
                                                      " an order in state ", enums::SnakeName(order.state)));
  }
  if (absl::Status s = CheckActor(rule.who, r.actor, order); !s.ok()) return s;

  // By default an action leaves the order where it is.
  Outcome out;
  out.to = order.state;
  out.unit_code = order.unit_code;
  out.handed_down_by = order.handed_down_by;
  out.last_rating = order.last_rating;

  switch (r.action) {
    case v1::ACTION_DISPATCH:
      if (absl::Status s = CheckTarget(r.unit_code, directory); !s.ok()) return s;
      if (order.state == v1::ORDER_STATE_DISPATCHED) {
        if (r.unit_code == order.unit_code) {
          return absl::InvalidArgumentError(
              absl::StrCat("unit_code: the order is already with ", order.unit_code));
        }
        out.bounce = true;  // a re-dispatch
      }
      out.to = v1::ORDER_STATE_DISPATCHED;
      out.unit_code = r.unit_code;
      out.handed_down_by.clear();
      break;
    case v1::ACTION_SIGN:
      out.to = v1::ORDER_STATE_SIGNED;
      break;
    case v1::ACTION_RETURN:
      if (absl::Status s = Require(r.note, "note", "the reason for the return"); !s.ok()) return s;
      out.to = v1::ORDER_STATE_RETURN_REQUESTED;
      out.bounce = true;
      break;
    case v1::ACTION_APPROVE_RETURN:
      if (absl::Status s = CheckTarget(r.unit_code, directory); !s.ok()) return s;
      if (r.unit_code == order.unit_code) {
        return absl::InvalidArgumentError(
            "unit_code: re-dispatch to another unit, or reject the return");
      }
      out.to = v1::ORDER_STATE_DISPATCHED;
      out.unit_code = r.unit_code;
      out.handed_down_by.clear();
      out.bounce = true;
      break;
    case v1::ACTION_REJECT_RETURN:
    case v1::ACTION_REJECT_HAND_DOWN:
      out.to = v1::ORDER_STATE_SIGNED;
      break;
    case v1::ACTION_REQUEST_HAND_DOWN: {
      const v1::Unit* sub = directory.FindUnit(r.unit_code);
      if (sub == nullptr || sub->parent_code() != order.unit_code) {
        return absl::InvalidArgumentError(absl::StrCat(
            "unit_code: \"", r.unit_code, "\" is not a street, town or sub-unit of ", order.unit_code));
      }
      if (absl::Status s = directory.CheckTakesOrders(r.unit_code, "unit_code"); !s.ok()) return s;
      out.to = v1::ORDER_STATE_HAND_DOWN_REQUESTED;
      out.pending_unit_code = r.unit_code;
      break;
    }
    case v1::ACTION_APPROVE_HAND_DOWN:
      if (absl::Status s = directory.CheckTakesOrders(order.pending_unit_code, "pending_unit_code"); !s.ok()) {
        return s;
      }
      out.to = v1::ORDER_STATE_DISPATCHED;
      out.unit_code = order.pending_unit_code;
      out.handed_down_by = order.unit_code;  // it signed before handing down
      break;
    case v1::ACTION_HAND_UP: {
      const v1::Unit* unit = directory.FindUnit(order.unit_code);
      const v1::Unit* parent = unit ? directory.FindUnit(unit->parent_code()) : nullptr;
      if (parent == nullptr || parent->kind() == v1::UNIT_KIND_CENTRE) {
        return absl::FailedPreconditionError(absl::StrCat(
            "unit ", order.unit_code, " has no parent unit to hand up to; return it instead"));
      }
      // Back to a parent that signed and handed it down: signed, as it was.
      // Sent to the sub-unit directly, the parent never signed: it must.
      out.to = order.handed_down_by == parent->code() ? v1::ORDER_STATE_SIGNED
                                                      : v1::ORDER_STATE_DISPATCHED;
      out.unit_code = parent->code();
      out.handed_down_by.clear();
      out.bounce = true;
      break;
    }
    case v1::ACTION_REPLY:
      if (absl::Status s = Require(r.note, "note", "the result"); !s.ok()) return s;
      out.to = v1::ORDER_STATE_REPLIED;
      break;
    case v1::ACTION_APPROVE_REPLY:
      out.to = v1::ORDER_STATE_CALLBACK_PENDING;
      break;
    case v1::ACTION_SEND_BACK:
      if (absl::Status s = Require(r.note, "note", "the reason for sending back"); !s.ok()) return s;
      out.to = v1::ORDER_STATE_SENT_BACK;
      out.bounce = true;
      break;
    case v1::ACTION_CALLBACK:
      if (r.rating == v1::RATING_UNSPECIFIED || !v1::Rating_IsValid(r.rating)) {
        return absl::InvalidArgumentError("rating: the citizen's rating is required");
      }
      out.last_rating = r.rating;
      if (r.rating != v1::RATING_DISSATISFIED) {
        out.to = v1::ORDER_STATE_CLOSED;
        out.closes = true;
      }
      break;
    case v1::ACTION_REDO:
    case v1::ACTION_CLOSE:
      if (order.last_rating != v1::RATING_DISSATISFIED) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot ", ActionName(r.action), " before a dissatisfied callback"));
      }
      if (r.action == v1::ACTION_REDO) {
        out.to = v1::ORDER_STATE_DISPATCHED;
        out.redo = true;
        out.last_rating = v1::RATING_UNSPECIFIED;
      } else {
        out.to = v1::ORDER_STATE_CLOSED;
        out.closes = true;
      }
      break;
    case v1::ACTION_ARCHIVE:
      out.to = v1::ORDER_STATE_ARCHIVED;
      break;
    case v1::ACTION_LINK_DUPLICATE:
      if (r.master_order_id.empty()) return absl::InvalidArgumentError("master_order_id: is required");
      if (r.master_order_id == order.order_id) {
        return absl::InvalidArgumentError("master_order_id: an order cannot be its own master");
      }
      out.to = v1::ORDER_STATE_MERGED;
      out.master_order_id = r.master_order_id;
      break;
    case v1::ACTION_URGE:
    case v1::ACTION_SUPERVISE:
      out.supervision = true;
      break;
    default:
      return absl::InvalidArgumentError("action: unknown action");
  }
  return out;
}

}  // namespace hotline::dispatch
