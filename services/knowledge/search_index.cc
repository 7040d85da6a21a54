#include "knowledge/search_index.h"

#include <xapian.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_replace.h"
#include "knowledge_points/kb_code.h"
#include "knowledge_points/point_validation.h"
#include "log/log.h"

namespace hotline::knowledge {
namespace {

constexpr Xapian::valueno kSlotCode = 0;
constexpr char kNoExpiry[] = "9999-12-31";
constexpr size_t kSnippetBytes = 180;  // about 60 Chinese characters

// Boolean filter terms.
std::string IdTerm(const std::string& code) { return "Q" + code; }
std::string StatusTerm(v1::KnowledgeStatus s) { return absl::StrCat("XS", static_cast<int>(s)); }
std::string UnitTerm(const std::string& unit) { return "XU" + unit; }
std::string PrefixTerm(const std::string& prefix) { return "XP" + prefix; }

// One CJK character (3 bytes in UTF-8, lead byte 0xE3..0xE9 for the CJK
// blocks): what FLAG_CJK_NGRAM emits besides bigrams.
bool IsCjkUnigram(const std::string& term) {
  const auto lead = static_cast<unsigned char>(term.empty() ? 0 : term[0]);
  return term.size() == 3 && lead >= 0xE3 && lead <= 0xE9;
}

// Leaves out points expired before `today`. A match decider, not a value
// range in the query: Xapian asks a decider only about documents that would
// enter the result, while an OP_VALUE_GE filter reads the value of every
// document the query's terms reach (measured at 100 000 points: 43 % of a
// search's CPU time).
class NotExpired final : public Xapian::MatchDecider {
 public:
  NotExpired(const std::vector<std::string>& expiry_by_docid, std::string today)
      : expiry_by_docid_(expiry_by_docid), today_(std::move(today)) {}
  bool operator()(const Xapian::Document& doc) const override {
    const Xapian::docid id = doc.get_docid();
    return id < expiry_by_docid_.size() && expiry_by_docid_[id] >= today_;
  }

 private:
  const std::vector<std::string>& expiry_by_docid_;
  const std::string today_;
};

int WeightOr(int weight, int fallback) { return weight > 0 ? weight : fallback; }

// Xapian's snippet is HTML-escaped (agents read plain text) and highlights
// CJK n-grams character by character: 【机】【动】【车】 reads as 【机动车】.
std::string PlainSnippet(const std::string& html) {
  return absl::StrReplaceAll(
      html, {{"】【", ""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}});
}

}  // namespace

namespace {

constexpr char kIndexDirPrefix[] = "hotline-kb-index-";

// Removes the index folders of replicas that died without cleaning up
// (SIGKILL, a crash): named with their process id, which no longer runs.
void RemoveOrphanIndexDirs(const std::filesystem::path& parent) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(parent, error)) {
    const std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, kIndexDirPrefix)) continue;
    // hotline-kb-index-<pid>-XXXXXX
    std::vector<std::string> parts = absl::StrSplit(name.substr(sizeof(kIndexDirPrefix) - 1), '-');
    int pid = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &pid) || pid <= 0) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
    std::filesystem::remove_all(entry.path(), error);
  }
}

// A fresh private folder for this replica's index.
std::string MakeIndexDir() {
  const std::filesystem::path parent = std::filesystem::temp_directory_path();
  RemoveOrphanIndexDirs(parent);
  std::string tmpl = (parent / absl::StrCat(kIndexDirPrefix, ::getpid(), "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot create " + tmpl);
  return tmpl;
}

}  // namespace

namespace {

// Metadata keys of a kept index.
constexpr char kFormatKey[] = "hotline:format";
constexpr char kPositionKey[] = "hotline:position";
// Raise when what a document holds changes (its terms, values or data).
constexpr int kFormatVersion = 1;
constexpr int kMaxReplicaDirs = 16;

// Takes the first replica-N subfolder of `parent` no live process holds:
// the lock is an flock on replica-N.lock beside it (kept open; the kernel
// drops it when the process dies, however it dies).
std::string ClaimReplicaDir(const std::string& parent, int* lock_fd) {
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) throw std::runtime_error("cannot create the index folder " + parent + ": " + error.message());
  for (int i = 0; i < kMaxReplicaDirs; ++i) {
    const std::string base = (std::filesystem::path(parent) / absl::StrCat("replica-", i)).string();
    const int fd = ::open((base + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot open " + base + ".lock: " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      *lock_fd = fd;
      return base;
    }
    ::close(fd);
  }
  throw std::runtime_error(absl::StrCat("every index folder under ", parent, " (", kMaxReplicaDirs,
                                        ") is held by another replica"));
}

}  // namespace

