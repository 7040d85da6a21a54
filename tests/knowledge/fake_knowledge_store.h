#pragma once
// An in-memory KnowledgeStore with the Redis store's semantics (compare-and-
// set versions, every version kept, prefix listing in code order), for testing
// the domain core alone. `down` makes every call fail UNAVAILABLE. Calls
// `done` inline. Thread-safe.
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "knowledge_points/kb_code.h"
#include "knowledge_points/knowledge_store.h"
#include "knowledge/unanswered.h"

namespace hotline::testing {

class FakeKnowledgeStore final : public knowledge::KnowledgeStore {
 public:
  bool down = false;

  void Put(v1::KnowledgePoint point, int64_t expected, knowledge::Done<v1::KnowledgePoint> done) override {
    std::unique_lock lock(mu_);
    if (down) return Unavailable(lock, done);
    auto& versions = versions_[point.code()];
    const int64_t current = static_cast<int64_t>(versions.size());
    absl::Status error;
    if (expected == 0 && current != 0) error = absl::AlreadyExistsError("exists");
    else if (expected != 0 && current == 0) error = absl::NotFoundError("not found");
    else if (current != expected) error = absl::AbortedError(absl::StrCat("at version ", current));
    if (!error.ok()) {
      if (current == 0) versions_.erase(point.code());
      lock.unlock();
      return done(error);
    }
    versions.push_back(point);
    lock.unlock();
    done(std::move(point));
  }

  void Get(std::string code, knowledge::Done<v1::KnowledgePoint> done) override {
    std::unique_lock lock(mu_);
    if (down) return Unavailable(lock, done);
    auto it = versions_.find(code);
    if (it == versions_.end()) {
      lock.unlock();
      return done(absl::NotFoundError(code));
    }
    v1::KnowledgePoint p = it->second.back();
    p.set_not_helpful_count(not_helpful_[code]);
    lock.unlock();
    done(std::move(p));
  }

  void History(std::string code, knowledge::Done<std::vector<v1::KnowledgePoint>> done) override {
    std::unique_lock lock(mu_);
    if (down) return Unavailable(lock, done);
    auto it = versions_.find(code);
    if (it == versions_.end()) {
      lock.unlock();
      return done(absl::NotFoundError(code));
    }
    std::vector<v1::KnowledgePoint> copy = it->second;
    lock.unlock();
    done(std::move(copy));
  }

  void List(std::string prefix, std::string after, int limit,
            knowledge::Done<std::vector<v1::KnowledgeSummary>> done) override {
    std::unique_lock lock(mu_);
    if (down) return Unavailable(lock, done);
    std::vector<v1::KnowledgeSummary> out;
    for (auto it = after.empty() ? versions_.lower_bound(prefix) : versions_.upper_bound(after);
         it != versions_.end() && static_cast<int>(out.size()) < limit; ++it) {
      if (!knowledge::IsUnder(it->first, prefix)) {
        if (it->first > prefix + "\xff") break;
        continue;
      }
      out.push_back(knowledge::SummaryOf(it->second.back()));
    }
    lock.unlock();
    done(std::move(out));
  }

  void MarkNotHelpful(std::string code, knowledge::Done<int64_t> done) override {
    std::unique_lock lock(mu_);
    if (down) return Unavailable(lock, done);
    if (!versions_.count(code)) {
      lock.unlock();
      return done(absl::NotFoundError(code));
    }
    int64_t n = ++not_helpful_[code];
    lock.unlock();
    done(n);
  }

  void RecordUnanswered(std::string query, knowledge::Done<int64_t> done) override {
    std::unique_lock lock(mu_);
    if (down) return Unavailable(lock, done);
    lock.unlock();
    unanswered_.Record(query);
    int64_t n = 0;
    for (auto& [q, count] : unanswered_.Top(SIZE_MAX)) {
      if (q == query) n = count;
    }
    done(n);
  }

  void TopUnanswered(int limit,
                     knowledge::Done<std::vector<knowledge::UnansweredCount>> done) override {
    std::unique_lock lock(mu_);
    if (down) return Unavailable(lock, done);
    lock.unlock();
    std::vector<knowledge::UnansweredCount> out;
    for (auto& [q, count] : unanswered_.Top(static_cast<size_t>(std::max(limit, 0)))) {
      out.push_back({.query = q, .count = count});
    }
    done(std::move(out));
  }

 private:
  knowledge::UnansweredQueries unanswered_;
  template <typename T>
  static void Unavailable(std::unique_lock<std::mutex>& lock, knowledge::Done<T>& done) {
    lock.unlock();
    done(absl::UnavailableError("fake store down"));
  }

  std::mutex mu_;
  std::map<std::string, std::vector<v1::KnowledgePoint>> versions_;
  std::map<std::string, int64_t> not_helpful_;
};

}  // namespace hotline::testing
