#include "scoring/facts.h"

#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clock/proto_time.h"
#include "scoring/address.h"

namespace hotline::scoring {
namespace {

// The rating a callback entry recorded ("rating: satisfied; ...", written by
// dispatch), or FACT_KIND_UNSPECIFIED.
v1::FactKind RatingFact(const std::string& note) {
  constexpr absl::string_view kPrefix = "rating: ";
  if (!absl::StartsWith(note, kPrefix)) return v1::FACT_KIND_UNSPECIFIED;
  absl::string_view rating = absl::string_view(note).substr(kPrefix.size());
  rating = rating.substr(0, rating.find(';'));
  if (rating == "satisfied") return v1::FACT_KIND_SATISFIED;
  if (rating == "basically_satisfied") return v1::FACT_KIND_BASICALLY_SATISFIED;
  if (rating == "dissatisfied") return v1::FACT_KIND_DISSATISFIED;
  return v1::FACT_KIND_UNSPECIFIED;
}

// The deadlines the SLA monitor fixed, wherever in the history it wrote them
// (a monitor that was behind writes an arming's record after the reply), each
// with the moment it took effect: an arming's `from`, an approval's entry.
struct Deadlines {
  struct Fixed {
    int64_t from, due;  // ms: in force from (arming, approval), due
    bool provisional;   // 暂定: computed on a year with no published schedule
  };
  std::vector<Fixed> closing, sign_off;

