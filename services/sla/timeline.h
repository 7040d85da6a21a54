#pragma once
// An order's SLA timeline as a pure function of its history: the deadlines
// (sign-off, closing, the original closing), which warnings, breaches and
// escalations have fired and which are still to come (with their moments),
// the working time each holder had the order, and the pending extension.
//
// Everything is derived from the order's own trail, so the monitor keeps no
// state of its own that could drift: an event handled twice, out of order or
// by two replicas leads to the same answer, and a mark that fired is an entry
// in the history (so it never fires again).
//
// Deadlines are fixed when their clock is armed: the first timeline that
// computes one lists it in `to_record`, the monitor writes it into the
// history ("sla_deadline", with the policy and calendar versions), and every
// later timeline takes the recorded due as it is, whatever the policy file or
// the calendar say by then. The one exception: a deadline computed on a
// provisional year (no published schedule yet) is recomputed once that
// year's official schedule is in the calendar, and the new due is recorded
// with the one it replaces.
//
// The rules (see README.md):
// - closing clock: armed at creation, runs while the order is with the centre
//   or a unit (also across returns, re-dispatch and hand-down: it never stops
//   for bouncing), stops at reply (the working time left is kept), re-armed
//   from what was left at send-back and redo, ends when the order closes. An
//   approved extension moves it; the original deadline is kept beside it.
// - sign-off clock: armed whenever the order is dispatched to a unit (also a
//   re-dispatch, hand-down or redo), met at sign, dropped if the unit gives
//   the order away unsigned.
// - marks: pre-warnings, breach (both clocks); urge at the breach, supervise
//   and public notice later (closing clock only). A mark is named
//   "<clock>.<generation>.<kind>[.<name>]" (a warning by its name, e.g.
//   "closing.0.warning.80pct"); the generation counts sign-off arms and
//   approved extensions, so a new deadline gets its own marks. After an
//   extension the percentages are of the extended span, and a warning whose
//   moment had already passed when the extension was granted is skipped.
//
// No computation takes the timeline down: a deadline or mark that needs a
// year the calendar lacks is left out and named in `problems` (the monitor
// retries later), and everything else stands.
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "calendar/working_calendar.h"
#include "hotline/v1/sla.pb.h"
#include "hotline/v1/work_order.pb.h"
#include "sla/policies.h"

namespace hotline::sla {

enum class MarkKind { kWarning, kBreach, kUrge, kSupervise, kNotice };
// "warning", "breach", "urge", "supervise", "notice".
std::string KindName(MarkKind kind);

struct Mark {
  std::string id;      // e.g. "closing.0.warning.1"
  std::string clock;   // "sign_off" or "closing"
  MarkKind kind = MarkKind::kWarning;
  absl::Time at;       // when it is (or was) due
  std::string note;    // for people: what it means
  bool provisional = false;  // its moment leans on a provisional year
};

struct ClockView {
  bool armed = false;    // has a deadline at all
  bool running = false;  // counting now
  bool met = false;      // stopped before its deadline (sign-off signed, closing closed in time)
  absl::Time due;        // current deadline
  absl::Time original_due;  // closing: before any extension
  absl::Duration left;      // measured at `now` (negative when overdue)
  Measure measure = Measure::kWorking;
  int generation = 0;
  bool breached = false;  // the current deadline passed while it ran
  bool known = true;      // armed but not computable (a missing year): false
  bool provisional = false;  // the deadline leans on a provisional year
  absl::Time generation_since;  // when the current generation began (arming, extension)
};

struct HolderTime {
  std::string kind;  // "centre", "unit", "extension" (waiting on a decision)
  std::string code;  // unit code (the centre's own code for "centre")
  absl::Duration time;  // in the closing clock's measure
};

struct PendingExtension {
  absl::Time requested_at;
  absl::Time wanted_due;
  std::string reason;
  std::string unit_code;
};

struct Timeline {
  std::string policy;
  ClockView sign_off;
  ClockView closing;
  std::vector<Mark> fired;     // in history order
  std::vector<Mark> upcoming;  // not yet fired, by moment (only of running clocks)
  std::vector<HolderTime> holders;  // in order of first holding
  absl::Duration elapsed;           // creation -> now (or closing), same measure as holders
  std::string late_holder;          // who held the order when the closing deadline passed
  std::optional<PendingExtension> extension;
  std::string status;  // "on_time", "warned", "breached", "escalated", "stopped", "done", "none"
  std::string level;   // highest escalation of the current closing deadline: none/urge/supervise/notice

  // Deadlines computed by this timeline and not yet in the history: new ones,
  // and provisional ones recomputed on an official schedule (previous_due set).
  std::vector<v1::FixedDeadline> to_record;
  // What could not be computed (a year the calendar lacks), for the log; the
  // monitor looks again later.
  std::vector<std::string> problems;
  // Of the order's deadlines in force, one is provisional.
  bool provisional = false;

  // Upcoming marks due at `now`, and when the next one after them is.
  std::vector<Mark> DueAt(absl::Time now) const;
  std::optional<absl::Time> NextAfter(absl::Time now) const;
};

// The actor on every entry the monitor writes (of the centre's unit,
// CityCentreCode(), which also holds an order while the centre decides).
inline constexpr char kSlaActor[] = "system:sla";

// Never fails for want of calendar data (see `problems`).
Timeline BuildTimeline(const v1::WorkOrder& order, const v1::SlaPolicy& policy,
                       const calendar::WorkingCalendar& calendar, absl::Time now);

// The policy version and name of the order's first SLA record, if any: the
// policy it was taken under.
struct RecordedPolicy {
  std::string version;
  std::string name;
  int64_t ref_version = 0;  // the `policies` reference data version it was loaded as
};
std::optional<RecordedPolicy> PolicyOf(const v1::WorkOrder& order);

bool IsFinished(v1::OrderState state);

}  // namespace hotline::sla
