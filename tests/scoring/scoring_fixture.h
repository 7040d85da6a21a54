#pragma once
// A known month of orders for the scoring tests: five orders of November 2026
// in Guangzhou, built as work orders with their whole history (what the
// consumer reads), and the rules the expected figures are computed with.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "directory/directory.h"
#include "hotline/v1/scoring.pb.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::scoring::fixture {

inline absl::TimeZone Guangzhou() { return absl::FixedTimeZone(8 * 3600); }

// The centre's dispatcher (d1, GZ12345): sees every unit's figures.
inline v1::Actor Centre() {
  v1::Actor a;
  a.set_user_id("d1");
  a.set_role(v1::ROLE_DISPATCHER);
  a.set_unit_code("GZ12345");
  return a;
}

// The city's unit directory and categories from the repository's data/.
const directory::Directory& Dir();

// Test rules "t1": binary fractions, so expected sums are exact.
v1::ScoringRules TestRules();

// Builds an order step by step.
class OrderBuilder {
 public:
  OrderBuilder(std::string id, v1::OrderType type, std::string district, std::string street, std::string category,
               std::string agent, absl::Time created);
  // A step `minutes` after creation.
  OrderBuilder& Step(int minutes, std::string action, std::string unit, v1::OrderState to = v1::ORDER_STATE_UNSPECIFIED,
                     std::string note = "", std::string sla_mark = "");
  // The handling time the agent desktop reported at intake.
  OrderBuilder& HandlingMillis(int64_t ms);
  // The location's free-text address.
  OrderBuilder& Address(std::string address) {
    order_.mutable_location()->set_address(std::move(address));
    return *this;
  }
  v1::WorkOrder Build() const { return order_; }

 private:
  v1::WorkOrder order_;
  absl::Time created_;
};

// The five orders A..E described in scorer_test.cc. Handling times: A 300 s,
// B 420 s, C 500.5 s, D 150 s; E none reported.
std::vector<v1::WorkOrder> KnownMonth();

// What kinds of orders a generated month holds, and who takes them.
struct Mix {
  int praise_percent = 5;
  int consultation_percent = 20;  // of the orders that are not praise
  int agents = 40;
};
// A 12345 centre's contacts (domain.md): 85 % consultations, few praises,
// an agent taking ~76.5 contacts a day (so ~360 agents for ten million a year).
inline Mix CityMix(int64_t contacts_per_year) {
  return {.praise_percent = 1, .consultation_percent = 85,
          .agents = static_cast<int>(std::max<int64_t>(1, contacts_per_year / 365 * 10 / 765))};
}

// `n` orders created in `month` (days 1..28) with random lives over the whole
// unit directory: dispatch to a district or department, late sign-off,
// returns accepted or rejected, hand-down to a street, overdue closure and
// escalations, callbacks, redo, praise; 85 % of consultations answered on the
// spot; some left open; nine in ten with a handling time of 30 s to 15 min
// and a few house numbers per street (addresses shared, in variants that
// normalise alike; 1 in 10 without), both drawn apart so the orders' lives
// are the same as before. The same seed gives the same orders.
std::vector<v1::WorkOrder> BusyMonth(const directory::Directory& dir, absl::CivilMonth month, int n,
                                     uint32_t seed, const Mix& mix = {});

}  // namespace hotline::scoring::fixture
