#pragma once
// Reads a Protobuf text-format data file (the unit directory, the catalogue,
// the token file ...) into its schema message.
#include <string>

#include "absl/status/status.h"

namespace google::protobuf {
class Message;
}

namespace hotline::config {

// NOT_FOUND when the file cannot be read; INVALID_ARGUMENT "<path>: line L:C:
// <what>" when it does not parse as `out`'s type.
absl::Status ReadTextProto(const std::string& path, google::protobuf::Message* out);

}  // namespace hotline::config
