// WatchQueue's pure parts: stream positions, and what an event means for a
// unit's queue (queue_watch.h).
#include <catch2/catch.hpp>

#include "dispatch/queue_watch.h"

namespace hotline::dispatch {
namespace {

const absl::flat_hash_set<int> kDefault = {v1::ORDER_STATE_DISPATCHED, v1::ORDER_STATE_SIGNED,
                                           v1::ORDER_STATE_SENT_BACK};

ObservedEvent Event(const std::string& name, const std::string& unit_before, v1::OrderState before,
                    const std::string& unit_after, v1::OrderState after) {
  ObservedEvent e;
  e.position = {1700000000000, 3};
  e.event.set_event(name);
  e.event.set_order_id("GZ20261207000001");
  e.event.set_unit(unit_after);
  e.event.set_state(after);
  e.unit_before = unit_before;
  e.state_before = before;
  v1::WorkOrder order;
  order.set_id("GZ20261207000001");
  order.set_assigned_unit_code(unit_after);
  order.set_state(after);
  order.mutable_deadlines()->set_status("warned");
  e.order = order;
  return e;
}

TEST_CASE("stream positions parse only as <ms>-<seq> and order numerically") {
  REQUIRE(ParseStreamPosition("1700000000000-12"));
  CHECK(ParseStreamPosition("1700000000000-12")->ToString() == "1700000000000-12");
  CHECK(*ParseStreamPosition("9-0") < *ParseStreamPosition("10-0"));
  CHECK(*ParseStreamPosition("10-2") < *ParseStreamPosition("10-10"));
  for (const char* bad : {"", "1", "1-", "-1", "1-2-3", "a-1", "1- 2", "+1-2", "99999999999999999999-0"}) {
    INFO(bad);
    CHECK_FALSE(ParseStreamPosition(bad));
  }
}

TEST_CASE("an event is ENTERED, UPDATED, SLA or LEFT for the unit's queue, and nothing for another") {
  auto change = [](const ObservedEvent& e, const std::string& unit,
                   const absl::flat_hash_set<int>& states = kDefault) {
    std::optional<v1::WatchQueueResponse> m = ClassifyForQueue(e, unit, states);
    return m ? m->change() : v1::QUEUE_CHANGE_UNSPECIFIED;
  };
  const ObservedEvent dispatched =
      Event("order.dispatch", "", v1::ORDER_STATE_CREATED, "440106", v1::ORDER_STATE_DISPATCHED);
  CHECK(change(dispatched, "440106") == v1::QUEUE_CHANGE_ENTERED);
  CHECK(change(dispatched, "440104") == v1::QUEUE_CHANGE_UNSPECIFIED);
  const ObservedEvent signed_ =
      Event("order.sign", "440106", v1::ORDER_STATE_DISPATCHED, "440106", v1::ORDER_STATE_SIGNED);
  CHECK(change(signed_, "440106") == v1::QUEUE_CHANGE_UPDATED);
  // Watching the "to sign" list alone, a colleague's sign takes it away.
  CHECK(change(signed_, "440106", {v1::ORDER_STATE_DISPATCHED}) == v1::QUEUE_CHANGE_LEFT);
  const ObservedEvent handed_down = Event("order.approve_hand_down", "440106", v1::ORDER_STATE_HAND_DOWN_REQUESTED,
                                          "440106001", v1::ORDER_STATE_DISPATCHED);
  CHECK(change(handed_down, "440106001") == v1::QUEUE_CHANGE_ENTERED);
  const ObservedEvent returned =
      Event("order.return", "440106", v1::ORDER_STATE_DISPATCHED, "440106", v1::ORDER_STATE_RETURN_REQUESTED);
  std::optional<v1::WatchQueueResponse> left = ClassifyForQueue(returned, "440106", kDefault);
  REQUIRE(left);
  CHECK(left->change() == v1::QUEUE_CHANGE_LEFT);
  CHECK_FALSE(left->has_order());
  CHECK(left->position() == "1700000000000-3");
  // Moved to another unit: LEFT for the old, ENTERED for the new, and the
  // old one learns nothing of the order as it now is.
  const ObservedEvent moved = Event("order.approve_return", "440106", v1::ORDER_STATE_SIGNED, "440104",
                                    v1::ORDER_STATE_DISPATCHED);
  CHECK(change(moved, "440106") == v1::QUEUE_CHANGE_LEFT);
  CHECK(change(moved, "440104") == v1::QUEUE_CHANGE_ENTERED);
  CHECK_FALSE(ClassifyForQueue(moved, "440106", kDefault)->has_order());
  // Deadline marks: yellow, red, on an order in the queue.
  const ObservedEvent warned =
      Event("order.sla_warning", "440106", v1::ORDER_STATE_SIGNED, "440106", v1::ORDER_STATE_SIGNED);
  std::optional<v1::WatchQueueResponse> sla = ClassifyForQueue(warned, "440106", kDefault);
  REQUIRE(sla);
  CHECK(sla->change() == v1::QUEUE_CHANGE_SLA);
  CHECK(sla->sla_colour() == v1::SLA_COLOUR_YELLOW);
  ObservedEvent breached = warned;
  breached.event.set_event("order.sla_breach");
  CHECK(ClassifyForQueue(breached, "440106", kDefault)->sla_colour() == v1::SLA_COLOUR_RED);
  CHECK_FALSE(ClassifyForQueue(breached, "440104", kDefault));
  // Another change keeps the order's colour as the monitor left it.
  CHECK(ClassifyForQueue(signed_, "440106", kDefault)->sla_colour() == v1::SLA_COLOUR_YELLOW);
  // The order as read carries on only while it is still the unit's.
  ObservedEvent later = dispatched;
  later.order->set_assigned_unit_code("440104");
  CHECK_FALSE(ClassifyForQueue(later, "440106", kDefault)->has_order());
}

TEST_CASE("deadline statuses map to colours") {
  CHECK(ColourOfStatus("on_time") == v1::SLA_COLOUR_GREEN);
  CHECK(ColourOfStatus("warned") == v1::SLA_COLOUR_YELLOW);
  CHECK(ColourOfStatus("breached") == v1::SLA_COLOUR_RED);
  CHECK(ColourOfStatus("escalated") == v1::SLA_COLOUR_RED);
  CHECK(ColourOfStatus("stopped") == v1::SLA_COLOUR_UNSPECIFIED);
  CHECK(ColourOfStatus("") == v1::SLA_COLOUR_UNSPECIFIED);
}

}  // namespace
}  // namespace hotline::dispatch
