#include <catch2/catch.hpp>

#include <google/protobuf/util/json_util.h>

#include <map>
#include <random>

#include "absl/strings/match.h"

#include "orders/order_record.h"
#include "orders/script_args.h"

namespace hotline::orders {

TEST_CASE("an order survives the trip through its stored form", "[record]") {
  v1::WorkOrder o;
  o.set_id("GZ20261128000001");
  o.set_version(3);
  o.set_type(v1::ORDER_TYPE_REPORT);
  o.set_urgent(true);
  o.set_channel(v1::CHANNEL_APP);
  o.mutable_caller()->set_name("李女士");
  o.mutable_caller()->set_phone_masked("020****1234");
  o.mutable_caller()->set_confidential(true);
  o.mutable_location()->set_district_code("440106");
  o.mutable_location()->set_street_code("440106001");
  o.mutable_location()->set_address("天河路385号");
  o.mutable_location()->mutable_point()->set_latitude(23.1291234);
  o.mutable_location()->mutable_point()->set_longitude(113.3245678);
  o.set_category_code("0101");
  o.set_content("内容 with \"quotes\" and\nnewlines");
  o.set_state(v1::ORDER_STATE_SIGNED);
  o.set_assigned_unit_code("440106001");
  *o.mutable_created_at() = FromMillis(1764547200123);
  *o.mutable_updated_at() = FromMillis(1764547300456);
  o.mutable_created_by()->set_user_id("agent001");
  o.mutable_created_by()->set_role(v1::ROLE_AGENT);
  o.mutable_created_by()->set_unit_code("GZ12345");
  o.set_bounce_count(2);
  o.set_pending_unit_code("440106002");
  o.set_last_rating(v1::RATING_DISSATISFIED);
  o.set_redo_count(1);
  o.set_urge_count(3);
  o.set_supervise_count(1);
  o.set_dispatch_rule("0101");
  o.mutable_handling_time()->set_seconds(312);
  o.mutable_handling_time()->set_nanos(250000000);

  std::vector<std::string> flat = {"id", o.id()};
  for (auto& [k, v] : ToRecord(o)) {
    flat.push_back(k);
    flat.push_back(v);
  }
  absl::StatusOr<v1::WorkOrder> back = FromRecord(flat);
  REQUIRE(back.ok());
  CHECK(back->DebugString() == o.DebugString());
}

TEST_CASE("a handling time is stored only when reported, in milliseconds", "[record]") {
  v1::WorkOrder o;
  o.set_id("GZ20261128000002");
  auto fields = [](const Record& r) {
    std::map<std::string, std::string> m(r.begin(), r.end());
    return m;
  };
  CHECK(fields(ToRecord(o)).count("handling_ms") == 0);
  std::vector<std::string> flat = {"id", o.id()};
  for (auto& [k, v] : ToRecord(o)) {
    flat.push_back(k);
    flat.push_back(v);
  }
  CHECK_FALSE(FromRecord(flat)->has_handling_time());

  o.mutable_handling_time()->set_seconds(95);
  o.mutable_handling_time()->set_nanos(7000000);
  CHECK(fields(ToRecord(o))["handling_ms"] == "95007");
  flat = {"id", o.id()};
  for (auto& [k, v] : ToRecord(o)) {
    flat.push_back(k);
    flat.push_back(v);
  }
  CHECK(FromRecord(flat)->handling_time().seconds() == 95);
  CHECK(FromRecord(flat)->handling_time().nanos() == 7000000);
}

TEST_CASE("the stored form never carries the full number", "[record][phone]") {
  v1::WorkOrder o;
  o.set_id("GZ20261128000001");
  o.mutable_caller()->set_phone("13812345678");
  for (auto& [k, v] : ToRecord(o)) {
    INFO(k);
    CHECK_FALSE(absl::StrContains(v, "13812345678"));
  }
  // An order stored before numbers were sealed: read, for masking.
  absl::StatusOr<v1::WorkOrder> legacy =
      FromRecord({"id", "GZ20261128000001", "caller_phone", "13812345678"});
  REQUIRE(legacy.ok());
  CHECK(legacy->caller().phone() == "13812345678");
}

TEST_CASE("an unusable record is data loss, not a crash", "[record]") {
  CHECK(FromRecord({}).status().code() == absl::StatusCode::kDataLoss);
  CHECK(FromRecord({"version"}).status().code() == absl::StatusCode::kDataLoss);
  CHECK(FromRecord({"version", "1"}).status().code() == absl::StatusCode::kDataLoss);
  // A state (or type, channel, role, rating) this build does not know: an
  // answer naming the order and field, where enum names used to throw.
  for (const char* field : {"state", "type", "channel", "by_role", "last_rating"}) {
    for (const char* value : {"99", "-1", "x"}) {
      absl::StatusOr<v1::WorkOrder> o = FromRecord({"id", "GZ20261128000001", field, value});
      INFO(field << "=" << value);
      CHECK(o.status().code() == absl::StatusCode::kDataLoss);
      CHECK(absl::StrContains(o.status().message(), field));
      CHECK(absl::StrContains(o.status().message(), "GZ20261128000001"));
    }
  }
  CHECK(FromRecord({"id", "GZ20261128000001", "state", "3"})->state() == v1::ORDER_STATE_SIGNED);
}

TEST_CASE("history entries are stored as JSON and read back", "[record]") {
  v1::HistoryEntry e;
  e.set_seq(1);
  *e.mutable_at() = FromMillis(1764547200123);
  e.mutable_actor()->set_user_id("agent001");
  e.mutable_actor()->set_role(v1::ROLE_AGENT);
  e.set_action("create");
  e.set_to_state(v1::ORDER_STATE_CREATED);
  e.set_note("备注");
  absl::StatusOr<v1::HistoryEntry> back = HistoryEntryFromJson(HistoryEntryToJson(e));
  REQUIRE(back.ok());
  CHECK(back->DebugString() == e.DebugString());
  CHECK(HistoryEntryFromJson("{not json").status().code() == absl::StatusCode::kDataLoss);
}

// What protobuf's JSON printer makes of the entry: the stored form's
// definition, which HistoryEntryToJson must give byte for byte (the history
// chain hashes these bytes, and older entries were written by the printer).
std::string PrinterJson(v1::HistoryEntry e) {
  e.clear_prev_hash();
  e.clear_hash();
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(e, &json, options);
  return json;
}

TEST_CASE("history entries are stored exactly as protobuf's JSON printer writes them", "[record]") {
  std::vector<v1::HistoryEntry> entries;
  v1::HistoryEntry create;
  create.set_seq(1);
  *create.mutable_at() = FromMillis(1796699106851);
  create.mutable_actor()->set_user_id("agent001");
  create.mutable_actor()->set_role(v1::ROLE_AGENT);
  create.mutable_actor()->set_unit_code("GZ12345");
  create.set_action("create");
  create.set_to_state(v1::ORDER_STATE_CREATED);
  entries.push_back(create);
  entries.push_back(v1::HistoryEntry());  // {}
  v1::HistoryEntry e = create;
  e.set_note("answered from knowledge point KB.01.02-3_x");
  e.set_from_state(v1::ORDER_STATE_DISPATCHED);
  e.set_unit_code("440106001");
  e.set_sla_mark("closing.0.warning.1");
  e.set_prev_hash("ab");  // never printed
  e.set_hash("cd");
  entries.push_back(e);
  e.mutable_actor()->Clear();  // "actor":{}
  entries.push_back(e);
  // Seconds only, micro- and nanoseconds: 0, 6 or 9 fraction digits.
  for (int32_t nanos : {0, 1000, 1, 999999999, 120000000}) {
    e = create;
    e.mutable_at()->set_nanos(nanos);
    *e.mutable_extension_due() = e.at();
    entries.push_back(e);
  }
  e = create;
  e.mutable_at()->set_seconds(-62135596800);  // 0001-01-01
  entries.push_back(e);
  e.mutable_at()->set_seconds(-62135596801);  // out of range: the printer's answer
  entries.push_back(e);
  e = create;
  e.set_seq(-5);
  e.set_to_state(static_cast<v1::OrderState>(77));  // no name: printed as a number
  entries.push_back(e);
  e = create;
  e.mutable_actor()->set_role(static_cast<v1::Role>(99));
  entries.push_back(e);
  // Strings the printer escapes or that are not ASCII.
  for (const char* text : {"备注", "a\"b", "back\\slash", "tab\tnew\nline", "<b>", "a&b", "it's",
                           "x=y", "\x7f", "\u2028", "\xc2\xad", "plain text"}) {
    e = create;
    e.set_note(text);
    entries.push_back(e);
    e = create;
    e.mutable_actor()->set_user_id(text);
    entries.push_back(e);
  }
  e = create;
  e.mutable_reference_versions()->set_units(3);
  entries.push_back(e);
  e = create;
  e.mutable_sla_record();
  entries.push_back(e);
  // And many made of the parts above at random.
  std::mt19937 random(20261208);
  const std::vector<std::string> words = {"", "create", "dispatch", "GZ12345", "备注", "a\"b", "<", "x y"};
  for (int i = 0; i < 2000; ++i) {
    v1::HistoryEntry r;
    auto pick = [&] { return words[random() % words.size()]; };
    if (random() % 2) r.set_seq(static_cast<int64_t>(random() % 100));
    if (random() % 2) {
      r.mutable_at()->set_seconds(1700000000 + static_cast<int64_t>(random() % 100000000));
      r.mutable_at()->set_nanos(static_cast<int32_t>(random() % 4 == 0 ? 0 : random() % 1000000000));
    }
    if (random() % 2) {
      r.mutable_actor()->set_user_id(pick());
      r.mutable_actor()->set_role(static_cast<v1::Role>(random() % 4));
      r.mutable_actor()->set_unit_code(pick());
    }
    r.set_action(pick());
    r.set_from_state(static_cast<v1::OrderState>(random() % 4));
    r.set_to_state(static_cast<v1::OrderState>(random() % 4));
    r.set_unit_code(pick());
    r.set_note(pick());
    r.set_sla_mark(pick());
    entries.push_back(r);
  }
  for (const v1::HistoryEntry& entry : entries) {
    INFO(entry.ShortDebugString());
    CHECK(HistoryEntryToJson(entry) == PrinterJson(entry));
  }
}

TEST_CASE("script arguments escape quotes, backslashes and control bytes only", "[record]") {
  const std::string value = std::string("a\"b\\c\nd\x01") + "\x1f天河<>/" + std::string(1, '\0') + "end";
  CHECK(ScriptArgs().Set("k\"", value).SetList("l", {"", "x\ty", "plain"}).Encode() ==
        "{\"k\\\"\":\"a\\\"b\\\\c\\u000ad\\u0001\\u001f天河<>/\\u0000end\","
        "\"l\":[\"\",\"x\\u0009y\",\"plain\"]}");
}

}  // namespace hotline::orders
