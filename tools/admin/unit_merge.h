#pragma once
// `hotline-admin units merge OLD NEW`: two units become one, in one
// operation that is safe to run again after a crash.
//
//   1. Plan (unit_merge_plan.h) against the units version in force.
//   2. Unless an earlier run did it: write the next units version with OLD
//      retired, merged_into NEW (validated against every other kind like any
//      load: a catalogue in force that still names OLD refuses it), and
//      record that load in the access log. With repoint_catalogue, first
//      write the next catalogue version with every rule naming OLD naming
//      NEW (RepointCatalogue; validated and access-logged like a
//      `catalogue load`), so the refusal does not apply; a crash between
//      the two leaves a valid catalogue routing to NEW, and a re-run goes on. Services take it within their
//      --refdata_poll, so OLD gets no new orders (dispatch refuses it,
//      automatic dispatch routes to NEW instead).
//   3. Wait `settle` (longer than the services' poll) so that no replica
//      still routes to OLD, then move every open order naming OLD, one
//      atomic script each, 16 in flight (scripts/merge_unit.lua): held by OLD -> NEW's
//      queue in the same state with the same queue position; a hand-down
//      pending to OLD -> pending to NEW; handed down by OLD -> by NEW. Each
//      moved order gets a chained history entry (action "merge_unit",
//      orders/merge_action.h, naming both units and the units version) and
//      an event, so sla moves its per-unit deadline list and scoring
//      re-derives facts. Deadlines are not touched: the SLA timeline takes a
//      merge step as a change of holder, not a dispatch.
//   4. Scan again until a pass finds nothing (an order a lagging replica put
//      on OLD meanwhile), then record the merge in the access log
//      (AUDIT_ACTION_UNITS_MERGE).
//
// Two districts (or departments): the units version of step 2 also moves
// OLD's streets (sub-units) under NEW (unit_merge_plan.h); they keep their
// orders and queues, and step 3 also finds the orders OLD handed down to them
// (a re-run: in NEW's), and for districts every open order located in OLD,
// whoever holds it: its location's district becomes NEW (record and
// idx:district in the same script; sla's per-district sets and scoring's
// load follow the event). Scoring keeps their past facts in OLD: each fact
// records the units above it as first stored (scoring/aggregates.h
// RecordUnitsAbove).
//
// Closed, archived and duplicate orders stay OLD's (and located in OLD), as
// written: their trail and the facts scoring derives from it keep naming
// OLD, so OLD's past months score as they did. A re-run finds OLD retired
// into NEW and only moves what is left (nothing, after a complete run).
//
// Errors: as PlanUnitsMerge and LoadReferenceContent; UNAVAILABLE and the
// like from Redis (then run it again). Blocking; for the admin tool.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "admin/unit_merge_plan.h"
#include "redis/client.h"
#include "refdata/ref_store.h"

namespace hotline::admin {

struct MergeRequest {
  std::string old_code;
  std::string new_code;
  std::string user;
  std::string data_dir = "data";  // seeds standing for kinds not in Redis yet
  bool dry_run = false;           // plan and list; write nothing
  // Rewrite catalogue rules naming OLD to name NEW (a new catalogue
  // version) instead of refusing the merge while a rule names OLD.
  bool repoint_catalogue = false;
  absl::Duration settle = absl::Seconds(1);
};

struct MergedOrder {
  std::string id;
  int state = 0;
  OrderMove move;
  int64_t version = 0;  // after the move (dry run: before)
};

struct MergeResult {
  int64_t units_version = 0;  // the version retiring OLD (dry run: the one in force)
  bool units_written = false;  // this run wrote it
  // repoint_catalogue: the rules naming OLD (that would be) repointed, and
  // the catalogue version this run wrote (0: none).
  int catalogue_rules = 0;
  int64_t catalogue_version = 0;
  std::vector<MergedOrder> moved;  // dry run: what would move
  // Two districts: OLD's streets, moved under NEW by the units version
  // (dry run: that would move; a re-run: none, moved already).
  std::vector<std::string> reparented;
};

absl::StatusOr<MergeResult> MergeUnits(redis::Client& redis, refdata::RefStore& store,
                                       const MergeRequest& request);

}  // namespace hotline::admin
