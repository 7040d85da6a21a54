// Pure intake rules: field validation, fingerprints, order numbers.
#include <catch2/catch.hpp>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/unknown_field_set.h>
#include <prometheus/text_serializer.h>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

#include "intake/intake.h"
#include "intake/intake_service.h"
#include "intake/validation.h"
#include "orders/order_helpers.h"

namespace hotline::intake {
namespace {

directory::Directory TestDirectory() {
  v1::UnitDirectory units;
  auto add = [&](const char* code, const char* name, v1::UnitKind kind, const char* parent) {
    v1::Unit* u = units.add_units();
    u->set_code(code);
    u->set_name(name);
    u->set_kind(kind);
    u->set_parent_code(parent);
  };
  add("GZ12345", "中心", v1::UNIT_KIND_CENTRE, "");
  add("440106", "天河区", v1::UNIT_KIND_DISTRICT, "GZ12345");
  add("440104", "越秀区", v1::UNIT_KIND_DISTRICT, "GZ12345");
  add("440106001", "五山街道", v1::UNIT_KIND_STREET, "440106");
  add("440104001", "北京街道", v1::UNIT_KIND_STREET, "440104");
  v1::CategoryList categories;
  v1::Category* c = categories.add_categories();
  c->set_code("01");
  c->set_name("噪声污染");
  c = categories.add_categories();
  c->set_code("0101");
  c->set_name("建筑施工噪声");
  c->set_parent_code("01");
  return *directory::Directory::Build(units, categories);
}

v1::CreateWorkOrderRequest Valid() {
  v1::CreateWorkOrderRequest r;
  r.set_type(v1::ORDER_TYPE_COMPLAINT);
  r.set_channel(v1::CHANNEL_WECHAT);
  r.mutable_caller()->set_phone("13812345678");
  r.mutable_location()->set_district_code("440106");
  r.mutable_location()->set_street_code("440106001");
  r.set_category_code("0101");
  r.set_content("噪声扰民");
  return r;
}

std::string FieldOf(const v1::CreateWorkOrderRequest& r) {
  static const directory::Directory dir = TestDirectory();
  auto e = ValidateCreate(r, dir);
  return e ? e->field : "";
}

}  // namespace

TEST_CASE("a complete request passes", "[validation]") { CHECK(FieldOf(Valid()).empty()); }

TEST_CASE("each bad field is named", "[validation]") {
  auto with = [](auto mutate) {
    v1::CreateWorkOrderRequest r = Valid();
    mutate(r);
    return FieldOf(r);
  };
  CHECK(with([](auto& r) { r.set_content(""); }) == "content");
  CHECK(with([](auto& r) { r.set_content(std::string(kMaxContent, 'x')); }).empty());
  CHECK(with([](auto& r) { r.set_content(std::string(kMaxContent + 1, 'x')); }) == "content");
  CHECK(with([](auto& r) { r.set_content("\xED\xA0\x80"); }) == "content");  // surrogate
  CHECK(with([](auto& r) { r.set_type(v1::ORDER_TYPE_UNSPECIFIED); }) == "type");
  CHECK(with([](auto& r) { r.set_channel(static_cast<v1::Channel>(99)); }) == "channel");
  CHECK(with([](auto& r) { r.mutable_caller()->set_phone("110"); }) == "caller.phone");
  CHECK(with([](auto& r) { r.mutable_caller()->set_name(std::string(51, 'a')); }) ==
        "caller.name");
  CHECK(with([](auto& r) { r.mutable_location()->set_district_code("GZ12345"); }) ==
        "location.district_code");
  CHECK(with([](auto& r) { r.mutable_location()->set_street_code("440104001"); }) ==
        "location.street_code");
  CHECK(with([](auto& r) { r.mutable_location()->set_street_code(""); }).empty());
  CHECK(with([](auto& r) { r.mutable_location()->set_address(std::string(201, 'a')); }) ==
        "location.address");
  CHECK(with([](auto& r) { r.mutable_location()->mutable_point()->set_longitude(-181); }) ==
        "location.point");
  CHECK(with([](auto& r) { r.set_category_code("02"); }) == "category_code");
  CHECK(with([](auto& r) { r.mutable_on_spot_answer()->set_knowledge_code("KB1"); }) ==
        "on_spot_answer");
  CHECK(with([](auto& r) {
          r.set_type(v1::ORDER_TYPE_CONSULTATION);
          r.mutable_on_spot_answer()->set_knowledge_code("bad code!");
        }) == "on_spot_answer.knowledge_code");
  CHECK(with([](auto& r) {
          r.set_type(v1::ORDER_TYPE_CONSULTATION);
          r.mutable_on_spot_answer()->set_knowledge_code("KB.01.002");
        }).empty());
  CHECK(with([](auto& r) { r.set_idempotency_key(std::string(129, 'k')); }) == "idempotency_key");
}

TEST_CASE("a reported handling time is 1 second to 4 hours, and none is fine", "[validation]") {
  auto with = [](int64_t seconds, int32_t nanos) {
    v1::CreateWorkOrderRequest r = Valid();
    r.mutable_handling_time()->set_seconds(seconds);
    r.mutable_handling_time()->set_nanos(nanos);
    return FieldOf(r);
  };
  CHECK(FieldOf(Valid()).empty());  // not reported
  CHECK(with(1, 0).empty());
  CHECK(with(312, 500000000).empty());
  CHECK(with(4 * 3600, 0).empty());
  CHECK(with(0, 0) == "handling_time");  // set, but zero
  CHECK(with(0, 999999999) == "handling_time");
  CHECK(with(-30, 0) == "handling_time");
  CHECK(with(4 * 3600, 1) == "handling_time");
  CHECK(with(4 * 3600 + 1, 0) == "handling_time");
  CHECK(with(30, -1) == "handling_time");           // malformed: signs differ
  CHECK(with(30, 1000000000) == "handling_time");   // malformed: nanos out of range
  v1::CreateWorkOrderRequest r = Valid();
  r.mutable_handling_time()->set_seconds(-1);
  static const directory::Directory dir = TestDirectory();
  CHECK(ValidateCreate(r, dir)->message == "handling_time: must be 1 second to 4 hours (talk + hold + after-call work)");
}

TEST_CASE("the fingerprint ignores the idempotency key and sees the content", "[idempotency]") {
  v1::CreateWorkOrderRequest a = Valid(), b = Valid();
  a.set_idempotency_key("one");
  b.set_idempotency_key("two");
  using orders::RequestFingerprint;
  CHECK(RequestFingerprint(a) == RequestFingerprint(b));
  b.set_content("别的内容");
  CHECK(RequestFingerprint(a) != RequestFingerprint(b));
  CHECK(RequestFingerprint(a).size() == 16);
}

// The fingerprint as first defined (a copy without the key, its
// deterministic bytes, FNV-1a 64): idempotency records in Redis keep it, so a
// retry after an upgrade must find the same value.
std::string FingerprintAsDefined(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> keyless(request.New());
  keyless->CopyFrom(request);
  keyless->GetReflection()->ClearField(keyless.get(),
                                       keyless->GetDescriptor()->FindFieldByName("idempotency_key"));
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    keyless->SerializeToCodedStream(&coded);
  }
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return absl::StrFormat("%016x", hash);
}

