// The dispatch core alone: Dispatcher against an in-memory store and a
// FakeClock. Auto-dispatch acts only on an order still as its event left it.
#include <catch2/catch.hpp>

#include "absl/strings/match.h"

#include "dispatch/dispatcher.h"
#include "orders/order_record.h"
#include "support/fake_order_store.h"

namespace hotline::dispatch {
namespace {

using Result = Dispatcher::AutoDispatchResult;

const directory::Directory& Demo() {
  static const directory::Directory d = *directory::Directory::LoadDataDir(
      std::string(HOTLINE_SOURCE_DIR) + "/data");
  return d;
}

const Catalogue& DemoCatalogue() {
  static const Catalogue c = *Catalogue::Load(
      std::string(HOTLINE_SOURCE_DIR) + "/data/dispatch_catalogue.textproto", Demo());
  return c;
}

v1::Actor Dispatcher1() {
  v1::Actor a;
  a.set_user_id("dispatcher-1");
  a.set_role(v1::ROLE_DISPATCHER);
  a.set_unit_code("GZ12345");
  return a;
}

v1::Actor Handler(const std::string& unit) {
  v1::Actor a;
  a.set_user_id("handler-" + unit);
  a.set_role(v1::ROLE_UNIT_HANDLER);
  a.set_unit_code(unit);
  return a;
}

struct Fixture {
  testing::FakeOrderStore store;
  FakeClock clock{absl::FromCivil(absl::CivilSecond(2026, 11, 30, 10, 0, 0), CityTimeZone())};
  Dispatcher dispatcher{store, Demo(), DemoCatalogue(), clock};
  // Another replica, with a memo of its own: what it writes `dispatcher` has
  // not seen.
  Dispatcher other{store, Demo(), DemoCatalogue(), clock};

  // A new complaint about construction noise in 天河区 (the catalogue sends
  // it to the district), as intake would have stored it.
  std::string NewOrder() {
    orders::NewOrder n;
    n.order.set_version(1);
    n.order.set_type(v1::ORDER_TYPE_COMPLAINT);
    n.order.set_state(v1::ORDER_STATE_CREATED);
    n.order.set_category_code("010101");
    n.order.mutable_location()->set_district_code("440106");
    *n.order.mutable_created_at() = orders::FromMillis(absl::ToUnixMillis(clock.Now()));
    n.first_entry.set_seq(1);
    n.first_entry.set_action("create");
    std::string id;
    store.Create(std::move(n), [&](absl::StatusOr<orders::CreateResult> r) { id = r->order.id(); });
    return id;
  }

  absl::StatusOr<Result> Auto(const std::string& id) {
    absl::StatusOr<Result> out = absl::InternalError("no answer");
    dispatcher.AutoDispatch(id, [&](absl::StatusOr<Result> r) { out = std::move(r); });
    return out;
  }

  absl::StatusOr<v1::ActResponse> Act(const v1::Actor& actor, const std::string& id,
                                      v1::Action action, const std::string& unit = "") {
    return ActThrough(dispatcher, actor, id, action, unit);
  }
  absl::StatusOr<v1::ActResponse> ActThrough(Dispatcher& d, const v1::Actor& actor, const std::string& id,
                                             v1::Action action, const std::string& unit = "",
                                             int64_t expected_version = 0) {
    v1::ActRequest r;
    r.set_order_id(id);
    r.set_action(action);
    r.set_unit_code(unit);
    r.set_expected_version(expected_version);
    absl::StatusOr<v1::ActResponse> out = absl::InternalError("no answer");
    d.Act(actor, r, [&](absl::StatusOr<v1::ActResponse> a) { out = std::move(a); });
    return out;
  }

  v1::WorkOrder Order(const std::string& id) { return *store.Peek(id); }

