#pragma once
// Scoring's closed months leave Redis for PostgreSQL. A city month is closed
// `after` (hotline-admin archive run --scoring_month_after, default 60 days) past its
// end, and moves only when no order with facts in it can change it any more:
// each such order still in Redis is ARCHIVED (归档) with its facts at its
// version (an order already in the archive tier cannot change). What moves:
// the month's day and rollup aggregates (scoring:unitday / cityday keys of
// its days and of YYYYMM), its address sets (scoring:citymonth:*:YYYYMM),
// and the members of every unit's order list dated in it; then the facts of
// the orders settled in moved months (below). What stays: the load,
// month_rules, scoring:months.
//
// Per month, oldest first:
//   1. fence: scoring:months[M] = "moving" (put_facts.lua then refuses any
//      change to M, so the copy is of a month that no longer changes);
//   2. read every key of M (pipelined);
//   3. one transaction: the month's rows deleted and written again, with
//      its scoring_months row;
//   4. read back and compared with what was read (DATA_LOSS, nothing
//      deleted, if they differ);
//   5. one script: checks M is still "moving", deletes the keys and the
//      order-list members, sets scoring:months[M] = "moved".
// Killed anywhere and run again: before 5 the month is still whole in
// Redis and the copy is replaced whole (nothing doubled); after 5 it is
// "moved" and skipped (nothing lost). Readers (archived_fact_store.h) read
// a month from PostgreSQL once it is "moved".
//
// A month holds while an order with facts in it may change: one on a unit's
// order list dated in it, or created in it (idx:all; its city-day facts),
// that is in Redis and neither archived nor merged at its facts' version.
//
// Then the facts (scoring:facts:{ID}) of every order whose facts count only
// in moved months (its creation's and each fact's month) and that is final
// (archived or merged at the facts' version, or in the archive tier) with
// facts that say closed (so nothing of them in scoring:load), 500
// orders a step: copied to scoring_facts in one transaction (replacing any
// earlier copy of them), read back, deleted by one script (facts_delete.lua,
// only at the version copied). Killed anywhere and run again: the facts are
// in Redis, in PostgreSQL, or both until the rerun deletes them from Redis.
// put_facts.lua refuses any write for such an order (all its months moved),
// so its facts never come back to Redis. The step scans every facts key, so
// it runs only after a month was fenced (scoring:facts_pending, set before
// the fence and deleted when the step is done): an order settles only when
// a month it counts in moves.
//
// Errors: UNAVAILABLE (Redis or PostgreSQL down: run again),
// FAILED_PRECONDITION (schema not migrated), DATA_LOSS (a copy that does not
// read back equal).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "archive/pg.h"
#include "redis/client.h"
#include "scoring/scoring_keys.h"

namespace hotline::scoring {

struct MonthMoveOptions {
  absl::Time now;                   // the city clock's now
  absl::Duration after = absl::Hours(24 * 60);
  absl::TimeZone zone;              // the city's
  int max_months = 0;               // 0: every closed month
  // Called between steps 4 and 5 (tests stop a run there).
  std::function<absl::Status(const std::string& month)> before_delete;
};
struct MonthMoveResult {
  std::vector<std::string> moved;                       // YYYYMM
  std::vector<std::pair<std::string, std::string>> held;  // month, why it may still change
  int64_t keys = 0;                                     // Redis keys deleted
  int64_t rows = 0;                                     // PostgreSQL rows written
  int64_t facts = 0;                                    // orders whose facts moved
};
absl::StatusOr<MonthMoveResult> MoveClosedMonths(redis::Client& redis, archive::PgConnection& pg,
                                                 const ScoringKeys& keys,
                                                 const MonthMoveOptions& options);

// The state of each month scoring:months names ("moving" or "moved").
absl::StatusOr<std::map<std::string, std::string>> MonthStates(redis::Client& redis,
                                                               const ScoringKeys& keys);

}  // namespace hotline::scoring
