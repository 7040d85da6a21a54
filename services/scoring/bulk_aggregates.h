#pragma once
// The fast path of a rebuild into an EMPTY scoring keyspace (`hotline-admin
// rebuild scoring --bulk`, tools/admin/rebuild.h): the keys put_facts.lua
// would leave after storing each order in turn, written with plain pipelined
// commands instead of one script call per order.
//
// Add writes each order's facts as Put writes them into an empty keyspace
// (Fact.above as the directory says now, the same bytes) and its unit-order
// members (ZADD, a set: added once or many times, the same), and sums its
// contribution to the aggregates in memory. Finish writes each summed
// aggregate hash and sorted set once (HSET / ZADD, many fields a command).
// The sums are the same as put_facts.lua's increments because into an empty
// keyspace every order's delta is its whole contribution, and contributions
// are positive counts (nothing goes back to 0 to be deleted).
//
// So it is only right with no stored facts and no other writer of scoring's
// keys (hotline-scoring stopped) until Finish returns; the caller checks
// and marks that (rebuild.h). Thread-safe. Memory: the aggregates' fields
// (a city year: a few million), not the orders.
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "directory/directory.h"
#include "hotline/v1/scoring.pb.h"
#include "redis/client.h"
#include "scoring/aggregates.h"
#include "scoring/scoring_keys.h"

namespace hotline::scoring {

// The Redis key of an aggregate bucket (scoring_keys.h).
std::string BucketKey(const ScoringKeys& keys, const Bucket& bucket);

class BulkAggregates {
 public:
  BulkAggregates(redis::Client& redis, ScoringKeys keys, absl::TimeZone zone,
                 const directory::Directory& directory)
      : redis_(redis), keys_(std::move(keys)), zone_(zone), directory_(directory) {}

  // Stores `facts` (derived facts of distinct orders, none stored before)
  // and sums their contributions. Errors: the first failed write.
  absl::Status Add(std::vector<v1::OrderFacts> facts);
  // Writes the summed aggregates, each key once (long ones in parts).
  absl::Status Finish();

  // Fields summed so far (all aggregates).
  int64_t fields() const;

 private:
  struct Sums {
    bool sorted_set = false;  // citymonth: a sorted set; else a hash
    absl::flat_hash_map<std::string, int64_t> counts;
  };

  redis::Client& redis_;
  const ScoringKeys keys_;
  const absl::TimeZone zone_;
  const directory::Directory& directory_;
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, Sums> sums_;  // by key
};

// Sends `commands` pipelined, at most `wave` queued at once (the client's
// queue is bounded); the first failure or error reply, else OK.
absl::Status SendPipelined(redis::Client& redis, std::vector<redis::Command> commands,
                           size_t wave = 4096);

}  // namespace hotline::scoring