  // A dispatcher's action that lands between the next read and its answer
  // (behind auto-dispatch's back).
  void ActDuringNextRead(const std::string& id, v1::Action action, const std::string& unit,
                         const std::string& note) {
    store.BeforeNextGetAnswer([this, id, action, unit, note] {
      v1::ActRequest r;
      r.set_order_id(id);
      r.set_action(action);
      r.set_unit_code(unit);
      r.set_note(note);
      dispatcher.Act(Dispatcher1(), r, [](absl::StatusOr<v1::ActResponse> a) { REQUIRE(a.ok()); });
    });
  }
};

}  // namespace

TEST_CASE("auto-dispatch routes a new order by the catalogue, at the clock's time", "[dispatcher]") {
  Fixture f;
  const std::string id = f.NewOrder();
  f.clock.Advance(absl::Seconds(3));
  absl::StatusOr<Result> r = f.Auto(id);
  REQUIRE(r.ok());
  CHECK(r->routed);
  CHECK(r->unit_code == "440106");
  v1::WorkOrder o = f.Order(id);
  CHECK(o.state() == v1::ORDER_STATE_DISPATCHED);
  CHECK(o.assigned_unit_code() == "440106");
  CHECK(o.version() == 2);
  CHECK(o.dispatch_rule() == "0101");
  REQUIRE(o.history_size() == 2);
  CHECK(o.history(1).actor().user_id() == "system:auto-dispatch");
  CHECK(orders::ToMillis(o.history(1).at()) == absl::ToUnixMillis(f.clock.Now()));
}

TEST_CASE("a write landing between auto-dispatch's read and write (an SLA record, an urge) is read again, and the order routed",
          "[dispatcher]") {
  Fixture f;
  const std::string id = f.NewOrder();
  // Issue 17: this used to count as moot, and the order stayed unrouted for good.
  f.ActDuringNextRead(id, v1::ACTION_URGE, "", "请尽快派单");
  absl::StatusOr<Result> r = f.Auto(id);
  REQUIRE(r.ok());
  CHECK(r->routed);
  CHECK(f.Order(id).state() == v1::ORDER_STATE_DISPATCHED);
  CHECK(f.Order(id).assigned_unit_code() == "440106");
  CHECK(f.Order(id).version() == 3);
}

TEST_CASE("a caller's act that names no version is decided again when another write lands between its read and its write",
          "[dispatcher]") {
  Fixture f;
  const std::string id = f.NewOrder();
  REQUIRE(f.Auto(id).ok());  // dispatched to 440106, version 2
  absl::StatusOr<v1::ActResponse> r;
  SECTION("an order this dispatcher has not seen is read") {
    // CI saw this through the gateway: the SLA monitor filed the deadline
    // between the handler's read and write, and the sign came back ABORTED
    // although the handler had asked for "whatever is current".
    f.ActDuringNextRead(id, v1::ACTION_URGE, "", "请尽快签收");
    r = f.ActThrough(f.other, Handler("440106"), id, v1::ACTION_SIGN);
  }
  SECTION("an order seen before is decided on what was seen, and the write it missed changes nothing decided") {
    REQUIRE(f.ActThrough(f.other, Dispatcher1(), id, v1::ACTION_URGE).ok());
    r = f.Act(Handler("440106"), id, v1::ACTION_SIGN);
  }
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(r->order().state() == v1::ORDER_STATE_SIGNED);
  CHECK(r->order().version() == 4);
  CHECK(f.Order(id).version() == 4);
  CHECK(f.Order(id).history(3).seq() == 4);
}

TEST_CASE("a caller's act that names a version is refused ABORTED when the order moved on",
          "[dispatcher]") {
  Fixture f;
  const std::string id = f.NewOrder();
  REQUIRE(f.Auto(id).ok());
  absl::StatusOr<v1::ActResponse> out = absl::InternalError("no answer");
  SECTION("an order this dispatcher has not seen is read") {
    f.ActDuringNextRead(id, v1::ACTION_URGE, "", "请尽快签收");
    out = f.ActThrough(f.other, Handler("440106"), id, v1::ACTION_SIGN, "", 2);
  }
  SECTION("an order seen before at that version") {
    REQUIRE(f.ActThrough(f.other, Dispatcher1(), id, v1::ACTION_URGE).ok());
    out = f.ActThrough(f.dispatcher, Handler("440106"), id, v1::ACTION_SIGN, "", 2);
    CHECK(out.status().message() == absl::StrCat("order ", id, " is at version 3, not 2; reload it and try again"));
  }
  CHECK(absl::IsAborted(out.status()));
  CHECK(f.Order(id).state() == v1::ORDER_STATE_DISPATCHED);
  CHECK(f.Order(id).version() == 3);
}

TEST_CASE("an order moved by another writer since it was seen is decided again on the order as it is",
          "[dispatcher]") {
  Fixture f;
  const std::string id = f.NewOrder();
  REQUIRE(f.Auto(id).ok());  // seen by f.dispatcher: dispatched to 440106, version 2
  // Another replica re-dispatches it; f.dispatcher still has it at 440106.
  REQUIRE(f.ActThrough(f.other, Dispatcher1(), id, v1::ACTION_DISPATCH, "GZD002").ok());
  // Allowed on what was seen, refused on the order as it is: nothing written.
  absl::StatusOr<v1::ActResponse> again = f.Act(Dispatcher1(), id, v1::ACTION_DISPATCH, "GZD002");
  CHECK(again.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(again.status().message() == "unit_code: the order is already with GZD002");
  absl::StatusOr<v1::ActResponse> sign = f.Act(Handler("440106"), id, v1::ACTION_SIGN);
  CHECK(sign.status().code() == absl::StatusCode::kNotFound);  // no longer 440106's order
  CHECK(f.Order(id).version() == 3);
  // Refused on what was seen (it was with 440106 then), allowed as it is.
  absl::StatusOr<v1::ActResponse> back = f.ActThrough(f.other, Dispatcher1(), id, v1::ACTION_DISPATCH, "440106");
  REQUIRE(back.ok());
  REQUIRE(f.ActThrough(f.other, Dispatcher1(), id, v1::ACTION_DISPATCH, "GZD002").ok());
  absl::StatusOr<v1::ActResponse> to_440106 = f.Act(Dispatcher1(), id, v1::ACTION_DISPATCH, "440106");
  INFO(to_440106.status().message());
  REQUIRE(to_440106.ok());
  CHECK(to_440106->order().assigned_unit_code() == "440106");
  CHECK(f.Order(id).version() == 6);
  CHECK(f.Order(id).bounce_count() == 4);
}

TEST_CASE("a late event does not override a dispatcher's choice", "[dispatcher]") {
  Fixture f;
  const std::string id = f.NewOrder();
  // While auto-dispatch was down, a dispatcher sent it to the ecology bureau.
  REQUIRE(f.Act(Dispatcher1(), id, v1::ACTION_DISPATCH, "GZD002").ok());
  absl::StatusOr<Result> r = f.Auto(id);
  REQUIRE(r.ok());  // acknowledged, never retried, never dead-lettered
  CHECK_FALSE(r->routed);
  CHECK(r->moot_reason.find("dispatched already") != std::string::npos);
  v1::WorkOrder o = f.Order(id);
  CHECK(o.assigned_unit_code() == "GZD002");
  CHECK(o.bounce_count() == 0);
  CHECK(o.version() == 2);
}

TEST_CASE("an order marked before routing (an urge, an SLA warning) is still routed",
          "[dispatcher]") {
  Fixture f;
  const std::string id = f.NewOrder();
  v1::Actor supervisor = Dispatcher1();
  supervisor.set_role(v1::ROLE_SUPERVISOR);
  REQUIRE(f.Act(supervisor, id, v1::ACTION_URGE).ok());  // version 2, still created
  absl::StatusOr<Result> r = f.Auto(id);
  REQUIRE(r.ok());
  CHECK(r->routed);
  CHECK(f.Order(id).state() == v1::ORDER_STATE_DISPATCHED);
  CHECK(f.Order(id).version() == 3);
}

TEST_CASE("a redelivered event for an order already routed is moot, not an error", "[dispatcher]") {
  Fixture f;
  const std::string id = f.NewOrder();
  REQUIRE(f.Auto(id)->routed);
  for (int delivery = 2; delivery <= 4; ++delivery) {
    absl::StatusOr<Result> again = f.Auto(id);
    INFO("delivery " << delivery << ": " << again.status().ToString());
    REQUIRE(again.ok());
    CHECK_FALSE(again->routed);
  }
  CHECK(f.Order(id).version() == 2);
  CHECK(f.store.Events() == std::vector<std::string>{"order.created", "order.dispatch"});
}

TEST_CASE("a group re-reading the stream from its start changes no order that moved on",
          "[dispatcher]") {
  Fixture f;
  const std::string signed_order = f.NewOrder();
  REQUIRE(f.Auto(signed_order)->routed);
  REQUIRE(f.Act(Handler("440106"), signed_order, v1::ACTION_SIGN).ok());
  const std::string returned = f.NewOrder();
  REQUIRE(f.Auto(returned)->routed);
  v1::ActRequest ret;
  ret.set_order_id(returned);
  ret.set_action(v1::ACTION_RETURN);
  ret.set_note("not ours");
  f.dispatcher.Act(Handler("440106"), ret, [](absl::StatusOr<v1::ActResponse> r) { REQUIRE(r.ok()); });

  for (const std::string& id : {signed_order, returned}) {
    const v1::WorkOrder before = f.Order(id);
    absl::StatusOr<Result> r = f.Auto(id);
    REQUIRE(r.ok());
    CHECK_FALSE(r->routed);
    CHECK(f.Order(id).version() == before.version());
    CHECK(f.Order(id).state() == before.state());
  }
}

TEST_CASE("an order changed between auto-dispatch's read and write is moot", "[dispatcher]") {
  Fixture f;
  const std::string id = f.NewOrder();
  // The dispatcher's write lands after auto-dispatch read version 1.
  f.ActDuringNextRead(id, v1::ACTION_DISPATCH, "GZD002", "");
  absl::StatusOr<Result> r = f.Auto(id);
  REQUIRE(r.ok());
  CHECK_FALSE(r->routed);
  CHECK(f.Order(id).assigned_unit_code() == "GZD002");
  CHECK(f.Order(id).bounce_count() == 0);
}

TEST_CASE("an order that no longer exists is moot, Redis trouble is an error to retry",
          "[dispatcher]") {
  Fixture f;
  absl::StatusOr<Result> gone = f.Auto("GZ20261130999999");
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->routed);

  const std::string id = f.NewOrder();
  f.store.FailNextGet(absl::UnavailableError("redis down"));
  CHECK(absl::IsUnavailable(f.Auto(id).status()));  // left pending, retried later
  CHECK(f.Auto(id)->routed);
}

TEST_CASE("duplicates hang on the root master, so all of them close with it", "[dispatcher]") {
  Fixture f;
  auto link = [&](const std::string& id, const std::string& master) {
    v1::ActRequest r;
    r.set_order_id(id);
    r.set_action(v1::ACTION_LINK_DUPLICATE);
    r.set_master_order_id(master);
    absl::StatusOr<v1::ActResponse> out = absl::InternalError("no answer");
    f.dispatcher.Act(Dispatcher1(), r, [&](absl::StatusOr<v1::ActResponse> a) { out = std::move(a); });
    return out;
  };
  const std::string root = f.NewOrder(), a = f.NewOrder(), b = f.NewOrder(), c = f.NewOrder();
  REQUIRE(link(b, a).ok());
  REQUIRE(link(a, root).ok());  // a had a duplicate: b follows it
  CHECK(f.Order(b).master_order_id() == root);
  CHECK(f.Order(b).history(f.Order(b).history_size() - 1).action() == "relink_duplicate");
  absl::StatusOr<v1::ActResponse> via = link(c, b);  // b is a duplicate: c goes to the root
  REQUIRE(via.ok());
  CHECK(via->order().master_order_id() == root);
  absl::StatusOr<v1::ActResponse> cycle = link(root, c);
  CHECK(cycle.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(cycle.status().message(), "itself a duplicate of this order"));
  CHECK(link(c, "GZ20261130999999").status().code() == absl::StatusCode::kInvalidArgument);

  // Close the root the short way: dispatch, sign, reply, approve, callback.
  REQUIRE(f.Auto(root)->routed);
  REQUIRE(f.Act(Handler("440106"), root, v1::ACTION_SIGN).ok());
  v1::ActRequest reply;
  reply.set_order_id(root);
  reply.set_action(v1::ACTION_REPLY);
  reply.set_note("已处理");
  f.dispatcher.Act(Handler("440106"), reply, [](absl::StatusOr<v1::ActResponse> r) { REQUIRE(r.ok()); });
  REQUIRE(f.Act(Dispatcher1(), root, v1::ACTION_APPROVE_REPLY).ok());
  v1::ActRequest callback;
  callback.set_order_id(root);
  callback.set_action(v1::ACTION_CALLBACK);
  callback.set_rating(v1::RATING_SATISFIED);
  f.dispatcher.Act(Dispatcher1(), callback, [](absl::StatusOr<v1::ActResponse> r) { REQUIRE(r.ok()); });
  for (const std::string& id : {a, b, c}) {
    INFO(id);
    CHECK(f.Order(id).state() == v1::ORDER_STATE_CLOSED);
  }
}

namespace {

absl::StatusOr<v1::ActResponse> ActWithKey(Fixture& f, const v1::Actor& actor, const std::string& id,
                                           v1::Action action, const std::string& key,
                                           int64_t expected_version = 0) {
  v1::ActRequest r;
  r.set_order_id(id);
  r.set_action(action);
  r.set_idempotency_key(key);
  r.set_expected_version(expected_version);
  absl::StatusOr<v1::ActResponse> out = absl::InternalError("no answer");
  f.dispatcher.Act(actor, r, [&](absl::StatusOr<v1::ActResponse> a) { out = std::move(a); });
  return out;
}

}  // namespace

TEST_CASE("another unit's order is NOT_FOUND as a missing one, whatever its state or version",
          "[dispatcher][scoping]") {
  Fixture f;
  const std::string id = f.NewOrder();
  REQUIRE(f.Auto(id).ok());  // with 天河区 (440106), DISPATCHED
  const std::string missing = id.substr(0, id.size() - 6) + "999999";
  for (v1::Action action : {v1::ACTION_SIGN, v1::ACTION_REPLY, v1::ACTION_DISPATCH, v1::ACTION_URGE}) {
    absl::StatusOr<v1::ActResponse> theirs = f.Act(Handler("440104"), id, action, "440104");
    absl::StatusOr<v1::ActResponse> none = f.Act(Handler("440104"), missing, action, "440104");
    INFO(v1::Action_Name(action) << ": " << theirs.status() << " / " << none.status());
    CHECK(absl::IsNotFound(theirs.status()));
    CHECK(theirs.status().message() == "order " + id + " not found");
    CHECK(absl::IsNotFound(none.status()));
  }
  // A stale version would be ABORTED for someone who may see it.
  CHECK(absl::IsNotFound(ActWithKey(f, Handler("440104"), id, v1::ACTION_SIGN, "", 99).status()));
  CHECK(absl::IsAborted(ActWithKey(f, Handler("440106"), id, v1::ACTION_SIGN, "", 99).status()));
  // A street under 天河 does not see its district's orders either.
  CHECK(absl::IsNotFound(f.Act(Handler("440106001"), id, v1::ACTION_SIGN).status()));
  CHECK(f.Order(id).state() == v1::ORDER_STATE_DISPATCHED);  // nothing changed
  CHECK(f.Act(Handler("440106"), id, v1::ACTION_SIGN).ok());
  // Handed down to the street, the district still sees it: the state machine,
  // not scoping, says who acts.
  REQUIRE(f.Act(Handler("440106"), id, v1::ACTION_REQUEST_HAND_DOWN, "440106001").ok());
  REQUIRE(f.Act(Dispatcher1(), id, v1::ACTION_APPROVE_HAND_DOWN).ok());
  CHECK(f.Order(id).assigned_unit_code() == "440106001");
  CHECK(absl::IsPermissionDenied(f.Act(Handler("440106"), id, v1::ACTION_SIGN).status()));
  CHECK(absl::IsNotFound(f.Act(Handler("440104"), id, v1::ACTION_SIGN).status()));
  CHECK(f.Act(Handler("440106001"), id, v1::ACTION_SIGN).ok());
}

TEST_CASE("idempotency keys are the caller's own: another's key is no replay",
          "[dispatcher][scoping]") {
  Fixture f;
  const std::string id = f.NewOrder();
  REQUIRE(f.Auto(id).ok());
  absl::StatusOr<v1::ActResponse> first = ActWithKey(f, Handler("440106"), id, v1::ACTION_SIGN, "k-1");
  REQUIRE(first.ok());
  CHECK_FALSE(first->replayed());
  // The same caller's retry is a replay.
  absl::StatusOr<v1::ActResponse> retry = ActWithKey(f, Handler("440106"), id, v1::ACTION_SIGN, "k-1");
  REQUIRE(retry.ok());
  CHECK(retry->replayed());
  // A colleague of the same unit with the same key: decided afresh (already signed).
  v1::Actor colleague = Handler("440106");
  colleague.set_user_id("handler-440106-b");
  CHECK(absl::IsFailedPrecondition(ActWithKey(f, colleague, id, v1::ACTION_SIGN, "k-1").status()));
  // Another unit with the same key: as a missing order, not the order.
  absl::StatusOr<v1::ActResponse> other = ActWithKey(f, Handler("440104"), id, v1::ACTION_SIGN, "k-1");
  CHECK(absl::IsNotFound(other.status()));
}

}  // namespace hotline::dispatch
