#pragma once
// Small rules about orders that every service which reads or changes them
// shares. Pure functions.
#include <string>

#include "hotline/v1/work_order.pb.h"

namespace google::protobuf {
class Message;
}

namespace hotline::orders {

// Order numbers: two capital letters, the local day (8 digits), a sequence.
bool LooksLikeOrderId(const std::string& id);

// What readers see of an order: the phone masked, the full number removed.
void MaskForReading(v1::WorkOrder* order);

// A stable digest of a request (FNV-1a 64 of its deterministic
// serialization), stored with an idempotency key so a key reused for a
// different request is caught. Clear the key field before calling.
std::string Fingerprint(const google::protobuf::Message& request);

}  // namespace hotline::orders
