#pragma once
// The order events stream's one type, hotline.v1.OrderEvent
// (protos/hotline/v1/order_event.proto): the scripts write it through one
// Lua helper (order_event in scripts/order_codec.lua), and every consumer
// reads an entry with DecodeOrderEvent. Pure functions; thread-safe.
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "hotline/v1/order_event.pb.h"

namespace hotline::orders {

using StreamFields = std::vector<std::pair<std::string, std::string>>;

// A stream entry's fields as the message. Fields the message does not have
// are skipped (an entry from a newer writer); "" leaves a number unset.
// INVALID_ARGUMENT naming the field when a value is not of its type.
absl::StatusOr<v1::OrderEvent> DecodeOrderEvent(const StreamFields& fields);

// The message flattened as the scripts write it (every field that is set).
StreamFields EncodeOrderEvent(const v1::OrderEvent& event);

// The Lua table ORDER_EVENT_FIELDS: the message's field names in field order.
std::string OrderEventFieldsLua();

}  // namespace hotline::orders
