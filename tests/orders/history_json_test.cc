// The fast history-entry reader against protobuf's: whatever it accepts,
// protobuf accepts and reads the same (libs/orders/history_json.h).
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "orders/history_json.h"
#include "orders/order_record.h"

namespace hotline::orders {
namespace {

enum class Fast { kAccepts, kMayDecline };

// Both readers on `json`; returns whether protobuf accepted it.
bool Agree(const std::string& json, Fast fast_must = Fast::kMayDecline) {
  INFO("json: " << json);
  v1::HistoryEntry fast;
  v1::HistoryEntry slow;
  const bool fast_ok = FastHistoryEntryFromJson(json, &fast);
  const bool slow_ok = ProtobufHistoryEntryFromJson(json, &slow);
  if (fast_must == Fast::kAccepts) CHECK(fast_ok);
  if (fast_ok) {
    CHECK(slow_ok);
    INFO("fast: " << fast.ShortDebugString() << "\nprotobuf: " << slow.ShortDebugString());
    CHECK(google::protobuf::util::MessageDifferencer::Equals(fast, slow));
    CHECK(fast.SerializeAsString() == slow.SerializeAsString());  // presence too
  }
  return slow_ok;
}

// What history_chain.lua makes of a writer's JSON.
std::string Sealed(const std::string& json) {
  std::string body = json.substr(0, json.size() - 1);
  if (body != "{") body += ",";
  return body + R"("prev_hash":"0a1b2c3d4e5f60718293a4b5c6d7e8f901234567","hash":"ffeeddccbbaa99887766554433221100ffeeddcc"})";
}

google::protobuf::Timestamp Time(int64_t seconds, int32_t nanos) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(nanos);
  return t;
}

}  // namespace

TEST_CASE("history json: printed entries of many field combinations read the same", "[history_json]") {
  const std::vector<int64_t> seqs = {0, 1, 7, 1234567890123, -5, std::numeric_limits<int64_t>::max(),
                                     std::numeric_limits<int64_t>::min()};
  const std::vector<google::protobuf::Timestamp> times = {
      Time(0, 0),           Time(1764547200, 0),         Time(1764547200, 123000000),
      Time(1764547200, 123456000), Time(1764547200, 123456789), Time(1764547200, 1),
      Time(-62135596800, 0), Time(253402300799, 999999999), Time(-1, 500000000),
      Time(951782400, 0),   Time(4107542400, 0)};  // 2000-02-29, 2100-03-01
  const std::vector<std::string> texts = {
      "", "dispatch", "天河路385号", "quote \" backslash \\ slash / end", "tab\tnl\ncr\r",
      "ctl \x01\x1f del \x7f", "emoji 😀 𝄞", "<script>&amp;'", "GZ12345"};
  std::mt19937 rng(20);
  const auto pick = [&](auto& v) { return v[rng() % v.size()]; };
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    const uint32_t mask = rng();
    v1::HistoryEntry e;
    if (mask & 1) e.set_seq(pick(seqs));
    if (mask & 2) *e.mutable_at() = pick(times);
    if (mask & 4) {
      v1::Actor* a = e.mutable_actor();
      if (mask & 8) a->set_user_id(pick(texts));
      if (mask & 16) a->set_role(static_cast<v1::Role>(rng() % 9));
      if (mask & 32) a->set_unit_code(pick(texts));
    }
    if (mask & 64) e.set_action(pick(texts));
    if (mask & 128) e.set_from_state(static_cast<v1::OrderState>(rng() % 12));
    if (mask & 256) e.set_to_state(static_cast<v1::OrderState>(rng() % 12));
    if (mask & 512) e.set_unit_code(pick(texts));
    if (mask & 1024) e.set_note(pick(texts));
    if (mask & 2048) e.set_sla_mark(pick(texts));
    if (mask & 4096) *e.mutable_extension_due() = pick(times);
    const std::string json = HistoryEntryToJson(e);
    INFO(e.ShortDebugString());
    REQUIRE(Agree(json, Fast::kAccepts));
    REQUIRE(Agree(Sealed(json), Fast::kAccepts));
    v1::HistoryEntry fast;
    REQUIRE(FastHistoryEntryFromJson(json, &fast));
    CHECK(google::protobuf::util::MessageDifferencer::Equals(fast, e));
    ++accepted;
  }
  CHECK(accepted == 3000);
}

