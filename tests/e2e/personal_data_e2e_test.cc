// Personal data through the real gateway and intake: a dispatcher reveals a
// caller's number with a reason (logged first), others are refused; a
// caller's earlier orders are found by phone (logged, masked); a confidential
// caller is hidden from units entirely; trails are verified over the API.
#include <catch2/catch.hpp>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crypto/phone_vault.h"
#include "e2e/stack.h"
#include "hotline/v1/audit.pb.h"

namespace hotline::testing {
namespace {

v1::WorkOrder CreateWith(v1::Hotline::Stub& stub, const std::string& phone, bool confidential) {
  v1::CreateWorkOrderRequest request = SampleComplaint();
  request.mutable_caller()->set_phone(phone);
  request.mutable_caller()->set_confidential(confidential);
  return FileOrder(stub, request);
}

// The access-log entries naming `order_id`, oldest first, as an auditor
// lists them through the gateway.
std::vector<v1::AuditEntry> AuditEntries(Stack& stack, const std::string& order_id) {
  v1::ListAuditEntriesRequest request;
  request.set_order_id(order_id);
  request.set_page_size(500);
  v1::ListAuditEntriesResponse page;
  auto ctx = CallContext(kAuditorToken);
  grpc::Status status = stack.NewClient()->ListAuditEntries(ctx.get(), request, &page);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return std::vector<v1::AuditEntry>(page.entries().rbegin(), page.entries().rend());
}

// Every value the whole access log holds in Redis, raw.
std::string RawAccessLog(Stack& stack) {
  absl::StatusOr<redis::Reply> r =
      stack.redis_client().Execute({"XRANGE", "hotline:audit", "-", "+"});
  REQUIRE(r.ok());
  std::string raw;
  for (const redis::Reply& item : r->elements) {
    for (const redis::Reply& field : item.elements[1].elements) {
      absl::StrAppend(&raw, field.str, "\n");
    }
  }
  return raw;
}

grpc::Status Reveal(v1::Hotline::Stub& stub, const char* token, const std::string& id,
                    const std::string& reason, v1::RevealCallerPhoneResponse* response) {
  v1::RevealCallerPhoneRequest request;
  request.set_order_id(id);
  request.set_reason(reason);
  auto ctx = CallContext(token);
  return stub.RevealCallerPhone(ctx.get(), request, response);
}

}  // namespace

TEST_CASE("a dispatcher reveals a number with a reason, and the reveal is logged first",
          "[e2e][privacy]") {
  Stack stack(Stack::Options{.auto_dispatch = false});
  auto stub = stack.NewClient();
  const v1::WorkOrder order = CreateWith(*stub, "+86 139-2233-4455", false);
  CHECK(order.caller().phone_masked() == "139****4455");

  v1::RevealCallerPhoneResponse revealed;
  REQUIRE(Reveal(*stub, kDispatcherToken, order.id(), "回访来电人", &revealed).ok());
  CHECK(revealed.phone() == "13922334455");
  CHECK_FALSE(revealed.audit_id().empty());
  std::vector<v1::AuditEntry> log = AuditEntries(stack, order.id());
  REQUIRE(log.size() == 1);
  CHECK(log[0].action() == v1::AUDIT_ACTION_REVEAL_PHONE);
  CHECK(log[0].actor().user_id() == "dispatcher-t1");
  CHECK(log[0].reason() == "回访来电人");
  CHECK(log[0].id() == revealed.audit_id());
  // The log holds who, which order and why, never the number.
  CHECK_FALSE(absl::StrContains(log[0].SerializeAsString(), "13922334455"));

  SECTION("a supervisor may too") {
    CHECK(Reveal(*stub, kSupervisorToken, order.id(), "督办核实", &revealed).ok());
  }
  SECTION("without a reason: refused, naming the field, nothing logged") {
    grpc::Status s = Reveal(*stub, kDispatcherToken, order.id(), "", &revealed);
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(s.error_message(), Catch::StartsWith("reason:"));
    CHECK(AuditEntries(stack, order.id()).size() == 1);
  }
  SECTION("a unit handler or an agent: refused, nothing logged") {
    v1::RevealCallerPhoneResponse none;
    CHECK(Reveal(*stub, kHandlerToken, order.id(), "想打电话", &none).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
    CHECK(Reveal(*stub, kAgentToken, order.id(), "想打电话", &none).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
    CHECK(none.phone().empty());
    CHECK(AuditEntries(stack, order.id()).size() == 1);
  }
  SECTION("when the access log cannot be written, no number is revealed") {
    // The order's index of entries made a string: the log's append fails.
    const std::string index = "hotline:audit:order:{" + order.id() + "}:ids";
    REQUIRE(stack.redis_client().Execute({"DEL", index}).ok());
    REQUIRE(stack.redis_client().Execute({"SET", index, "x"}).ok());
    const long long logged = stack.redis_client().Execute({"XLEN", "hotline:audit"})->integer;
    v1::RevealCallerPhoneResponse none;
    grpc::Status s = Reveal(*stub, kDispatcherToken, order.id(), "回访", &none);
    CHECK(s.error_code() == grpc::StatusCode::UNAVAILABLE);
    CHECK(none.phone().empty());
    // Nothing half-written: no entry in the whole log without its index.
    CHECK(stack.redis_client().Execute({"XLEN", "hotline:audit"})->integer == logged);
  }
  SECTION("an unknown order") {
    v1::RevealCallerPhoneResponse none;
    CHECK(Reveal(*stub, kDispatcherToken, "GZ20200101999999", "回访", &none).error_code() ==
          grpc::StatusCode::NOT_FOUND);
  }
}

TEST_CASE("an order stored before sealing reads masked, reveals, and is sealed at intake's start",
          "[e2e][privacy]") {
  Stack stack(Stack::Options{.auto_dispatch = false});
  auto stub = stack.NewClient();
  const v1::WorkOrder order = CreateWith(*stub, "13812345678", false);
  // As the older version stored it: the plain number, nothing sealed.
  const std::string key = "hotline:order:{" + order.id() + "}";
  REQUIRE(stack.redis_client()
              .Execute({"HDEL", key, "caller_phone_enc", "caller_phone_hash", "caller_phone_masked"})
              .ok());
  REQUIRE(stack.redis_client().Execute({"HSET", key, "caller_phone", "13700001234"}).ok());
  v1::GetWorkOrderRequest get;
  get.set_id(order.id());
  v1::GetWorkOrderResponse got;
  auto ctx = CallContext(kAgentToken);
  REQUIRE(stub->GetWorkOrder(ctx.get(), get, &got).ok());
  CHECK(got.order().caller().phone().empty());
  CHECK(got.order().caller().phone_masked() == "137****1234");
  v1::RevealCallerPhoneResponse revealed;
  REQUIRE(Reveal(*stub, kDispatcherToken, order.id(), "回访", &revealed).ok());
  CHECK(revealed.phone() == "13700001234");

  // Intake seals such numbers in the background at its start.
  stack.RestartIntake();
  bool sealed = false;
  for (int i = 0; i < 100 && !sealed; ++i) {
    absl::StatusOr<redis::Reply> plain = stack.redis_client().Execute({"HEXISTS", key, "caller_phone"});
    REQUIRE(plain.ok());
    sealed = plain->integer == 0;
    if (!sealed) absl::SleepFor(absl::Milliseconds(100));
  }
  REQUIRE(sealed);
  absl::StatusOr<redis::Reply> enc = stack.redis_client().Execute({"HGET", key, "caller_phone_enc"});
  REQUIRE(enc.ok());
  CHECK_FALSE(enc->str.empty());
  CHECK_FALSE(absl::StrContains(enc->str, "13700001234"));
  // The gateway's channel reconnects to the new intake within a moment.
  v1::RevealCallerPhoneResponse again;
  grpc::Status status = Reveal(*stub, kDispatcherToken, order.id(), "回访", &again);
  for (int i = 0; i < 100 && status.error_code() == grpc::StatusCode::UNAVAILABLE; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    status = Reveal(*stub, kDispatcherToken, order.id(), "回访", &again);
  }
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(again.phone() == "13700001234");
  v1::FindOrdersByPhoneRequest find;
  find.set_phone("13700001234");
  v1::FindOrdersByPhoneResponse found;
  auto fctx = CallContext(kAgentToken);
  REQUIRE(stub->FindOrdersByPhone(fctx.get(), find, &found).ok());
  REQUIRE(found.orders_size() == 1);
  CHECK(found.orders(0).id() == order.id());
  CHECK(found.orders(0).caller().phone_masked() == "137****1234");
}

TEST_CASE("a caller's earlier orders are found by phone, masked and logged", "[e2e][privacy]") {
  Stack stack(Stack::Options{.auto_dispatch = false});
  auto stub = stack.NewClient();
  const v1::WorkOrder first = CreateWith(*stub, "020-83331234", false);
  CreateWith(*stub, "13600001111", false);
  const v1::WorkOrder second = CreateWith(*stub, "02083331234", false);

  v1::FindOrdersByPhoneRequest request;
  request.set_phone("020 8333 1234");
  v1::FindOrdersByPhoneResponse found;
  auto ctx = CallContext(kAgentToken);
  REQUIRE(stub->FindOrdersByPhone(ctx.get(), request, &found).ok());
  REQUIRE(found.orders_size() == 2);
  CHECK(found.orders(0).id() == second.id());  // newest first
  CHECK(found.orders(1).id() == first.id());
  for (const v1::WorkOrder& o : found.orders()) {
    CHECK(o.caller().phone().empty());
    CHECK(o.caller().phone_masked() == "020****1234");
  }
  std::vector<v1::AuditEntry> log = AuditEntries(stack, first.id());
  REQUIRE(log.size() == 1);
  CHECK(log[0].action() == v1::AUDIT_ACTION_LOOKUP_BY_PHONE);
  CHECK(log[0].actor().user_id() == "agent-t1");
  CHECK(log[0].order_ids_size() == 2);
  // The entry names the number searched by its keyed hash (the auditor can
  // hash a number to compare), never by the number in any form.
  absl::StatusOr<crypto::PhoneVault> vault =
      crypto::PhoneVault::LoadKeyFile(stack.phone_keys_file());
  REQUIRE(vault.ok());
  CHECK(log[0].phone_hash() == vault->LookupHash("02083331234"));
  CHECK(log[0].phone_hash() != vault->LookupHash("13600001111"));
  for (const char* form : {"02083331234", "020 8333 1234", "020-83331234", "83331234"}) {
    INFO(form);
    CHECK_FALSE(absl::StrContains(log[0].SerializeAsString(), form));
    CHECK_FALSE(absl::StrContains(RawAccessLog(stack), form));
  }
  // A lookup that finds nothing is logged too, with its number's hash.
  v1::FindOrdersByPhoneRequest unknown;
  unknown.set_phone("13900009999");
  v1::FindOrdersByPhoneResponse nothing;
  auto uctx = CallContext(kDispatcherToken);
  REQUIRE(stub->FindOrdersByPhone(uctx.get(), unknown, &nothing).ok());
  CHECK(nothing.orders_size() == 0);
  v1::ListAuditEntriesResponse city;
  auto actx = CallContext(kAuditorToken);
  REQUIRE(stub->ListAuditEntries(actx.get(), v1::ListAuditEntriesRequest(), &city).ok());
  REQUIRE(city.entries_size() >= 1);
  CHECK(city.entries(0).action() == v1::AUDIT_ACTION_LOOKUP_BY_PHONE);
  CHECK(city.entries(0).actor().user_id() == "dispatcher-t1");
  CHECK(city.entries(0).phone_hash() == vault->LookupHash("13900009999"));
  CHECK_FALSE(absl::StrContains(RawAccessLog(stack), "13900009999"));
  // Redis holds the keyed hash of the number, not the number.
  absl::StatusOr<redis::Reply> keys = stack.redis_client().Execute({"KEYS", "hotline:idx:phone:*"});
  REQUIRE(keys.ok());
  CHECK(keys->elements.size() == 2);

  v1::FindOrdersByPhoneResponse none;
  auto handler = CallContext(kHandlerToken);
  CHECK(stub->FindOrdersByPhone(handler.get(), request, &none).error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);
  request.set_phone("12345");
  auto bad = CallContext(kAgentToken);
  grpc::Status s = stub->FindOrdersByPhone(bad.get(), request, &none);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(s.error_message(), Catch::StartsWith("phone:"));
}

TEST_CASE("a confidential caller is hidden from the unit in every read", "[e2e][privacy]") {
  Stack stack(Stack::Options{.auto_dispatch = false});
  auto stub = stack.NewClient();
  const v1::WorkOrder order = CreateWith(*stub, "13812345678", true);
  CHECK(order.caller().confidential());
  CHECK(order.caller().name() == "张先生");  // the agent who took the call sees it

  v1::ActRequest dispatch;
  dispatch.set_order_id(order.id());
  dispatch.set_action(v1::ACTION_DISPATCH);
  dispatch.set_unit_code("440106");
  v1::ActResponse acted;
  auto dctx = CallContext(kDispatcherToken);
  REQUIRE(stub->Act(dctx.get(), dispatch, &acted).ok());
  CHECK(acted.order().caller().name() == "张先生");
  CHECK(acted.order().caller().phone_masked() == "138****5678");

  auto hidden = [](const v1::WorkOrder& o) {
    INFO(o.ShortDebugString());
    CHECK(o.caller().name() == "保密");
    CHECK(o.caller().phone_masked() == "保密");
    CHECK(o.caller().phone().empty());
    CHECK_FALSE(absl::StrContains(o.SerializeAsString(), "5678"));
    CHECK_FALSE(absl::StrContains(o.SerializeAsString(), "张先生"));
  };
  v1::GetWorkOrderRequest get;
  get.set_id(order.id());
  v1::GetWorkOrderResponse got;
  auto h1 = CallContext(kHandlerToken);
  REQUIRE(stub->GetWorkOrder(h1.get(), get, &got).ok());
  hidden(got.order());

  v1::ListWorkOrdersRequest list;
  list.set_district_code("440106");
  v1::ListWorkOrdersResponse listed;
  auto h2 = CallContext(kHandlerToken);
  REQUIRE(stub->ListWorkOrders(h2.get(), list, &listed).ok());
  REQUIRE(listed.orders_size() == 1);
  hidden(listed.orders(0));

  v1::ListQueueRequest queue;
  queue.set_unit_code("440106");
  queue.set_state(v1::ORDER_STATE_DISPATCHED);
  v1::ListQueueResponse queued;
  auto h3 = CallContext(kHandlerToken);
  REQUIRE(stub->ListQueue(h3.get(), queue, &queued).ok());
  REQUIRE(queued.orders_size() == 1);
  hidden(queued.orders(0));

  v1::ActRequest sign;
  sign.set_order_id(order.id());
  sign.set_action(v1::ACTION_SIGN);
  v1::ActResponse signed_order;
  auto h4 = CallContext(kHandlerToken);
  REQUIRE(stub->Act(h4.get(), sign, &signed_order).ok());
  hidden(signed_order.order());

  // The centre still sees it, masked.
  auto centre = CallContext(kSupervisorToken);
  REQUIRE(stub->GetWorkOrder(centre.get(), get, &got).ok());
  CHECK(got.order().caller().name() == "张先生");
  CHECK(got.order().caller().phone_masked() == "138****5678");
}

TEST_CASE("trails are verified through the gateway, and tampering is named", "[e2e][trail]") {
  Stack stack(Stack::Options{.auto_dispatch = false});
  auto stub = stack.NewClient();
  const v1::WorkOrder a = CreateWith(*stub, "13812345678", false);
  const v1::WorkOrder b = CreateWith(*stub, "13812345679", false);
  v1::ActRequest urge;
  urge.set_order_id(a.id());
  urge.set_action(v1::ACTION_URGE);
  v1::ActResponse acted;
  auto sctx = CallContext(kSupervisorToken);
  REQUIRE(stub->Act(sctx.get(), urge, &acted).ok());
  REQUIRE(acted.order().history_size() == 2);
  CHECK(acted.order().history(1).prev_hash() == acted.order().history(0).hash());

  v1::VerifyOrderTrailRequest one;
  one.set_order_id(a.id());
  v1::VerifyOrderTrailResponse verdict;
  auto c1 = CallContext(kSupervisorToken);
  REQUIRE(stub->VerifyOrderTrail(c1.get(), one, &verdict).ok());
  REQUIRE(verdict.verdicts_size() == 1);
  CHECK(verdict.verdicts(0).intact());
  CHECK(verdict.verdicts(0).entries() == 2);

  v1::VerifyOrderTrailResponse refused;
  auto c2 = CallContext(kHandlerToken);
  CHECK(stub->VerifyOrderTrail(c2.get(), one, &refused).error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);
  auto c3 = CallContext(kAgentToken);
  CHECK(stub->VerifyOrderTrail(c3.get(), one, &refused).error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);

  // Someone with Redis access rewrites who created order b.
  const std::string history = "hotline:order:{" + b.id() + "}:history";
  absl::StatusOr<redis::Reply> entry = stack.redis_client().Execute({"LINDEX", history, "0"});
  REQUIRE(entry.ok());
  std::string altered = entry->str;
  const size_t at = altered.find("agent-t1");
  REQUIRE(at != std::string::npos);
  altered.replace(at, 8, "agent-t9");
  REQUIRE(stack.redis_client().Execute({"LSET", history, "0", altered}).ok());

  v1::VerifyOrderTrailRequest all;
  all.set_all(true);
  v1::VerifyOrderTrailResponse city;
  auto c4 = CallContext(kSupervisorToken);
  REQUIRE(stub->VerifyOrderTrail(c4.get(), all, &city).ok());
  CHECK(city.orders_checked() == 2);
  CHECK(city.orders_broken() == 1);
  REQUIRE(city.verdicts_size() == 1);
  CHECK(city.verdicts(0).order_id() == b.id());
  CHECK(city.verdicts(0).problem() == v1::TRAIL_PROBLEM_ALTERED);
  CHECK(city.verdicts(0).entry() == 1);
}

namespace {

// A reveal right after intake restarted: the gateway's channel reconnects
// within a moment.
grpc::Status RevealAfterRestart(v1::Hotline::Stub& stub, const std::string& id,
                                v1::RevealCallerPhoneResponse* response) {
  grpc::Status status = Reveal(stub, kDispatcherToken, id, "回访", response);
  for (int i = 0; i < 100 && status.error_code() == grpc::StatusCode::UNAVAILABLE; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    status = Reveal(stub, kDispatcherToken, id, "回访", response);
  }
  return status;
}

TEST_CASE("a sealed number copied into another order's record does not reveal there",
          "[e2e][privacy]") {
  Stack stack(Stack::Options{.auto_dispatch = false});
  auto stub = stack.NewClient();
  const v1::WorkOrder a = CreateWith(*stub, "13811112222", false);
  const v1::WorkOrder b = CreateWith(*stub, "13933334444", false);
  const std::string key_a = "hotline:order:{" + a.id() + "}", key_b = "hotline:order:{" + b.id() + "}";
  absl::StatusOr<redis::Reply> sealed_a = stack.redis_client().Execute({"HGET", key_a, "caller_phone_enc"});
  REQUIRE(sealed_a.ok());
  REQUIRE_FALSE(sealed_a->str.empty());
  // Someone with write access to Redis moves A's sealed number into B: a
  // reveal of B must not show A's caller while the access log names B.
  REQUIRE(stack.redis_client().Execute({"HSET", key_b, "caller_phone_enc", sealed_a->str}).ok());
  v1::RevealCallerPhoneResponse leaked;
  grpc::Status status = Reveal(*stub, kDispatcherToken, b.id(), "回访", &leaked);
  INFO(status.error_message() << " / revealed " << leaked.phone());
  CHECK(status.error_code() == grpc::StatusCode::DATA_LOSS);
  CHECK(absl::StrContains(status.error_message(), "sealed for another order"));
  CHECK(leaked.phone().empty());
  // A itself still reveals.
  v1::RevealCallerPhoneResponse own;
  REQUIRE(Reveal(*stub, kDispatcherToken, a.id(), "回访", &own).ok());
  CHECK(own.phone() == "13811112222");
}

TEST_CASE("a number sealed before order binding reveals, and intake's start seals it again bound to its order",
          "[e2e][privacy]") {
  Stack stack(Stack::Options{.auto_dispatch = false});
  auto stub = stack.NewClient();
  const v1::WorkOrder order = CreateWith(*stub, "13900001111", false);
  const v1::WorkOrder other = CreateWith(*stub, "13900002222", false);
  const std::string key = "hotline:order:{" + order.id() + "}";
  // A value sealed by the version before order binding (main at fcb167c),
  // under an older key "a" (32 bytes of 0xaa) that stays in the key file for
  // decryption: 13812345678, "<key id>:<base64>", bound to the field only.
  const std::string v1 = "a:emYGMvq1fnt/+vNH1xtHzAAY6zBk01VowNVx/nhsl2bwlWKk5Ixu";
  std::ofstream(stack.phone_keys_file(), std::ios::app) << "encryption_key a " << std::string(64, 'a') << "\n";
  REQUIRE(stack.redis_client().Execute({"HSET", key, "caller_phone_enc", v1}).ok());

  // Intake (started again with the older key in its file) seals it again,
  // bound to its order, in the background at its start.
  stack.RestartIntake();
  std::string now_sealed;
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<redis::Reply> enc = stack.redis_client().Execute({"HGET", key, "caller_phone_enc"});
    REQUIRE(enc.ok());
    now_sealed = enc->str;
    if (absl::StartsWith(now_sealed, "v2/")) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  REQUIRE(absl::StartsWith(now_sealed, "v2/test1:"));  // the current key seals
  // The pass logs its counts when it has walked every order (just after).
  for (int i = 0; i < 100 && !absl::StrContains(stack.intake().Log(), "\"resealed\":\"1\""); ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  INFO(stack.intake().Log());
  CHECK(absl::StrContains(stack.intake().Log(), "\"resealed\":\"1\""));
  v1::RevealCallerPhoneResponse revealed;
  grpc::Status status = RevealAfterRestart(*stub, order.id(), &revealed);
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(revealed.phone() == "13812345678");

  // Bound now: copied into another order it does not reveal there.
  REQUIRE(stack.redis_client()
              .Execute({"HSET", "hotline:order:{" + other.id() + "}", "caller_phone_enc", now_sealed})
              .ok());
  v1::RevealCallerPhoneResponse leaked;
  CHECK(Reveal(*stub, kDispatcherToken, other.id(), "回访", &leaked).error_code() ==
        grpc::StatusCode::DATA_LOSS);
  CHECK(leaked.phone().empty());
}

}  // namespace

}  // namespace hotline::testing