TEST_CASE("the fingerprint is the one idempotency records were written with", "[idempotency]") {
  std::vector<v1::CreateWorkOrderRequest> requests;
  v1::CreateWorkOrderRequest r = Valid();
  requests.push_back(r);
  r.set_idempotency_key("key-1");
  requests.push_back(r);
  r.mutable_on_spot_answer()->set_knowledge_code("KB.01");
  r.mutable_handling_time()->set_seconds(90);
  r.set_urgent(true);
  requests.push_back(r);
  requests.push_back(v1::CreateWorkOrderRequest());
  v1::CreateWorkOrderRequest key_only;
  key_only.set_idempotency_key("only");
  requests.push_back(key_only);
  // Unknown fields (a newer client), one with the key's number but another
  // wire type: kept, as the copy keeps them.
  r = Valid();
  r.set_idempotency_key("key-2");
  r.GetReflection()->MutableUnknownFields(&r)->AddVarint(1, 7);
  r.GetReflection()->MutableUnknownFields(&r)->AddLengthDelimited(999, "new field");
  requests.push_back(r);
  for (const v1::CreateWorkOrderRequest& request : requests) {
    INFO(request.ShortDebugString());
    CHECK(orders::RequestFingerprint(request) == FingerprintAsDefined(request));
  }
}

