#pragma once
// The stored form of a work order: a flat Redis hash, one field per scalar, so
// that server-side scripts can check and change single fields (state,
// version, unit) without decoding the whole order. History entries are JSON of
// hotline.v1.HistoryEntry. Pure conversion functions.
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "clock/proto_time.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::orders {

// Field names used by the scripts for indexing and filtering.
namespace field {
inline constexpr char kId[] = "id";
inline constexpr char kVersion[] = "version";
inline constexpr char kState[] = "state";
inline constexpr char kType[] = "type";
inline constexpr char kDistrict[] = "district";
inline constexpr char kUnit[] = "unit";
inline constexpr char kCreatedMs[] = "created_ms";
inline constexpr char kUpdatedMs[] = "updated_ms";
inline constexpr char kClosedMs[] = "closed_ms";
inline constexpr char kPendingUnit[] = "pending_unit";
inline constexpr char kLastRating[] = "last_rating";
inline constexpr char kBounces[] = "bounces";
inline constexpr char kRedos[] = "redos";
inline constexpr char kUrges[] = "urges";
inline constexpr char kSupervises[] = "supervises";
inline constexpr char kMaster[] = "master";
inline constexpr char kDispatchRule[] = "dispatch_rule";
inline constexpr char kHandedDownBy[] = "handed_down_by";
// Personal data at rest: the caller's number sealed (AES-256-GCM, key id in
// front), its keyed lookup hash, and the masked form readers are shown. An
// order written before sealing has the number in plain text in caller_phone,
// which is read (and shown masked) but never written any more.
inline constexpr char kCallerPhoneSealed[] = "caller_phone_enc";
inline constexpr char kCallerPhoneHash[] = "caller_phone_hash";
inline constexpr char kCallerPhoneLegacy[] = "caller_phone";
// The trail (libs/orders/trail.h), written by the scripts only.
inline constexpr char kTrailHead[] = "trail_head";
inline constexpr char kTrailLegacy[] = "trail_legacy";
}  // namespace field

using Record = std::vector<std::pair<std::string, std::string>>;

// The fields of the record each writing script may set or count, by writer
// name: the one definition of who writes what. The scripts get it as the Lua
// table ORDER_WRITABLE and write through order_writer(name)
// (scripts/order_codec.lua), which refuses any other field. The trail's
// fields are the chain's own (trail.h). A new writer adds its row here.
using RecordWriters = std::vector<std::pair<std::string, std::vector<std::string>>>;
const RecordWriters& Writers();
// ORDER_WRITABLE as Lua source, with the rows of the writers in `names`
// only (a name without a row is left out: order_writer then refuses it).
std::string WritersLua(const std::vector<std::string>& names);

// Every field of `order` except id and history.
Record ToRecord(const v1::WorkOrder& order);
// From HGETALL's flat field/value list. DATA_LOSS if the record is unusable.
absl::StatusOr<v1::WorkOrder> FromRecord(const std::vector<std::string>& flat);

std::string HistoryEntryToJson(const v1::HistoryEntry& entry);
absl::StatusOr<v1::HistoryEntry> HistoryEntryFromJson(const std::string& json);

// Kept here by name for the store's users; defined once in clock/proto_time.h.
using ::hotline::DurationFromMillis;
using ::hotline::FromMillis;
using ::hotline::ToMillis;

}  // namespace hotline::orders
