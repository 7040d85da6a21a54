#include "orders/order_helpers.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clock/city.h"
#include "orders/phone.h"

namespace hotline::orders {

bool LooksLikeOrderId(const std::string& id) {
  if (id.size() < 16 || id.size() > 24) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i < 2 ? !absl::ascii_isupper(id[i]) : !absl::ascii_isdigit(id[i])) return false;
  }
  return true;
}

std::string OrderIdExample() {
  return absl::StrCat(CityOrderPrefix().empty() ? "XX" : CityOrderPrefix(), "20261128000123");
}

void MaskForReading(v1::WorkOrder* order, const std::optional<v1::Actor>& reader) {
  v1::Caller* caller = order->mutable_caller();
  if (!caller->phone().empty()) caller->set_phone_masked(MaskPhone(caller->phone()));
  caller->clear_phone();
  const bool centre = reader && reader->role() != v1::ROLE_UNIT_HANDLER &&
                      reader->role() != v1::ROLE_UNSPECIFIED;
  if (caller->confidential() && !centre) {
    caller->set_name(kConfidentialPlaceholder);
    caller->set_phone_masked(kConfidentialPlaceholder);
  }
}

std::string RequestFingerprint(const google::protobuf::Message& request) {
  // The request's deterministic bytes without its idempotency_key: the same
  // bytes as a copy with the key cleared would serialize to (each top-level
  // field is serialized on its own, in field order), without the copy.
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  const google::protobuf::FieldDescriptor* key = request.GetDescriptor()->FindFieldByName("idempotency_key");
  const uint32_t key_tag =
      key == nullptr ? 0
                     : google::protobuf::internal::WireFormatLite::MakeTag(
                           key->number(), google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a 64
  auto add = [&hash](const char* begin, const char* end) {
    for (const char* c = begin; c != end; ++c) {
      hash ^= static_cast<unsigned char>(*c);
      hash *= 1099511628211ULL;
    }
  };
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  int start = 0;
  while (uint32_t tag = in.ReadTag()) {
    if (!google::protobuf::internal::WireFormatLite::SkipField(&in, tag)) break;
    const int end = in.CurrentPosition();
    if (tag != key_tag) add(bytes.data() + start, bytes.data() + end);
    start = end;
  }
  add(bytes.data() + start, bytes.data() + bytes.size());  // nothing, unless the walk stopped short
  return absl::StrFormat("%016x", hash);
}

std::optional<std::string> IdempotencyKeyProblem(const std::string& key) {
  constexpr size_t kMaxLength = 128;
  bool printable = true;
  for (char c : key) printable = printable && c >= 0x21 && c <= 0x7e;
  if (key.size() <= kMaxLength && printable) return std::nullopt;
  return absl::StrCat("must be 1 to ", kMaxLength, " printable ASCII characters");
}

absl::StatusOr<int> PageSize(int requested) {
  constexpr int kDefault = 20, kMax = 200;
  if (requested < 0) return absl::InvalidArgumentError("page_size: must not be negative");
  return requested == 0 ? kDefault : std::min(requested, kMax);
}

}  // namespace hotline::orders