TEST_CASE("orders created are counted by type and channel", "[metrics]") {
  prometheus::Registry registry;
  IntakeMetrics metrics(registry);
  v1::WorkOrder complaint;
  complaint.set_type(v1::ORDER_TYPE_COMPLAINT);
  complaint.set_channel(v1::CHANNEL_PHONE);
  v1::WorkOrder consultation;
  consultation.set_type(v1::ORDER_TYPE_CONSULTATION);
  consultation.set_channel(v1::CHANNEL_APP);
  metrics.OrderCreated(complaint, false);
  metrics.OrderCreated(consultation, false);
  metrics.OrderCreated(complaint, false);
  metrics.OrderCreated(complaint, true);  // a replay: counted apart
  metrics.OrderCreated(complaint, false);
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  INFO(text);
  CHECK(absl::StrContains(text, "hotline_intake_orders_created_total{channel=\"phone\",type=\"complaint\"} 3\n"));
  CHECK(absl::StrContains(text, "hotline_intake_orders_created_total{channel=\"app\",type=\"consultation\"} 1\n"));
  CHECK(absl::StrContains(text, "hotline_intake_idempotent_replays_total 1\n"));
  CHECK_FALSE(absl::StrContains(text, "type=\"report\""));  // no series before its first order
}

TEST_CASE("order numbers have the documented shape", "[numbering]") {
  using orders::LooksLikeOrderId;
  CHECK(LooksLikeOrderId("GZ20261128000123"));
  CHECK(LooksLikeOrderId("GZ202611281234567"));  // past a million a day it grows
  CHECK_FALSE(LooksLikeOrderId("gz20261128000123"));
  CHECK_FALSE(LooksLikeOrderId("GZ2026112800012"));
  CHECK_FALSE(LooksLikeOrderId("GZ2026112800012X"));
  CHECK_FALSE(LooksLikeOrderId(""));
}

TEST_CASE("readers get the phone masked and never the full number", "[masking]") {
  v1::WorkOrder o;
  o.mutable_caller()->set_phone("13812345678");
  orders::MaskForReading(&o, std::nullopt);
  CHECK(o.caller().phone().empty());
  CHECK(o.caller().phone_masked() == "138****5678");
}

TEST_CASE("a confidential caller is hidden from units, masked for the centre", "[masking]") {
  v1::WorkOrder order;
  order.mutable_caller()->set_name("王先生");
  order.mutable_caller()->set_phone_masked("138****5678");
  order.mutable_caller()->set_confidential(true);
  v1::Actor handler, dispatcher;
  handler.set_role(v1::ROLE_UNIT_HANDLER);
  handler.set_unit_code("440106");
  dispatcher.set_role(v1::ROLE_DISPATCHER);

  v1::WorkOrder seen_by_unit = order;
  orders::MaskForReading(&seen_by_unit, handler);
  CHECK(seen_by_unit.caller().name() == "保密");
  CHECK(seen_by_unit.caller().phone_masked() == "保密");
  v1::WorkOrder seen_without_identity = order;
  orders::MaskForReading(&seen_without_identity, std::nullopt);
  CHECK(seen_without_identity.caller().name() == "保密");

  v1::WorkOrder seen_by_centre = order;
  orders::MaskForReading(&seen_by_centre, dispatcher);
  CHECK(seen_by_centre.caller().name() == "王先生");
  CHECK(seen_by_centre.caller().phone_masked() == "138****5678");

  order.mutable_caller()->set_confidential(false);
  orders::MaskForReading(&order, handler);
  CHECK(order.caller().name() == "王先生");
  CHECK(order.caller().phone_masked() == "138****5678");
}

}  // namespace hotline::intake