SearchIndex::SearchIndex(v1::KnowledgeSearchSettings settings, v1::KnowledgeSynonyms synonyms,
                         const std::string& index_dir)
    : settings_(std::move(settings)),
      synonyms_(std::move(synonyms)),
      kept_(!index_dir.empty()),
      dir_(kept_ ? ClaimReplicaDir(index_dir, &lock_fd_) : MakeIndexDir()) {
  if (kept_) {
    OpenKept();
    return;
  }
  // Glass, not the InMemory backend: measured on 100 000 points, InMemory
  // took 72 s and 35 KB a point; glass in a private folder (mostly in the
  // page cache) is far smaller. No fsync: a temporary index is rebuilt from
  // Redis at every start.
  opened_ = "temporary";
  absl::MutexLock lock(&mu_);
  StartEmpty(Xapian::DB_NO_SYNC);
}

SearchIndex::~SearchIndex() {
  {
    absl::MutexLock lock(&mu_);
    db_.reset();  // a kept index commits what is pending (its position stays the last checkpoint)
  }
  {
    absl::MutexLock lock(&readers_mu_);
    idle_readers_.clear();
  }
  if (kept_) {
    ::close(lock_fd_);
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string SearchIndex::Format() const {
  return absl::StrCat("hotline-kb-index ", kFormatVersion, " weights ", WeightOr(settings_.title_weight(), 4),
                      ",", WeightOr(settings_.question_weight(), 3), ",",
                      WeightOr(settings_.keyword_weight(), 3), ",", WeightOr(settings_.answer_weight(), 1));
}

void SearchIndex::StartEmpty(int extra_flags) {
  db_.reset();
  points_.clear();
  docids_.clear();
  expiry_by_docid_.clear();
  uncommitted_ = 0;
  position_.clear();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
  db_ = std::make_unique<Xapian::WritableDatabase>(
      dir_, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS | extra_flags);
  // Xapian makes the folder 0755; the index holds drafts and retired points.
  std::error_code unchanged;
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, unchanged);
  db_->set_metadata(kFormatKey, Format());
  db_->commit();
}

void SearchIndex::OpenKept() {
  absl::MutexLock lock(&mu_);
  // A kept index is synced at each commit: after a power loss it must read
  // back as a committed state (or fail to open and be rebuilt), never as a
  // mix of two.
  try {
    if (!std::filesystem::exists(std::filesystem::path(dir_) / "iamglass")) {
      opened_ = "new";
    } else {
      db_ = std::make_unique<Xapian::WritableDatabase>(dir_, Xapian::DB_OPEN | Xapian::DB_BACKEND_GLASS);
      if (db_->get_metadata(kFormatKey) != Format()) {
        opened_ = "other format";
      } else {
        LoadDocuments();
        position_ = db_->get_metadata(kPositionKey);
        opened_ = "reopened";
        return;
      }
    }
  } catch (const Xapian::Error& e) {
    opened_ = "unreadable: " + e.get_description();
  } catch (const std::exception& e) {  // a document whose data does not parse, a bad file
    opened_ = absl::StrCat("unreadable: ", e.what());
  }
  if (opened_ != "new") log::Warning("the kept search index cannot be used; starting it afresh",
                                     {{"dir", dir_}, {"why", opened_}});
  StartEmpty(0);
}

void SearchIndex::LoadDocuments() {
  // Every document carries its point (Put): the maps searches need are made
  // from them, with no read of Redis.
  for (auto it = db_->postlist_begin(""); it != db_->postlist_end(""); ++it) {
    const Xapian::docid id = *it;
    v1::KnowledgePoint point;
    if (!point.ParseFromString(db_->get_document(id, Xapian::DOC_ASSUME_VALID).get_data()) ||
        point.code().empty() || !docids_.emplace(point.code(), id).second) {
      throw std::runtime_error(absl::StrCat("document ", id, " does not hold a point"));
    }
    if (expiry_by_docid_.size() <= id) expiry_by_docid_.resize(id + 1);
    expiry_by_docid_[id] = point.expires_on().empty() ? kNoExpiry : point.expires_on();
    points_.emplace(point.code(), std::move(point));
  }
}

void SearchIndex::Commit() const {
  db_->commit();
  uncommitted_ = 0;
  dirty_ = false;
  ++generation_;
}

std::unique_ptr<Xapian::Database> SearchIndex::TakeReader(uint64_t* generation) const {
  {
    absl::MutexLock lock(&readers_mu_);
    if (!idle_readers_.empty()) {
      auto [db, at] = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      if (at != generation_) db->reopen();  // to the last commit
      *generation = generation_;
      return std::move(db);
    }
  }
  *generation = generation_;
  return std::make_unique<Xapian::Database>(dir_);
}

void SearchIndex::GiveBack(std::unique_ptr<Xapian::Database> reader, uint64_t generation) const {
  absl::MutexLock lock(&readers_mu_);
  idle_readers_.emplace_back(std::move(reader), generation);
}

std::string SearchIndex::Position() const {
  absl::ReaderMutexLock lock(&mu_);
  return position_;
}

void SearchIndex::Checkpoint(const std::string& position) {
  absl::MutexLock lock(&mu_);
  db_->set_metadata(kPositionKey, position);
  Commit();
  position_ = position;
}

bool SearchIndex::Upsert(const v1::KnowledgePoint& point) { return Put(point, false); }

bool SearchIndex::Replace(const v1::KnowledgePoint& point) { return Put(point, true); }

bool SearchIndex::Remove(const std::string& code) {
  absl::MutexLock lock(&mu_);
  auto it = docids_.find(code);
  if (it == docids_.end()) return false;
  db_->delete_document(it->second);
  if (it->second < expiry_by_docid_.size()) expiry_by_docid_[it->second].clear();
  docids_.erase(it);
  points_.erase(code);
  ++uncommitted_;
  dirty_ = true;
  return true;
}

bool SearchIndex::Put(const v1::KnowledgePoint& point, bool even_if_older) {
  Xapian::Document doc;
  Xapian::TermGenerator terms;
  terms.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  terms.set_document(doc);
  // Field weights are within-document frequency increments: a word in the
  // title counts as several in the answer.
  const int title = WeightOr(settings_.title_weight(), 4);
  const int question = WeightOr(settings_.question_weight(), 3);
  const int keyword = WeightOr(settings_.keyword_weight(), 3);
  const int answer = WeightOr(settings_.answer_weight(), 1);
  // No positions: nothing searches phrases, and without them the index is
  // several times smaller and faster to build.
  terms.index_text_without_positions(point.title(), title);
  for (const std::string& q : point.questions()) terms.index_text_without_positions(q, question);
  for (const std::string& k : point.keywords()) terms.index_text_without_positions(k, keyword);
  terms.index_text_without_positions(point.answer(), answer);

  const std::string& code = point.code();
  doc.add_boolean_term(IdTerm(code));
  doc.add_boolean_term(StatusTerm(point.status()));
  doc.add_boolean_term(UnitTerm(point.owner_unit()));
  for (const std::string& prefix : {DomainOf(code), TopicOf(code), code}) {
    if (!prefix.empty()) doc.add_boolean_term(PrefixTerm(prefix));
  }
  doc.add_value(kSlotCode, code);
  // The whole point, so a kept index is read back without Redis.
  doc.set_data(point.SerializeAsString());

  absl::MutexLock lock(&mu_);
  auto it = points_.find(code);
  if (!even_if_older && it != points_.end() && it->second.version() >= point.version()) {
    return false;
  }
  // By document id: replacing by the id term makes Xapian look the term up
  // in its uncommitted changes, which made a 100 000-point build 10x slower.
  auto [slot, fresh] = docids_.try_emplace(code, 0);
  if (fresh) {
    slot->second = db_->add_document(doc);
  } else {
    db_->replace_document(slot->second, doc);
  }
  if (expiry_by_docid_.size() <= slot->second) expiry_by_docid_.resize(slot->second + 1);
  expiry_by_docid_[slot->second] = point.expires_on().empty() ? kNoExpiry : point.expires_on();
  points_[code] = point;
  // Small commits keep Xapian's buffer of changes small: measured 2.5x
  // faster builds than its default of one commit per 10 000 changes.
  dirty_ = true;
  if (++uncommitted_ >= 1000) Commit();
  return true;
}

std::string SearchIndex::Rewrite(const std::string& text) const {
  std::string out = text;
  // Synonyms first (a stopword may be part of one), appended so the original
  // words keep their place.
  std::string extra;
  for (const v1::SynonymGroup& group : synonyms_.groups()) {
    bool present = false;
    for (const std::string& t : group.terms()) present = present || out.find(t) != std::string::npos;
    if (!present) continue;
    for (const std::string& t : group.terms()) {
      if (out.find(t) == std::string::npos) absl::StrAppend(&extra, " ", t);
    }
  }
  for (const std::string& stop : settings_.stopwords()) {
    if (!stop.empty()) absl::StrReplaceAll({{stop, " "}}, &out);
  }
  return out + extra;
}

absl::StatusOr<SearchResult> SearchIndex::Search(const SearchQuery& query) const {
  // The query's n-grams, OR-ed: BM25 ranks points sharing more (and rarer)
  // of them first, so a rephrased question still finds its point.
  Xapian::Document scratch;
  Xapian::TermGenerator terms;
  terms.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  terms.set_document(scratch);
  terms.index_text(Rewrite(query.text));
  // Bigrams carry the meaning of Chinese text and have short posting lists;
  // single characters match nearly everything at 100 000 points (measured:
  // most of a search's time), so they are searched only when the query has
  // no bigram (a one-character word), or as a boost when the settings ask.
  std::vector<Xapian::Query> parts, unigrams;
  for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t) {
    (IsCjkUnigram(*t) ? unigrams : parts).emplace_back(*t, t.get_wdf());
  }
  if (parts.empty()) parts = std::move(unigrams);
  if (parts.empty()) return absl::InvalidArgumentError("query: has no words to search for");
  // A long question (a caller's whole sentence) has dozens of bigrams; its
  // most selective ones decide the ranking, and the common ones mostly cost
  // time (measured at 100 000 points: p99 CPU 9.1 ms with all, 3.9 ms with 9;
  // the same 137/145 in the top 3).
  const int max_terms = settings_.max_query_terms();
  Xapian::Query match =
      max_terms > 0 && static_cast<int>(parts.size()) > max_terms
          ? Xapian::Query(Xapian::Query::OP_ELITE_SET, parts.begin(), parts.end(), max_terms)
          : Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
  // Snippets highlight single characters (Xapian's CJK snippets do not mark
  // bigrams), so they are made against every n-gram of the query.
  std::vector<Xapian::Query> all_ngrams = parts;
  all_ngrams.insert(all_ngrams.end(), unigrams.begin(), unigrams.end());
  const Xapian::Query highlight(Xapian::Query::OP_OR, all_ngrams.begin(), all_ngrams.end());
  if (settings_.unigram_boost() && !unigrams.empty()) {
    // Single characters only add weight to points the bigrams found.
    match = Xapian::Query(Xapian::Query::OP_AND_MAYBE, match,
                          Xapian::Query(Xapian::Query::OP_OR, unigrams.begin(), unigrams.end()));
  }

  std::vector<Xapian::Query> filters;
  if (query.status != v1::KNOWLEDGE_STATUS_UNSPECIFIED) {
    filters.emplace_back(StatusTerm(query.status));
  } else if (query.include_retired) {
    filters.emplace_back(Xapian::Query::OP_OR, Xapian::Query(StatusTerm(v1::KNOWLEDGE_STATUS_PUBLISHED)),
                         Xapian::Query(StatusTerm(v1::KNOWLEDGE_STATUS_RETIRED)));
  } else {
    filters.emplace_back(StatusTerm(v1::KNOWLEDGE_STATUS_PUBLISHED));
  }
  if (!query.owner_unit.empty()) filters.emplace_back(UnitTerm(query.owner_unit));
  if (!query.code_prefix.empty() && query.code_prefix != "KB") {
    filters.emplace_back(PrefixTerm(query.code_prefix));
  }
  Xapian::Query filter(Xapian::Query::OP_AND, filters.begin(), filters.end());
  Xapian::Query full(Xapian::Query::OP_FILTER, match, filter);

  SearchResult result;
  // Searches run side by side, each on a read handle of its own (Xapian
  // objects are not thread-safe) over the last commit; a change not yet
  // committed (a write through this replica) is committed first. Measured
  // under 32 callers at 100 000 points: one handle behind one mutex left
  // the second core idle (bench/README.md, "Queries under concurrency").
  if (dirty_.load()) {
    absl::MutexLock lock(&mu_);
    if (dirty_) Commit();
  }
  absl::ReaderMutexLock lock(&mu_);
  uint64_t generation = 0;
  std::unique_ptr<Xapian::Database> reader = TakeReader(&generation);
  // Given back after the Enquire and MSets below are gone (declared after
  // this, destroyed before it): they share the handle's internals.
  const absl::Cleanup give_back = [&] { GiveBack(std::move(reader), generation); };
  Xapian::Enquire enquire(*reader);
  enquire.set_query(full);
  const NotExpired not_expired(expiry_by_docid_, absl::FormatCivilTime(query.today));
  Xapian::MSet mset = enquire.get_mset(0, std::max(1, query.limit), nullptr,
                                       query.include_expired ? nullptr : &not_expired);
  result.matches_estimated = mset.get_matches_estimated();
  // An empty result set of the highlight query: no matching is done, it only
  // carries the terms snippet() marks.
  Xapian::Enquire marker(*reader);
  marker.set_query(highlight);
  const Xapian::MSet marks = marker.get_mset(0, 0);
  for (auto m = mset.begin(); m != mset.end(); ++m) {
    const std::string code = m.get_document().get_value(kSlotCode);
    auto it = points_.find(code);
    if (it == points_.end()) continue;
    const v1::KnowledgePoint& p = it->second;
    v1::KnowledgeHit& hit = result.hits.emplace_back();
    hit.set_code(code);
    hit.set_title(p.title());
    hit.set_status(p.status());
    hit.set_owner_unit(p.owner_unit());
    hit.set_expires_on(p.expires_on());
    hit.set_score(m.get_weight());
    hit.set_snippet(PlainSnippet(marks.snippet(
        p.answer(), kSnippetBytes, Xapian::Stem(),
        // Without the background model: it looks up every word of the
        // answer in the index, which made snippets most of a search's time.
        Xapian::MSet::SNIPPET_CJK_NGRAM | Xapian::MSet::SNIPPET_EXHAUSTIVE,
        "【", "】", "…")));
  }
  return result;
}

