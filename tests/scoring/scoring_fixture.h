#pragma once
// A known month of orders for the scoring tests: five orders of November 2026
// in Guangzhou, built as work orders with their whole history (what the
// consumer reads), and the rules the expected figures are computed with.
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "hotline/v1/scoring.pb.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::scoring::fixture {

inline absl::TimeZone Guangzhou() { return absl::FixedTimeZone(8 * 3600); }

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
  v1::WorkOrder Build() const { return order_; }

 private:
  v1::WorkOrder order_;
  absl::Time created_;
};

// The five orders A..E described in scorer_test.cc.
std::vector<v1::WorkOrder> KnownMonth();

}  // namespace hotline::scoring::fixture
