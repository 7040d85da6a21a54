#pragma once
// The Redis key schema of the knowledge base: every key the knowledge store
// (and intake's on-spot check) reads or writes is named here and nowhere else;
// scripts get every key they touch in KEYS.
//
//   <p>kb:point:{CODE}           hash, the current version of a point:
//                                  point        hotline.v1.KnowledgePoint, binary protobuf
//                                  version      1, 2, 3 ...
//                                  at_ms        when that version was written (its updated_at)
//                                  status       draft | published | retired
//                                  use_count, fcr_count, not_helpful_count   counters
//   <p>kb:point:{CODE}:versions  list: every version (binary KnowledgePoint), oldest first
//   <p>kb:codes                  sorted set, all scores 0: every code, listed by
//                                  ZRANGEBYLEX (fixed-width codes: byte order = code order)
//   <p>kb:summaries              hash code -> binary hotline.v1.KnowledgeSummary (listing)
//   <p>kb:changes                stream: one entry per write (code, version, at_ms);
//                                  every knowledge replica follows it to keep its index
//   <p>kb:unanswered             sorted set: searches that found nothing (text with digits
//                                  masked, cut to 30 characters) scored by how often;
//                                  at most ~500 (Space-Saving), read only by the
//                                  audited ListUnansweredQueries
//
// Intake's create_order.lua reads `status` and increments `use_count` and
// `fcr_count` of Point(code) when an order is answered on the spot.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace hotline::knowledge {

// The status values of the `status` field.
inline constexpr char kStatusDraft[] = "draft";
inline constexpr char kStatusPublished[] = "published";
inline constexpr char kStatusRetired[] = "retired";

class KnowledgeKeys {
 public:
  explicit KnowledgeKeys(std::string prefix = "hotline:") : prefix_(std::move(prefix)) {}

  const std::string& prefix() const { return prefix_; }
  std::string Point(absl::string_view code) const {
    return absl::StrCat(prefix_, "kb:point:{", code, "}");
  }
  std::string Versions(absl::string_view code) const { return absl::StrCat(Point(code), ":versions"); }
  std::string Codes() const { return absl::StrCat(prefix_, "kb:codes"); }
  std::string Summaries() const { return absl::StrCat(prefix_, "kb:summaries"); }
  std::string Changes() const { return absl::StrCat(prefix_, "kb:changes"); }
  std::string Unanswered() const { return absl::StrCat(prefix_, "kb:unanswered"); }

 private:
  std::string prefix_;
};

}  // namespace hotline::knowledge
