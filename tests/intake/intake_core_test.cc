// The intake core alone (issue 21 item 6): Intake against the in-memory order
// store, a FakeClock and the demo directory, as the dispatch and SLA cores are
// tested. What reaches the store, what the caller is told, and what a reader
// of another unit learns.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "intake/intake.h"
#include "orders/order_record.h"
#include "support/fake_order_store.h"

#include "core_fixtures.h"

namespace hotline::intake {
namespace {


struct Observed : IntakeObserver {
  std::vector<std::string> rejected;
  int created = 0, replayed = 0;
  void OrderCreated(const v1::WorkOrder&, bool was_replayed) override {
    ++(was_replayed ? replayed : created);
  }
  void Rejected(const std::string& field) override { rejected.push_back(field); }
};

v1::CreateWorkOrderRequest Complaint(const std::string& district = "440106") {
  v1::CreateWorkOrderRequest r;
  r.set_type(v1::ORDER_TYPE_COMPLAINT);
  r.set_channel(v1::CHANNEL_PHONE);
  r.mutable_caller()->set_name("张先生");
  r.mutable_caller()->set_phone("13812345678");
  r.mutable_location()->set_district_code(district);
  r.mutable_location()->set_address("某小区3栋");
  r.set_category_code("0101");
  r.set_content("夜间工地施工噪声扰民，凌晨两点仍在打桩，请尽快处理。");
  return r;
}

struct Fixture {
  testing::FakeOrderStore store;
  FakeClock clock{absl::FromCivil(absl::CivilSecond(2026, 12, 7, 9, 30, 0), CityTimeZone())};
  Observed observed;
  Intake intake{store, Demo(), clock, observed, Vault()};

