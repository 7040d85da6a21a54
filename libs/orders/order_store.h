#pragma once
// Where work orders are kept. The interface lets domain cores run against the
// Redis store in production and in integration tests.
//
// Results arrive through a callback (called exactly once, on any thread), so a
// gRPC callback handler never blocks a thread while Redis works. Errors:
// UNAVAILABLE (Redis unreachable: retryable), NOT_FOUND, INVALID_ARGUMENT
// (idempotency key reused for another request, bad page token), DATA_LOSS
// (a stored record cannot be read).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotline/v1/work_order.pb.h"
#include "orders/trail.h"

namespace hotline::orders {

template <typename T>
using Done = absl::AnyInvocable<void(absl::StatusOr<T>)>;

struct NewOrder {
  v1::WorkOrder order;            // complete but for id (assigned by the store)
  v1::HistoryEntry first_entry;   // the "create" step
  std::string idempotency_key;    // "" for none; stored as given (callers scope it: CallerScopedKey)
  std::string fingerprint;        // identifies the request behind the key
  // The caller's number at rest (order.caller.phone must be empty): the
  // store takes the order's number first, then calls this to seal the phone
  // bound to it (crypto/phone_vault.h: the order id is in the sealed value's
  // authenticated data); empty for none. An error is the create's. Its keyed
  // lookup hash ("" for none).
  std::function<absl::StatusOr<std::string>(const std::string& order_id)> seal_phone;
  std::string phone_hash;
};

// Which page of an order's history a read returns: an order's history can
// outgrow what one answer may carry (urges, supervision, redo cycles).
inline constexpr int kDefaultHistoryLimit = 200;
inline constexpr int kMaxHistoryLimit = 500;
// Apply answers with the order's latest entries, at most this many.
inline constexpr int kAnswerHistoryEntries = 100;
struct HistoryWindow {
  int offset = 0;  // entries to skip from the first; negative: from the end
  int limit = kDefaultHistoryLimit;  // 0: no entries
};

struct CreateResult {
  v1::WorkOrder order;  // without history
  bool replayed = false;
};

struct ListQuery {
  v1::OrderState state = v1::ORDER_STATE_UNSPECIFIED;
  v1::OrderType type = v1::ORDER_TYPE_UNSPECIFIED;
  std::string district_code;
  std::string unit_code;
  std::string phone_hash;  // the caller's keyed phone hash (idx:phone)
  std::optional<absl::Time> created_from;   // inclusive
  std::optional<absl::Time> created_until;  // exclusive
  int page_size = 20;
  std::string page_token;
  bool oldest_first = false;
};

struct ListPage {
  std::vector<v1::WorkOrder> orders;
  std::string next_page_token;  // "" on the last page
};

// The fields of an order a dispatch decision reads (its state, where it is,
// its rating and hand-down): a decision made on them stays right for as long
// as they are unchanged, whatever else (a deadline, an urge) moved the version.
struct DecidedOn {
  v1::OrderState state = v1::ORDER_STATE_UNSPECIFIED;
  std::string unit;
  std::string pending_unit;
  v1::Rating last_rating = v1::RATING_UNSPECIFIED;
  std::string handed_down_by;
};

// One transition decided by the dispatch state machine, to be applied only if
// the order is still at `expected_version` and `from_state`; or, with
// `decided_on`, only if the order's fields are still those (and its version
// `expected_version` unless that is 0): one read-check-write, without a read
// before it.
struct Change {
  std::string order_id;
  int64_t expected_version = 0;
  v1::OrderState from_state = v1::ORDER_STATE_UNSPECIFIED;
  v1::OrderState to_state = v1::ORDER_STATE_UNSPECIFIED;
  std::string to_unit;
  std::string pending_unit;
  std::string handed_down_by;       // written as given ("" clears it)
  v1::Rating last_rating = v1::RATING_UNSPECIFIED;
  bool bounce = false;
  bool redo = false;
  bool closes = false;              // also closes the order's linked duplicates
  std::string supervision_field;    // "" or the counter to increment (urges, supervises)
  std::string master_order_id;      // set when linking as a duplicate
  std::string dispatch_rule;        // set by auto-dispatch
  v1::HistoryEntry entry;           // seq = expected_version + 1
  v1::HistoryEntry duplicate_entry; // for duplicates closed with this order (seq filled in)
  v1::HistoryEntry relinked_entry;  // for this order's own duplicates when it is linked (seq filled in)
  std::string event;                // e.g. "order.sign"
  std::string idempotency_key;
  std::string fingerprint;
  absl::Time at;
  std::optional<DecidedOn> decided_on;  // entry.seq is then filled in by the store
};

struct ApplyResult {
  int64_t version = 0;  // after the change
  bool replayed = false;
  // As it is after the change (read in the same step), with its latest
  // kAnswerHistoryEntries history entries.
  v1::WorkOrder order;
  // Only with Change::decided_on: the order is no longer as decided on (or
  // not at expected_version); nothing was written, and `order` is as it is
  // now, without history, to decide on again.
  bool moved = false;
};

struct QueueQuery {
  std::string unit_code;
  v1::OrderState state = v1::ORDER_STATE_UNSPECIFIED;
  int page_size = 20;
  std::string page_token;
  bool oldest_first = false;
};

class OrderStore {
 public:
  virtual ~OrderStore() = default;
  // Writes the order, its first history entry, its index entries and an
  // order.created event, all or nothing. With an idempotency key, a repeat
  // (also a concurrent one) yields the first order with replayed = true.
  virtual void Create(NewOrder order, Done<CreateResult> done) = 0;
  // The order with one page of its history (and history_total set).
  virtual void GetPage(std::string id, HistoryWindow window, Done<v1::WorkOrder> done) = 0;
  // The order with the first page of its history.
  void Get(std::string id, Done<v1::WorkOrder> done) {
    GetPage(std::move(id), HistoryWindow{}, std::move(done));
  }
  virtual void List(ListQuery query, Done<ListPage> done) = 0;       // without history

