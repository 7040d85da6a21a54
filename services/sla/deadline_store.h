#pragma once
// Where the SLA monitor reads orders and writes what it decides. The Redis
// implementation is redis_deadline_store.h; tests use an in-memory fake.
//
// Errors: NOT_FOUND (no such order), ABORTED (the order or the monitor's
// fields moved on since they were loaded: load again), UNAVAILABLE (Redis
// down), DATA_LOSS (a stored record cannot be read).
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::sla {

// The monitor's own fields on an order, as last written.
struct SlaFields {
  int64_t rev = 0;
  std::string status;  // "" when in no status set
  std::string level;
  std::string unit;    // "" when in no unit list
  std::string district;  // "" when in no district set
  // As filed (ms since the epoch, "" for none): to skip writes that would
  // change nothing.
  std::string next_due_ms, sign_due_ms, close_due_ms, close_original_ms;
  bool provisional = false;  // in the provisional set
  bool no_deadline = false;  // in the no-deadline set
};

struct LoadedOrder {
  v1::WorkOrder order;  // with history
  SlaFields sla;
  // The newest calendar version some replica has acted on (RequeueForCalendar):
  // a replica still on an older calendar must not decide (it would file
  // what the newer one has to recompute).
  int64_t calendar_acted_on = 0;
};

// What readers see (order record, unit lists, status sets).
struct Summary {
  std::optional<absl::Time> sign_due;
  std::optional<absl::Time> close_due;
  std::optional<absl::Time> close_original;
  std::string status;  // "" to leave every status set
  std::string level;
  std::string unit;    // "" to leave every unit list
  std::string district;  // the order's district while it has a status
  // A deadline in force leans on a provisional year (recomputed when its
  // official schedule is loaded).
  bool provisional = false;
  // Open, its policy has a closing deadline, and none could be computed.
  bool no_deadline = false;
};

// One atomic write: only if the order is still at `expected_version` and the
// monitor's fields at `expected_rev`.
struct Settlement {
  std::string order_id;
  int64_t expected_version = 0;
  int64_t expected_rev = 0;
  SlaFields previous;  // as loaded: which set and list to leave
  // Entries to append (seq = expected_version + 1, + 2 ...), each with its
  // event name and the counter it increments ("" for none).
  struct Step {
    v1::HistoryEntry entry;
    std::string event;
    std::string counter;
    std::string mark;
    std::optional<absl::Time> due;  // for the event: the moment it was due
  };
  std::vector<Step> steps;
  std::optional<absl::Time> next_due;  // nullopt: nothing left to fire
  Summary summary;
  absl::Time now;
};

// Whether writing `s` would change nothing: no steps, and the same next due
// time, deadlines, status and lists as filed.
bool ChangesNothing(const Settlement& s);

struct UnitListQuery {
  std::string unit_code;
  std::optional<absl::Time> due_from;  // exclusive
  absl::Time due_until;                // inclusive
  int page_size = 20;
  int64_t offset = 0;
};

class DeadlineStore {
 public:
  virtual ~DeadlineStore() = default;
  virtual absl::StatusOr<LoadedOrder> Load(const std::string& order_id) = 0;
  // Up to `limit` orders with a mark due at or before `now`, earliest first.
  virtual absl::StatusOr<std::vector<std::string>> Due(absl::Time now, int limit) = 0;
  // When the earliest mark in the due set falls due (nullopt: the set is empty).
  virtual absl::StatusOr<std::optional<absl::Time>> NextDue() = 0;
  virtual absl::Status Settle(const Settlement& settlement) = 0;
  // Moves an order in the due set (only if it is there), or takes it out
  // (nullopt): for orders that are gone or cannot be settled now, so that
  // they do not stand at the head of every due pass.
  virtual absl::Status Reschedule(const std::string& order_id, std::optional<absl::Time> due) = 0;
  // A unit's open orders with a closing deadline in the range, earliest first.
  virtual absl::StatusOr<std::vector<std::string>> ListUnit(const UnitListQuery& query) = 0;
  // How many open orders are in each status set: "status:level" -> count.
  virtual absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> CountByStatus() = 0;
  // The same by district: "district:status" -> count.
  virtual absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> CountByDistrict() = 0;
  // How many open orders have a provisional deadline, and how many have no
  // closing deadline.
  struct Gaps {
    int64_t provisional = 0;
    int64_t no_deadline = 0;
  };
  virtual absl::StatusOr<Gaps> CountGaps() = 0;
  // The calendar changed to `version`: the first caller for that version
  // makes every order with a provisional deadline or none due at `now`
  // (so the due passes recompute them); later callers do nothing. Answers
  // how many were queued (-1: another replica did it). Version 0: only the
  // orders without a deadline, every time.
  virtual absl::StatusOr<int64_t> RequeueForCalendar(int64_t version, absl::Time now) = 0;
  // The SLA policies by version (content hash), so that an order keeps the
  // policy it was taken under across changes of the file. Publishing a
  // version twice changes nothing; NOT_FOUND for a version never published.
  virtual absl::Status PublishPolicies(const std::string& version, const std::string& serialized) = 0;
  virtual absl::StatusOr<std::string> LoadPolicies(const std::string& version) = 0;
};

// The status and level values (bounded: metric labels).
inline constexpr const char* kStatuses[] = {"on_time", "warned", "breached", "escalated", "stopped"};
inline constexpr const char* kLevels[] = {"none", "urge", "supervise", "notice"};

}  // namespace hotline::sla