  absl::StatusOr<v1::CreateWorkOrderResponse> Create(const std::optional<v1::Actor>& actor,
                                                     const v1::CreateWorkOrderRequest& r) {
    absl::StatusOr<v1::CreateWorkOrderResponse> out = absl::InternalError("no answer");
    intake.Create(actor, r, [&](absl::StatusOr<v1::CreateWorkOrderResponse> a) { out = std::move(a); });
    return out;
  }
  absl::StatusOr<v1::GetWorkOrderResponse> Get(const v1::Actor& actor, const std::string& id) {
    v1::GetWorkOrderRequest r;
    r.set_id(id);
    absl::StatusOr<v1::GetWorkOrderResponse> out = absl::InternalError("no answer");
    intake.Get(actor, r, [&](absl::StatusOr<v1::GetWorkOrderResponse> a) { out = std::move(a); });
    return out;
  }
  absl::StatusOr<v1::ListWorkOrdersResponse> List(const v1::Actor& actor,
                                                  const v1::ListWorkOrdersRequest& r) {
    absl::StatusOr<v1::ListWorkOrdersResponse> out = absl::InternalError("no answer");
    intake.List(actor, r, [&](absl::StatusOr<v1::ListWorkOrdersResponse> a) { out = std::move(a); });
    return out;
  }
};

}  // namespace

TEST_CASE("a complaint is stored as created, at the clock's time, with its number only masked",
          "[intake]") {
  Fixture f;
  absl::StatusOr<v1::CreateWorkOrderResponse> r = f.Create(kAgent, Complaint());
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK_FALSE(r->replayed());
  const v1::WorkOrder stored = *f.store.Peek(r->order().id());
  CHECK(stored.state() == v1::ORDER_STATE_CREATED);
  CHECK(stored.version() == 1);
  CHECK(orders::ToMillis(stored.created_at()) == absl::ToUnixMillis(f.clock.Now()));
  CHECK(stored.created_by().user_id() == "agent-1");
  CHECK(stored.caller().phone_masked() == "138****5678");
  CHECK_FALSE(absl::StrContains(stored.SerializeAsString(), "13812345678"));
  REQUIRE(stored.history_size() == 1);
  CHECK(stored.history(0).action() == "create");
  CHECK(stored.history(0).to_state() == v1::ORDER_STATE_CREATED);
  CHECK(f.observed.created == 1);
  CHECK(f.store.Events() == std::vector<std::string>{"order.created"});
}

TEST_CASE("a contact answered on the spot is stored closed, citing its knowledge point", "[intake]") {
  Fixture f;
  v1::CreateWorkOrderRequest r = Complaint();
  r.set_type(v1::ORDER_TYPE_CONSULTATION);
  r.mutable_on_spot_answer()->set_knowledge_code("KB-0001");
  absl::StatusOr<v1::CreateWorkOrderResponse> out = f.Create(kAgent, r);
  INFO(out.status().message());
  REQUIRE(out.ok());
  const v1::WorkOrder stored = *f.store.Peek(out->order().id());
  CHECK(stored.state() == v1::ORDER_STATE_CLOSED);
  CHECK(stored.has_closed_at());
  CHECK(stored.history(0).action() == "answer_on_spot");
  CHECK(absl::StrContains(stored.history(0).note(), "KB-0001"));
}

TEST_CASE("a create without identity or with a bad field is refused and stores nothing", "[intake]") {
  Fixture f;
  CHECK(absl::IsUnauthenticated(f.Create(std::nullopt, Complaint()).status()));
  absl::StatusOr<v1::CreateWorkOrderResponse> bad = f.Create(kAgent, Complaint("999999"));
  CHECK(absl::IsInvalidArgument(bad.status()));
  CHECK(absl::StartsWith(bad.status().message(), "location.district_code"));
  CHECK(f.observed.rejected == std::vector<std::string>{"location.district_code"});
  CHECK(f.store.creates() == 0);
  CHECK(f.store.Events().empty());
}

TEST_CASE("an idempotency key is the caller's own: a retry replays, another user's same key is another order",
          "[intake]") {
  Fixture f;
  v1::CreateWorkOrderRequest r = Complaint();
  r.set_idempotency_key("call-1");
  const std::string first = f.Create(kAgent, r)->order().id();
  absl::StatusOr<v1::CreateWorkOrderResponse> again = f.Create(kAgent, r);
  REQUIRE(again.ok());
  CHECK(again->replayed());
  CHECK(again->order().id() == first);
  CHECK(f.observed.replayed == 1);
  absl::StatusOr<v1::CreateWorkOrderResponse> other =
      f.Create(Person("agent-2", v1::ROLE_AGENT, "GZ12345"), r);
  REQUIRE(other.ok());
  CHECK(other->order().id() != first);
  v1::CreateWorkOrderRequest changed = r;
  changed.set_content("同一个键，另一件事：小区路灯不亮，晚上出行不便。");
  CHECK(absl::IsInvalidArgument(f.Create(kAgent, changed).status()));
  CHECK(f.store.creates() == 2);
}

TEST_CASE("another district's handler is told an order is missing, word for word, and a confidential caller is hidden from units",
          "[intake]") {
  Fixture f;
  v1::CreateWorkOrderRequest r = Complaint();
  r.mutable_caller()->set_confidential(true);
  const std::string id = f.Create(kAgent, r)->order().id();
  // Units see an order once it is theirs: dispatch it to 天河区 in the store.
  orders::Change c;
  c.order_id = id;
  c.expected_version = 1;
  c.from_state = v1::ORDER_STATE_CREATED;
  c.to_state = v1::ORDER_STATE_DISPATCHED;
  c.to_unit = "440106";
  c.event = "order.dispatch";
  f.store.Apply(std::move(c), [](absl::StatusOr<orders::ApplyResult> a) { REQUIRE(a.ok()); });

  const std::string missing = id.substr(0, id.size() - 6) + "999999";
  absl::StatusOr<v1::GetWorkOrderResponse> absent = f.Get(kAgent, missing);
  absl::StatusOr<v1::GetWorkOrderResponse> elsewhere =
      f.Get(Person("handler-yuexiu", v1::ROLE_UNIT_HANDLER, "440104"), id);
  REQUIRE(absl::IsNotFound(absent.status()));
  REQUIRE(absl::IsNotFound(elsewhere.status()));
  CHECK(std::string(elsewhere.status().message()) ==
        absl::StrCat("order ", id, " not found"));

  absl::StatusOr<v1::GetWorkOrderResponse> own =
      f.Get(Person("handler-tianhe", v1::ROLE_UNIT_HANDLER, "440106"), id);
  REQUIRE(own.ok());
  CHECK(own->order().caller().name() != "张先生");
  CHECK(own->order().caller().phone_masked() != "138****5678");
  absl::StatusOr<v1::GetWorkOrderResponse> centre = f.Get(kAgent, id);
  REQUIRE(centre.ok());
  CHECK(centre->order().caller().name() == "张先生");
}

TEST_CASE("reads refuse bad arguments by field, and a handler may not list another unit", "[intake]") {
  Fixture f;
  CHECK(absl::IsInvalidArgument(f.Get(kAgent, "not-an-order").status()));
  v1::GetWorkOrderRequest too_long;
  too_long.set_id("GZ20261207000001");
  too_long.set_history_limit(100000);
  absl::Status s = absl::OkStatus();
  f.intake.Get(kAgent, too_long, [&](absl::StatusOr<v1::GetWorkOrderResponse> a) { s = a.status(); });
  CHECK(absl::StartsWith(s.message(), "history_limit"));

  v1::ListWorkOrdersRequest window;
  *window.mutable_created_from() = orders::FromMillis(absl::ToUnixMillis(f.clock.Now()));
  *window.mutable_created_until() = orders::FromMillis(absl::ToUnixMillis(f.clock.Now() - absl::Hours(1)));
  absl::StatusOr<v1::ListWorkOrdersResponse> backwards = f.List(kAgent, window);
  CHECK(absl::StartsWith(backwards.status().message(), "created_until"));

  v1::ListWorkOrdersRequest other;
  other.set_unit_code("440104");
  CHECK(absl::IsPermissionDenied(
      f.List(Person("handler-tianhe", v1::ROLE_UNIT_HANDLER, "440106"), other).status()));
  v1::ListWorkOrdersRequest unknown;
  unknown.set_district_code("999999");
  CHECK(absl::StartsWith(f.List(kAgent, unknown).status().message(), "district_code"));
}

}  // namespace hotline::intake
