#pragma once
// `hotline kb ...`: the agent's view of the knowledge base.
//   kb search WORDS      top hits: code, title, snippet (aligned Chinese table)
//   kb get CODE          one point (--as-of DAY, --version N for the past)
//   kb list PREFIX       every point under a code prefix, paged (--all: every page)
//   kb import FILE       validates every point of a KnowledgeSeed file, then
//                        creates (published) or edits what differs, with progress
//   kb export FILE       writes the points under --prefix (default KB) as a KnowledgeSeed file
//   kb expiring UNIT     a unit's points near or past expiry (--days N)
//   kb not-helpful CODE  marks that the point did not help the caller
//   kb unanswered        the most frequent searches that found nothing
// Not thread-safe (writes to the given streams).
#include "tools/hotline/commands.h"

namespace hotline::cli {

ExitCode RunKb(const CommandLine& cl, HotlineStub& stub, Output io);

// The request of `kb search` from its flags; INVALID_ARGUMENT naming the flag.
absl::StatusOr<v1::SearchKnowledgeRequest> BuildKbSearchRequest(const CommandLine& cl);

}  // namespace hotline::cli
