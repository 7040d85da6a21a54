#pragma once
// The gateway reads and writes its messages itself (raw gRPC methods), so a
// request that protobuf cannot parse gets INVALID_ARGUMENT saying why instead
// of gRPC's own INTERNAL with an empty message. The case that matters: bytes
// that are not UTF-8 in a string field. proto3 requires UTF-8 there and a C++
// server refuses the whole message, so without this a client that does not
// check (a hand-written or non-protobuf client) would never learn which field
// was wrong.
#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <optional>
#include <string>

namespace hotline::gateway {

// The path (e.g. "caller.name") of the first string field of `wire`, a
// serialized message of `type`, whose bytes are not valid UTF-8, descending
// into message fields. nullopt when every string is UTF-8 or `wire` is not
// well-formed protobuf at all.
std::optional<std::string> FindNonUtf8Field(const google::protobuf::Descriptor& type,
                                            const std::string& wire);

// Parses `raw` into `message`. INVALID_ARGUMENT naming the offending field, or
// the message type when the bytes are not such a message.
grpc::Status ParseRequest(const grpc::ByteBuffer& raw, google::protobuf::Message* message);

// Serializes `message` into `raw`.
grpc::Status SerializeResponse(const google::protobuf::Message& message, grpc::ByteBuffer* raw);

}  // namespace hotline::gateway
