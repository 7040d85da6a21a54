#pragma once
// The Redis key schema of the scoring service: every key its scripts read or
// write is named here (and passed in).
//
//   <p>scoring:facts:{ID}     hash: version (the order version the facts come
//                             from), facts (hotline.v1.OrderFacts, binary)
//   <p>scoring:unitday:{UNIT}:YYYYMMDD  hash: the unit's (and its subtree's)
//                             fact counts that city day (aggregates.h fields)
//   <p>scoring:cityday:LIST:YYYYMMDD  hash: the city's counts of one list
//                             that day (LIST: cat, dcat, street, volume,
//                             agent, dept; fields in aggregates.h)
//   (both also with YYYYMM for the day: the month's rollup, the sum of its days)
//   <p>scoring:load           hash: open:<district>, overdue:<district>
//   <p>scoring:citymonth:LIST:YYYYMM  sorted set: the city's counts of one
//                             list that month, member -> orders (LIST: addr,
//                             members <street>|<normalised address>)
//   <p>scoring:unitorders:{UNIT}  sorted set: "YYYYMMDD:<order id>" scored
//                             YYYYMMDD, the orders with a fact for the unit's
//                             subtree that day (explanations read only these)
//   <p>scoring:month_rules    hash: YYYYMM -> the rules version the month is
//                             scored under (FactStore::MonthRules; the
//                             service's fact writes set it for the month
//                             they are written in)
//   <p>scoring:rebuild_bulk   string: a bulk rebuild is writing scoring's
//                             keys (tools/admin/rebuild.h); left by one that
//                             was interrupted, so the next starts clean
//   <p>scoring:months         hash: YYYYMM -> "moving" | "moved": a closed
//                             month the archiver (month_archive.h) is moving
//                             to PostgreSQL or has moved there; its day,
//                             rollup and address keys and its unitorders
//                             members are then read from PostgreSQL, and
//                             put_facts.lua refuses a change to it
//   <p>scoring:facts_pending  string: a month was fenced since the facts of
//                             the orders settled in moved months were last
//                             moved (month_archive.h); the next run moves them
// All but the facts, month_rules and months are maintained by put_facts.lua
// together with the facts.
//
// The orders themselves are read through libs/orders' keys (order_keys.h).
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "orders/order_keys.h"

namespace hotline::scoring {

class ScoringKeys {
 public:
  explicit ScoringKeys(std::string prefix = "hotline:") : prefix_(prefix), orders_(std::move(prefix)) {}

  const orders::OrderKeys& orders() const { return orders_; }
  std::string Facts(absl::string_view id) const { return absl::StrCat(prefix_, "scoring:facts:{", id, "}"); }
  // `day` is YYYYMMDD in city time, or YYYYMM for a month's rollup.
  std::string UnitDay(absl::string_view unit, absl::string_view day) const {
    return absl::StrCat(prefix_, "scoring:unitday:{", unit, "}:", day);
  }
  std::string CityDay(absl::string_view list, absl::string_view day) const {
    return absl::StrCat(prefix_, "scoring:cityday:", list, ":", day);
  }
  // `month` is YYYYMM in city time.
  std::string CityMonth(absl::string_view list, absl::string_view month) const {
    return absl::StrCat(prefix_, "scoring:citymonth:", list, ":", month);
  }
  std::string MonthRules() const { return absl::StrCat(prefix_, "scoring:month_rules"); }
  std::string RebuildMark() const { return absl::StrCat(prefix_, "scoring:rebuild_bulk"); }
  // Every scoring key matches this SCAN pattern (the prefix has no glob characters).
  std::string Pattern() const { return absl::StrCat(prefix_, "scoring:*"); }
  std::string Months() const { return absl::StrCat(prefix_, "scoring:months"); }
  std::string FactsPending() const { return absl::StrCat(prefix_, "scoring:facts_pending"); }
  std::string Load() const { return absl::StrCat(prefix_, "scoring:load"); }
  std::string UnitOrders(absl::string_view unit) const {
    return absl::StrCat(prefix_, "scoring:unitorders:{", unit, "}");
  }

 private:
  std::string prefix_;
  orders::OrderKeys orders_;
};

}  // namespace hotline::scoring
