#pragma once
// The searches that found nothing, most frequent first, for the upkeep of the
// base: bounded (the Space-Saving scheme: when full, the least counted entry
// makes room and its count carries over, so a frequent query is never lost)
// and without personal data (runs of digits masked, cut to 30 characters).
// Served by an RPC; the service also shows the top 10 as a gauge (bounded:
// ten series). Thread-safe.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace hotline::knowledge {

// Trims, masks runs of 3+ digits (phone numbers, ID numbers) as "#", cuts to
// 30 code points. Pure.
std::string NormalizeUnansweredQuery(const std::string& query);

class UnansweredQueries {
 public:
  explicit UnansweredQueries(size_t capacity = 500) : capacity_(capacity) {}

  void Record(const std::string& query);
  // Up to `limit`, most counted first (ties by text).
  std::vector<std::pair<std::string, int64_t>> Top(size_t limit) const;

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, int64_t> counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hotline::knowledge
