#include "knowledge/change_follower.h"

#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "log/log.h"
#include "redis/reply_status.h"

namespace hotline::knowledge {

ChangeFollower::ChangeFollower(redis::Client& redis, KnowledgeKeys keys, SearchIndex& index,
                               KnowledgeBase& base, prometheus::Registry& metrics)
    : redis_(redis),
      keys_(std::move(keys)),
      index_(index),
      base_(base),
      indexed_points_(prometheus::BuildGauge()
                          .Name("hotline_knowledge_index_points")
                          .Help("Knowledge points in this replica's search index.")
                          .Register(metrics)
                          .Add({})),
      build_seconds_(prometheus::BuildGauge()
                         .Name("hotline_knowledge_index_build_seconds")
                         .Help("How long building the search index at start took (0 until built).")
                         .Register(metrics)
                         .Add({})),
      last_poll_(prometheus::BuildGauge()
                     .Name("hotline_knowledge_follower_last_poll_timestamp_seconds")
                     .Help("When the change-stream follower last read the stream (stands still if it hangs).")
                     .Register(metrics)
                     .Add({})),
      changes_applied_(prometheus::BuildCounter()
                           .Name("hotline_knowledge_changes_applied_total")
                           .Help("Point versions taken into the index from the change stream.")
                           .Register(metrics)
                           .Add({})),
      follow_errors_(prometheus::BuildCounter()
                         .Name("hotline_knowledge_follow_errors_total")
                         .Help("Failed reads of the store or the change stream (retried).")
                         .Register(metrics)
                         .Add({})) {}

ChangeFollower::~ChangeFollower() { Stop(); }

void ChangeFollower::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ChangeFollower::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

absl::Status ChangeFollower::Reindex(const std::vector<std::string>& codes) {
  // All reads in flight at once (the client pipelines them); the callbacks
  // only keep the bytes, and indexing happens here afterwards, so the Redis
  // workers are never held up by the index (they were, and reads queued
  // behind a 100 000-point build timed out).
  std::vector<std::optional<std::string>> stored(codes.size());
  absl::BlockingCounter pending(static_cast<int>(codes.size()));
  std::mutex mu;
  absl::Status first_error;
  for (size_t i = 0; i < codes.size(); ++i) {
    redis_.Submit({"HGET", keys_.Point(codes[i]), "point"}, [&, i](absl::StatusOr<redis::Reply> r) {
      absl::Status s;
      if (!r.ok()) {
        s = r.status();
      } else if (r->is_error()) {
        s = redis::ErrorReplyToStatus(r->str);
      } else if (!r->is_nil()) {
        stored[i] = std::move(r->str);
      }
      if (!s.ok()) {
        std::lock_guard lock(mu);
        if (first_error.ok()) first_error = s;
      }
      pending.DecrementCount();
    });
  }
  pending.Wait();
  for (const std::optional<std::string>& bytes : stored) {
    if (!bytes) continue;
    v1::KnowledgePoint p;
    if (!p.ParseFromString(*bytes)) return absl::InternalError("a stored point does not parse");
    if (index_.Upsert(p)) changes_applied_.Increment();
  }
  indexed_points_.Set(static_cast<double>(index_.size()));
  return first_error;
}

absl::StatusOr<std::string> ChangeFollower::Build() {
  absl::StatusOr<redis::Reply> last = redis_.Execute({"XREVRANGE", keys_.Changes(), "+", "-", "COUNT", "1"});
  if (!last.ok()) return last.status();
  if (last->is_error()) return redis::ErrorReplyToStatus(last->str);
  std::string last_id = last->elements.empty() || last->elements[0].elements.empty()
                            ? "0-0"
                            : last->elements[0].elements[0].str;
  absl::StatusOr<redis::Reply> codes = redis_.Execute({"ZRANGE", keys_.Codes(), "0", "-1"});
  if (!codes.ok()) return codes.status();
  if (codes->is_error()) return redis::ErrorReplyToStatus(codes->str);
  constexpr size_t kBatch = 2000;
  std::vector<std::string> batch;
  for (size_t i = 0; i < codes->elements.size(); ++i) {
    batch.push_back(codes->elements[i].str);
    if (batch.size() == kBatch || i + 1 == codes->elements.size()) {
      if (absl::Status s = Reindex(batch); !s.ok()) return s;
      batch.clear();
    }
  }
  return last_id;
}

absl::StatusOr<int> ChangeFollower::Poll(std::string* last_id, int block_ms) {
  absl::StatusOr<redis::Reply> r =
      redis_.Execute({"XREAD", "COUNT", "500", "BLOCK", absl::StrCat(block_ms), "STREAMS",
                      keys_.Changes(), *last_id});
  last_poll_.Set(absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()));
  if (!r.ok()) return r.status();
  if (r->is_error()) return redis::ErrorReplyToStatus(r->str);
  if (r->is_nil() || r->elements.empty()) return 0;
  // [[stream, [[id, [field, value, ...]], ...]]]
  const redis::Reply& entries = r->elements[0].elements[1];
  std::vector<std::string> codes;
  for (const redis::Reply& entry : entries.elements) {
    *last_id = entry.elements[0].str;
    const redis::Reply& fields = entry.elements[1];
    for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
      if (fields.elements[i].str == "code") codes.push_back(fields.elements[i + 1].str);
    }
  }
  if (absl::Status s = Reindex(codes); !s.ok()) return s;
  return static_cast<int>(codes.size());
}

void ChangeFollower::Run() {
  const absl::Time start = absl::Now();
  std::string last_id;
  while (!stop_) {
    absl::StatusOr<std::string> built = Build();
    if (built.ok()) {
      last_id = *built;
      break;
    }
    follow_errors_.Increment();
    log::Warning("cannot build the search index yet; retrying", {{"error", built.status().ToString()}});
    absl::SleepFor(absl::Milliseconds(500));
  }
  if (stop_) return;
  build_seconds_.Set(absl::ToDoubleSeconds(absl::Now() - start));
  base_.MarkIndexReady();
  log::Info("search index built", {{"points", absl::StrCat(index_.size())}});
  while (!stop_) {
    absl::StatusOr<int> applied = Poll(&last_id, 200);
    if (!applied.ok()) {
      follow_errors_.Increment();
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
}

}  // namespace hotline::knowledge
