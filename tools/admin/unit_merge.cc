#include "admin/unit_merge.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "admin/refdata.h"
#include "audit/audit_log.h"
#include "clock/proto_time.h"
#include "hotline/v1/audit.pb.h"
#include "hotline/v1/dispatch.pb.h"
#include "orders/merge_action.h"
#include "orders/order_keys.h"
#include "orders/order_codec.h"
#include "orders/order_record.h"
#include "orders/script_args.h"
#include "refdata/kinds.h"

namespace hotline::admin {
namespace scripts {
extern const std::string_view kMergeUnit;
}  // namespace scripts

namespace {

constexpr int kMaxPasses = 10;
constexpr int kMaxAttempts = 5;
constexpr size_t kMovers = 16;  // orders moved at once
// Open states: an order in one of these is still being worked on.
constexpr int kOpenStates[] = {v1::ORDER_STATE_CREATED,        v1::ORDER_STATE_DISPATCHED,
                               v1::ORDER_STATE_SIGNED,         v1::ORDER_STATE_RETURN_REQUESTED,
                               v1::ORDER_STATE_HAND_DOWN_REQUESTED, v1::ORDER_STATE_REPLIED,
                               v1::ORDER_STATE_CALLBACK_PENDING, v1::ORDER_STATE_SENT_BACK};

const redis::Script& MergeScript() {
  static const redis::Script script(orders::WithOrderCodec(scripts::kMergeUnit));
  return script;
}

struct UnitsInForce {
  v1::UnitDirectory units;
  int64_t version = 0;
};

absl::StatusOr<UnitsInForce> ReadUnits(refdata::RefStore& store, const std::string& data_dir) {
  absl::StatusOr<std::optional<refdata::RefRecord>> current = store.Current(refdata::kUnits);
  if (!current.ok()) return current.status();
  UnitsInForce out;
  std::string content, origin;
  if (current->has_value()) {
    content = (*current)->content;
    out.version = (*current)->version;
    origin = absl::StrCat("units v", out.version);
  } else {
    origin = absl::StrCat(data_dir, "/units.textproto");
    absl::StatusOr<std::string> seed = refdata::ReadCanonicalFile(refdata::kUnits, origin);
    if (!seed.ok()) return seed.status();
    content = *seed;
  }
  if (absl::Status s = refdata::ParseStored(content, origin, &out.units); !s.ok()) return s;
  return out;
}

// Orders that may name OLD: those OLD holds, those pending a hand-down to
// it (held by its parent) and those it handed down (held by units under it
// in `units`, the directory this run started from; with `new_children`,
// also by NEW's: a district or department merge's re-run, whose streets or
// sub-units an earlier run moved under NEW), each in an open state. Read
// from the work queues, so closed orders are not even listed. With
// `districts`, also every open order located in OLD, whoever holds it
// (idx:district:OLD and the open states' idx:state, intersected in Redis:
// OLD's closed history is not read).
absl::StatusOr<std::vector<std::string>> Candidates(redis::Client& redis, const orders::OrderKeys& keys,
                                                    const v1::UnitDirectory& units,
                                                    const MergeRequest& request, bool new_children,
                                                    bool districts) {
  const std::string& old_code = request.old_code;
  std::vector<std::string> queues;
  for (int state : kOpenStates) queues.push_back(keys.Queue(old_code, state));
  for (const v1::Unit& u : units.units()) {
    if (u.code() == old_code && !u.parent_code().empty()) {
      queues.push_back(keys.Queue(u.parent_code(), v1::ORDER_STATE_HAND_DOWN_REQUESTED));
    }
    if (u.parent_code() == old_code || (new_children && u.parent_code() == request.new_code)) {
      for (int state : kOpenStates) queues.push_back(keys.Queue(u.code(), state));
    }
  }
  std::vector<redis::Command> reads;
  for (const std::string& queue : queues) reads.push_back({"ZRANGE", queue, "0", "-1"});
  if (districts) {
    for (int state : kOpenStates) {
      reads.push_back({"ZINTER", "2", keys.IndexDistrict(old_code), keys.IndexState(state)});
    }
  }
  std::set<std::string> ids;
  for (redis::Command& read : reads) {
    absl::StatusOr<redis::Reply> r = redis.Execute(std::move(read));
    if (!r.ok()) return r.status();
    if (r->is_error()) return absl::InternalError(absl::StrCat("reading the open orders: ", r->str));
    for (const redis::Reply& e : r->elements) ids.insert(e.str);
  }
  return std::vector<std::string>(ids.begin(), ids.end());
}

struct ReadPlace {
  bool found = false;
  int64_t version = 0;
  OrderPlace place;
};

// The order's place as the order codec reads it (no history entries).
absl::StatusOr<ReadPlace> ReadOrderPlace(redis::Client& redis, const orders::OrderKeys& keys,
                                         const std::string& id) {
  absl::StatusOr<orders::StoredOrder> stored =
      orders::ReadOrder(redis, keys, id, orders::HistoryWindow{.offset = 0, .limit = 0});
  ReadPlace out;
  if (absl::IsNotFound(stored.status())) return out;
  if (!stored.ok()) return stored.status();
  const v1::WorkOrder& o = stored->order;
  out.found = true;
  out.version = o.version();
  out.place.state = o.state();
  out.place.unit = o.assigned_unit_code();
  out.place.pending_unit = o.pending_unit_code();
  out.place.handed_down_by = o.handed_down_by();
  out.place.district = o.location().district_code();
  return out;
}

std::string UnitLabel(const v1::UnitDirectory& units, const std::string& code) {
  for (const v1::Unit& u : units.units()) {
    if (u.code() == code) return absl::StrCat(code, " (", u.name(), ")");
  }
  return code;
}

// Moves one order if it still names OLD; nullopt when it does not (any more).
absl::StatusOr<std::optional<MergedOrder>> MoveOrder(redis::Client& redis, const orders::OrderKeys& keys,
                                                     const MergeRequest& request,
                                                     const v1::UnitDirectory& units,
                                                     int64_t units_version, const std::string& id) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    absl::StatusOr<ReadPlace> read = ReadOrderPlace(redis, keys, id);
    if (!read.ok()) return read.status();
    if (!read->found) return std::nullopt;  // archived away meanwhile
    std::optional<OrderMove> move = PlanOrderMove(read->place, request.old_code);
    if (!move) return std::nullopt;
    MergedOrder out{id, read->place.state, *move, read->version};
    if (request.dry_run) return out;

