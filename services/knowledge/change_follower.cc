#include "knowledge/change_follower.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "log/log.h"
#include "redis/reply_status.h"

namespace hotline::knowledge {
namespace {

constexpr size_t kBatch = 2000;

using StreamId = std::pair<uint64_t, uint64_t>;

// Reads a stream id "ms-seq" into a pair that orders like the stream; false
// when it is not one.
bool ParseStreamId(const std::string& id, StreamId* out) {
  std::pair<std::string, std::string> parts = absl::StrSplit(id, absl::MaxSplits('-', 1));
  *out = {0, 0};
  if (!absl::SimpleAtoi(parts.first, &out->first)) return false;
  return parts.second.empty() || absl::SimpleAtoi(parts.second, &out->second);
}

// What XINFO STREAM says of the stream's ends.
struct StreamEnds {
  bool exists = false;
  std::optional<StreamId> first;  // the oldest entry left, none when empty
  StreamId last_generated = {0, 0};
};

absl::Status ReplyError(const absl::StatusOr<redis::Reply>& r) {
  if (!r.ok()) return r.status();
  if (r->is_error()) return redis::ErrorReplyToStatus(r->str);
  return absl::OkStatus();
}

absl::StatusOr<StreamEnds> ReadStreamEnds(redis::Client& redis, const std::string& key) {
  absl::StatusOr<redis::Reply> info = redis.Execute({"XINFO", "STREAM", key});
  StreamEnds ends;
  if (info.ok() && info->is_error() && absl::StrContains(info->str, "no such key")) return ends;
  if (absl::Status s = ReplyError(info); !s.ok()) return s;
  ends.exists = true;
  for (size_t i = 0; i + 1 < info->elements.size(); i += 2) {
    const std::string& field = info->elements[i].str;
    const redis::Reply& value = info->elements[i + 1];
    StreamId id;
    if (field == "first-entry" && !value.elements.empty() && ParseStreamId(value.elements[0].str, &id)) {
      ends.first = id;
    } else if (field == "last-generated-id" && ParseStreamId(value.str, &id)) {
      ends.last_generated = id;
    }
  }
  return ends;
}

// One family, two reasons (the registry merges the second registration).
prometheus::Family<prometheus::Counter>& Rebuilds(prometheus::Registry& metrics) {
  return prometheus::BuildCounter()
      .Name("hotline_knowledge_index_rebuilds_total")
      .Help("Index rebuilds from the store: at start when no kept index could catch up "
            "(reason start), or because changes this replica had not read were trimmed from "
            "the change stream (reason gap: it fell behind the cap).")
      .Register(metrics);
}

}  // namespace

ChangeFollower::ChangeFollower(redis::Client& redis, KnowledgeKeys keys, SearchIndex& index,
                               KnowledgeBase& base, prometheus::Registry& metrics,
                               ChangeFollowerOptions options)
    : redis_(redis),
      keys_(std::move(keys)),
      index_(index),
      base_(base),
      options_(options),
      indexed_points_(prometheus::BuildGauge()
                          .Name("hotline_knowledge_index_points")
                          .Help("Knowledge points in this replica's search index.")
                          .Register(metrics)
                          .Add({})),
      build_seconds_(prometheus::BuildGauge()
                         .Name("hotline_knowledge_index_build_seconds")
                         .Help("How long making the search index ready at start took: a build "
                               "from Redis, or opening the kept index and catching up (0 until ready).")
                         .Register(metrics)
                         .Add({})),
      last_poll_(prometheus::BuildGauge()
                     .Name("hotline_knowledge_follower_last_poll_timestamp_seconds")
                     .Help("When the change-stream follower last read the stream (stands still if "
                           "it hangs).")
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
                         .Add({})),
      rebuilds_gap_(Rebuilds(metrics).Add({{"reason", "gap"}})),
      rebuilds_start_(Rebuilds(metrics).Add({{"reason", "start"}})),
      drift_(prometheus::BuildCounter()
                 .Name("hotline_knowledge_index_drift_total")
                 .Help("Indexed points found at another version than Redis holds (or gone from "
                       "it) by the periodic comparison, and re-read.")
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

absl::Status ChangeFollower::Reindex(const std::vector<std::string>& codes, bool exact) {
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
      absl::Status s = ReplyError(r);
      if (s.ok() && !r->is_nil()) stored[i] = std::move(r->str);
      if (!s.ok()) {
        std::lock_guard lock(mu);
        if (first_error.ok()) first_error = s;
      }
      pending.DecrementCount();
    });
  }
  pending.Wait();
  // Nothing of a failed batch is applied: the caller reads it all again.
  if (!first_error.ok()) return first_error;
  for (size_t i = 0; i < codes.size(); ++i) {
    if (!stored[i]) {
      if (exact) index_.Remove(codes[i]);
      continue;
    }
    v1::KnowledgePoint p;
    if (!p.ParseFromString(*stored[i])) {
      // Reading it again would not help; one bad record must not stop the
      // follower. Counted and logged so an operator sees it.
      follow_errors_.Increment();
      log::Error("a stored knowledge point does not parse; skipped", {{"code", codes[i]}});
      continue;
    }
    if (exact ? index_.Replace(p) : index_.Upsert(p)) changes_applied_.Increment();
  }
  indexed_points_.Set(static_cast<double>(index_.size()));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ChangeFollower::Build() {
  // A kept index half rebuilt reflects no position: if the replica dies
  // meanwhile, the next start builds again.
  index_.Checkpoint("");
  absl::StatusOr<redis::Reply> last = redis_.Execute({"XREVRANGE", keys_.Changes(), "+", "-", "COUNT", "1"});
  if (absl::Status s = ReplyError(last); !s.ok()) return s;
  std::string last_id = last->elements.empty() || last->elements[0].elements.empty()
                            ? "0-0"
                            : last->elements[0].elements[0].str;
  absl::StatusOr<redis::Reply> codes = redis_.Execute({"ZRANGE", keys_.Codes(), "0", "-1"});
  if (absl::Status s = ReplyError(codes); !s.ok()) return s;
  std::set<std::string> in_store;
  std::vector<std::string> batch;
  for (size_t i = 0; i < codes->elements.size(); ++i) {
    batch.push_back(codes->elements[i].str);
    in_store.insert(codes->elements[i].str);
    if (batch.size() == kBatch || i + 1 == codes->elements.size()) {
      if (absl::Status s = Reindex(batch, /*exact=*/true); !s.ok()) return s;
      batch.clear();
    }
  }
  // A rebuild over a used index: what the store no longer has goes.
  for (const auto& [code, version] : index_.Versions()) {
    if (!in_store.contains(code)) index_.Remove(code);
  }
  indexed_points_.Set(static_cast<double>(index_.size()));
  index_.Checkpoint(last_id);
  return last_id;
}

