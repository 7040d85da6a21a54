#pragma once
// The store of record of the knowledge base: points, every version of each,
// counters. Implementations: RedisKnowledgeStore (production) and the
// in-memory fake of the tests.
//
// Every method calls `done` exactly once, possibly on another thread.
// UNAVAILABLE when the store cannot be reached (retryable).
// Thread-safe.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "hotline/v1/knowledge.pb.h"

namespace hotline::knowledge {

// One search that found nothing (its text as kept: digits masked, cut) and
// how often it was asked.
struct UnansweredCount {
  std::string query;
  int64_t count = 0;
};

template <typename T>
using Done = absl::AnyInvocable<void(absl::StatusOr<T>)>;

class KnowledgeStore {
 public:
  virtual ~KnowledgeStore() = default;

  // Writes `point` as the new current version. `point.version()` must be
  // expected_version + 1. expected_version 0 creates it (ALREADY_EXISTS when
  // the code is taken); otherwise NOT_FOUND when there is no such point and
  // ABORTED when its current version is not expected_version. Gives back the
  // point as written.
  virtual void Put(v1::KnowledgePoint point, int64_t expected_version,
                   Done<v1::KnowledgePoint> done) = 0;
  // The current version with its counters; NOT_FOUND.
  virtual void Get(std::string code, Done<v1::KnowledgePoint> done) = 0;
  // Every version, oldest first, without counters; NOT_FOUND when none.
  virtual void History(std::string code, Done<std::vector<v1::KnowledgePoint>> done) = 0;
  // Up to `limit` summaries of the points under `prefix` (a valid prefix,
  // see kb_code.h) with codes after `after` ("" = from the start), in code order.
  virtual void List(std::string prefix, std::string after, int limit,
                    Done<std::vector<v1::KnowledgeSummary>> done) = 0;
  // Counts a "did not help"; the new count. NOT_FOUND.
  virtual void MarkNotHelpful(std::string code, Done<int64_t> done) = 0;

  // The searches that found nothing, shared by every replica and kept across
  // restarts; bounded by the Space-Saving rule (unanswered.h). `query` is
  // already normalized (NormalizeUnansweredQuery). Its new count.
  virtual void RecordUnanswered(std::string query, Done<int64_t> done) = 0;
  // Up to `limit`, most asked first (ties by text).
  virtual void TopUnanswered(int limit, Done<std::vector<UnansweredCount>> done) = 0;
};

// The summary kept for listings.
v1::KnowledgeSummary SummaryOf(const v1::KnowledgePoint& point);

// "draft", "published", "retired" (the values of the point hash's status field).
const char* StatusName(v1::KnowledgeStatus status);

}  // namespace hotline::knowledge
