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
// The same for text already read (e.g. a file that is also hashed); `origin`
// names it in the error.
absl::Status ParseTextProto(const std::string& text, const std::string& origin,
                            google::protobuf::Message* out);

}  // namespace hotline::config
