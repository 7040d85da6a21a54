#pragma once
// Where the scoring facts of orders are kept. Errors: UNAVAILABLE (Redis
// down: retry), DATA_LOSS (a stored record cannot be read).
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hotline/v1/scoring.pb.h"
#include "hotline/v1/work_order.pb.h"
#include "scoring/aggregates.h"
#include "scoring/period.h"

namespace hotline::scoring {

class FactStore {
 public:
  virtual ~FactStore() = default;
  // Stores `facts` unless facts of the same or a newer order version are
  // stored already (a replay or a late, stale read changes nothing), and in
  // the same step moves the per-day aggregates (aggregates.h) from the
  // previously stored facts' contribution to these facts'. Returns whether
  // it wrote.
  virtual absl::StatusOr<bool> Put(const v1::OrderFacts& facts) = 0;

  // The aggregates, read by the queries instead of the facts. Periods are
  // whole city days: [start, end) are city midnights.
  // Each unit's unit-day counts summed over the days of [start, end).
  virtual absl::StatusOr<std::vector<Counts>> SumUnitDays(const std::vector<std::string>& units, absl::Time start,
                                                          absl::Time end) = 0;
  // The city-day counts of `list` (kCityLists) summed over the days of [start, end).
  virtual absl::StatusOr<Counts> SumCityDays(const std::string& list, absl::Time start, absl::Time end) = 0;
  // The city-day counts of `list` of each day of [start, end), in order.
  virtual absl::StatusOr<std::vector<Counts>> CityDays(const std::string& list, absl::Time start, absl::Time end) = 0;
  // Open and overdue orders by district (open:<d>, overdue:<d>).
  virtual absl::StatusOr<Counts> OpenLoad() = 0;
  // The top of the city-month aggregate `list` ("addr") of `month` (YYYYMM):
  // the `n` members with the highest counts of at least `min_count`, those
  // tied at the cut taken in member order; member -> count (the caller sorts).
  virtual absl::StatusOr<Counts> TopOfMonth(const std::string& list, const std::string& month,
                                            int n, int64_t min_count) = 0;
  // Facts of the orders with a fact for `unit` or a unit under it within the
  // days of [start, end) (and only those: an explanation reads one unit's orders).
  virtual absl::StatusOr<std::vector<v1::OrderFacts>> LoadUnit(const std::string& unit, absl::Time start,
                                                               absl::Time end) = 0;
  // The rules version month `month` (YYYYMM) is scored under (issue 22: a
  // past month keeps its rules). While the month is open (`closed` false)
  // `current` is recorded for it, so the last version in force during the
  // month is kept; once closed, the recorded version is returned. The
  // scoring service's fact writes record it too (RedisFactStore::
  // RecordMonthRules), so only a month with neither writes nor reads while
  // open records `current` at its first read.
  virtual absl::StatusOr<std::string> MonthRules(const std::string& month, const std::string& current,
                                                 bool closed) = 0;
};

// Where orders are read from, with their whole history.
class OrderSource {
 public:
  virtual ~OrderSource() = default;
  // NOT_FOUND when there is no such order.
  virtual absl::StatusOr<v1::WorkOrder> LoadWhole(const std::string& order_id) = 0;
};

}  // namespace hotline::scoring