absl::StatusOr<std::string> ChangeFollower::CannotCatchUp(const std::string& position) {
  StreamId mine;
  // 0-0: the stream was empty when the index was built, so nothing tells
  // whether entries were added and trimmed since.
  if (position.empty() || position == "0-0" || !ParseStreamId(position, &mine)) {
    return position.empty() ? "no position" : "position " + position;
  }
  absl::StatusOr<StreamEnds> ends = ReadStreamEnds(redis_, keys_.Changes());
  if (!ends.ok()) return ends.status();
  if (!ends->exists) return "the change stream is gone";
  // Redis restored from an older copy, or another Redis.
  if (ends->last_generated < mine) return "the change stream is behind the index";
  if (!ends->first ? ends->last_generated != mine : mine < *ends->first) {
    return "changes after the index's position were trimmed";
  }
  return "";
}

absl::StatusOr<std::string> ChangeFollower::Open(bool* rebuilt) {
  *rebuilt = false;
  std::string position = index_.Position();
  absl::StatusOr<std::string> why = CannotCatchUp(position);
  if (!why.ok()) return why.status();
  if (why->empty()) {
    // Read without waiting until a read brings nothing: then the index is
    // as current as the stream was a moment ago. A trim meanwhile makes Poll
    // rebuild.
    for (;;) {
      const std::string before = position;
      absl::StatusOr<int> n = Poll(&position, -1);
      if (!n.ok()) return n.status();
      if (*n == 0 || position == before) break;
    }
    return position;  // checkpointed by Run once serving (a commit, fsynced: not on the way to serving)
  }
  if (index_.size() > 0 || position != "") {
    log::Warning("the kept search index cannot catch up; building it from Redis", {{"why", *why}});
  }
  *rebuilt = true;
  rebuilds_start_.Increment();
  return Build();
}

