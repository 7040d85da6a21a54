// The fast reader of stored history-entry JSON (libs/orders/history_json.h)
// against protobuf's JSON parser, on any bytes as the entry's JSON. Property:
// whatever the fast reader accepts, protobuf accepts and reads the same
// message; what it declines protobuf decides (not checked: either is fine).
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "orders/history_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  hotline::v1::HistoryEntry fast;
  if (!hotline::orders::FastHistoryEntryFromJson(json, &fast)) return 0;
  hotline::v1::HistoryEntry slow;
  FUZZ_CHECK(hotline::orders::ProtobufHistoryEntryFromJson(json, &slow));
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(fast, slow));
  FUZZ_CHECK(fast.SerializeAsString() == slow.SerializeAsString());  // presence too
  return 0;
}