  // The deadline in force at `at_ms`: the one that took effect last before
  // it (a later record of the same arming, a recomputation, wins); null: none.
  static const Fixed* At(const std::vector<Fixed>& list, int64_t at_ms) {
    const Fixed* in_force = nullptr;
    for (const Fixed& f : list) {
      if (f.from <= at_ms && (in_force == nullptr || f.from >= in_force->from)) in_force = &f;
    }
    return in_force;
  }
  static int64_t DueAt(const std::vector<Fixed>& list, int64_t at_ms) {
    const Fixed* f = At(list, at_ms);
    return f ? f->due : 0;
  }
};

Deadlines CollectDeadlines(const v1::WorkOrder& order) {
  Deadlines out;
  for (const v1::HistoryEntry& e : order.history()) {
    for (const v1::FixedDeadline& d : e.sla_record().deadlines()) {
      if (!d.has_due()) continue;
      // "closing.N.original" is what the deadline was before an extension:
      // not the one in force.
      if (absl::StartsWith(d.key(), "closing.") && !absl::EndsWith(d.key(), ".original")) {
        out.closing.push_back({ToMillis(d.from()), ToMillis(d.due()), d.provisional()});
      } else if (absl::StartsWith(d.key(), "sign_off.")) {
        out.sign_off.push_back({ToMillis(d.from()), ToMillis(d.due()), d.provisional()});
      }
    }
    // An approved extension's date is the closing deadline from then on.
    if (e.action() == "approve_extension" && e.has_extension_due()) {
      out.closing.push_back({ToMillis(e.at()), ToMillis(e.extension_due()), false});  // a date, not computed
    }
  }
  return out;
}

bool IsOpen(v1::OrderState s) {
  return s != v1::ORDER_STATE_CLOSED && s != v1::ORDER_STATE_ARCHIVED && s != v1::ORDER_STATE_MERGED;
}

}  // namespace

absl::StatusOr<v1::OrderFacts> DeriveFacts(const v1::WorkOrder& order) {
  if (order.history_size() != order.history_total() && order.history_total() != 0) {
    return absl::FailedPreconditionError(absl::StrCat("order ", order.id(), ": ", order.history_size(), " of ",
                                                      order.history_total(), " history entries"));
  }
  v1::OrderFacts out;
  out.set_order_id(order.id());
  out.set_version(order.version());
  out.set_created_ms(ToMillis(order.created_at()));
  out.set_type(order.type());
  out.set_channel(order.channel());
  out.set_category_code(order.category_code());
  out.set_district_code(order.location().district_code());
  out.set_street_code(order.location().street_code());
  out.set_address(NormaliseAddress(order.location().address()));
  if (order.created_by().role() == v1::ROLE_AGENT) out.set_agent_id(order.created_by().user_id());
  out.set_state(order.state());
  out.set_open(IsOpen(order.state()));
  if (order.has_handling_time()) out.set_handling_ms(ToMillis(order.handling_time()));

  const Deadlines deadlines = CollectDeadlines(order);
  std::string unit;               // the unit the order is with before the current step
  bool sign_breached = false;     // since the latest dispatch to a unit
  bool close_breached = false;    // the closing deadline passed (kept: the original deadline counts)
  bool resolution_counted = false;  // the current handling round has its resolution trial
  bool praised = false;
  auto add = [&out](const v1::HistoryEntry& e, const std::string& to_unit, v1::FactKind kind) {
    if (to_unit.empty()) return;
    v1::Fact* f = out.add_facts();
    f->set_seq(e.seq());
    f->set_at_ms(ToMillis(e.at()));
    f->set_unit_code(to_unit);
    f->set_kind(kind);
  };
  for (const v1::HistoryEntry& e : order.history()) {
    const std::string& a = e.action();
    // Intake records an answer on the spot as "answer_on_spot" (older orders: a closed "create").
    if ((a == "create" || a == "answer_on_spot") && e.to_state() == v1::ORDER_STATE_CLOSED) {
      out.set_on_spot(order.type() == v1::ORDER_TYPE_CONSULTATION);
    } else if (a == "dispatch" || a == "approve_return" || a == "approve_hand_down") {
      add(e, e.unit_code(), v1::FACT_KIND_DISPATCHED);
      sign_breached = false;
      if (order.type() == v1::ORDER_TYPE_PRAISE && !praised && a == "dispatch") {
        add(e, e.unit_code(), v1::FACT_KIND_PRAISE);
        praised = true;
      }
    } else if (a == "sign") {
      // Late when past the sign-off deadline, whether or not the monitor
      // (down, or behind) got to write its breach first.
      const int64_t due = Deadlines::DueAt(deadlines.sign_off, ToMillis(e.at()));
      if (!sign_breached && due > 0 && ToMillis(e.at()) > due) {
        add(e, unit, v1::FACT_KIND_LATE_SIGN_OFF);
        sign_breached = true;
      } else if (!sign_breached) {
        add(e, unit, v1::FACT_KIND_SIGNED_ON_TIME);
      }
    } else if (a == "sla_breach") {
      if (absl::StartsWith(e.sla_mark(), "sign_off")) {
        if (!sign_breached) add(e, unit, v1::FACT_KIND_LATE_SIGN_OFF);
        sign_breached = true;
      } else {
        if (!close_breached) add(e, unit, v1::FACT_KIND_OVERDUE_CLOSURE);
        close_breached = true;
        resolution_counted = true;
      }
    } else if (a == "reply") {
      // On time means by the closing deadline in force, not "before the
      // monitor wrote a breach". Orders from before the monitor recorded
      // its deadlines (no sla_deadline entries) fall back on the breaches.
      const int64_t due = Deadlines::DueAt(deadlines.closing, ToMillis(e.at()));
      if (!resolution_counted && !close_breached) {
        if (due > 0 && ToMillis(e.at()) > due) {
          add(e, unit, v1::FACT_KIND_OVERDUE_CLOSURE);
          close_breached = true;
        } else {
          add(e, unit, v1::FACT_KIND_REPLIED_ON_TIME);
        }
      }
      resolution_counted = true;
    } else if (a == "return" || a == "hand_up") {
      add(e, unit, v1::FACT_KIND_BOUNCE);
    } else if (a == "reject_return") {
      add(e, e.unit_code(), v1::FACT_KIND_UNJUSTIFIED_RETURN);
    } else if (a == "redo") {
      add(e, e.unit_code(), v1::FACT_KIND_REDO);
      resolution_counted = false;
    } else if (a == "callback") {
      if (v1::FactKind k = RatingFact(e.note()); k != v1::FACT_KIND_UNSPECIFIED) add(e, unit, k);
    } else if (a == "urge" || a == "sla_urge") {
      add(e, unit, v1::FACT_KIND_URGE);
    } else if (a == "supervise" || a == "sla_supervise") {
      add(e, unit, v1::FACT_KIND_SUPERVISE);
    } else if (a == "sla_notice") {
      add(e, unit, v1::FACT_KIND_NOTICE);
    }
    // SLA and extension steps leave the order where it is and may name no unit.
    if (!e.unit_code().empty() || e.to_state() == v1::ORDER_STATE_CREATED) unit = e.unit_code();
  }
  out.set_overdue(out.open() && close_breached);
  const Deadlines::Fixed* closing_now = Deadlines::At(deadlines.closing, std::numeric_limits<int64_t>::max());
  out.set_provisional(out.open() && closing_now != nullptr && closing_now->provisional);
  return out;
}

}  // namespace hotline::scoring
