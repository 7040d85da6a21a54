#pragma once
// The work-order state machine of shared/domain.md as one pure function: given
// what is known of an order and an action (with who asks), it answers what the
// order becomes, or why not. No I/O: the store applies the answer atomically
// (checking that the order has not changed since it was read).
//
// Errors: FAILED_PRECONDITION naming the current state when the action is not
// allowed in it; PERMISSION_DENIED when the role or the unit may not act;
// INVALID_ARGUMENT naming the missing or bad field of the action.
#include <string>

#include "absl/status/statusor.h"
#include "directory/directory.h"
#include "hotline/v1/dispatch.pb.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::dispatch {

// What the machine needs to know of an order.
struct OrderFacts {
  v1::OrderState state = v1::ORDER_STATE_UNSPECIFIED;
  std::string unit_code;          // the unit it is with ("" before dispatch)
  std::string pending_unit_code;  // the sub-unit of a hand-down request
  v1::Rating last_rating = v1::RATING_UNSPECIFIED;
  std::string order_id;
  std::string handed_down_by;     // the unit that signed and handed it down here
};

// An action and its arguments, and who asks.
struct ActionRequest {
  v1::Action action = v1::ACTION_UNSPECIFIED;
  v1::Actor actor;
  std::string unit_code;        // DISPATCH, APPROVE_RETURN: where to; REQUEST_HAND_DOWN: which sub-unit
  std::string note;             // reason (RETURN, SEND_BACK), result (REPLY), remarks
  v1::Rating rating = v1::RATING_UNSPECIFIED;  // CALLBACK
  std::string master_order_id;  // LINK_DUPLICATE
};

// What the order becomes.
struct Outcome {
  v1::OrderState to = v1::ORDER_STATE_UNSPECIFIED;
  std::string unit_code;          // with whom it is afterwards
  std::string pending_unit_code;  // set by REQUEST_HAND_DOWN, cleared otherwise
  std::string handed_down_by;     // set by APPROVE_HAND_DOWN, cleared when the unit changes otherwise
  v1::Rating last_rating = v1::RATING_UNSPECIFIED;
  bool bounce = false;      // counts against the unit and the order (推诿)
  bool redo = false;        // 重办
  bool closes = false;      // the order (and its duplicates) are done
  bool supervision = false; // 催办 / 督办 mark, no change of state
  std::string master_order_id;
};

absl::StatusOr<Outcome> Decide(const OrderFacts& order, const ActionRequest& request,
                               const directory::Directory& directory);

// "sign", "approve_return", ...: the action's name in history entries and logs.
std::string ActionName(v1::Action action);
// True for states in which an order still needs work.
bool IsOpen(v1::OrderState state);

}  // namespace hotline::dispatch
