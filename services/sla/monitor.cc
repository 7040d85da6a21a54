#include "sla/monitor.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "authz/unit_scope.h"
#include "clock/city.h"
#include "log/log.h"
#include "orders/order_helpers.h"
#include "orders/order_record.h"
#include "text/utf8.h"

namespace hotline::sla {
namespace {

constexpr int kAttempts = 5;
// An extension's reason and a refusal's note: as long as an action's note.
constexpr size_t kMaxExtensionText = 1000;
// Something of an order's timeline could not be computed (a year the
// calendar lacks): look again this much later; a calendar change re-queues it
// at once (CalendarChanged).
constexpr absl::Duration kRetryMissingCalendar = absl::Hours(1);
constexpr absl::Duration kRetryFailedSettle = absl::Minutes(1);

google::protobuf::Timestamp Stamp(absl::Time t) { return orders::FromMillis(absl::ToUnixMillis(t)); }
absl::Time TimeOf(const google::protobuf::Timestamp& t) { return absl::FromUnixMillis(orders::ToMillis(t)); }

std::string CounterFor(MarkKind kind) {
  switch (kind) {
    case MarkKind::kUrge: return "urges";
    case MarkKind::kSupervise: return "supervises";
    case MarkKind::kNotice: return "notices";
    default: return "";
  }
}

v1::Deadline DeadlineProto(const ClockView& c) {
  v1::Deadline d;
  d.set_armed(c.armed && c.known);
  d.set_running(c.running);
  d.set_met(c.met);
  d.set_breached(c.breached);
  d.set_wall_clock(c.measure == Measure::kWall);
  d.set_provisional(c.armed && c.known && c.provisional);
  if (c.armed && c.known) {
    *d.mutable_due() = Stamp(c.due);
    *d.mutable_original_due() = Stamp(c.original_due);
    d.set_left_seconds(absl::ToInt64Seconds(c.left));
  }
  return d;
}

v1::SlaMark MarkProto(const Mark& m) {
  v1::SlaMark out;
  out.set_id(m.id);
  out.set_clock(m.clock);
  out.set_kind(KindName(m.kind));
  *out.mutable_at() = Stamp(m.at);
  out.set_note(m.note);
  out.set_provisional(m.provisional);
  return out;
}

// Another replica already acted on a newer calendar; this one gets it within
// its next poll. Writing now would file deadlines on the old one (and the
// orders re-queued for the new one would be settled on the old).
absl::Status CalendarCurrent(const calendar::WorkingCalendar& cal, const LoadedOrder& loaded) {
  if (cal.version() >= loaded.calendar_acted_on) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("calendar version ", loaded.calendar_acted_on,
                                             " is in force; this replica still has ", cal.version()));
}

}  // namespace

bool ChangesNothing(const Settlement& s) {
  auto ms = [](const std::optional<absl::Time>& t) { return t ? absl::StrCat(absl::ToUnixMillis(*t)) : ""; };
  const SlaFields& p = s.previous;
  const Summary& n = s.summary;
  return s.steps.empty() && p.next_due_ms == ms(s.next_due) && p.sign_due_ms == ms(n.sign_due) &&
         p.close_due_ms == ms(n.close_due) && p.close_original_ms == ms(n.close_original) &&
         p.status == n.status && p.level == n.level && p.unit == n.unit &&
         p.district == (n.status.empty() ? "" : n.district) && p.provisional == n.provisional &&
         p.no_deadline == n.no_deadline;
}

v1::Actor SlaActor() {
  v1::Actor actor;
  actor.set_user_id(kSlaActor);
  actor.set_role(v1::ROLE_SUPERVISOR);
  actor.set_unit_code(CityCentreCode());
  return actor;
}

