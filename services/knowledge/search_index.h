#pragma once
// The search index of one knowledge replica: Xapian over the current version
// of every point. Either in a private temporary folder (removed when the
// index is destroyed; rebuilt at every start), or kept in a folder given by
// the operator (`index_dir`) with the change-stream position it reflects, so
// a restarted replica opens it and only catches up (change_follower.h).
// Chinese is indexed as CJK n-grams
// (unigrams + bigrams: TermGenerator::FLAG_CJK_NGRAM), so text written
// without spaces needs no word segmenter. Fields are weighted (title, question
// forms, keywords above the answer: data/knowledge_search.textproto), queries
// lose their particles (stopwords) and gain the synonyms of the words they
// contain (data/knowledge/synonyms.textproto), and terms are OR-ed so a
// colloquial question still matches; BM25 ranks.
//
// Filters: code prefix (domain/topic), owning unit, status (published by
// default; retired only when asked), expiry (expired points only when asked).
//
// Thread-safe: Xapian objects are not, so writes go through one writable
// handle under an exclusive lock, and searches run side by side, each on a
// read-only handle of its own (a pool) over the last commit.
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "hotline/v1/knowledge.pb.h"

namespace Xapian {
class Database;
class WritableDatabase;
}

namespace hotline::knowledge {

struct SearchQuery {
  std::string text = "";
  std::string code_prefix = "";  // "" or a valid prefix
  std::string owner_unit = "";   // "" for any
  v1::KnowledgeStatus status = v1::KNOWLEDGE_STATUS_UNSPECIFIED;  // unspecified: published
  bool include_expired = false;
  bool include_retired = false;
  int limit = 10;
  absl::CivilDay today = absl::CivilDay();
};

// What the index holds of a point: enough to compare with the store.
struct IndexedVersion {
  int64_t version = 0;
  int64_t updated_at_ms = 0;  // the point's updated_at, in Unix milliseconds
};

struct SearchResult {
  std::vector<v1::KnowledgeHit> hits;
  int64_t matches_estimated = 0;
};

class SearchIndex {
 public:
  // `index_dir` empty: a private temporary folder. Otherwise a folder kept
  // across restarts that may hold the indexes of several replicas: this one
  // takes the first `replica-N` subfolder no other process holds (an flock on
  // `replica-N.lock`, released when the process dies) and opens the index in
  // it when it carries this build's format stamp and reads back whole; when
  // it is missing, of another format or unreadable, it starts empty there
  // (`opened()` says which). Throws std::runtime_error when the folder cannot
  // be made or every subfolder is held.
  SearchIndex(v1::KnowledgeSearchSettings settings, v1::KnowledgeSynonyms synonyms,
              const std::string& index_dir = "");
  ~SearchIndex();
  SearchIndex(const SearchIndex&) = delete;
  SearchIndex& operator=(const SearchIndex&) = delete;

  // Adds the point or replaces what is indexed for its code, unless the
  // indexed version is already as new (so replays and the change stream's
  // echo of a local write do nothing). True when it changed the index.
  bool Upsert(const v1::KnowledgePoint& point);
  // Indexes `point` whatever version is indexed: the store of record wins
  // even when it went back or holds other content under the same version
  // (Redis restored from an older copy, then edited). Always true.
  bool Replace(const v1::KnowledgePoint& point);
  // Drops `code` from the index (a point the store no longer has). True when
  // it was there.
  bool Remove(const std::string& code);

  // The best matches first. INVALID_ARGUMENT for a query with no searchable
  // words left.
  absl::StatusOr<SearchResult> Search(const SearchQuery& query) const;

  // The unit's points (not retired) that expire on or before `until`, expired first.
  std::vector<v1::KnowledgeSummary> Expiring(const std::string& owner_unit,
                                             absl::CivilDay until) const;

  // The version indexed for `code`, 0 when none.
  int64_t VersionOf(const std::string& code) const;
  // Every indexed code with its version.
  std::map<std::string, IndexedVersion> Versions() const;
  size_t size() const;

  // The change-stream position the index on disk was last checkpointed at:
  // every change up to it is in the index. "" when none (a fresh, temporary
  // or half-built index).
  std::string Position() const;
  // Records `position` with the index and commits both together (the
  // index's changes so far are then on disk). "" marks the index as not
  // reflecting any position (a rebuild is under way).
  void Checkpoint(const std::string& position);
  // How the folder was found at start: "temporary", "new", "reopened",
  // "other format" or "unreadable: <error>".
  const std::string& opened() const { return opened_; }
  const std::string& dir() const { return dir_; }

  // The query text after stopwords and synonyms (what is searched); pure,
  // exposed for tests.
  std::string Rewrite(const std::string& text) const;

 private:
  bool Put(const v1::KnowledgePoint& point, bool even_if_older);
  // Opens the kept index in dir_, or starts it afresh (sets opened_).
  void OpenKept();
  void StartEmpty(int extra_flags) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void LoadDocuments() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The format stamp: the index layout and the field weights it was made with.
  std::string Format() const;
  // Commits the writable handle; read handles reopen at their next search.
  // Const: a search commits a write not yet committed (nothing it answers changes).
  void Commit() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A read handle at the last commit (`*generation`), from the pool or new.
  std::unique_ptr<Xapian::Database> TakeReader(uint64_t* generation) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void GiveBack(std::unique_ptr<Xapian::Database> reader, uint64_t generation) const;

  v1::KnowledgeSearchSettings settings_;
  v1::KnowledgeSynonyms synonyms_;
  const bool kept_;  // in an operator's folder, kept across restarts
  int lock_fd_ = -1;  // before dir_: set while dir_ is initialised
  std::string dir_;
  std::string opened_;
  mutable absl::Mutex mu_;
  std::string position_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Xapian::WritableDatabase> db_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::KnowledgePoint> points_ ABSL_GUARDED_BY(mu_);  // by code
  std::map<std::string, unsigned> docids_ ABSL_GUARDED_BY(mu_);  // code -> Xapian document id
  // Expiry day (YYYY-MM-DD, "9999-12-31" for none) by document id: the
  // expiry filter reads it from here, not from a Xapian value slot (below).
  std::vector<std::string> expiry_by_docid_ ABSL_GUARDED_BY(mu_);
  mutable int uncommitted_ ABSL_GUARDED_BY(mu_) = 0;
  mutable std::atomic<bool> dirty_{false};  // changes not yet committed (searches do not see them)
  mutable uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // commits so far
  mutable absl::Mutex readers_mu_;
  mutable std::vector<std::pair<std::unique_ptr<Xapian::Database>, uint64_t>> idle_readers_
      ABSL_GUARDED_BY(readers_mu_);
};

}  // namespace hotline::knowledge
