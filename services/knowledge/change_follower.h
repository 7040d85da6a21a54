#pragma once
// Keeps this replica's search index equal to the store of record: builds it
// from the store (every point's current version), or, when the index was kept
// on disk with the stream position it reflects, catches up from there; then
// follows the change stream (kb:changes), re-reading each changed point. A replica started while
// Redis is down retries until Redis is back, then builds and serves.
//
// Converges whatever happens to the stream or the store:
//  - the stream position advances only once a batch is in the index, so a
//    Redis error in the middle of a batch makes the batch be read again;
//  - the stream is capped (~100 000 entries): a replica that fell further
//    behind finds entries after its position trimmed (a gap) and rebuilds
//    from the store;
//  - every `drift_check_interval` it compares the indexed versions with
//    Redis's and re-reads what differs, so an index ahead of a Redis restored
//    from an older copy goes back to what Redis holds.
//
// The stream position is taken before a build, so a write made during the
// build is applied afterwards (re-applying is harmless: the index ignores a
// version it already has). One thread; Start/Stop from one thread; Build,
// Poll and CheckDrift are for that thread (and tests) only.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "knowledge/knowledge_base.h"
#include "knowledge_points/knowledge_keys.h"
#include "knowledge/search_index.h"
#include "redis/client.h"

namespace hotline::knowledge {

struct ChangeFollowerOptions {
  // How often the indexed versions are compared with Redis's.
  absl::Duration drift_check_interval = absl::Minutes(5);
};

class ChangeFollower {
 public:
  // `redis` should be a client of its own (the stream read blocks a connection).
  ChangeFollower(redis::Client& redis, KnowledgeKeys keys, SearchIndex& index, KnowledgeBase& base,
                 prometheus::Registry& metrics, ChangeFollowerOptions options = {});
  ~ChangeFollower();

  void Start();
  void Stop();

  // Makes the index ready at start (blocking): when it was kept on disk at a
  // position the stream still follows on from (not trimmed past it, not
  // behind it, not gone), applies the changes since; else Build. The stream
  // id to follow from; `*rebuilt` says whether it built from the store.
  absl::StatusOr<std::string> Open(bool* rebuilt);
  // Makes the index what the store holds (blocking): every stored point at
  // its stored version, even an older one, and no point the store lacks. The
  // stream id to follow from.
  absl::StatusOr<std::string> Build();
  // Applies the changes after `*last_id` (waiting up to `block_ms` for some;
  // not at all when negative)
  // and then advances `*last_id`; on an error `*last_id` stays, so the batch
  // is read again. When entries after `*last_id` were trimmed away, rebuilds
  // (Build) and sets `*last_id` to the build's position. The number of
  // changes read.
  absl::StatusOr<int> Poll(std::string* last_id, int block_ms);
  // Compares every indexed version with the store's and re-reads the points
  // that differ (counted as drift). The number fixed.
  absl::StatusOr<int> CheckDrift();

 private:
  void Run();
  // Reads `codes` from the store into the index. `exact`: the stored version
  // wins even when older, and a point the store lacks leaves the index.
  absl::Status Reindex(const std::vector<std::string>& codes, bool exact);
  // True when entries after `last_id` were trimmed from the stream.
  absl::StatusOr<bool> Trimmed(const std::string& last_id);
  // Why the stream cannot bring an index kept at `position` up to date ("" when it can).
  absl::StatusOr<std::string> CannotCatchUp(const std::string& position);

  redis::Client& redis_;
  KnowledgeKeys keys_;
  SearchIndex& index_;
  KnowledgeBase& base_;
  const ChangeFollowerOptions options_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  prometheus::Gauge& indexed_points_;
  prometheus::Gauge& build_seconds_;
  prometheus::Gauge& last_poll_;
  prometheus::Counter& changes_applied_;
  prometheus::Counter& follow_errors_;
  prometheus::Counter& rebuilds_gap_;
  prometheus::Counter& rebuilds_start_;
  prometheus::Counter& drift_;
};

}  // namespace hotline::knowledge