    const absl::Time now = absl::Now();
    v1::HistoryEntry entry;
    entry.set_seq(read->version + 1);
    *entry.mutable_at() = ToTimestamp(now);
    entry.mutable_actor()->set_user_id(request.user);
    entry.mutable_actor()->set_role(v1::ROLE_ADMIN);
    entry.set_action(orders::kMergeUnitAction);
    entry.set_from_state(static_cast<v1::OrderState>(read->place.state));
    entry.set_to_state(static_cast<v1::OrderState>(read->place.state));
    entry.set_unit_code(move->unit ? request.new_code : read->place.unit);
    entry.set_note(absl::StrCat("unit ", UnitLabel(units, request.old_code), " merged into ",
                                UnitLabel(units, request.new_code), ", units v", units_version,
                                move->district ? absl::StrCat("; located in ", request.new_code, " from now on")
                                               : ""));
    entry.mutable_reference_versions()->set_units(units_version);
    absl::StatusOr<redis::Reply> r = redis.ExecuteScript(
        MergeScript(), {},
        {orders::ScriptArgs()
             .Set("prefix", keys.prefix())
             .Set("order_id", id)
             .Set("expected_version", absl::StrCat(read->version))
             .Set("expected_state", absl::StrCat(read->place.state))
             .Set("old_unit", request.old_code)
             .Set("new_unit", request.new_code)
             .Set("now_ms", absl::StrCat(absl::ToUnixMillis(now)))
             .Set("move_unit", move->unit ? "1" : "0")
             .Set("move_pending_unit", move->pending_unit ? "1" : "0")
             .Set("move_handed_down_by", move->handed_down_by ? "1" : "0")
             .Set("move_district", move->district ? "1" : "0")
             .Set("history", orders::HistoryEntryToJson(entry))
             .Set("event", orders::kMergeUnitEvent)
             .Set("events", keys.Events())
             .Encode()});
    if (!r.ok()) return r.status();
    if (r->is_error()) {
      if (absl::StartsWith(r->str, "VERSION_CONFLICT")) continue;  // it moved: plan it again
      if (absl::StartsWith(r->str, "NOT_FOUND")) return std::nullopt;
      return absl::InternalError(absl::StrCat("merge_unit.lua on ", id, ": ", r->str));
    }
    out.version = read->version + 1;
    return out;
  }
  return absl::AbortedError(absl::StrCat("order ", id, " kept changing; run the merge again"));
}

