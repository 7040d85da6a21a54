#pragma once
// The Redis key schema of the SLA monitor: every key it reads or writes is
// named here and nowhere else, and passed to the Lua scripts in KEYS.
//
// Its own keys:
//   <p>sla:due              sorted set: order id -> ms when its next mark
//                           (warning, breach, escalation) falls due. Only
//                           orders with something still to fire are in it, so
//                           a due pass reads only what is due.
//   <p>sla:unit:CODE        sorted set: open orders whose closing clock runs
//                           while unit CODE holds them -> closing deadline ms
//                           (a unit's overdue and at-risk lists).
//   <p>sla:status:S:L       set: open orders in SLA status S (on_time, warned,
//                           breached, escalated, stopped) at escalation level
//                           L (none, urge, supervise, notice), for gauges.
//   <p>sla:district:D:S     set: open orders of district D in SLA status S.
//   <p>sla:districts        set: the district codes that have such sets.
//   <p>sla:provisional      set: open orders with a deadline in force that
//                           leans on a provisional calendar year.
//   <p>sla:no_deadline      set: open orders whose closing deadline could
//                           not be computed (a year the calendar lacks).
//   <p>sla:calendar_applied the calendar version whose change has been
//                           acted on (the orders of the two sets re-queued).
//   <p>sla:policies         hash: policy version (content hash) -> the
//                           serialized SlaPolicies, every version ever used.
// Fields it writes on the order record <p>order:{ID} (never the state):
//   sla_rev                 increments with every write of the monitor
//   sla_sign_due_ms         current sign-off deadline ("" for none)
//   sla_close_due_ms        current closing deadline ("" for none)
//   sla_close_original_ms   closing deadline before any extension
//   sla_status, sla_level   as in sla:status:S:L ("" when in no set)
//   sla_unit                the unit whose sla:unit list holds it ("" none)
//   sla_district            the district whose sla:district set holds it
//   sla_provisional         "1" while in sla:provisional, else ""
//   sla_no_deadline         "1" while in sla:no_deadline, else ""
//   notices                 通报 count (urges and supervises are the
//                           existing counters)
// It also appends to <p>order:{ID}:history and <p>events (orders::OrderKeys).
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "orders/order_keys.h"

namespace hotline::sla {

class SlaKeys {
 public:
  explicit SlaKeys(std::string prefix = "hotline:") : orders_(prefix), prefix_(std::move(prefix)) {}

  const orders::OrderKeys& orders() const { return orders_; }
  std::string Due() const { return absl::StrCat(prefix_, "sla:due"); }
  std::string Unit(absl::string_view code) const { return absl::StrCat(prefix_, "sla:unit:", code); }
  std::string Status(absl::string_view status, absl::string_view level) const {
    return absl::StrCat(prefix_, "sla:status:", status, ":", level);
  }
  std::string District(absl::string_view code, absl::string_view status) const {
    return absl::StrCat(prefix_, "sla:district:", code, ":", status);
  }
  std::string Districts() const { return absl::StrCat(prefix_, "sla:districts"); }
  std::string Provisional() const { return absl::StrCat(prefix_, "sla:provisional"); }
  std::string NoDeadline() const { return absl::StrCat(prefix_, "sla:no_deadline"); }
  std::string CalendarApplied() const { return absl::StrCat(prefix_, "sla:calendar_applied"); }
  std::string Policies() const { return absl::StrCat(prefix_, "sla:policies"); }

 private:
  orders::OrderKeys orders_;
  std::string prefix_;
};

// Field names on the order record.
namespace field {
inline constexpr char kRev[] = "sla_rev";
inline constexpr char kSignDue[] = "sla_sign_due_ms";
inline constexpr char kCloseDue[] = "sla_close_due_ms";
inline constexpr char kCloseOriginal[] = "sla_close_original_ms";
inline constexpr char kStatus[] = "sla_status";
inline constexpr char kLevel[] = "sla_level";
inline constexpr char kUnit[] = "sla_unit";
inline constexpr char kDistrict[] = "sla_district";
inline constexpr char kNotices[] = "notices";
inline constexpr char kProvisional[] = "sla_provisional";
inline constexpr char kNoDeadline[] = "sla_no_deadline";
}  // namespace field

}  // namespace hotline::sla
