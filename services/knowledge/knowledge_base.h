#pragma once
// The knowledge domain core: search (this replica's index), reads and listing
// (the store of record), writes as compare-and-set versions, feedback and
// upkeep lists. Plain C++ against a KnowledgeStore, the SearchIndex, the
// directory and a Clock.
//
// A write goes to the store first; once it is there the local index takes it
// at once (so the writer finds it on this replica immediately) and the
// change stream brings it to every other replica (ChangeFollower).
//
// Errors: INVALID_ARGUMENT naming the field ("point.title: is required"),
// NOT_FOUND, ALREADY_EXISTS, ABORTED on a stale expected_version or a lost
// race, FAILED_PRECONDITION when the status does not allow the change,
// PERMISSION_DENIED (rules.h), UNAVAILABLE while the store is down or the
// index not yet built. Thread-safe.
#include <atomic>
#include <optional>

#include "clock/clock.h"
#include "directory/directory.h"
#include "refdata/source.h"
#include "hotline/v1/knowledge.pb.h"
#include "knowledge_points/knowledge_store.h"
#include "knowledge/search_index.h"
#include "knowledge_points/seed.h"
#include "knowledge/unanswered.h"

namespace hotline::knowledge {

class KnowledgeBase {
 public:
  // `directory` is the one in force (refdata/live.h), read at each check.
  KnowledgeBase(KnowledgeStore& store, SearchIndex& index, refdata::SourceRef<directory::Directory> directory,
                const Clock& clock);

  // Searching needs the index built (MarkIndexReady); UNAVAILABLE before.
  absl::StatusOr<v1::SearchKnowledgeResponse> Search(const v1::SearchKnowledgeRequest& request);
  void Get(const v1::GetKnowledgePointRequest& request, Done<v1::GetKnowledgePointResponse> done);
  void List(const v1::ListKnowledgePointsRequest& request,
            Done<v1::ListKnowledgePointsResponse> done);
  void Create(const std::optional<v1::Actor>& actor, const v1::CreateKnowledgePointRequest& request,
              Done<v1::KnowledgePointResponse> done);
  void Edit(const std::optional<v1::Actor>& actor, const v1::EditKnowledgePointRequest& request,
            Done<v1::KnowledgePointResponse> done);
  void Publish(const std::optional<v1::Actor>& actor,
               const v1::ChangeKnowledgeStatusRequest& request,
               Done<v1::KnowledgePointResponse> done);
  void Retire(const std::optional<v1::Actor>& actor, const v1::ChangeKnowledgeStatusRequest& request,
              Done<v1::KnowledgePointResponse> done);
  void MarkNotHelpful(const std::optional<v1::Actor>& actor,
                      const v1::MarkKnowledgeNotHelpfulRequest& request,
                      Done<v1::MarkKnowledgeNotHelpfulResponse> done);
  absl::StatusOr<v1::ListExpiringKnowledgeResponse> ListExpiring(
      const v1::ListExpiringKnowledgeRequest& request);
  // From the store: every replica's zero-hit searches, kept across restarts.
  void ListUnanswered(const v1::ListUnansweredQueriesRequest& request,
                      Done<v1::ListUnansweredQueriesResponse> done);

  // Stores every seed point the store does not have yet, published, as
  // version 1 (written by "seed"); points already there are left as they are,
  // so every replica may run it at start. Blocks; the number written.
  absl::StatusOr<int> LoadSeed(const SeedBase& seed);
  // LoadSeed retried every second until it succeeds (Redis may come up
  // later) or `stop`; the outcome is logged. For the service's background thread.
  void LoadSeedRetrying(const SeedBase& seed, const std::atomic<bool>& stop);

  void MarkIndexReady() { index_ready_ = true; }
  bool index_ready() const { return index_ready_; }
  absl::CivilDay Today() const;

 private:
  void ChangeStatus(const std::optional<v1::Actor>& actor,
                    const v1::ChangeKnowledgeStatusRequest& request, int action,
                    Done<v1::KnowledgePointResponse> done);
  // Counts a zero-hit search in the store (fire and forget).
  void RecordUnanswered(const std::string& query);
  // Stamps and writes `next` over version `expected`; indexes it on success.
  void Write(v1::KnowledgePoint next, int64_t expected, const std::optional<v1::Actor>& actor,
             Done<v1::KnowledgePointResponse> done);

  KnowledgeStore& store_;
  SearchIndex& index_;
  refdata::SourceRef<directory::Directory> directory_;
  const Clock& clock_;
  std::atomic<bool> index_ready_{false};
};

}  // namespace hotline::knowledge