  // Applies a decided change atomically. ABORTED when the order moved on since
  // the decision (with decided_on: an answer with `moved` instead); NOT_FOUND; INVALID_ARGUMENT for an idempotency key reused
  // for another request or a master order that cannot take duplicates. A
  // repeat with the same key changes nothing and reports replayed.
  virtual void Apply(Change change, Done<ApplyResult> done) = 0;
  // The version an earlier action with this idempotency key produced, or
  // nullopt; INVALID_ARGUMENT if the key was used for a different request.
  virtual void FindAction(std::string idempotency_key, std::string fingerprint,
                          Done<std::optional<int64_t>> done) = 0;
  // A unit's orders in one state, by when they entered it.
  virtual void ListQueue(QueueQuery query, Done<ListPage> done) = 0;
};

// The caller's number as stored: sealed, or (an order written before phones
// were sealed) in plain text.
struct StoredPhone {
  std::string sealed;
  std::string legacy_plain;
};

// Reads that only the guardians of personal data and of the trail need: the
// sealed phone (for a reveal) and the whole trail (for verification), which
// chains a trail written before the chain existed.
class GuardedStore {
 public:
  virtual ~GuardedStore() = default;
  // NOT_FOUND when there is no such order.
  virtual void LoadPhone(std::string id, Done<StoredPhone> done) = 0;
  virtual void LoadTrail(std::string id, absl::Time now, Done<StoredTrail> done) = 0;
  // Order ids by creation time, oldest first: [offset, offset + count).
  virtual void ListOrderIds(int64_t offset, int count, Done<std::vector<std::string>> done) = 0;
};

// Orders stored before callers' numbers were sealed, or sealed before the
// sealed value was bound to its order (version 1, crypto/phone_vault.h),
// found a stretch of idx:all at a time, and sealed (again) one by one
// (intake, once at start).
struct LegacyPhones {
  int scanned = 0;  // ids of idx:all looked at (0: past the end)
  std::vector<std::pair<std::string, std::string>> plain;    // order id, plain number
  std::vector<std::pair<std::string, std::string>> unbound;  // order id, version 1 sealed value
};
class LegacyPhoneStore {
 public:
  virtual ~LegacyPhoneStore() = default;
  virtual absl::StatusOr<LegacyPhones> FindLegacyPhones(int64_t offset, int count) = 0;
  // False when the order changed meanwhile (nothing written).
  virtual absl::StatusOr<bool> SealLegacyPhone(const std::string& id, const std::string& plain,
                                               const std::string& sealed,
                                               const std::string& hash,
                                               const std::string& masked) = 0;
  // Replaces the sealed value `old_sealed` with `new_sealed` (the same number
  // sealed again); false when the order's value is no longer `old_sealed`
  // (nothing written).
  virtual absl::StatusOr<bool> ResealPhone(const std::string& id, const std::string& old_sealed,
                                           const std::string& new_sealed) = 0;
};

}  // namespace hotline::orders