std::vector<v1::KnowledgeSummary> SearchIndex::Expiring(const std::string& owner_unit,
                                                        absl::CivilDay until) const {
  std::vector<v1::KnowledgeSummary> out;
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [code, p] : points_) {
    if (p.owner_unit() != owner_unit || p.status() == v1::KNOWLEDGE_STATUS_RETIRED) continue;
    std::optional<absl::CivilDay> expiry = ParseDay(p.expires_on());
    if (!expiry || *expiry > until) continue;
    v1::KnowledgeSummary& s = out.emplace_back();
    s.set_code(code);
    s.set_title(p.title());
    s.set_status(p.status());
    s.set_version(p.version());
    s.set_owner_unit(p.owner_unit());
    s.set_expires_on(p.expires_on());
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.expires_on() < b.expires_on();
  });
  return out;
}

int64_t SearchIndex::VersionOf(const std::string& code) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = points_.find(code);
  return it == points_.end() ? 0 : it->second.version();
}

std::map<std::string, IndexedVersion> SearchIndex::Versions() const {
  absl::ReaderMutexLock lock(&mu_);
  std::map<std::string, IndexedVersion> out;
  for (const auto& [code, point] : points_) {
    const int64_t ms = point.updated_at().seconds() * 1000 + point.updated_at().nanos() / 1000000;
    out.emplace(code, IndexedVersion{.version = point.version(), .updated_at_ms = ms});
  }
  return out;
}

size_t SearchIndex::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return points_.size();
}

}  // namespace hotline::knowledge
