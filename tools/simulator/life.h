#pragma once
// How the simulated city works its orders: for an order as it is now, the next
// step somebody would take, and when. Pure (no I/O), so the whole life of an
// order can be tested without servers.
//
// Time runs in simulated minutes: a unit signs within minutes, works for up
// to an hour, the centre reviews and calls the citizen back, and so on. How
// long a simulated minute lasts is the caller's (`minute`): seconds for a live
// demo, milliseconds in tests. Every choice (how long, which outcome) is a
// hash of the order's id and version, so a step is decided once and looks the
// same however often the order is looked at.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "hotline/v1/dispatch.pb.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::simulator {

// Who takes a step: the order's assigned unit, or the centre (a dispatcher).
enum class Actor { kAssignedUnit, kCentre };

struct Step {
  Actor actor;
  v1::ActRequest request;  // order id, action, expected version, idempotency key, details
};

// The states the simulator works on (everything between dispatch and archive).
const std::vector<v1::OrderState>& WorkedStates();

// The step due for `order` at `now`, or nullopt when nothing is due yet (or
// never: created orders wait for auto-dispatch, archived ones are done).
std::optional<Step> NextStep(const v1::WorkOrder& order, absl::Time now, absl::Duration minute);

// The units that work slowly (so that deadlines are really missed): about
// `percent` of all units, always the same ones.
bool IsSlowUnit(const std::string& unit_code, int percent);

// A stable 64-bit hash of the text (FNV-1a): the simulator's dice.
uint64_t Dice(const std::string& text);

}  // namespace hotline::simulator
