#include "sla/timeline.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "clock/clock.h"
#include "orders/order_record.h"

namespace hotline::sla {
namespace {

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMillis(orders::ToMillis(t));
}

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
  return {"centre", kCentreCode, absl::ZeroDuration()};
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

absl::StatusOr<Timeline> BuildTimeline(const v1::WorkOrder& order, const v1::SlaPolicy& policy,
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

  ClockView& close = tl.closing;
  ClockView& sign = tl.sign_off;
  absl::Duration close_left, original_left;  // kept while the closing clock is stopped
  int sign_arms = 0;
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

    // Extensions move the closing deadline; the original stays.
    if (e.action() == "request_extension") {
      tl.extension = PendingExtension{t, TimeOf(e.extension_due()), e.note(), prev_unit};
    } else if (e.action() == "refuse_extension") {
      tl.extension.reset();
    } else if (e.action() == "approve_extension" && close.armed) {
      tl.extension.reset();
      const absl::Time granted = TimeOf(e.extension_due());
      if (close.running) {
        close.due = granted;
      } else {
        absl::StatusOr<absl::Duration> left = Between(cal, close.measure, t, granted);
        if (!left.ok()) return left.status();
        close_left = *left;
      }
      ++close.generation;
    }

    if (IsFinished(state) && !finished) {
      finished = true;
      finished_at = t;
    }
    // The closing clock.
    if (i == 0) {
      if (has_closing && ClosingRuns(state)) {
        absl::StatusOr<absl::Time> due = Advance(cal, close.measure, t, closing_budget.amount);
        if (!due.ok()) return due.status();
        close.armed = close.running = true;
        close.due = close.original_due = *due;
      }
    } else if (close.armed && close.running && !ClosingRuns(state)) {
      absl::StatusOr<absl::Duration> left = Between(cal, close.measure, t, close.due);
      absl::StatusOr<absl::Duration> orig = Between(cal, close.measure, t, close.original_due);
      if (!left.ok()) return left.status();
      if (!orig.ok()) return orig.status();
      close_left = *left;
      original_left = *orig;
      close.running = false;
    } else if (close.armed && !close.running && !finished && ClosingRuns(state)) {
      // Re-armed from what was left; an order already late stays late.
      if (close_left > absl::ZeroDuration()) {
        absl::StatusOr<absl::Time> due = Advance(cal, close.measure, t, close_left);
        if (!due.ok()) return due.status();
        close.due = *due;
      }
      if (original_left > absl::ZeroDuration()) {
        absl::StatusOr<absl::Time> due = Advance(cal, close.measure, t, original_left);
        if (!due.ok()) return due.status();
        close.original_due = *due;
      }
      close.running = true;
    }

    // The sign-off clock: one per dispatch to a unit.
    const bool dispatched_now = state == v1::ORDER_STATE_DISPATCHED &&
                                (prev != v1::ORDER_STATE_DISPATCHED || unit != prev_unit);
    if (has_sign_off && dispatched_now) {
      absl::StatusOr<absl::Time> due = Advance(cal, sign.measure, t, sign_budget.amount);
      if (!due.ok()) return due.status();
      sign.armed = sign.running = true;
      sign.met = false;
      sign.due = sign.original_due = *due;
      sign.generation = sign_arms++;
    } else if (sign.running && state != v1::ORDER_STATE_DISPATCHED) {
      sign.running = false;
      if (state == v1::ORDER_STATE_SIGNED) {
        sign.met = t <= sign.due;
        sign.breached = !sign.met;
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
    if (!d.ok()) return d.status();
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
  if (close.armed) {
    if (close.running) {
      absl::StatusOr<absl::Duration> left = Between(cal, close.measure, now, close.due);
      if (!left.ok()) return left.status();
      close.left = *left;
      close.breached = now >= close.due;
    } else {
      close.left = close_left;
      close.breached = close_left < absl::ZeroDuration();
    }
    if (close.breached || (finished && !close.met)) {
      for (const Interval& in : intervals) {
        // Who held it up to the moment it ran out.
        if (in.from < close.due && close.due <= in.to) tl.late_holder = in.holder.code;
      }
    }
  }
  if (finished && close.armed) close.met = close_left >= absl::ZeroDuration();
  if (sign.running) {
    absl::StatusOr<absl::Duration> left = Between(cal, sign.measure, now, sign.due);
    if (!left.ok()) return left.status();
    sign.left = *left;
    sign.breached = now >= sign.due;
  }

  // Marks still to fire, of the clocks that run.
  auto add = [&](const std::string& clock, int generation, MarkKind kind, int n, absl::Time at,
                 std::string note) {
    std::string id = absl::StrCat(clock, ".", generation, ".", KindName(kind));
    if (n >= 0) absl::StrAppend(&id, ".", n);
    if (fired_ids.contains(id)) return;
    tl.upcoming.push_back({id, clock, kind, at, std::move(note)});
  };
  const std::string close_gen = absl::StrCat("closing.", close.generation, ".");
  const bool close_breach_fired = fired_ids.contains(close_gen + "breach");
  if (close.armed && close.running) {
    if (!close_breach_fired) {
      for (int w = 0; w < policy.warnings_size(); ++w) {
        const v1::Warning& warning = policy.warnings(w);
        absl::Duration before = warning.has_before()
                                    ? BudgetOf(warning.before()).amount
                                    : closing_budget.amount * (100 - warning.percent_used()) / 100;
        absl::StatusOr<absl::Time> at = Retreat(cal, close.measure, close.due, before);
        if (!at.ok()) return at.status();
        std::string note = warning.has_before()
                               ? absl::StrCat("预警: closing deadline in ", absl::FormatDuration(before))
                               : absl::StrCat("预警: ", warning.percent_used(), "% of the time limit used");
        add("closing", close.generation, MarkKind::kWarning, w, *at, note);
      }
    }
    const std::string due_text = absl::FormatTime("%Y-%m-%d %H:%M", close.due, CityTimeZone());
    add("closing", close.generation, MarkKind::kBreach, -1, close.due,
        absl::StrCat("超时: closing deadline ", due_text, " passed"));
    add("closing", close.generation, MarkKind::kUrge, -1, close.due, "催办: urged after the breach");
    if (policy.has_escalation()) {
      const Budget s = BudgetOf(policy.escalation().supervise_after());
      const Budget n = BudgetOf(policy.escalation().notice_after());
      absl::StatusOr<absl::Time> s_at = Advance(cal, s.measure, close.due, s.amount);
      absl::StatusOr<absl::Time> n_at = Advance(cal, n.measure, close.due, n.amount);
      if (!s_at.ok()) return s_at.status();
      if (!n_at.ok()) return n_at.status();
      add("closing", close.generation, MarkKind::kSupervise, -1, *s_at, "督办: supervision after the breach");
      add("closing", close.generation, MarkKind::kNotice, -1, *n_at, "通报: public notice of the overdue order");
    }
  }
  if (sign.running) {
    add("sign_off", sign.generation, MarkKind::kBreach, -1, sign.due,
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
  } else if (!close.armed) {
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
