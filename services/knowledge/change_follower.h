#pragma once
// Keeps this replica's search index current: builds it from the store of
// record (every point's current version) and then follows the change stream
// (kb:changes), re-reading each changed point. A replica started while Redis
// is down retries until Redis is back, then builds and serves.
//
// The stream position is taken before the build, so a write made during the
// build is applied afterwards (re-applying is harmless: the index ignores a
// version it already has). One thread; Start/Stop from one thread.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/knowledge_keys.h"
#include "knowledge/search_index.h"
#include "redis/client.h"

namespace hotline::knowledge {

class ChangeFollower {
 public:
  // `redis` should be a client of its own (the stream read blocks a connection).
  ChangeFollower(redis::Client& redis, KnowledgeKeys keys, SearchIndex& index, KnowledgeBase& base,
                 prometheus::Registry& metrics);
  ~ChangeFollower();

  void Start();
  void Stop();

  // Builds the index from the store (blocking); the stream id to follow from.
  absl::StatusOr<std::string> Build();
  // Applies the changes after `*last_id` (waiting up to `block_ms` for some);
  // advances `*last_id`. The number applied.
  absl::StatusOr<int> Poll(std::string* last_id, int block_ms);

 private:
  void Run();
  absl::Status Reindex(const std::vector<std::string>& codes);

  redis::Client& redis_;
  KnowledgeKeys keys_;
  SearchIndex& index_;
  KnowledgeBase& base_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  prometheus::Gauge& indexed_points_;
  prometheus::Gauge& build_seconds_;
  prometheus::Gauge& last_poll_;
  prometheus::Counter& changes_applied_;
  prometheus::Counter& follow_errors_;
};

}  // namespace hotline::knowledge