absl::Status AuditMerge(redis::Client& redis, const MergeRequest& request, const MergeResult& result) {
  v1::AuditEntry entry;
  *entry.mutable_at() = ToTimestamp(absl::Now());
  entry.mutable_actor()->set_user_id(request.user);
  entry.mutable_actor()->set_role(v1::ROLE_ADMIN);
  entry.set_action(v1::AUDIT_ACTION_UNITS_MERGE);
  entry.set_reason(absl::StrCat("unit ", request.old_code, " merged into ", request.new_code,
                                result.reparented.empty()
                                    ? ""
                                    : absl::StrCat(" with its ", result.reparented.size(), " units (",
                                                   absl::StrJoin(result.reparented, " "), ")"),
                                ", units v", result.units_version,
                                result.units_written ? " (written by this run)" : " (in force already)",
                                ", ", result.moved.size(), " open orders moved"));
  audit::AuditLog log(redis);
  std::promise<absl::StatusOr<std::string>> done;
  log.Append(entry, [&done](absl::StatusOr<std::string> id) { done.set_value(std::move(id)); });
  return done.get_future().get().status();
}

// The catalogue in force (or its seed) with OLD's rules pointed at NEW,
// written as the next version (dry run: counted only).
absl::Status Repoint(redis::Client& redis, refdata::RefStore& store, const MergeRequest& request,
                     MergeResult* result) {
  absl::StatusOr<std::optional<refdata::RefRecord>> current = store.Current(refdata::kCatalogue);
  if (!current.ok()) return current.status();
  std::string content, origin;
  if (current->has_value()) {
    content = (*current)->content;
    origin = absl::StrCat("catalogue v", (*current)->version);
  } else {
    origin = absl::StrCat(request.data_dir, "/dispatch_catalogue.textproto");
    absl::StatusOr<std::string> seed = refdata::ReadCanonicalFile(refdata::kCatalogue, origin);
    if (!seed.ok()) return seed.status();
    content = *seed;
  }
  v1::DispatchCatalogue catalogue;
  if (absl::Status s = refdata::ParseStored(content, origin, &catalogue); !s.ok()) return s;
  result->catalogue_rules = RepointCatalogue(&catalogue, request.old_code, request.new_code);
  if (result->catalogue_rules == 0 || request.dry_run) return absl::OkStatus();
  absl::StatusOr<RefLoadResult> load = LoadReferenceContent(
      store, refdata::kCatalogue, refdata::CanonicalText(catalogue),
      absl::StrCat(origin, " with ", request.old_code, " repointed to ", request.new_code),
      absl::StrCat("merge ", request.old_code, " into ", request.new_code), request.user, absl::Now(),
      request.data_dir);
  if (!load.ok()) return load.status();
  if (load->changed) {
    result->catalogue_version = load->record.version;
    if (absl::Status s = AuditReferenceLoad(redis, load->record); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MergeResult> MergeUnits(redis::Client& redis, refdata::RefStore& store,
                                       const MergeRequest& request) {
  if (request.user.empty()) return absl::InvalidArgumentError("user: who merges is required");
  absl::StatusOr<UnitsInForce> in_force = ReadUnits(store, request.data_dir);
  if (!in_force.ok()) return in_force.status();
  absl::StatusOr<UnitsMergePlan> plan = PlanUnitsMerge(in_force->units, request.old_code, request.new_code);
  if (!plan.ok()) return plan.status();

  MergeResult result;
  result.units_version = in_force->version;
  result.reparented = plan->reparented;
  v1::UnitKind in_force_kind = v1::UNIT_KIND_UNSPECIFIED;
  for (const v1::Unit& u : in_force->units.units()) {
    if (u.code() == request.old_code) in_force_kind = u.kind();
  }
  if (request.repoint_catalogue && !plan->already_retired) {
    if (absl::Status s = Repoint(redis, store, request, &result); !s.ok()) return s;
  }
  if (!plan->already_retired && !request.dry_run) {
    absl::StatusOr<RefLoadResult> load = LoadReferenceContent(
        store, refdata::kUnits, refdata::CanonicalText(plan->next),
        absl::StrCat("units with ", request.old_code, " merged into ", request.new_code),
        absl::StrCat("merge ", request.old_code, " into ", request.new_code), request.user, absl::Now(),
        request.data_dir);
    if (!load.ok()) {
      // A catalogue rule still naming OLD refuses the retirement.
      if (!request.repoint_catalogue &&
          absl::StrContains(load.status().message(),
                            absl::StrCat("unit_code: unit \"", request.old_code, "\" is retired"))) {
        return absl::Status(load.status().code(),
                            absl::StrCat(load.status().message(), "; --repoint_catalogue points its rules at ",
                                         request.new_code, " in the same merge"));
      }
      return load.status();
    }
    result.units_version = load->record.version;
    result.units_written = load->changed;
    if (load->changed) {
      if (absl::Status s = AuditReferenceLoad(redis, load->record); !s.ok()) return s;
    }
    // Every replica takes the version within its poll: wait that out so no
    // order lands on OLD after the last pass.
    absl::SleepFor(request.settle);
  }

  const orders::OrderKeys keys(store.keys().prefix());
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    const bool districts = in_force_kind == v1::UNIT_KIND_DISTRICT;
    absl::StatusOr<std::vector<std::string>> ids = Candidates(
        redis, keys, in_force->units, request, CarriesUnits(in_force_kind) && plan->already_retired, districts);
    if (!ids.ok()) return ids.status();
    size_t moved_before = result.moved.size();
    // Orders move independently (each its own checked script), so several
    // are in flight at once: one at a time waits a round trip per call.
    std::vector<absl::StatusOr<std::optional<MergedOrder>>> moved(ids->size(), std::nullopt);
    std::atomic<size_t> next{0};
    std::vector<std::thread> workers;
    for (size_t w = 0; w < std::min<size_t>(kMovers, ids->size()); ++w) {
      workers.emplace_back([&] {
        for (size_t i = next++; i < ids->size(); i = next++)
          moved[i] = MoveOrder(redis, keys, request, plan->next, result.units_version, (*ids)[i]);
      });
    }
    for (std::thread& t : workers) t.join();
    for (absl::StatusOr<std::optional<MergedOrder>>& m : moved) {
      if (!m.ok()) return m.status();
      if (m->has_value()) result.moved.push_back(std::move(**m));
    }
    if (request.dry_run || result.moved.size() == moved_before) break;
  }
  // Every completed run is recorded, a re-run included: who ran it and what it found.
  if (!request.dry_run) {
    if (absl::Status s = AuditMerge(redis, request, result); !s.ok()) return s;
  }
  return result;
}

}  // namespace hotline::admin
