#pragma once
// Small rules about orders that every service which reads or changes them
// shares. Pure functions.
#include <optional>
#include <string>

#include "absl/status/statusor.h"

#include "hotline/v1/work_order.pb.h"

namespace google::protobuf {
class Message;
}

namespace hotline::orders {

// Order numbers: two capital letters, the local day (8 digits), a sequence.
bool LooksLikeOrderId(const std::string& id);
// An order number of the city (CityOrderPrefix()), for error messages:
// "GZ20261128000123" in a city whose prefix is GZ.
std::string OrderIdExample();

// What `reader` sees of an order: the phone masked, the full number removed;
// and when the caller asked for confidentiality (保密), a unit handler (or a
// reader with no identity) sees neither name nor number, not even masked,
// but kConfidentialPlaceholder in their place. The centre sees them masked.
void MaskForReading(v1::WorkOrder* order, const std::optional<v1::Actor>& reader);
inline constexpr char kConfidentialPlaceholder[] = "保密";

// A stable digest of a request apart from its field "idempotency_key" (FNV-1a
// 64 of its deterministic serialization), stored with the key so that a key
// reused for a different request is caught.
std::string RequestFingerprint(const google::protobuf::Message& request);

// What is wrong with an idempotency key (the empty key, meaning none, is
// fine): keys are 1 to 128 printable ASCII characters.
std::optional<std::string> IdempotencyKeyProblem(const std::string& key);

// The page size a list call uses: 20 when 0 was asked for, at most 200.
// INVALID_ARGUMENT "page_size: ..." when negative.
absl::StatusOr<int> PageSize(int requested);

}  // namespace hotline::orders
