#include "sla/timeline.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "clock/clock.h"
#include "orders/merge_action.h"
#include "orders/order_record.h"

namespace hotline::sla {
namespace {

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMillis(orders::ToMillis(t));
}
google::protobuf::Timestamp Stamp(absl::Time t) { return orders::FromMillis(absl::ToUnixMillis(t)); }

// States in which the closing clock counts: the order is with the centre or
// a unit and nobody has replied yet.
bool ClosingRuns(v1::OrderState s) {
  switch (s) {
    case v1::ORDER_STATE_CREATED:
    case v1::ORDER_STATE_DISPATCHED:
    case v1::ORDER_STATE_SIGNED:
    case v1::ORDER_STATE_RETURN_REQUESTED:
    case v1::ORDER_STATE_HAND_DOWN_REQUESTED:
    case v1::ORDER_STATE_SENT_BACK:
      return true;
    default:
      return false;
  }
}

// Who has to act while the order is in a state: the unit while it works on
// it, the centre while it decides (dispatch, return, hand-down, review).
HolderTime HolderFor(v1::OrderState s, const std::string& unit, bool extension_pending) {
  if (extension_pending) return {"extension", unit, absl::ZeroDuration()};
  switch (s) {
    case v1::ORDER_STATE_DISPATCHED:
    case v1::ORDER_STATE_SIGNED:
    case v1::ORDER_STATE_SENT_BACK:
      if (!unit.empty()) return {"unit", unit, absl::ZeroDuration()};
      break;
    default:
      break;
  }
  return {"centre", CityCentreCode(), absl::ZeroDuration()};
}

}  // namespace

std::string KindName(MarkKind kind) {
  switch (kind) {
    case MarkKind::kWarning: return "warning";
    case MarkKind::kBreach: return "breach";
    case MarkKind::kUrge: return "urge";
    case MarkKind::kSupervise: return "supervise";
    case MarkKind::kNotice: return "notice";
  }
  return "unknown";
}

bool IsFinished(v1::OrderState s) {
  return s == v1::ORDER_STATE_CLOSED || s == v1::ORDER_STATE_ARCHIVED || s == v1::ORDER_STATE_MERGED;
}

std::vector<Mark> Timeline::DueAt(absl::Time now) const {
  std::vector<Mark> out;
  for (const Mark& m : upcoming) {
    if (m.at <= now) out.push_back(m);
  }
  return out;
}

std::optional<absl::Time> Timeline::NextAfter(absl::Time now) const {
  for (const Mark& m : upcoming) {
    if (m.at > now) return m.at;
  }
  return std::nullopt;
}

std::optional<RecordedPolicy> PolicyOf(const v1::WorkOrder& order) {
  for (const v1::HistoryEntry& e : order.history()) {
    if (e.has_sla_record() && !e.sla_record().policy_version().empty()) {
      return RecordedPolicy{e.sla_record().policy_version(), e.sla_record().policy(),
                            e.sla_record().policies_ref_version()};
    }
  }
  return std::nullopt;
}