v1::OrderSla ToProto(const v1::WorkOrder& order, const Timeline& tl) {
  v1::OrderSla out;
  out.set_order_id(order.id());
  out.set_policy(tl.policy);
  out.set_status(tl.status);
  out.set_level(tl.level);
  out.set_state(order.state());
  out.set_assigned_unit_code(order.assigned_unit_code());
  *out.mutable_sign_off() = DeadlineProto(tl.sign_off);
  *out.mutable_closing() = DeadlineProto(tl.closing);
  for (const Mark& m : tl.fired) *out.add_fired() = MarkProto(m);
  for (const Mark& m : tl.upcoming) *out.add_upcoming() = MarkProto(m);
  // Whole seconds per holder, and the elapsed time as their sum, so that the
  // shares add up exactly as shown.
  int64_t elapsed = 0;
  for (const HolderTime& h : tl.holders) {
    v1::HolderShare* share = out.add_holders();
    share->set_kind(h.kind);
    share->set_unit_code(h.code);
    share->set_seconds(absl::ToInt64Seconds(h.time));
    elapsed += share->seconds();
  }
  out.set_elapsed_seconds(elapsed);
  out.set_late_unit_code(tl.late_holder);
  if (tl.extension) {
    v1::PendingExtension* e = out.mutable_pending_extension();
    *e->mutable_requested_at() = Stamp(tl.extension->requested_at);
    *e->mutable_wanted_due() = Stamp(tl.extension->wanted_due);
    e->set_reason(tl.extension->reason);
    e->set_unit_code(tl.extension->unit_code);
  }
  return out;
}

namespace {
std::optional<absl::Time> FromMs(const std::string& ms) {
  int64_t v = 0;
  if (ms.empty() || !absl::SimpleAtoi(ms, &v)) return std::nullopt;
  return absl::FromUnixMillis(v);
}
}  // namespace

Summary SummaryOf(const v1::WorkOrder& order, const Timeline& tl, const SlaFields& previous) {
  Summary s;
  const bool open = !IsFinished(order.state());
  if (tl.sign_off.armed) s.sign_due = tl.sign_off.known ? tl.sign_off.due : FromMs(previous.sign_due_ms);
  if (tl.closing.armed && tl.closing.known) {
    s.close_due = tl.closing.due;
    s.close_original = tl.closing.original_due;
  } else if (tl.closing.armed && open) {
    // Not computable now: what was filed stands, and the order is counted
    // among those without a deadline only if nothing was ever filed.
    s.close_due = FromMs(previous.close_due_ms);
    s.close_original = FromMs(previous.close_original_ms);
    s.no_deadline = !s.close_due.has_value();
    s.status = previous.status;
    s.level = previous.level;
    // Counted where the order is located now (a district merge moves it).
    s.district = previous.status.empty() ? "" : order.location().district_code();
    s.unit = previous.unit;
    s.provisional = tl.provisional;
    return s;
  }
  if (tl.status != "done" && tl.status != "none") {
    s.status = tl.status;
    s.level = tl.level;
    s.district = order.location().district_code();
  }
  if (tl.closing.running && !order.assigned_unit_code().empty()) s.unit = order.assigned_unit_code();
  s.provisional = tl.provisional;
  return s;
}

struct Monitor::Loaded {
  LoadedOrder loaded;
  Timeline timeline;
  const v1::SlaPolicy* policy;
  std::string policy_version;
  int64_t policies_ref_version;
  std::shared_ptr<const Policies> policies;  // keeps `policy` alive
};

Monitor::Monitor(DeadlineStore& store, refdata::SourceRef<Policies> policies,
                 const calendar::CalendarSource& calendar, const Clock& clock,
                 refdata::SourceRef<directory::Directory> directory)
    : store_(store),
      policies_(std::move(policies)),
      calendar_(calendar),
      clock_(clock),
      directory_(std::move(directory)) {}

absl::StatusOr<Monitor::PolicyChoice> Monitor::PolicyFor(const v1::WorkOrder& o) {
  const std::optional<RecordedPolicy> recorded = PolicyOf(o);
  const std::shared_ptr<const Policies> in_force = policies_.Current();
  if (recorded && recorded->version != in_force->version()) {
    absl::MutexLock lock(&old_policies_mu_);
    auto it = old_policies_.find(recorded->version);
    if (it == old_policies_.end()) {
      absl::StatusOr<std::string> bytes = store_.LoadPolicies(recorded->version);
      if (absl::IsUnavailable(bytes.status())) return bytes.status();
      std::unique_ptr<Policies> old;
      v1::SlaPolicies proto;
      if (bytes.ok() && proto.ParseFromString(*bytes)) {
        absl::StatusOr<Policies> parsed = Policies::FromProto(proto, "policies version " + recorded->version);
        if (parsed.ok()) old = std::make_unique<Policies>(std::move(*parsed));
      }
      if (old == nullptr) {
        log::Error("an order's SLA policy version is unknown; using the policies in force",
                   {{"order_id", o.id()}, {"policy_version", recorded->version}});
      }
      it = old_policies_.emplace(recorded->version, std::move(old)).first;
    }
    if (it->second != nullptr) {
      if (const v1::SlaPolicy* p = it->second->Find(recorded->name))
        return PolicyChoice{p, recorded->version, recorded->ref_version, nullptr};
    }
  }
  const v1::SlaPolicy* policy = in_force->Match(o.type(), o.urgent(), o.category_code());
  if (policy == nullptr) return absl::InternalError("no SLA policy matches order " + o.id());
  return PolicyChoice{policy, in_force->version(), in_force->ref_version(), in_force};
}

