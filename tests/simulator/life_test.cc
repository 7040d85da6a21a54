// The simulator's decisions: every step it takes is one the dispatch state
// machine accepts, an order's simulated life ends archived through every kind
// of detour, and nothing happens before it is due.
#include "simulator/life.h"
#include "simulator/scenarios.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "dispatch/state_machine.h"

namespace hotline::simulator {
namespace {

const directory::Directory& City() {
  static const directory::Directory dir =
      *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  return dir;
}

google::protobuf::Timestamp At(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

v1::WorkOrder Dispatched(const std::string& id, const std::string& unit,
                         const std::string& district, const std::string& street, absl::Time t) {
  v1::WorkOrder o;
  o.set_id(id);
  o.set_version(2);
  o.set_state(v1::ORDER_STATE_DISPATCHED);
  o.set_assigned_unit_code(unit);
  o.mutable_location()->set_district_code(district);
  o.mutable_location()->set_street_code(street);
  *o.mutable_updated_at() = At(t);
  return o;
}

// Plays `order` to its end, each step checked by the state machine; returns
// the actions taken.
std::vector<v1::Action> Live(v1::WorkOrder order) {
  std::vector<v1::Action> taken;
  absl::Time now = absl::FromUnixSeconds(order.updated_at().seconds());
  for (int i = 0; i < 100; ++i) {
    now += absl::Hours(10);  // ten simulated hours later: whatever is due, is
    std::optional<Step> step = NextStep(order, now, absl::Minutes(1));
    if (!step) break;
    dispatch::ActionRequest request;
    request.action = step->request.action();
    request.unit_code = step->request.unit_code();
    request.note = step->request.note();
    request.rating = step->request.rating();
    if (step->actor == Actor::kCentre) {
      request.actor.set_role(v1::ROLE_DISPATCHER);
      request.actor.set_unit_code("GZ12345");
    } else {
      request.actor.set_role(v1::ROLE_UNIT_HANDLER);
      request.actor.set_unit_code(order.assigned_unit_code());
    }
    CHECK(step->request.order_id() == order.id());
    CHECK(step->request.expected_version() == order.version());
    dispatch::OrderFacts facts{order.state(), order.assigned_unit_code(), order.pending_unit_code(),
                               order.last_rating(), order.id()};
    absl::StatusOr<dispatch::Outcome> outcome = dispatch::Decide(facts, request, City());
    INFO(order.id() << " in " << v1::OrderState_Name(order.state()) << ": "
                    << v1::Action_Name(request.action) << " -> " << outcome.status().ToString());
    REQUIRE(outcome.ok());
    taken.push_back(request.action);
    if (outcome->supervision) continue;
    order.set_state(outcome->to);
    order.set_assigned_unit_code(outcome->unit_code);
    order.set_pending_unit_code(outcome->pending_unit_code);
    order.set_last_rating(outcome->last_rating);
    order.set_version(order.version() + 1);
    *order.mutable_updated_at() = At(now);
  }
  CHECK(order.state() == v1::ORDER_STATE_ARCHIVED);
  return taken;
}

TEST_CASE("every simulated step is one the state machine accepts, and every life ends archived",
          "[unit]") {
  const absl::Time t0 = absl::FromUnixSeconds(1795000000);
  std::set<v1::Action> seen;
  for (int n = 0; n < 300; ++n) {
    const std::string id = "GZ20261128" + std::to_string(100000 + n);
    // A district order with a street (may be handed down), a department's
    // (may be returned to the district), a district order without a street.
    for (const v1::WorkOrder& start :
         {Dispatched(id, "440106", "440106", "440106001", t0),
          Dispatched(id, "GZD002", "440104", "", t0), Dispatched(id, "440113", "440113", "", t0)}) {
      for (v1::Action a : Live(start)) seen.insert(a);
    }
  }
  // All the detours of a real hotline occur.
  for (v1::Action a :
       {v1::ACTION_SIGN, v1::ACTION_RETURN, v1::ACTION_APPROVE_RETURN, v1::ACTION_REJECT_RETURN,
        v1::ACTION_REQUEST_HAND_DOWN, v1::ACTION_APPROVE_HAND_DOWN, v1::ACTION_REJECT_HAND_DOWN,
        v1::ACTION_REPLY, v1::ACTION_APPROVE_REPLY, v1::ACTION_SEND_BACK, v1::ACTION_CALLBACK,
        v1::ACTION_REDO, v1::ACTION_CLOSE, v1::ACTION_ARCHIVE}) {
    INFO(v1::Action_Name(a));
    CHECK(seen.count(a) == 1);
  }
}

TEST_CASE("nothing is done before it is due, and the same order gets the same step", "[unit]") {
  const absl::Time t0 = absl::FromUnixSeconds(1795000000);
  const v1::WorkOrder o = Dispatched("GZ20261128000001", "440106", "440106", "440106001", t0);
  CHECK_FALSE(NextStep(o, t0, absl::Seconds(2)).has_value());
  CHECK_FALSE(NextStep(o, t0 + absl::Seconds(1), absl::Seconds(2)).has_value());      // < 1 minute
  std::optional<Step> later = NextStep(o, t0 + absl::Seconds(21), absl::Seconds(2));  // 10 minutes
  REQUIRE(later.has_value());
  CHECK(later->actor == Actor::kAssignedUnit);
  std::optional<Step> again = NextStep(o, t0 + absl::Seconds(21), absl::Seconds(2));
  REQUIRE(again.has_value());
  CHECK(again->request.SerializeAsString() == later->request.SerializeAsString());
}

TEST_CASE("created, archived and merged orders are left alone", "[unit]") {
  const absl::Time t0 = absl::FromUnixSeconds(1795000000);
  for (v1::OrderState s :
       {v1::ORDER_STATE_CREATED, v1::ORDER_STATE_ARCHIVED, v1::ORDER_STATE_MERGED}) {
    v1::WorkOrder o = Dispatched("GZ20261128000002", "440106", "440106", "", t0);
    o.set_state(s);
    CHECK_FALSE(NextStep(o, t0 + absl::Hours(1000), absl::Seconds(1)).has_value());
  }
}

}  // namespace
TEST_CASE("a simulated address lies in the order's own district and street", "[unit]") {
  for (uint64_t n = 0; n < 500; n += 7) {
    const std::string a = PickAddress("天河区", "五山街道", n * 0x9E3779B97F4A7C15ull);
    INFO(a);
    CHECK(a.rfind("天河区五山街道", 0) == 0);
    CHECK(a.find("号") != std::string::npos);
  }
  CHECK(PickAddress("越秀区", "", 3).rfind("越秀区", 0) == 0);
  // A street's calls share a few addresses often enough for the hot list.
  std::map<std::string, int> seen;
  for (uint64_t n = 0; n < 400; ++n) ++seen[PickAddress("天河区", "五山街道", n * 0x9E3779B97F4A7C15ull)];
  int shared = 0;
  for (const auto& [address, count] : seen) shared += count >= 10 ? count : 0;
  CHECK(shared > 60);
  CHECK(seen.size() > 100);  // and most calls are about places of their own
}

TEST_CASE("a simulated handling time is plausible: shorter for an answer on the spot", "[unit]") {
  std::set<int64_t> seen;
  for (uint64_t n = 0; n < 2000; ++n) {
    const int64_t spot = absl::ToInt64Seconds(PickHandlingTime(true, n));
    const int64_t order = absl::ToInt64Seconds(PickHandlingTime(false, n));
    CHECK((spot >= 120 && spot <= 300));
    CHECK((order >= 240 && order <= 540));
    seen.insert(order);
  }
  CHECK(seen.size() > 100);  // spread, not one value
}

}  // namespace hotline::simulator
