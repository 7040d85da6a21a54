// Knowledge codes (libs/knowledge_points/kb_code) and search queries (the replica's
// index, services/knowledge/search_index: stopwords, synonyms, CJK n-grams,
// Xapian; and the unanswered-query normaliser). The index holds one seed file
// of data/knowledge. Input: a code or prefix, '\n', the query text.
// Properties: nothing crashes; a valid code is a valid prefix and lies under
// its domain and topic; every hit lies under the prefix searched, at most
// `limit` of them, with UTF-8 titles and snippets; the normalised unanswered
// query is UTF-8 of at most 30 characters.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "config/text_proto.h"
#include "fuzz_support.h"
#include "knowledge_points/kb_code.h"
#include "knowledge_points/point_validation.h"
#include "knowledge/search_index.h"
#include "knowledge/unanswered.h"
#include "text/utf8.h"

namespace kb = hotline::knowledge;
namespace v1 = hotline::v1;
using hotline::fuzz::ReadRepoFile;

namespace {

kb::SearchIndex* Index() {
  static kb::SearchIndex* const index = [] {
    v1::KnowledgeSearchSettings settings;
    v1::KnowledgeSynonyms synonyms;
    v1::KnowledgeSeed seed;
    FUZZ_CHECK(hotline::config::ParseTextProto(ReadRepoFile("data/knowledge_search.textproto"),
                                               "settings", &settings).ok());
    FUZZ_CHECK(hotline::config::ParseTextProto(ReadRepoFile("data/knowledge/synonyms.textproto"),
                                               "synonyms", &synonyms).ok());
    FUZZ_CHECK(hotline::config::ParseTextProto(
                   ReadRepoFile("data/knowledge/seed_05_hukou.textproto"), "seed", &seed).ok());
    auto* idx = new kb::SearchIndex(settings, synonyms);
    for (const v1::KnowledgeSeedPoint& p : seed.points()) {
      v1::KnowledgePoint point = kb::FromSeed(p);
      point.set_status(v1::KNOWLEDGE_STATUS_PUBLISHED);
      point.set_version(1);
      idx->Upsert(point);
    }
    FUZZ_CHECK(idx->size() > 0);
    return idx;
  }();
  return index;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)Index();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string code = input.substr(0, nl);
  const std::string query = nl == std::string::npos ? "" : input.substr(nl + 1);

  // Codes and prefixes.
  const bool valid_code = !kb::CodeProblem(code).has_value();
  const bool valid_prefix = !kb::PrefixProblem(code).has_value();
  const std::string domain = kb::DomainOf(code), topic = kb::TopicOf(code);
  if (valid_code) {
    FUZZ_CHECK(valid_prefix);
    FUZZ_CHECK(!domain.empty() && !topic.empty());
    FUZZ_CHECK(kb::IsUnder(code, domain) && kb::IsUnder(code, topic) && kb::IsUnder(code, "KB"));
    FUZZ_CHECK(kb::IsUnder(code, code));
  } else {
    FUZZ_CHECK(domain.empty() && topic.empty());
  }

  // Queries: what reaches the index has passed the gateway's UTF-8 check.
  if (!hotline::text::IsValidUtf8(query)) return 0;
  const std::string unanswered = kb::NormalizeUnansweredQuery(query);
  FUZZ_CHECK(hotline::text::IsValidUtf8(unanswered));
  FUZZ_CHECK(hotline::text::CodePointCount(unanswered) <= 30);

  kb::SearchQuery q;
  q.text = query;
  q.code_prefix = valid_prefix ? code : "";
  q.limit = size == 0 ? 10 : 1 + data[0] % 20;
  q.include_expired = size > 1 && (data[1] & 1);
  q.include_retired = size > 1 && (data[1] & 2);
  q.today = absl::CivilDay(2026, 9, 14);
  absl::StatusOr<kb::SearchResult> result = Index()->Search(q);
  if (!result.ok()) {
    FUZZ_CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(static_cast<int>(result->hits.size()) <= q.limit);
  for (const v1::KnowledgeHit& hit : result->hits) {
    if (!q.code_prefix.empty()) FUZZ_CHECK(kb::IsUnder(hit.code(), q.code_prefix));
    FUZZ_CHECK(hotline::text::IsValidUtf8(hit.title()));
    FUZZ_CHECK(hotline::text::IsValidUtf8(hit.snippet()));
  }
  return 0;
}