v1::HistoryEntry Monitor::RecordEntry(const Loaded& l, const calendar::WorkingCalendar& cal,
                                      absl::Time now) const {
  const v1::WorkOrder& order = l.loaded.order;
  v1::HistoryEntry e;
  *e.mutable_at() = Stamp(now);
  *e.mutable_actor() = SlaActor();
  e.set_action("sla_deadline");
  e.set_from_state(order.state());
  e.set_to_state(order.state());
  e.set_unit_code(order.assigned_unit_code());
  v1::SlaRecord* r = e.mutable_sla_record();
  r->set_policy(l.timeline.policy);
  r->set_policy_version(l.policy_version);
  r->set_policies_ref_version(l.policies_ref_version);
  r->set_calendar_version(cal.version());
  std::string note = "期限";
  bool recomputed = false;
  for (const v1::FixedDeadline& d : l.timeline.to_record) {
    *r->add_deadlines() = d;
    recomputed = recomputed || d.has_previous_due();
    absl::StrAppend(&note, " ", d.key(), " ",
                    absl::FormatTime("%Y-%m-%d %H:%M", TimeOf(d.due()), CityTimeZone()),
                    d.provisional() ? " (暂定)" : "");
    if (d.has_previous_due()) {
      absl::StrAppend(&note, " was ", absl::FormatTime("%Y-%m-%d %H:%M", TimeOf(d.previous_due()), CityTimeZone()));
    }
  }
  if (recomputed) {
    r->set_reason(absl::StrCat("recomputed on the official schedule now in force (calendar version ",
                               cal.version(), "); it had leaned on a provisional year"));
    absl::StrAppend(&note, ": ", r->reason());
  }
  e.set_note(note);
  return e;
}

absl::StatusOr<Monitor::Timed> Monitor::TimelineOf(const v1::WorkOrder& order, absl::Time now,
                                                   const calendar::WorkingCalendar& calendar,
                                                   const v1::Actor* reader) {
  // Before anything that depends on the order (even a timeline that cannot
  // be built): another unit's order answers as a missing one.
  if (reader != nullptr && !authz::MayAccessOrder(*reader, order, *directory_.Current())) {
    return authz::OrderNotFound(order.id());
  }
  absl::StatusOr<PolicyChoice> policy = PolicyFor(order);
  if (!policy.ok()) return policy.status();
  Timeline tl = BuildTimeline(order, *policy->policy, calendar, now);
  return Timed{std::move(tl), *std::move(policy)};
}

absl::StatusOr<Monitor::Loaded> Monitor::LoadTimeline(const std::string& order_id, absl::Time now,
                                                      const calendar::WorkingCalendar& calendar,
                                                      const v1::Actor* reader) {
  absl::StatusOr<LoadedOrder> loaded = store_.Load(order_id);
  if (!loaded.ok()) return loaded.status();
  absl::StatusOr<Timed> t = TimelineOf(loaded->order, now, calendar, reader);
  if (!t.ok()) return t.status();
  return Loaded{std::move(*loaded), std::move(t->timeline), t->policy.policy, t->policy.version,
                t->policy.ref_version, std::move(t->policy.in_force)};
}

