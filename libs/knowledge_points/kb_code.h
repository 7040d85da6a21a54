#pragma once
// The knowledge-point coding rule (知识库标识编码, after GB/T 44191-2024's idea
// of a hierarchical identifier):
//
//   KB.DD.TT.NNN    e.g. KB.06.01.003
//   KB              the knowledge base
//   DD   domain     two digits 01..99 (the matter-category domain where one fits)
//   TT   topic      two digits 01..99 within the domain
//   NNN  item       three digits 001..999 within the topic
//
// Every part has a fixed width, so byte order of codes is code order and a
// prefix of the levels ("KB", "KB.06", "KB.06.01") names exactly the points
// under it. Pure functions; thread-safe.
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

namespace hotline::knowledge {

// nullopt when `code` is a valid point code (all four levels), else why not.
std::optional<std::string> CodeProblem(absl::string_view code);

// nullopt when `prefix` is a valid listing prefix: one of "KB", "KB.DD",
// "KB.DD.TT" or a full point code; else why not.
std::optional<std::string> PrefixProblem(absl::string_view prefix);

// "KB.06" of "KB.06.01.003" (the domain node); "" when not a valid code.
std::string DomainOf(absl::string_view code);
// "KB.06.01" of "KB.06.01.003" (the topic node); "" when not a valid code.
std::string TopicOf(absl::string_view code);

// True when `code` is `prefix` or lies under it (level by level, so "KB.06"
// covers "KB.06.01.003" but not "KB.060...").
bool IsUnder(absl::string_view code, absl::string_view prefix);

}  // namespace hotline::knowledge