Timeline BuildTimeline(const v1::WorkOrder& order, const v1::SlaPolicy& policy,
                       const calendar::WorkingCalendar& cal, absl::Time now) {
  Timeline tl;
  tl.policy = policy.name();
  const bool has_closing = policy.has_closing();
  const Budget closing_budget = has_closing ? BudgetOf(policy.closing()) : Budget{};
  const bool has_sign_off = policy.has_sign_off();
  const Budget sign_budget = has_sign_off ? BudgetOf(policy.sign_off()) : Budget{};
  const Measure holder_measure = has_closing ? closing_budget.measure : Measure::kWorking;
  tl.closing.measure = closing_budget.measure;
  tl.sign_off.measure = sign_budget.measure;

  auto problem = [&](const std::string& what, const absl::Status& s) {
    tl.problems.push_back(absl::StrCat(what, ": ", s.message()));
  };

  // The deadlines fixed so far (the latest record of each key wins).
  absl::flat_hash_map<std::string, v1::FixedDeadline> recorded;
  for (const v1::HistoryEntry& e : order.history()) {
    for (const v1::FixedDeadline& d : e.sla_record().deadlines()) recorded[d.key()] = d;
  }
  struct Fixed {
    absl::Time due;
    bool provisional = false;
  };
  // The deadline `key`, `span` after `from`: as recorded, else computed now
  // (and listed for recording). A recorded provisional one is recomputed, once,
  // when every year under it has its official schedule.
  auto fix = [&](const std::string& key, absl::Time from, Measure m, absl::Duration span) -> std::optional<Fixed> {
    auto it = recorded.find(key);
    if (it != recorded.end()) {
      const v1::FixedDeadline& r = it->second;
      const absl::Time due = TimeOf(r.due());
      if (!r.provisional() || !cal.AllOfficial(TimeOf(r.from()), due)) return Fixed{due, r.provisional()};
      const Measure rm = r.wall_clock() ? Measure::kWall : Measure::kWorking;
      absl::StatusOr<absl::Time> fresh = Advance(cal, rm, TimeOf(r.from()), absl::Seconds(r.span_seconds()));
      if (!fresh.ok()) {
        problem(key, fresh.status());
        return Fixed{due, true};
      }
      v1::FixedDeadline n = r;
      *n.mutable_previous_due() = r.due();
      *n.mutable_due() = Stamp(*fresh);
      n.set_provisional(cal.TouchesProvisional(TimeOf(r.from()), *fresh));
      tl.to_record.push_back(n);
      return Fixed{*fresh, n.provisional()};
    }
    absl::StatusOr<absl::Time> due = Advance(cal, m, from, span);
    if (!due.ok()) {
      problem(key, due.status());
      return std::nullopt;
    }
    v1::FixedDeadline n;
    n.set_key(key);
    *n.mutable_from() = Stamp(from);
    n.set_span_seconds(absl::ToInt64Seconds(span));
    n.set_wall_clock(m == Measure::kWall);
    *n.mutable_due() = Stamp(*due);
    n.set_provisional(m == Measure::kWorking && cal.TouchesProvisional(from, *due));
    tl.to_record.push_back(n);
    recorded[key] = n;
    return Fixed{*due, n.provisional()};
  };
  // Sets `clock` to a fixed deadline (or marks it unknown).
  auto arm = [](ClockView& clock, const std::optional<Fixed>& f) {
    clock.known = f.has_value();
    if (f) {
      clock.due = f->due;
      clock.provisional = f->provisional;
    }
  };

  ClockView& close = tl.closing;
  ClockView& sign = tl.sign_off;
  absl::Duration close_left, original_left;  // kept while the closing clock is stopped
  bool left_known = true;
  int sign_arms = 0;
  int close_arms = 0;
  bool finished = false;
  absl::Time finished_at;

  struct Interval {
    absl::Time from, to;
    HolderTime holder;
  };
  std::vector<Interval> intervals;
  absl::flat_hash_set<std::string> fired_ids;

  v1::OrderState state = v1::ORDER_STATE_UNSPECIFIED;
  std::string unit;
  absl::Time last;
  for (int i = 0; i < order.history_size(); ++i) {
    const v1::HistoryEntry& e = order.history(i);
    const absl::Time t = TimeOf(e.at());
    if (i > 0 && !finished) {
      intervals.push_back({last, t, HolderFor(state, unit, tl.extension.has_value())});
    }
    last = t;
    const v1::OrderState prev = state;
    const std::string prev_unit = unit;
    state = e.to_state() == v1::ORDER_STATE_UNSPECIFIED ? prev : e.to_state();
    unit = e.unit_code();

    if (!e.sla_mark().empty()) {
      // A mark the monitor wrote: remember it as fired (for what it was about).
      Mark m;
      m.id = e.sla_mark();
      m.clock = m.id.substr(0, m.id.find('.'));
      m.at = t;
      m.note = e.note();
      for (MarkKind k : {MarkKind::kWarning, MarkKind::kBreach, MarkKind::kUrge, MarkKind::kSupervise,
                         MarkKind::kNotice}) {
        if (m.id.find("." + KindName(k)) != std::string::npos) m.kind = k;
      }
      fired_ids.insert(m.id);
      tl.fired.push_back(std::move(m));
    }

    // Extensions move the closing deadline to the date granted; the
    // original stays.
    if (e.action() == "request_extension") {
      tl.extension = PendingExtension{t, TimeOf(e.extension_due()), e.note(), prev_unit};
    } else if (e.action() == "refuse_extension") {
      tl.extension.reset();
    } else if (e.action() == "approve_extension" && close.armed) {
      tl.extension.reset();
      const absl::Time granted = TimeOf(e.extension_due());
      if (close.running) {
        close.due = granted;
        close.known = true;
        close.provisional = false;  // a date, not a computation
      } else {
        absl::StatusOr<absl::Duration> left = Between(cal, close.measure, t, granted);
        left_known = left.ok();
        if (left.ok()) close_left = *left;
        else problem("closing extension", left.status());
      }
      ++close.generation;
      close.generation_since = t;
    }

    if (IsFinished(state) && !finished) {
      finished = true;
      finished_at = t;
    }
    // The closing clock.
    if (i == 0) {
      if (has_closing && ClosingRuns(state)) {
        close.armed = close.running = true;
        close.generation_since = t;
        arm(close, fix("closing.0", t, close.measure, closing_budget.amount));
        close.original_due = close.due;
      }
    } else if (close.armed && close.running && !ClosingRuns(state)) {
      close.running = false;
      left_known = close.known;
      if (close.known) {
        absl::StatusOr<absl::Duration> left = Between(cal, close.measure, t, close.due);
        absl::StatusOr<absl::Duration> orig = Between(cal, close.measure, t, close.original_due);
        if (!left.ok()) problem("closing (time left)", left.status());
        if (!orig.ok()) problem("closing (original time left)", orig.status());
        left_known = left.ok() && orig.ok();
        if (left_known) {
          close_left = *left;
          original_left = *orig;
        }
      }
    } else if (close.armed && !close.running && !finished && ClosingRuns(state)) {
      // Re-armed from what was left; an order already late stays late.
      ++close_arms;
      close.running = true;
      if (!left_known) {
        close.known = false;
      } else {
        const std::string key = absl::StrCat("closing.", close_arms);
        if (close_left > absl::ZeroDuration()) arm(close, fix(key, t, close.measure, close_left));
        if (original_left > absl::ZeroDuration()) {
          std::optional<Fixed> o = fix(key + ".original", t, close.measure, original_left);
          if (o) close.original_due = o->due;
        }
      }
    }

    // The sign-off clock: one per dispatch to a unit.
    // A unit merge (kMergeUnitAction) hands the order to the successor with
    // its clocks as they were: it is not a dispatch.
    const bool dispatched_now = state == v1::ORDER_STATE_DISPATCHED && e.action() != orders::kMergeUnitAction &&
                                (prev != v1::ORDER_STATE_DISPATCHED || unit != prev_unit);
    if (has_sign_off && dispatched_now) {
      sign.armed = sign.running = true;
      sign.met = false;
      sign.breached = false;
      sign.generation = sign_arms++;
      sign.generation_since = t;
      arm(sign, fix(absl::StrCat("sign_off.", sign.generation), t, sign.measure, sign_budget.amount));
      sign.original_due = sign.due;
    } else if (sign.running && state != v1::ORDER_STATE_DISPATCHED) {
      sign.running = false;
      if (state == v1::ORDER_STATE_SIGNED) {
        sign.met = sign.known && t <= sign.due;
        sign.breached = sign.known && !sign.met;
      } else {
        sign.armed = false;  // given away unsigned: no longer this unit's duty
      }
    }
  }

  const absl::Time end = finished ? finished_at : std::max(now, last);
  if (!finished && order.history_size() > 0) {
    intervals.push_back({last, end, HolderFor(state, unit, tl.extension.has_value())});
  }
  // Working time per holder; they add up to the elapsed time.
  for (const Interval& in : intervals) {
    absl::StatusOr<absl::Duration> d = Between(cal, holder_measure, in.from, in.to);
    if (!d.ok()) {
      problem("time per holder", d.status());
      continue;
    }
    auto it = std::find_if(tl.holders.begin(), tl.holders.end(), [&](const HolderTime& h) {
      return h.kind == in.holder.kind && h.code == in.holder.code;
    });
    if (it == tl.holders.end()) {
      tl.holders.push_back(in.holder);
      it = tl.holders.end() - 1;
    }
    it->time += *d;
    tl.elapsed += *d;
  }

  // Where the clocks stand now.
  if (close.armed && close.known) {
    if (close.running) {
      absl::StatusOr<absl::Duration> left = Between(cal, close.measure, now, close.due);
      if (left.ok()) close.left = *left;
      else problem("closing (time left now)", left.status());
      close.breached = now >= close.due;
    } else {
      close.left = close_left;
      close.breached = left_known && close_left < absl::ZeroDuration();
    }
    if (close.breached || (finished && !close.met)) {
      for (const Interval& in : intervals) {
        // Who held it up to the moment it ran out.
        if (in.from < close.due && close.due <= in.to) tl.late_holder = in.holder.code;
      }
    }
  }
  if (finished && close.armed) close.met = left_known && close_left >= absl::ZeroDuration();
  if (sign.running && sign.known) {
    absl::StatusOr<absl::Duration> left = Between(cal, sign.measure, now, sign.due);
    if (left.ok()) sign.left = *left;
    else problem("sign_off (time left now)", left.status());
    sign.breached = now >= sign.due;
  }
  tl.provisional = !finished && ((close.armed && close.known && close.provisional) ||
                                 (sign.running && sign.known && sign.provisional));

  // Marks still to fire, of the clocks that run.
  auto add = [&](const std::string& clock, int generation, MarkKind kind, const std::string& name,
                 absl::Time at, std::string note) {
    std::string id = absl::StrCat(clock, ".", generation, ".", KindName(kind));
    if (!name.empty()) absl::StrAppend(&id, ".", name);
    if (fired_ids.contains(id)) return;
    const ClockView& c = clock == "closing" ? close : sign;
    const bool provisional = c.provisional || (kind != MarkKind::kBreach && cal.TouchesProvisional(c.due, at));
    tl.upcoming.push_back({id, clock, kind, at, std::move(note), provisional});
  };
  const std::string close_gen = absl::StrCat("closing.", close.generation, ".");
  const bool close_breach_fired = fired_ids.contains(close_gen + "breach");
  if (close.armed && close.running && close.known) {
    if (!close_breach_fired) {
      // The span the percentages are of: the limit, and after an extension
      // the limit plus what the extension added.
      absl::Duration span = closing_budget.amount;
      if (close.generation > 0) {
        absl::StatusOr<absl::Duration> added = Between(cal, close.measure, close.original_due, close.due);
        if (added.ok()) span += std::max(*added, absl::ZeroDuration());
        else problem("closing (extended span)", added.status());
      }
      for (int w = 0; w < policy.warnings_size(); ++w) {
        const v1::Warning& warning = policy.warnings(w);
        const std::string name = WarningName(warning);
        // Marks written before warnings had names carry their position.
        if (fired_ids.contains(absl::StrCat(close_gen, "warning.", w))) continue;
        absl::Duration before = warning.has_before() ? BudgetOf(warning.before()).amount
                                                     : span * (100 - warning.percent_used()) / 100;
        absl::StatusOr<absl::Time> at = Retreat(cal, close.measure, close.due, before);
        if (!at.ok()) {
          problem(absl::StrCat(close_gen, "warning.", name), at.status());
          continue;
        }
        // Already past when an extension began: skipped, not fired late.
        if (close.generation > 0 && *at <= close.generation_since) continue;
        std::string note = warning.has_before()
                               ? absl::StrCat("预警: closing deadline in ", absl::FormatDuration(before))
                               : absl::StrCat("预警: ", warning.percent_used(), "% of the time limit used");
        add("closing", close.generation, MarkKind::kWarning, name, *at, note);
      }
    }
    const std::string due_text = absl::FormatTime("%Y-%m-%d %H:%M", close.due, CityTimeZone());
    add("closing", close.generation, MarkKind::kBreach, "", close.due,
        absl::StrCat("超时: closing deadline ", due_text, " passed"));
    add("closing", close.generation, MarkKind::kUrge, "", close.due, "催办: urged after the breach");
    if (policy.has_escalation()) {
      const Budget s = BudgetOf(policy.escalation().supervise_after());
      const Budget n = BudgetOf(policy.escalation().notice_after());
      absl::StatusOr<absl::Time> s_at = Advance(cal, s.measure, close.due, s.amount);
      absl::StatusOr<absl::Time> n_at = Advance(cal, n.measure, close.due, n.amount);
      if (s_at.ok()) {
        add("closing", close.generation, MarkKind::kSupervise, "", *s_at, "督办: supervision after the breach");
      } else {
        problem(close_gen + "supervise", s_at.status());
      }
      if (n_at.ok()) {
        add("closing", close.generation, MarkKind::kNotice, "", *n_at, "通报: public notice of the overdue order");
      } else {
        problem(close_gen + "notice", n_at.status());
      }
    }
  }
  if (sign.running && sign.known) {
    add("sign_off", sign.generation, MarkKind::kBreach, "", sign.due,
        absl::StrCat("超时: not signed by ", absl::FormatTime("%Y-%m-%d %H:%M", sign.due, CityTimeZone())));
  }
  std::stable_sort(tl.upcoming.begin(), tl.upcoming.end(),
                   [](const Mark& a, const Mark& b) { return a.at < b.at; });

  // The order's standing, for lists and metrics.
  tl.level = "none";
  bool warned = false;
  for (const Mark& m : tl.fired) {
    if (m.id.rfind(close_gen, 0) != 0) continue;
    if (m.kind == MarkKind::kWarning) warned = true;
    if (m.kind == MarkKind::kUrge && tl.level == "none") tl.level = "urge";
    if (m.kind == MarkKind::kSupervise && tl.level != "notice") tl.level = "supervise";
    if (m.kind == MarkKind::kNotice) tl.level = "notice";
  }
  if (finished) {
    tl.status = "done";
  } else if (!close.armed || !close.known) {
    tl.status = "none";
  } else if (!close.running) {
    tl.status = "stopped";
  } else if (tl.level == "supervise" || tl.level == "notice") {
    tl.status = "escalated";
  } else if (close.breached) {
    tl.status = "breached";
  } else if (warned) {
    tl.status = "warned";
  } else {
    tl.status = "on_time";
  }
  return tl;
}

}  // namespace hotline::sla