absl::StatusOr<int> Monitor::Settle(const std::string& order_id) {
  {
    // Orders record the policies' version: that version must be readable
    // later, after a load has replaced it.
    const std::shared_ptr<const Policies> in_force = policies_.Current();
    absl::MutexLock lock(&published_mu_);
    if (published_ != in_force->version()) {
      if (absl::Status p = store_.PublishPolicies(in_force->version(), in_force->Serialize()); !p.ok())
        return p;
      published_ = in_force->version();
    }
  }
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const absl::Time now = clock_.Now();
    const std::shared_ptr<const calendar::WorkingCalendar> cal = calendar_.Current();
    absl::StatusOr<Loaded> l = LoadTimeline(order_id, now, *cal);
    if (!l.ok()) return l.status();
    if (absl::Status c = CalendarCurrent(*cal, l->loaded); !c.ok()) return c;
    v1::WorkOrder& order = l->loaded.order;
    const std::vector<Mark> due = l->timeline.DueAt(now);

    Settlement s;
    s.order_id = order_id;
    s.expected_version = order.version();
    s.expected_rev = l->loaded.sla.rev;
    s.previous = l->loaded.sla;
    s.now = now;
    int64_t seq = order.version();
    if (!l->timeline.to_record.empty()) {
      // Deadlines armed (or recomputed) since the last write: fixed now.
      Settlement::Step step;
      step.entry = RecordEntry(*l, *cal, now);
      step.entry.set_seq(++seq);
      step.event = "order.sla_deadline";
      *order.add_history() = step.entry;
      s.steps.push_back(std::move(step));
    }
    for (const Mark& m : due) {
      Settlement::Step step;
      v1::HistoryEntry& e = step.entry;
      e.set_seq(++seq);
      *e.mutable_at() = Stamp(now);
      *e.mutable_actor() = SlaActor();
      e.set_action("sla_" + KindName(m.kind));
      e.set_from_state(order.state());
      e.set_to_state(order.state());
      e.set_unit_code(order.assigned_unit_code());
      e.set_note(m.note);
      e.set_sla_mark(m.id);
      step.event = "order.sla_" + KindName(m.kind);
      step.counter = CounterFor(m.kind);
      step.mark = m.id;
      step.due = m.at;
      *order.add_history() = e;  // so the summary below sees it fired
      s.steps.push_back(std::move(step));
    }
    // The timeline as it stands after these entries.
    const Timeline after =
        s.steps.empty() ? l->timeline : BuildTimeline(order, *l->policy, *cal, now);
    if (!after.upcoming.empty()) s.next_due = after.upcoming.front().at;
    if (!after.problems.empty()) {
      // A year the calendar lacks: the rest stands; this is looked at again.
      log::Error("cannot compute part of an order's deadlines",
                 {{"order_id", order_id}, {"error", after.problems.front()}});
      const absl::Time retry = now + kRetryMissingCalendar;
      if (!s.next_due || retry < *s.next_due) s.next_due = retry;
    }
    s.summary = SummaryOf(order, after, l->loaded.sla);
    if (ChangesNothing(s)) return 0;  // a repeated event, or another replica was first
    absl::Status written = store_.Settle(s);
    if (absl::IsAborted(written)) continue;  // moved on meanwhile: decide again
    if (!written.ok()) return written;
    if (on_filed_ && s.next_due) on_filed_(*s.next_due - now);
    if (on_fire_) {
      for (const Mark& m : due) on_fire_(m, now - m.at);
    }
    return static_cast<int>(due.size());
  }
  return absl::AbortedError(absl::StrCat("order ", order_id, " kept changing; will settle it later"));
}

absl::Status Monitor::RetryWithoutDeadline() {
  return store_.RequeueForCalendar(0, clock_.Now()).status();
}

