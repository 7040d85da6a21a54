// The gateway's own parsing of raw request bytes (services/gateway/
// raw_messages): ParseRequest and FindNonUtf8Field on any bytes, for the
// request type of any method of hotline.v1.Hotline (the first byte picks the
// method; the rest is the wire message). Properties: nothing crashes; a
// request that parses has no non-UTF-8 string field; one that is refused for
// a field's UTF-8 names that field.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpc/grpc.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fuzz_support.h"
#include "gateway/raw_messages.h"
#include "hotline/v1/gateway.pb.h"

namespace {

const google::protobuf::ServiceDescriptor* Api() {
  static const google::protobuf::ServiceDescriptor* const api =
      hotline::v1::WhoAmIRequest::descriptor()->file()->FindServiceByName("Hotline");
  return api;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  grpc_init();  // slices and byte buffers
  FUZZ_CHECK(Api() != nullptr && Api()->method_count() > 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const google::protobuf::MethodDescriptor* method = Api()->method(data[0] % Api()->method_count());
  const google::protobuf::Descriptor* type = method->input_type();
  const std::string wire(reinterpret_cast<const char*>(data + 1), size - 1);

  const std::optional<std::string> bad_field = hotline::gateway::FindNonUtf8Field(*type, wire);

  grpc::Slice slice(wire);
  grpc::ByteBuffer raw(&slice, 1);
  std::unique_ptr<google::protobuf::Message> message(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
  const grpc::Status status = hotline::gateway::ParseRequest(raw, message.get());
  if (status.ok()) {
    FUZZ_CHECK(!bad_field.has_value());
  } else {
    FUZZ_CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    if (bad_field) FUZZ_CHECK(status.error_message() == *bad_field + ": is not valid UTF-8");
  }
  return 0;
}
