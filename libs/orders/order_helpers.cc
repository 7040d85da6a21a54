#include "orders/order_helpers.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "orders/phone.h"

namespace hotline::orders {

bool LooksLikeOrderId(const std::string& id) {
  if (id.size() < 16 || id.size() > 24) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i < 2 ? !absl::ascii_isupper(id[i]) : !absl::ascii_isdigit(id[i])) return false;
  }
  return true;
}

void MaskForReading(v1::WorkOrder* order) {
  v1::Caller* caller = order->mutable_caller();
  caller->set_phone_masked(MaskPhone(caller->phone()));
  caller->clear_phone();
}

std::string Fingerprint(const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a 64
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return absl::StrFormat("%016x", hash);
}

}  // namespace hotline::orders
