#include "gateway/raw_messages.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "text/utf8.h"

namespace hotline::gateway {

std::optional<std::string> FindNonUtf8Field(const google::protobuf::Descriptor& type,
                                            const std::string& wire) {
  // Parsed as unknown fields, the bytes of every field are kept as they came.
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromString(wire)) return std::nullopt;
  for (int i = 0; i < fields.field_count(); ++i) {
    const google::protobuf::UnknownField& f = fields.field(i);
    if (f.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) continue;
    const google::protobuf::FieldDescriptor* field = type.FindFieldByNumber(f.number());
    if (field == nullptr) continue;
    if (field->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
        !text::IsValidUtf8(f.length_delimited())) {
      return field->name();
    }
    if (field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      if (std::optional<std::string> inner =
              FindNonUtf8Field(*field->message_type(), f.length_delimited())) {
        return absl::StrCat(field->name(), ".", *inner);
      }
    }
  }
  return std::nullopt;
}

grpc::Status ParseRequest(const grpc::ByteBuffer& raw, google::protobuf::Message* message) {
  {
    grpc::ByteBuffer copy(raw);  // shares the slices; the reader consumes its buffer
    grpc::ProtoBufferReader reader(&copy);
    // protobuf would log every string that is not UTF-8 to stderr; the caller
    // gets the answer instead.
    google::protobuf::LogSilencer quiet;
    if (reader.status().ok() && message->ParseFromZeroCopyStream(&reader)) {
      return grpc::Status::OK;
    }
  }
  std::vector<grpc::Slice> slices;
  std::string wire;
  if (raw.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices)
      wire.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (std::optional<std::string> field = FindNonUtf8Field(*message->GetDescriptor(), wire)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat(*field, ": is not valid UTF-8"));
  }
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat("the request is not a valid ", message->GetTypeName()));
}

grpc::Status SerializeResponse(const google::protobuf::Message& message, grpc::ByteBuffer* raw) {
  bool own_buffer = false;
  return grpc::SerializationTraits<google::protobuf::Message>::Serialize(message, raw, &own_buffer);
}

}  // namespace hotline::gateway
