// The gateway's own request parsing: bytes that are not UTF-8 in a string
// field are named (also inside message fields), other unparsable bytes get a
// clear error, and good requests parse exactly.
#include "gateway/raw_messages.h"

#include <catch2/catch.hpp>

#include "hotline/v1/intake.pb.h"
#include "support/raw_wire.h"

namespace hotline::gateway {
namespace {

using testing::AppendField;

const std::string kNotUtf8 = "\xe5\x99\xaa\xff\xfe";  // 噪, then two stray bytes

v1::CreateWorkOrderRequest Sample() {
  v1::CreateWorkOrderRequest r;
  r.set_content("楼下工地夜间施工噪音扰民");
  r.mutable_caller()->set_name("张三");
  r.mutable_caller()->set_phone("13800138000");
  r.mutable_location()->set_district_code("440106");
  r.mutable_location()->set_address("天河路1号");
  return r;
}

grpc::ByteBuffer Buffer(const std::string& wire) {
  grpc::Slice slice(wire);
  return grpc::ByteBuffer(&slice, 1);
}

TEST_CASE("the first string field that is not UTF-8 is named by its path", "[unit]") {
  const std::string good = Sample().SerializeAsString();
  const auto& type = *v1::CreateWorkOrderRequest::descriptor();
  CHECK_FALSE(FindNonUtf8Field(type, good).has_value());
  CHECK(FindNonUtf8Field(type, AppendField(good, v1::CreateWorkOrderRequest::kContentFieldNumber,
                                           kNotUtf8)) == "content");
  CHECK(FindNonUtf8Field(type, AppendField(good, v1::CreateWorkOrderRequest::kCallerFieldNumber,
                                           AppendField("", v1::Caller::kNameFieldNumber,
                                                       kNotUtf8))) == "caller.name");
  CHECK(FindNonUtf8Field(type, AppendField(good, v1::CreateWorkOrderRequest::kLocationFieldNumber,
                                           AppendField("", v1::Location::kAddressFieldNumber,
                                                       kNotUtf8))) == "location.address");
  // Not protobuf at all: nothing to name.
  CHECK_FALSE(FindNonUtf8Field(type, "\x0a\xff\xff\xff").has_value());
}

TEST_CASE("ParseRequest parses good bytes exactly and says what is wrong with bad ones", "[unit]") {
  const v1::CreateWorkOrderRequest sample = Sample();
  const std::string good = sample.SerializeAsString();

  v1::CreateWorkOrderRequest parsed;
  REQUIRE(ParseRequest(Buffer(good), &parsed).ok());
  CHECK(parsed.SerializeAsString() == good);

  grpc::Status bad = ParseRequest(
      Buffer(AppendField(good, v1::CreateWorkOrderRequest::kContentFieldNumber, kNotUtf8)),
      &parsed);
  CHECK(bad.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(bad.error_message() == "content: is not valid UTF-8");

  grpc::Status garbage = ParseRequest(Buffer("\x0a\xff\xff\xff"), &parsed);
  CHECK(garbage.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(garbage.error_message() == "the request is not a valid hotline.v1.CreateWorkOrderRequest");
}

TEST_CASE("SerializeResponse writes what ParseRequest reads back", "[unit]") {
  grpc::ByteBuffer raw;
  REQUIRE(SerializeResponse(Sample(), &raw).ok());
  v1::CreateWorkOrderRequest back;
  REQUIRE(ParseRequest(raw, &back).ok());
  CHECK(back.SerializeAsString() == Sample().SerializeAsString());
}

}  // namespace
}  // namespace hotline::gateway
