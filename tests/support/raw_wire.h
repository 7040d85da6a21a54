#pragma once
// Protobuf wire bytes built by hand, for requests no protobuf library would
// send: a string field whose bytes are not UTF-8, say.
#include <google/protobuf/unknown_field_set.h>

#include <string>

namespace hotline::testing {

// `wire` with one more length-delimited field `number` appended. When parsed,
// a string field takes the last value and a message field merges this one in.
inline std::string AppendField(std::string wire, int number, const std::string& bytes) {
  google::protobuf::UnknownFieldSet extra;
  extra.AddLengthDelimited(number, bytes);
  std::string tail;
  extra.SerializeToString(&tail);
  return wire + tail;
}

}  // namespace hotline::testing