TEST_CASE("history json: hand-written and cjson-style variants read the same", "[history_json]") {
  const std::vector<std::string> accepted = {
      R"({})",
      R"({"seq":12,"at":"2026-12-08T03:00:00Z"})",
      R"({"seq":-12})",
      R"({"seq":"9223372036854775807"})",
      R"({"seq":-9223372036854775808})",
      R"( { "seq" : 3 ,	"action"
 : "sign" }  )",
      "{\r\n\"note\":\"a\"\r\n}\n",
      R"({"note":"http:\/\/example.org\/a\/b"})",
      R"({"note":"\u5929\u6cb3\u8def 385\u53f7"})",
      R"({"note":"\ud83d\ude00 \uD834\uDD1E"})",
      R"({"note":"\u0041\u00e9\u20AC\"\\\/\b\f\n\r\t"})",
      R"({"note":"nul \u0000 inside"})",
      R"({"note":"\u007f\u0080\u07ff\u0800\uffff"})",
      R"({"actor":{}})",
      R"({"actor":{"user_id":"u1","role":"ROLE_AGENT","unit_code":"GZ1"}})",
      R"({"actor":{ "role" : "ROLE_UNSPECIFIED" }})",
      R"({"from_state":"ORDER_STATE_CREATED","to_state":"ORDER_STATE_SENT_BACK"})",
      R"({"at":"2026-12-08T03:00:00.5Z","extension_due":"2026-12-08T03:00:00.12Z"})",
      R"({"at":"2024-02-29T23:59:59.000000001Z"})",
      R"({"at":"0001-01-01T00:00:00Z","extension_due":"9999-12-31T23:59:59.999999999Z"})",
      R"({"s\u0065q":4,"\u0061ction":"x"})",
      R"({"seq":0,"prev_hash":"","hash":"abc"})",
  };
  for (const std::string& json : accepted) REQUIRE(Agree(json, Fast::kAccepts));

  // The fast reader may decline these (protobuf decides); whatever it does, it agrees.
  const std::vector<std::string> others = {
      R"({"seq":1,"unknown":{"a":[1,2,{"b":null}]},"note":"n"})",
      R"({"seq":null})",
      R"({"note":null})",
      R"({"at":null})",
      R"({"actor":null})",
      R"({"seq":1.0})",
      R"({"seq":1e3})",
      R"({"seq":"1e3"})",
      R"({"seq":-0})",
      R"({"seq":"01"})",
      R"({"seq":9223372036854775808})",
      R"({"seq":-9223372036854775809})",
      R"({"seq":" 5"})",
      R"({"seq":1,"seq":2})",
      R"({"prevHash":"a","fromState":"ORDER_STATE_CREATED"})",
      R"({"actor":{"userId":"u"}})",
      R"({"from_state":1})",
      R"({"from_state":"ORDER_STATE_NO_SUCH"})",
      R"({"actor":{"role":"ROLE_NOPE"}})",
      R"({"at":"2026-12-08T03:00:00+08:00"})",
      R"({"at":"2026-12-08T03:00:00.1234567890Z"})",
      R"({"at":"2026-12-08t03:00:00z"})",
      R"({"at":"2026-12-08 03:00:00Z"})",
      R"({"at":{"seconds":1}})",
      R"({"sla_record":{"policy":"p","deadlines":[{"key":"closing.0","due":"2026-12-08T03:00:00Z"}]}})",
      R"({"reference_versions":{"units":"3","catalogue":4}})",
      R"({"note":"\ud83d"})",
      R"({"note":"\ude00"})",
      R"({"note":"\ud83d\u0041"})",
      R"({"note":"bad \x escape"})",  // protobuf 3.21 takes it
      R"({'note':'single'})",
      R"({note:"bare"})",
      R"({"note":"a",})",
      "{\"note\":\"raw\nnewline\"}",
      "{\"note\":\"bad \xff utf8\"}",
      "{\"note\":\"overlong \xc0\xaf\"}",
      "{\"note\":\"surrogate \xed\xa0\x80\"}",
      "\xef\xbb\xbf{\"seq\":1}",
      "{\"seq\":1}\x0b",
  };
  for (const std::string& json : others) Agree(json);
}

TEST_CASE("history json: malformed input fails both ways", "[history_json]") {
  const std::vector<std::string> malformed = {
      "", " ", "null", "[]", "\"x\"", "1", "{", "}", "{\"seq\"}", "{\"seq\":}", "{\"seq\":1",
      "{\"seq\":1}}", "{\"seq\":1} {}", "{\"seq\" 1}", "{\"seq\":1 \"note\":\"a\"}",
      "{\"note\":\"unterminated}", "{\"note\":\"\\u12\"}",
      "{\"note\":\"\\u12G4\"}", "{\"actor\":{\"role\":\"ROLE_AGENT\"}", "{\"actor\":[]}",
      "{\"at\":\"2026-13-01T00:00:00Z\"}", "{\"at\":\"2026-02-30T00:00:00Z\"}",
      "{\"at\":\"2025-02-29T00:00:00Z\"}", "{\"at\":\"2026-12-08T24:00:00Z\"}",
      "{\"at\":\"2026-12-08T03:00:00\"}", "{\"at\":\"2026-12-08T03:00:00.Z\"}",
      "{\"at\":\"0000-01-01T00:00:00Z\"}", "{\"at\":5}", "{\"seq\":\"abc\"}", "{\"seq\":true}",
      "{\"note\":5}", "{\"note\":[\"a\"]}", "{\"from_state\":true}", "{\"seq\":--1}",
  };
  for (const std::string& json : malformed) {
    INFO("json: " << json);
    v1::HistoryEntry fast;
    CHECK_FALSE(FastHistoryEntryFromJson(json, &fast));
    CHECK_FALSE(Agree(json));
  }
}

TEST_CASE("history json: HistoryEntryFromJson reads what the fast reader declines", "[history_json]") {
  const std::string json =
      R"({"seq":"5","action":"sla_deadline","sla_record":{"policy":"p","calendar_version":"2"},"brand_new":1})";
  v1::HistoryEntry fast;
  REQUIRE_FALSE(FastHistoryEntryFromJson(json, &fast));
  absl::StatusOr<v1::HistoryEntry> entry = HistoryEntryFromJson(json);
  REQUIRE(entry.ok());
  CHECK(entry->seq() == 5);
  CHECK(entry->sla_record().policy() == "p");
  CHECK(entry->sla_record().calendar_version() == 2);
  CHECK_FALSE(HistoryEntryFromJson("{\"seq\":").ok());
}

}  // namespace hotline::orders
