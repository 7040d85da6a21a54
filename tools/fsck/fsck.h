#pragma once
// hotline-fsck: the invariant checker. Read-only and paged: every key family
// is walked with SCAN / ZSCAN / SSCAN in batches (never KEYS), reads are
// pipelined, and nothing is written (SLA and scoring are judged by running
// their own code against a store that refuses to write).
//
// A check is one invariant family (Check below). Adding one is one more
// class registered in DefaultChecks() (fsck.cc); the checks share only the
// Context (Redis, key schema, clock, options, the findings sink).
//
// Live systems move while they are checked: a check that finds an order
// inconsistent looks at it again (Context::Confirm) and reports it only if
// the fault is still there, so a transition that ran between two reads is
// not a finding.
//
// Errors: UNAVAILABLE (Redis down) stops the run. Not thread-safe; one run at
// a time per Context.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clock/clock.h"
#include "directory/directory.h"
#include "orders/order_keys.h"
#include "redis/client.h"

namespace hotline::fsck {

// One broken invariant: which (a stable name, listed in tools/fsck/README.md
// with its repair), the order (or "-" for a finding about no single order),
// and what exactly was seen.
struct Finding {
  std::string invariant;
  std::string order_id;
  std::string detail;
};

struct Options {
  int batch = 200;  // orders (or members) a pipelined step
  // Marks and records newer than this are the services' work in flight, not
  // a finding (a live system's SLA monitor and scoring consumer lag a little).
  absl::Duration grace = absl::Minutes(10);
  // A pending event idle longer than this is stuck (no replica reclaims it).
  absl::Duration stuck_pending = absl::Minutes(30);
  // The consumer groups the events stream must have.
  std::vector<std::string> groups = {"dispatch", "sla", "scoring"};
  std::string data_dir = "data";  // policies, calendar seed, units (as the services read)
  // libpq connection string of the archive tier (libs/archive); empty: the
  // tier check is skipped.
  std::string postgres;
  bool verbose = false;
  // Delay before an inconsistency is looked at again (Confirm).
  absl::Duration recheck_after = absl::Milliseconds(300);
  std::function<void(const std::string&)> progress;  // one line; default: stderr
};

class Context {
 public:
  Context(redis::Client& redis, const Options& options, const Clock& clock,
          const directory::Directory& directory)
      : redis_(redis), options_(options), clock_(clock), directory_(directory) {}

  redis::Client& redis() { return redis_; }
  const orders::OrderKeys& keys() const { return keys_; }
  const Options& options() const { return options_; }
  const Clock& clock() const { return clock_; }
  const directory::Directory& directory() const { return directory_; }

  void Report(Finding f);
  const std::vector<Finding>& findings() const { return findings_; }
  // A tally shown by a clean (or any) run: "orders 1200", "trail entries 9000".
  void Count(const std::string& what, int64_t n) { counts_[what] += n; }
  const std::map<std::string, int64_t>& counts() const { return counts_; }
  void Progress(const std::string& line);

  // Runs `check` on `suspects` again after options().recheck_after and
  // reports only the findings it still gives.
  void Confirm(const std::vector<Finding>& suspects,
               const std::function<std::vector<Finding>(const std::string& order_id)>& check);

  // One order's record fields and its membership in `probes`, read in one
  // step (a read-only Lua script), so that no transition falls between the
  // reads: for confirming a suspect. `members[i]` is the sorted set score
  // (or "1" for a set member), nullopt when not a member.
  struct Probe {
    std::string key;
    bool sorted = true;
  };
  struct AtomicRead {
    std::map<std::string, std::string> fields;  // "" for a field not set
    std::vector<std::optional<std::string>> members;
  };
  absl::StatusOr<AtomicRead> ReadAtomically(const std::string& order_id,
                                            const std::vector<std::string>& fields,
                                            const std::vector<Probe>& probes);

  // Pipelined: all submitted, then all awaited; replies in order. An error
  // reply is a reply (the caller decides), a dead connection an error.
  std::vector<absl::StatusOr<redis::Reply>> ExecuteAll(std::vector<redis::Command> commands);
  absl::StatusOr<redis::Reply> Execute(redis::Command command);

  // Every key matching `pattern` (SCAN, `type` filter when not empty), in
  // pages handed to `visit`.
  absl::Status ScanKeys(const std::string& pattern, const std::string& type,
                        const std::function<absl::Status(const std::vector<std::string>&)>& visit);
  // Every member (and score, "" for sets) of a sorted set or set, paged by ZSCAN/SSCAN.
  absl::Status ScanMembers(
      const std::string& key, bool sorted,
      const std::function<absl::Status(const std::vector<std::pair<std::string, std::string>>&)>&
          visit);

 private:
  redis::Client& redis_;
  const Options& options_;
  const Clock& clock_;
  const directory::Directory& directory_;
  orders::OrderKeys keys_;
  std::vector<Finding> findings_;
  std::map<std::string, int64_t> counts_;
};

class Check {
 public:
  virtual ~Check() = default;
  virtual std::string name() const = 0;
  // Reports findings through `ctx`; an error return means the check could
  // not run to the end (Redis down), not that it found something.
  virtual absl::Status Run(Context& ctx) = 0;
};

// The checks, in the order they run: orders (indexes, queues, phone index,
// duplicates, stray index members), trails, sla, scoring, events, tiers
// (Redis and the PostgreSQL archive: tier_check.cc), audit (legacy per-order
// access-log streams left: audit_check.cc).
std::vector<std::unique_ptr<Check>> DefaultChecks();
std::vector<std::string> CheckNames();

std::unique_ptr<Check> MakeOrderIndexCheck();
std::unique_ptr<Check> MakeTrailCheck();
std::unique_ptr<Check> MakeSlaCheck();
std::unique_ptr<Check> MakeScoringCheck();
std::unique_ptr<Check> MakeEventsCheck();
std::unique_ptr<Check> MakeTierCheck();
std::unique_ptr<Check> MakeLegacyAuditCheck();

// Helpers shared by the checks.
// An HGETALL reply as a map.
std::map<std::string, std::string> FieldsOf(const redis::Reply& reply);
// The order an events-stream entry names (its [field, value, ...] as XRANGE
// answers them), read through the codec (orders::DecodeOrderEvent); "" when
// the entry does not decode or names none.
std::string EventOrderId(const redis::Reply& fields);
absl::Status StatusOf(const absl::StatusOr<redis::Reply>& reply);

}  // namespace hotline::fsck
