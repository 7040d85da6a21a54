#pragma once
// KnowledgeStore on Redis (key schema in knowledge_keys.h). Every write is one
// script (put_version.lua), so a version, its history entry, the listing and
// the change-stream entry are written together or not at all. Thread-safe.
#include <string>
#include <vector>

#include "knowledge_points/knowledge_keys.h"
#include "knowledge_points/knowledge_store.h"
#include "redis/client.h"

namespace hotline::knowledge {

struct RedisKnowledgeStoreOptions {
  std::string key_prefix = "hotline:";
  int changes_max_length = 100000;  // approximate cap of the change stream
  int unanswered_capacity = 500;    // distinct zero-hit searches kept
};

class RedisKnowledgeStore final : public KnowledgeStore {
 public:
  explicit RedisKnowledgeStore(redis::Client& redis, RedisKnowledgeStoreOptions options = {});

  void Put(v1::KnowledgePoint point, int64_t expected_version,
           Done<v1::KnowledgePoint> done) override;
  void Get(std::string code, Done<v1::KnowledgePoint> done) override;
  void History(std::string code, Done<std::vector<v1::KnowledgePoint>> done) override;
  void List(std::string prefix, std::string after, int limit,
            Done<std::vector<v1::KnowledgeSummary>> done) override;
  void MarkNotHelpful(std::string code, Done<int64_t> done) override;
  void RecordUnanswered(std::string query, Done<int64_t> done) override;
  void TopUnanswered(int limit, Done<std::vector<UnansweredCount>> done) override;

  const KnowledgeKeys& keys() const { return keys_; }

 private:
  redis::Client& redis_;
  RedisKnowledgeStoreOptions options_;
  KnowledgeKeys keys_;
};

}  // namespace hotline::knowledge
