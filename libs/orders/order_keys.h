#pragma once
// The Redis key schema of work orders: every key the order store reads or
// writes is named here and nowhere else. Scripts get the keys passed in, but
// for those derived from an id or a state the script only learns while it runs
// (a new order's number, a duplicate's id, the state an index moves from):
// those it builds from the prefix the same way as below (keep the two in step).
//
//   <p>order:{ID}            hash: the order record (fields in order_record.h)
//   <p>order:{ID}:history    list: history entries, JSON of hotline.v1.HistoryEntry,
//                            hash-chained (scripts/history_chain.lua, trail.h);
//                            the order's field trail_head holds the last hash
//   <p>seq:YYYYMMDD          counter: the day's order numbers (kept 3 days)
//   <p>idem:create:KEY       string "fingerprint|ID" (kept idempotency_ttl);
//                            KEY is CallerScopedKey(user, the client's key)
//   <p>events                stream: order events for the consumers, trimmed up
//                            to what every consumer group has settled
//   <p>events:dead           stream: events a consumer gave up on (capped)
//   <p>idx:all               sorted sets scored by creation time (ms),
//   <p>idx:state:N             members order ids; N is the enum number
//   <p>idx:type:N
//   <p>idx:district:CODE
//   <p>idx:unit:CODE
//   <p>idx:queue:UNIT:N      sorted set: a unit's work queue in state N,
//                            scored by when the order entered it (ms)
//   <p>order:{ID}:duplicates set: orders linked to this master order
//   <p>idem:act:KEY          string "fingerprint|version" (kept idempotency_ttl);
//                            KEY is CallerScopedKey(user, the client's key)
//   <p>idx:phone:HASH        sorted set: a caller's orders by creation time (ms);
//                            HASH is the keyed hash of the number (HMAC-SHA256,
//                            crypto/phone_vault.h), never the number itself
//
// Keys of one order share the hash tag {ID}, so per-order work stays in one slot.
// create_order.lua also reads (and counts on) the cited knowledge point's hash,
// named in libs/knowledge_points/knowledge_keys.h and passed in KEYS.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace hotline::orders {

// An idempotency key as stored: the client's key within the calling user's
// own space ("<length of user>:<user>:<key>", unambiguous whatever the user id
// holds), so another caller's same key is a different key: neither a replay
// of someone else's request (which would hand over their order) nor a
// "different request" error that tells them the key is taken.
inline std::string CallerScopedKey(absl::string_view user_id, absl::string_view key) {
  return absl::StrCat(user_id.size(), ":", user_id, ":", key);
}

class OrderKeys {
 public:
  explicit OrderKeys(std::string prefix = "hotline:") : prefix_(std::move(prefix)) {}

  const std::string& prefix() const { return prefix_; }
  std::string Order(absl::string_view id) const { return absl::StrCat(prefix_, "order:{", id, "}"); }
  std::string History(absl::string_view id) const { return absl::StrCat(Order(id), ":history"); }
  std::string Duplicates(absl::string_view id) const { return absl::StrCat(Order(id), ":duplicates"); }
  std::string Sequence(absl::string_view local_day) const {
    return absl::StrCat(prefix_, "seq:", local_day);
  }
  std::string CreateIdempotency(absl::string_view key) const {
    return absl::StrCat(prefix_, "idem:create:", key);
  }
  std::string Events() const { return absl::StrCat(prefix_, "events"); }
  std::string DeadEvents() const { return absl::StrCat(prefix_, "events:dead"); }
  std::string IndexAll() const { return absl::StrCat(prefix_, "idx:all"); }
  std::string IndexState(int state) const { return absl::StrCat(prefix_, "idx:state:", state); }
  std::string IndexType(int type) const { return absl::StrCat(prefix_, "idx:type:", type); }
  std::string IndexDistrict(absl::string_view code) const {
    return absl::StrCat(prefix_, "idx:district:", code);
  }
  std::string IndexUnit(absl::string_view code) const {
    return absl::StrCat(prefix_, "idx:unit:", code);
  }
  std::string ActionIdempotency(absl::string_view key) const {
    return absl::StrCat(prefix_, "idem:act:", key);
  }
  std::string IndexPhone(absl::string_view lookup_hash) const {
    return absl::StrCat(prefix_, "idx:phone:", lookup_hash);
  }
  std::string Queue(absl::string_view unit, int state) const {
    return absl::StrCat(prefix_, "idx:queue:", unit, ":", state);
  }

 private:
  std::string prefix_;
};

}  // namespace hotline::orders