absl::StatusOr<bool> ChangeFollower::Trimmed(const std::string& last_id) {
  absl::StatusOr<StreamEnds> ends = ReadStreamEnds(redis_, keys_.Changes());
  if (!ends.ok()) return ends.status();
  // A stream that was empty at the build: nothing of it can have been
  // trimmed before this replica's first read.
  if (last_id == "0-0") return false;
  StreamId mine;
  if (!ParseStreamId(last_id, &mine)) {
    return absl::InternalError(absl::StrCat("bad stream position ", last_id));
  }
  // Trimming removes the oldest entries (and leaves max-deleted-entry-id
  // alone), so entries were lost iff the oldest left is past ours. At worst,
  // when the trim ended exactly at ours, a needless rebuild.
  return ends->first && mine < *ends->first;
}

absl::StatusOr<int> ChangeFollower::Poll(std::string* last_id, int block_ms) {
  std::vector<std::string> read = {"XREAD", "COUNT", "500"};
  if (block_ms >= 0) read.insert(read.end(), {"BLOCK", absl::StrCat(block_ms)});
  read.insert(read.end(), {"STREAMS", keys_.Changes(), *last_id});
  absl::StatusOr<redis::Reply> r = redis_.Execute(read);
  last_poll_.Set(absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()));
  if (absl::Status s = ReplyError(r); !s.ok()) return s;
  if (r->is_nil() || r->elements.empty()) return 0;
  // Checked after the read: a trim is caused by a write, so any trim of
  // entries before those just read shows by now.
  absl::StatusOr<bool> trimmed = Trimmed(*last_id);
  if (!trimmed.ok()) return trimmed.status();
  if (*trimmed) {
    log::Warning("changes this replica had not read were trimmed from the stream; rebuilding",
                 {{"position", *last_id}});
    absl::StatusOr<std::string> built = Build();
    if (!built.ok()) return built.status();
    rebuilds_gap_.Increment();
    *last_id = *built;
    return 0;
  }
  // [[stream, [[id, [field, value, ...]], ...]]]
  const redis::Reply& entries = r->elements[0].elements[1];
  std::vector<std::string> codes;
  std::string batch_last = *last_id;
  for (const redis::Reply& entry : entries.elements) {
    batch_last = entry.elements[0].str;
    const redis::Reply& fields = entry.elements[1];
    for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
      if (fields.elements[i].str == "code") codes.push_back(fields.elements[i + 1].str);
    }
  }
  if (absl::Status s = Reindex(codes, /*exact=*/false); !s.ok()) return s;
  *last_id = std::move(batch_last);  // only now: the batch is in the index
  return static_cast<int>(codes.size());
}