absl::Status Monitor::CalendarChanged(int64_t version) {
  absl::StatusOr<int64_t> queued = store_.RequeueForCalendar(version, clock_.Now());
  if (!queued.ok()) return queued.status();
  if (*queued >= 0) {
    log::Info("calendar changed; recomputing provisional deadlines",
              {{"calendar_version", absl::StrCat(version)}, {"orders", absl::StrCat(*queued)}});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<absl::Duration>> Monitor::UntilNextDue() {
  absl::StatusOr<std::optional<absl::Time>> next = store_.NextDue();
  if (!next.ok()) return next.status();
  if (!next->has_value()) return std::optional<absl::Duration>();
  return std::optional<absl::Duration>(**next - clock_.Now());
}

absl::StatusOr<int> Monitor::DuePass(int limit) {
  absl::StatusOr<std::vector<std::string>> ids = store_.Due(clock_.Now(), limit);
  if (!ids.ok()) return ids.status();
  int fired = 0;
  absl::Status first_error;
  for (const std::string& id : *ids) {
    absl::StatusOr<int> n = Settle(id);
    if (n.ok()) {
      fired += *n;
    } else if (absl::IsUnavailable(n.status())) {
      return n.status();  // Redis is gone: the next pass starts over
    } else if (absl::IsNotFound(n.status())) {
      (void)store_.Reschedule(id, std::nullopt);  // the order is gone: nothing to fire
    } else {
      // Not now (kept changing, a record that cannot be read): a minute
      // later, so that it does not stand at the head of every pass.
      log::Warning("settling failed; will retry", {{"order_id", id}, {"error", n.status().ToString()}});
      (void)store_.Reschedule(id, clock_.Now() + kRetryFailedSettle);
    }
  }
  return fired;
}

absl::StatusOr<v1::OrderSla> Monitor::Get(const std::string& order_id) {
  if (!orders::LooksLikeOrderId(order_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("order_id: \"", order_id, "\" is not an order number like ", orders::OrderIdExample()));
  }
  return View(order_id, nullptr);
}

absl::StatusOr<v1::OrderSla> Monitor::Get(const std::optional<v1::Actor>& actor,
                                          const std::string& order_id) {
  if (!actor) return absl::UnauthenticatedError("no caller identity: call through the gateway");
  if (!orders::LooksLikeOrderId(order_id)) return Get(order_id);  // the same INVALID_ARGUMENT
  return View(order_id, &*actor);
}

absl::StatusOr<v1::OrderSla> Monitor::View(const std::string& order_id, const v1::Actor* reader) {
  const absl::Time now = clock_.Now();
  const std::shared_ptr<const calendar::WorkingCalendar> cal = calendar_.Current();
  v1::OrderSla sla;
  absl::StatusOr<Loaded> l = LoadTimeline(order_id, now, *cal, reader);
  if (l.ok()) {
    sla = ToProto(l->loaded.order, l->timeline);
    sla.set_storage_tier(v1::STORAGE_TIER_LIVE);
    return sla;
  }
  if (!absl::IsNotFound(l.status())) return l.status();
  // Not in Redis (or not the reader's): the archive tier, read only.
  if (!archive_) return authz::OrderNotFound(order_id);
  absl::StatusOr<v1::WorkOrder> order = archive_(order_id);
  if (!order.ok()) return order.status();
  // An archived order is closed: its timeline is final, whatever `now`.
  absl::StatusOr<Timed> t = TimelineOf(*order, now, *cal, reader);
  if (!t.ok()) return t.status();
  sla = ToProto(*order, t->timeline);
  sla.set_storage_tier(v1::STORAGE_TIER_ARCHIVE);
  return sla;
}

absl::StatusOr<v1::ListUnitDeadlinesResponse> Monitor::ListUnit(const std::optional<v1::Actor>& actor,
                                                                const v1::ListUnitDeadlinesRequest& r) {
  if (!actor) return absl::UnauthenticatedError("no caller identity: call through the gateway");
  if (r.unit_code().empty()) return absl::InvalidArgumentError("unit_code: is required");
  // A handler lists its own unit and the units under it.
  absl::StatusOr<std::string> unit = authz::ListingUnit(*actor, r.unit_code(), "unit_code", *directory_.Current());
  if (!unit.ok()) return unit.status();
  if (r.within_hours() < 0) return absl::InvalidArgumentError("within_hours: must not be negative");
  absl::StatusOr<int> page_size = orders::PageSize(r.page_size());
  if (!page_size.ok()) return page_size.status();
  int64_t offset = 0;
  if (!r.page_token().empty() && (!absl::SimpleAtoi(r.page_token(), &offset) || offset < 0)) {
    return absl::InvalidArgumentError("page_token: not a token this list gave out");
  }
  const absl::Time now = clock_.Now();
  UnitListQuery q;
  q.unit_code = *unit;
  q.page_size = *page_size + 1;  // one more tells whether there is a next page
  q.offset = offset;
  if (r.overdue()) {
    q.due_until = now;
  } else {
    q.due_from = now;
    q.due_until = now + absl::Hours(r.within_hours() == 0 ? 24 : r.within_hours());
  }
  absl::StatusOr<std::vector<std::string>> ids = store_.ListUnit(q);
  if (!ids.ok()) return ids.status();
  const std::shared_ptr<const calendar::WorkingCalendar> cal = calendar_.Current();
  v1::ListUnitDeadlinesResponse out;
  for (size_t i = 0; i < ids->size() && static_cast<int>(i) < *page_size; ++i) {
    // The unit index may lag behind a move (the monitor re-files it after):
    // an order no longer within the caller's units is skipped, as a gone one.
    absl::StatusOr<Loaded> l = LoadTimeline((*ids)[i], now, *cal, &*actor);
    if (absl::IsNotFound(l.status())) continue;
    if (!l.ok()) return l.status();
    v1::OrderSla sla = ToProto(l->loaded.order, l->timeline);
    sla.clear_fired();
    sla.clear_upcoming();
    sla.clear_holders();
    *out.add_orders() = std::move(sla);
  }
  if (static_cast<int>(ids->size()) > *page_size) out.set_next_page_token(absl::StrCat(offset + *page_size));
  return out;
}

absl::StatusOr<v1::OrderSla> Monitor::AppendStep(const std::string& order_id, const v1::Actor& actor,
                                                 const v1::Actor* reader, absl::Time now, const Decide& decide) {
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const std::shared_ptr<const calendar::WorkingCalendar> cal = calendar_.Current();
    absl::StatusOr<Loaded> l = LoadTimeline(order_id, now, *cal, reader);
    if (!l.ok()) return l.status();
    if (absl::Status c = CalendarCurrent(*cal, l->loaded); !c.ok()) return c;
    v1::WorkOrder& order = l->loaded.order;
    absl::StatusOr<Step> decided = decide(order, l->timeline);
    if (!decided.ok()) return decided.status();
    v1::HistoryEntry& entry = decided->entry;
    entry.set_seq(order.version() + 1);
    *entry.mutable_at() = Stamp(now);
    *entry.mutable_actor() = actor;
    entry.set_from_state(order.state());
    entry.set_to_state(order.state());
    entry.set_unit_code(order.assigned_unit_code());
    Settlement s;
    s.order_id = order_id;
    s.expected_version = order.version();
    s.expected_rev = l->loaded.sla.rev;
    s.previous = l->loaded.sla;
    s.now = now;
    *order.add_history() = entry;
    s.steps.push_back(Settlement::Step{.entry = entry, .event = std::move(decided->event)});
    if (!l->timeline.to_record.empty()) {
      // Deadlines armed before and not yet fixed: fixed with this step.
      Settlement::Step record;
      record.entry = RecordEntry(*l, *cal, now);
      record.entry.set_seq(entry.seq() + 1);
      record.event = "order.sla_deadline";
      *order.add_history() = record.entry;
      s.steps.push_back(std::move(record));
    }
    const Timeline after = BuildTimeline(order, *l->policy, *cal, now);
    if (!after.upcoming.empty()) s.next_due = after.upcoming.front().at;
    if (!after.problems.empty()) {
      const absl::Time retry = now + kRetryMissingCalendar;
      if (!s.next_due || retry < *s.next_due) s.next_due = retry;
    }
    s.summary = SummaryOf(order, after, l->loaded.sla);
    absl::Status w = store_.Settle(s);
    if (absl::IsAborted(w)) continue;
    if (!w.ok()) return w;
    if (on_filed_ && s.next_due) on_filed_(*s.next_due - now);
    return ToProto(order, after);
  }
  return absl::AbortedError(absl::StrCat("order ", order_id, " kept changing meanwhile; try again"));
}

absl::StatusOr<v1::OrderSla> Monitor::RequestExtension(const std::optional<v1::Actor>& actor,
                                                       const v1::RequestExtensionRequest& r) {
  if (!actor) return absl::UnauthenticatedError("no caller identity: call through the gateway");
  if (!orders::LooksLikeOrderId(r.order_id())) {
    return absl::InvalidArgumentError(
        absl::StrCat("order_id: \"", r.order_id(), "\" is not an order number like ", orders::OrderIdExample()));
  }
  if (absl::StripAsciiWhitespace(r.reason()).empty()) {
    return absl::InvalidArgumentError("reason: the reason for the extension is required");
  }
  if (auto e = text::TextProblem(r.reason(), kMaxExtensionText, true)) {
    return absl::InvalidArgumentError(absl::StrCat("reason: ", *e));
  }
  if (!r.has_new_due()) return absl::InvalidArgumentError("new_due: the date asked for is required");
  const absl::Time now = clock_.Now();
  return AppendStep(
      r.order_id(), *actor, &*actor, now,
      [&](const v1::WorkOrder& order, const Timeline& tl) -> absl::StatusOr<Step> {
        // Who may ask at all (unit handlers) is the gateway's table; which
        // order is the data: the one its unit holds.
        if (actor->unit_code().empty() || actor->unit_code() != order.assigned_unit_code()) {
          return absl::PermissionDeniedError("only a handler of the unit that holds the order may ask for an extension");
        }
        if (!tl.closing.armed || !tl.closing.running) {
          return absl::FailedPreconditionError("the order has no running closing deadline to extend");
        }
        if (now >= tl.closing.due) {
          return absl::FailedPreconditionError(
              absl::StrCat("the closing deadline passed at ",
                           absl::FormatTime("%Y-%m-%d %H:%M", tl.closing.due, CityTimeZone()),
                           "; an extension must be asked for before it"));
        }
        if (tl.extension) return absl::FailedPreconditionError("an extension request is already waiting for the centre");
        if (TimeOf(r.new_due()) <= tl.closing.due) {
          return absl::InvalidArgumentError("new_due: must be later than the current closing deadline");
        }
        Step step{.event = "order.extension_requested"};
        step.entry.set_action("request_extension");
        step.entry.set_note(r.reason());
        *step.entry.mutable_extension_due() = r.new_due();
        return step;
      });
}

absl::StatusOr<v1::OrderSla> Monitor::DecideExtension(const std::optional<v1::Actor>& actor,
                                                      const v1::DecideExtensionRequest& r) {
  if (!actor) return absl::UnauthenticatedError("no caller identity: call through the gateway");
  if (!orders::LooksLikeOrderId(r.order_id())) {
    return absl::InvalidArgumentError(
        absl::StrCat("order_id: \"", r.order_id(), "\" is not an order number like ", orders::OrderIdExample()));
  }
  // Who decides (the centre) is the gateway's table (route_table.cc).
  if (!r.approve() && absl::StripAsciiWhitespace(r.note()).empty()) {
    return absl::InvalidArgumentError("note: the reason for the refusal is required");
  }
  if (auto e = text::TextProblem(r.note(), kMaxExtensionText, false)) {
    return absl::InvalidArgumentError(absl::StrCat("note: ", *e));
  }
  const absl::Time now = clock_.Now();
  return AppendStep(
      r.order_id(), *actor, nullptr, now,
      [&](const v1::WorkOrder&, const Timeline& tl) -> absl::StatusOr<Step> {
        if (!tl.extension) return absl::FailedPreconditionError("no extension request is waiting");
        Step step{.event = r.approve() ? "order.extension_approved" : "order.extension_refused"};
        step.entry.set_action(r.approve() ? "approve_extension" : "refuse_extension");
        step.entry.set_note(r.note());
        if (r.approve()) {
          const absl::Time granted = r.has_new_due() ? TimeOf(r.new_due()) : tl.extension->wanted_due;
          if (granted <= now) return absl::InvalidArgumentError("new_due: must be in the future");
          if (tl.closing.armed && granted <= tl.closing.due) {
            return absl::InvalidArgumentError("new_due: must be later than the current closing deadline");
          }
          *step.entry.mutable_extension_due() = Stamp(granted);
        }
        return step;
      });
}

absl::StatusOr<v1::QueryCalendarResponse> Monitor::QueryCalendar(const v1::QueryCalendarRequest& r) {
  if (r.add_working_days() < 0 || r.add_working_days() > 3650) {
    return absl::InvalidArgumentError("add_working_days: must be 0..3650");
  }
  const absl::Time from = r.has_from() ? TimeOf(r.from()) : clock_.Now();
  const absl::CivilDay day = absl::ToCivilDay(from, CityTimeZone());
  const std::shared_ptr<const calendar::WorkingCalendar> cal = calendar_.Current();
  absl::StatusOr<bool> working = cal->IsWorkingDay(day);
  if (!working.ok()) return working.status();
  absl::StatusOr<absl::Time> result = cal->AddWorkingDays(from, r.add_working_days());
  if (!result.ok()) return result.status();
  v1::QueryCalendarResponse out;
  out.set_working_day(*working);
  *out.mutable_result() = Stamp(*result);
  out.set_holiday(cal->HolidayName(day));
  out.set_make_up_day(cal->IsMakeUpDay(day));
  out.set_provisional(cal->TouchesProvisional(from, *result));
  for (int y : cal->official_years()) out.add_official_years(y);
  for (int y : cal->provisional_years()) out.add_provisional_years(y);
  out.set_calendar_version(cal->version());
  return out;
}

}  // namespace hotline::sla
