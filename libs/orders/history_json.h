// A fast reader of a stored history entry's JSON (issue 20 item 6: protobuf's
// JSON parser was half of a bulk scoring rebuild's CPU).
//
// It reads the shape the store really holds: protobuf's printer
// (preserve_proto_field_names) with the chain fields history_chain.lua
// appends, and the same written by hand or by cjson (numbers unquoted, "\/",
// "\u" escapes, any JSON whitespace). What it accepts it reads exactly as
// JsonStringToMessage with ignore_unknown_fields does; anything else it
// declines (returns false) and the caller asks protobuf, which then decides:
// sla_record, reference_versions, camelCase or unknown keys, repeated keys,
// null, enum numbers or unknown names, non-integral or out-of-range numbers,
// timestamps other than UTC with 0 to 9 fraction digits, bad escapes or
// UTF-8, malformed JSON.
#pragma once

#include <string_view>

#include "hotline/v1/work_order.pb.h"

namespace hotline::orders {

// True: *out is the entry (out must be empty on entry). False: declined,
// *out is unspecified (clear it before another parser fills it).
bool FastHistoryEntryFromJson(std::string_view json, v1::HistoryEntry* out);

// protobuf's JsonStringToMessage with ignore_unknown_fields (an entry written
// by a newer version): the reference the fast reader agrees with.
bool ProtobufHistoryEntryFromJson(std::string_view json, v1::HistoryEntry* out);

}  // namespace hotline::orders