absl::StatusOr<int> ChangeFollower::CheckDrift() {
  absl::StatusOr<redis::Reply> codes = redis_.Execute({"ZRANGE", keys_.Codes(), "0", "-1"});
  if (absl::Status s = ReplyError(codes); !s.ok()) return s;
  // Taken before the store's versions: a write racing with the comparison
  // makes a needless re-read at worst, and its stream entry is applied by the
  // next Poll anyway.
  std::map<std::string, IndexedVersion> indexed = index_.Versions();
  std::vector<std::string> differ;
  for (size_t from = 0; from < codes->elements.size(); from += kBatch) {
    const size_t to = std::min(codes->elements.size(), from + kBatch);
    // The version and, where the record has it, when it was written: after
    // a restore an edit can reach a version number the index already has.
    std::vector<std::optional<IndexedVersion>> stored(to - from);
    absl::BlockingCounter pending(static_cast<int>(to - from));
    std::mutex mu;
    absl::Status first_error;
    for (size_t i = from; i < to; ++i) {
      redis_.Submit({"HMGET", keys_.Point(codes->elements[i].str), "version", "at_ms"},
                    [&, i](absl::StatusOr<redis::Reply> r) {
                      absl::Status s = ReplyError(r);
                      if (s.ok() && r->elements.size() == 2 && !r->elements[0].is_nil()) {
                        IndexedVersion v;
                        if (!absl::SimpleAtoi(r->elements[0].str, &v.version) ||
                            (!r->elements[1].is_nil() &&
                             !absl::SimpleAtoi(r->elements[1].str, &v.updated_at_ms))) {
                          s = absl::InternalError("a stored version is not a number");
                        } else {
                          // A record written before at_ms was kept: versions only.
                          if (r->elements[1].is_nil()) v.updated_at_ms = -1;
                          stored[i - from] = v;
                        }
                      }
                      if (!s.ok()) {
                        std::lock_guard lock(mu);
                        if (first_error.ok()) first_error = s;
                      }
                      pending.DecrementCount();
                    });
    }
    pending.Wait();
    if (!first_error.ok()) return first_error;
    for (size_t i = from; i < to; ++i) {
      const std::string& code = codes->elements[i].str;
      auto it = indexed.find(code);
      const std::optional<IndexedVersion>& theirs = stored[i - from];
      const bool same = it == indexed.end()
                            ? !theirs.has_value()
                            : theirs.has_value() && theirs->version == it->second.version &&
                                  (theirs->updated_at_ms < 0 ||
                                   theirs->updated_at_ms == it->second.updated_at_ms);
      if (!same) differ.push_back(code);
      if (it != indexed.end()) indexed.erase(it);
    }
  }
  // Left in `indexed`: points Redis no longer lists (created after the copy
  // it was restored from).
  for (const auto& [code, version] : indexed) differ.push_back(code);
  for (size_t from = 0; from < differ.size(); from += kBatch) {
    std::vector<std::string> batch(differ.begin() + from,
                                   differ.begin() + std::min(differ.size(), from + kBatch));
    if (absl::Status s = Reindex(batch, /*exact=*/true); !s.ok()) return s;
  }
  if (!differ.empty()) {
    drift_.Increment(static_cast<double>(differ.size()));
    log::Warning("search index drifted from Redis; re-read",
                 {{"points", absl::StrCat(differ.size())}});
  }
  return static_cast<int>(differ.size());
}

void ChangeFollower::Run() {
  const absl::Time start = absl::Now();
  std::string last_id;
  bool rebuilt = true;
  while (!stop_) {
    absl::StatusOr<std::string> ready = Open(&rebuilt);
    if (ready.ok()) {
      last_id = *ready;
      break;
    }
    follow_errors_.Increment();
    log::Warning("cannot build the search index yet; retrying", {{"error", ready.status().ToString()}});
    absl::SleepFor(absl::Milliseconds(500));
  }
  if (stop_) return;
  build_seconds_.Set(absl::ToDoubleSeconds(absl::Now() - start));
  base_.MarkIndexReady();
  log::Info("search index built", {{"points", absl::StrCat(index_.size())},
                                   {"from", rebuilt ? "redis" : "kept index and change stream"},
                                   {"seconds", absl::StrCat(absl::ToDoubleSeconds(absl::Now() - start))}});
  // An index kept on disk is compared with Redis at once (in the
  // background, serving meanwhile): a Redis restored from an older copy, or
  // another Redis, can still hold a stream that seems to follow on.
  absl::Time next_check = rebuilt ? absl::Now() + options_.drift_check_interval : absl::Now();
  std::string checkpointed = index_.Position();
  while (!stop_) {
    absl::StatusOr<int> applied = Poll(&last_id, 200);
    if (!applied.ok()) {
      follow_errors_.Increment();
      absl::SleepFor(absl::Milliseconds(200));
      continue;
    }
    if (last_id != checkpointed) {
      index_.Checkpoint(last_id);
      checkpointed = last_id;
    }
    if (absl::Now() < next_check) continue;
    absl::StatusOr<int> fixed = CheckDrift();
    // A failed comparison is tried again soon rather than a whole interval later.
    next_check =
        absl::Now() + (fixed.ok() ? options_.drift_check_interval
                                  : std::min(options_.drift_check_interval, absl::Seconds(10)));
    if (!fixed.ok()) {
      follow_errors_.Increment();
      log::Warning("cannot compare the index with Redis; retrying",
                   {{"error", fixed.status().ToString()}});
    }
  }
}

}  // namespace hotline::knowledge
