// The dispatch state machine: every action in every state, and the checks of
// roles, units and arguments.
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "dispatch/state_machine.h"

namespace hotline::dispatch {
namespace {

using S = v1::OrderState;

const directory::Directory& Demo() {
  static const directory::Directory d =
      *directory::Directory::Load(std::string(HOTLINE_SOURCE_DIR) + "/data/units.textproto",
                                  std::string(HOTLINE_SOURCE_DIR) + "/data/categories.textproto");
  return d;
}

v1::Actor Actor(v1::Role role, const std::string& unit) {
  v1::Actor a;
  a.set_user_id("u");
  a.set_role(role);
  a.set_unit_code(unit);
  return a;
}

// Written from shared/domain.md, independently of the implementation's table:
// action -> {state it is allowed in -> state it leads to}.
const std::map<v1::Action, std::map<S, S>>& Expected() {
  static const std::map<v1::Action, std::map<S, S>> kExpected = [] {
    using A = v1::Action;
    std::map<v1::Action, std::map<S, S>> e;
    e[A::ACTION_DISPATCH] = {{S::ORDER_STATE_CREATED, S::ORDER_STATE_DISPATCHED},
                             {S::ORDER_STATE_DISPATCHED, S::ORDER_STATE_DISPATCHED}};
    e[A::ACTION_SIGN] = {{S::ORDER_STATE_DISPATCHED, S::ORDER_STATE_SIGNED}};
    e[A::ACTION_RETURN] = {{S::ORDER_STATE_DISPATCHED, S::ORDER_STATE_RETURN_REQUESTED},
                           {S::ORDER_STATE_SIGNED, S::ORDER_STATE_RETURN_REQUESTED}};
    e[A::ACTION_APPROVE_RETURN] = {{S::ORDER_STATE_RETURN_REQUESTED, S::ORDER_STATE_DISPATCHED}};
    e[A::ACTION_REJECT_RETURN] = {{S::ORDER_STATE_RETURN_REQUESTED, S::ORDER_STATE_SIGNED}};
    e[A::ACTION_REQUEST_HAND_DOWN] = {{S::ORDER_STATE_SIGNED, S::ORDER_STATE_HAND_DOWN_REQUESTED}};
    e[A::ACTION_APPROVE_HAND_DOWN] = {{S::ORDER_STATE_HAND_DOWN_REQUESTED, S::ORDER_STATE_DISPATCHED}};
    e[A::ACTION_REJECT_HAND_DOWN] = {{S::ORDER_STATE_HAND_DOWN_REQUESTED, S::ORDER_STATE_SIGNED}};
    e[A::ACTION_HAND_UP] = {{S::ORDER_STATE_DISPATCHED, S::ORDER_STATE_SIGNED},
                            {S::ORDER_STATE_SIGNED, S::ORDER_STATE_SIGNED}};
    e[A::ACTION_REPLY] = {{S::ORDER_STATE_SIGNED, S::ORDER_STATE_REPLIED},
                          {S::ORDER_STATE_SENT_BACK, S::ORDER_STATE_REPLIED}};
    e[A::ACTION_APPROVE_REPLY] = {{S::ORDER_STATE_REPLIED, S::ORDER_STATE_CALLBACK_PENDING}};
    e[A::ACTION_SEND_BACK] = {{S::ORDER_STATE_REPLIED, S::ORDER_STATE_SENT_BACK}};
    e[A::ACTION_CALLBACK] = {{S::ORDER_STATE_CALLBACK_PENDING, S::ORDER_STATE_CLOSED}};
    e[A::ACTION_REDO] = {{S::ORDER_STATE_CALLBACK_PENDING, S::ORDER_STATE_DISPATCHED}};
    e[A::ACTION_CLOSE] = {{S::ORDER_STATE_CALLBACK_PENDING, S::ORDER_STATE_CLOSED}};
    e[A::ACTION_ARCHIVE] = {{S::ORDER_STATE_CLOSED, S::ORDER_STATE_ARCHIVED}};
    for (S s : {S::ORDER_STATE_CREATED, S::ORDER_STATE_DISPATCHED, S::ORDER_STATE_SIGNED,
                S::ORDER_STATE_RETURN_REQUESTED, S::ORDER_STATE_HAND_DOWN_REQUESTED}) {
      e[A::ACTION_LINK_DUPLICATE][s] = S::ORDER_STATE_MERGED;
    }
    for (S s : {S::ORDER_STATE_CREATED, S::ORDER_STATE_DISPATCHED, S::ORDER_STATE_SIGNED,
                S::ORDER_STATE_RETURN_REQUESTED, S::ORDER_STATE_HAND_DOWN_REQUESTED,
                S::ORDER_STATE_REPLIED, S::ORDER_STATE_CALLBACK_PENDING, S::ORDER_STATE_SENT_BACK}) {
      e[A::ACTION_URGE][s] = s;
      e[A::ACTION_SUPERVISE][s] = s;
    }
    return e;
  }();
  return kExpected;
}

// A request for `action` by the right person with good arguments, on an order
// that is with Tianhe district (or, to hand up, with 五山街道 under it).
std::pair<OrderFacts, ActionRequest> GoodCase(v1::Action action, S state) {
  OrderFacts o;
  o.order_id = "GZ20261128000001";
  o.state = state;
  o.unit_code = action == v1::ACTION_HAND_UP ? "440106001" : "440106";
  if (action == v1::ACTION_HAND_UP) o.handed_down_by = "440106";  // the usual way down
  o.pending_unit_code = "440106001";
  o.last_rating = v1::RATING_DISSATISFIED;
  ActionRequest r;
  r.action = action;
  r.note = "理由";
  r.rating = v1::RATING_SATISFIED;
  r.master_order_id = "GZ20261128000002";
  switch (action) {
    case v1::ACTION_SIGN: case v1::ACTION_RETURN: case v1::ACTION_REQUEST_HAND_DOWN:
    case v1::ACTION_HAND_UP: case v1::ACTION_REPLY:
      r.actor = Actor(v1::ROLE_UNIT_HANDLER, o.unit_code);
      break;
    case v1::ACTION_URGE: case v1::ACTION_SUPERVISE:
      r.actor = Actor(v1::ROLE_SUPERVISOR, "GZ12345");
      break;
    default:
      r.actor = Actor(v1::ROLE_DISPATCHER, "GZ12345");
  }
  r.unit_code = action == v1::ACTION_REQUEST_HAND_DOWN ? "440106001" : "GZD002";
  return {o, r};
}

}  // namespace

TEST_CASE("every action in every state gets the answer of the lifecycle", "[state_machine]") {
  int allowed = 0, refused = 0;
  for (int a = v1::Action_MIN + 1; a <= v1::Action_MAX; ++a) {
    const auto action = static_cast<v1::Action>(a);
    REQUIRE(Expected().count(action) == 1);  // the table covers every action
    for (int s = v1::OrderState_MIN + 1; s <= v1::OrderState_MAX; ++s) {
      const auto state = static_cast<S>(s);
      auto [order, request] = GoodCase(action, state);
      absl::StatusOr<Outcome> out = Decide(order, request, Demo());
      const auto& allowed_in = Expected().at(action);
      INFO(v1::Action_Name(action) << " in " << v1::OrderState_Name(state) << ": "
                                   << out.status().ToString());
      if (auto it = allowed_in.find(state); it != allowed_in.end()) {
        REQUIRE(out.ok());
        CHECK(out->to == it->second);
        ++allowed;
      } else {
        CHECK(out.status().code() == absl::StatusCode::kFailedPrecondition);
        // The answer names the current state.
        std::string name = v1::OrderState_Name(state).substr(12);
        for (char& c : name) c = static_cast<char>(std::tolower(c));
        CHECK(absl::StrContains(out.status().message(), name));
        ++refused;
      }
    }
  }
  CHECK(allowed == 20 + 5 + 8 + 8);  // flow steps, link-duplicate, urge, supervise
  CHECK(allowed + refused == 19 * 11);  // actions x states
}

TEST_CASE("units act only on their own orders, and only the centre dispatches", "[state_machine]") {
  auto [order, request] = GoodCase(v1::ACTION_SIGN, S::ORDER_STATE_DISPATCHED);
  request.actor = Actor(v1::ROLE_UNIT_HANDLER, "440104");  // 越秀, not 天河
  CHECK(Decide(order, request, Demo()).status().code() == absl::StatusCode::kPermissionDenied);
  request.actor = Actor(v1::ROLE_AGENT, "GZ12345");
  CHECK(Decide(order, request, Demo()).status().code() == absl::StatusCode::kPermissionDenied);

  auto [created, dispatch] = GoodCase(v1::ACTION_DISPATCH, S::ORDER_STATE_CREATED);
  dispatch.actor = Actor(v1::ROLE_UNIT_HANDLER, "440106");
  CHECK(Decide(created, dispatch, Demo()).status().code() == absl::StatusCode::kPermissionDenied);
  dispatch.actor = Actor(v1::ROLE_AGENT, "GZ12345");
  CHECK(Decide(created, dispatch, Demo()).status().code() == absl::StatusCode::kPermissionDenied);

  auto [open, urge] = GoodCase(v1::ACTION_URGE, S::ORDER_STATE_SIGNED);
  urge.actor = Actor(v1::ROLE_UNIT_HANDLER, "440106");
  CHECK(Decide(open, urge, Demo()).status().code() == absl::StatusCode::kPermissionDenied);
}

TEST_CASE("bad arguments are named", "[state_machine]") {
  auto field_of = [](v1::Action action, S state, auto mutate) {
    auto [order, request] = GoodCase(action, state);
    mutate(request);
    absl::StatusOr<Outcome> out = Decide(order, request, Demo());
    REQUIRE(out.status().code() == absl::StatusCode::kInvalidArgument);
    return std::string(out.status().message().substr(0, out.status().message().find(':')));
  };
  CHECK(field_of(v1::ACTION_DISPATCH, S::ORDER_STATE_CREATED, [](auto& r) { r.unit_code = ""; }) == "unit_code");
  CHECK(field_of(v1::ACTION_DISPATCH, S::ORDER_STATE_CREATED, [](auto& r) { r.unit_code = "nope"; }) == "unit_code");
  CHECK(field_of(v1::ACTION_DISPATCH, S::ORDER_STATE_CREATED, [](auto& r) { r.unit_code = "GZ12345"; }) == "unit_code");
  CHECK(field_of(v1::ACTION_RETURN, S::ORDER_STATE_SIGNED, [](auto& r) { r.note = " "; }) == "note");
  CHECK(field_of(v1::ACTION_REPLY, S::ORDER_STATE_SIGNED, [](auto& r) { r.note = ""; }) == "note");
  CHECK(field_of(v1::ACTION_APPROVE_RETURN, S::ORDER_STATE_RETURN_REQUESTED,
                 [](auto& r) { r.unit_code = "440106"; }) == "unit_code");  // same unit again
  CHECK(field_of(v1::ACTION_REQUEST_HAND_DOWN, S::ORDER_STATE_SIGNED,
                 [](auto& r) { r.unit_code = "440104001"; }) == "unit_code");  // not a Tianhe street
  CHECK(field_of(v1::ACTION_CALLBACK, S::ORDER_STATE_CALLBACK_PENDING,
                 [](auto& r) { r.rating = v1::RATING_UNSPECIFIED; }) == "rating");
  CHECK(field_of(v1::ACTION_LINK_DUPLICATE, S::ORDER_STATE_CREATED,
                 [](auto& r) { r.master_order_id = "GZ20261128000001"; }) == "master_order_id");
  CHECK(field_of(v1::ACTION_UNSPECIFIED, S::ORDER_STATE_CREATED, [](auto&) {}) == "action");
}

TEST_CASE("the lifecycle's details: bounces, hand-down, callbacks, redo", "[state_machine]") {
  auto run = [](v1::Action action, S state, auto mutate) {
    auto [order, request] = GoodCase(action, state);
    mutate(order, request);
    return Decide(order, request, Demo());
  };
  auto nothing = [](auto&, auto&) {};
  CHECK(run(v1::ACTION_RETURN, S::ORDER_STATE_SIGNED, nothing)->bounce);
  CHECK(run(v1::ACTION_APPROVE_RETURN, S::ORDER_STATE_RETURN_REQUESTED, nothing)->bounce);
  CHECK(run(v1::ACTION_SEND_BACK, S::ORDER_STATE_REPLIED, nothing)->bounce);
  CHECK_FALSE(run(v1::ACTION_SIGN, S::ORDER_STATE_DISPATCHED, nothing)->bounce);
  CHECK_FALSE(run(v1::ACTION_DISPATCH, S::ORDER_STATE_CREATED, nothing)->bounce);
  CHECK(run(v1::ACTION_DISPATCH, S::ORDER_STATE_DISPATCHED, nothing)->bounce);  // an override
  CHECK(run(v1::ACTION_DISPATCH, S::ORDER_STATE_DISPATCHED, [](auto& o, auto& r) {
          r.unit_code = o.unit_code;
        }).status().code() == absl::StatusCode::kInvalidArgument);

  auto down = run(v1::ACTION_REQUEST_HAND_DOWN, S::ORDER_STATE_SIGNED, nothing);
  CHECK(down->pending_unit_code == "440106001");
  CHECK(down->unit_code == "440106");  // stays with the district until the centre consents
  auto approved = run(v1::ACTION_APPROVE_HAND_DOWN, S::ORDER_STATE_HAND_DOWN_REQUESTED, nothing);
  CHECK(approved->unit_code == "440106001");
  CHECK(approved->handed_down_by == "440106");  // the district signed, then handed down
  // Handed up to the district that had handed it down: signed, as it was.
  auto up = run(v1::ACTION_HAND_UP, S::ORDER_STATE_SIGNED, nothing);
  CHECK(up->unit_code == "440106");
  CHECK(up->to == S::ORDER_STATE_SIGNED);
  CHECK(up->handed_down_by.empty());
  // Dispatched straight to the street, the district never signed: it must.
  for (S from : {S::ORDER_STATE_DISPATCHED, S::ORDER_STATE_SIGNED}) {
    auto direct = run(v1::ACTION_HAND_UP, from, [](auto& o, auto&) { o.handed_down_by.clear(); });
    CHECK(direct->unit_code == "440106");
    CHECK(direct->to == S::ORDER_STATE_DISPATCHED);
  }
  // Any other move of the order forgets who handed it down.
  CHECK(run(v1::ACTION_APPROVE_RETURN, S::ORDER_STATE_RETURN_REQUESTED, [](auto& o, auto&) {
          o.handed_down_by = "440106";
        })->handed_down_by.empty());
  // A district has no parent to hand up to (the centre is not one).
  auto top = run(v1::ACTION_HAND_UP, S::ORDER_STATE_SIGNED, [](auto& o, auto& r) {
    o.unit_code = "440106";
    r.actor.set_unit_code("440106");
  });
  CHECK(top.status().code() == absl::StatusCode::kFailedPrecondition);

  auto unhappy = run(v1::ACTION_CALLBACK, S::ORDER_STATE_CALLBACK_PENDING,
                     [](auto&, auto& r) { r.rating = v1::RATING_DISSATISFIED; });
  CHECK(unhappy->to == S::ORDER_STATE_CALLBACK_PENDING);
  CHECK(unhappy->last_rating == v1::RATING_DISSATISFIED);
  CHECK_FALSE(unhappy->closes);
  auto happy = run(v1::ACTION_CALLBACK, S::ORDER_STATE_CALLBACK_PENDING,
                   [](auto&, auto& r) { r.rating = v1::RATING_BASICALLY_SATISFIED; });
  CHECK(happy->to == S::ORDER_STATE_CLOSED);
  CHECK(happy->closes);
  auto redo = run(v1::ACTION_REDO, S::ORDER_STATE_CALLBACK_PENDING, nothing);
  CHECK(redo->redo);
  CHECK(redo->unit_code == "440106");
  auto too_early = run(v1::ACTION_REDO, S::ORDER_STATE_CALLBACK_PENDING,
                       [](auto& o, auto&) { o.last_rating = v1::RATING_UNSPECIFIED; });
  CHECK(too_early.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(run(v1::ACTION_URGE, S::ORDER_STATE_SIGNED, nothing)->supervision);
}

}  // namespace hotline::dispatch
