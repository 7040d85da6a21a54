#include "knowledge_points/kb_code.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hotline::knowledge {
namespace {

constexpr char kFormat[] = "KB.DD.TT.NNN (e.g. KB.06.01.003)";

// The digits of one level: exactly `width` ASCII digits, not all zero.
std::optional<std::string> LevelProblem(absl::string_view part, size_t width, const char* name) {
  if (part.size() != width) {
    return absl::StrCat("the ", name, " \"", part, "\" must have ", width, " digits");
  }
  bool all_zero = true;
  for (char c : part) {
    if (!absl::ascii_isdigit(c)) return absl::StrCat("the ", name, " \"", part, "\" is not digits");
    if (c != '0') all_zero = false;
  }
  if (all_zero) return absl::StrCat("the ", name, " may not be ", part);
  return std::nullopt;
}

// Checks the levels of `s` (1 to 4 of them); `min_levels` is how many must be there.
std::optional<std::string> LevelsProblem(absl::string_view s, size_t min_levels) {
  if (s.empty()) return absl::StrCat("is empty; codes look like ", kFormat);
  std::vector<absl::string_view> parts = absl::StrSplit(s, '.');
  if (parts[0] != "KB") return absl::StrCat("must start with \"KB\"; codes look like ", kFormat);
  if (parts.size() < min_levels || parts.size() > 4) {
    return absl::StrCat("\"", s, "\" does not have the form ", kFormat);
  }
  static constexpr size_t kWidths[] = {0, 2, 2, 3};
  static constexpr const char* kNames[] = {"", "domain", "topic", "item"};
  for (size_t i = 1; i < parts.size(); ++i) {
    if (auto p = LevelProblem(parts[i], kWidths[i], kNames[i])) {
      return absl::StrCat(*p, "; codes look like ", kFormat);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> CodeProblem(absl::string_view code) { return LevelsProblem(code, 4); }

std::optional<std::string> PrefixProblem(absl::string_view prefix) {
  return LevelsProblem(prefix, 1);
}

std::string DomainOf(absl::string_view code) {
  if (CodeProblem(code)) return "";
  return std::string(code.substr(0, 5));
}

std::string TopicOf(absl::string_view code) {
  if (CodeProblem(code)) return "";
  return std::string(code.substr(0, 8));
}

bool IsUnder(absl::string_view code, absl::string_view prefix) {
  if (code.size() < prefix.size() || code.substr(0, prefix.size()) != prefix) return false;
  return code.size() == prefix.size() || code[prefix.size()] == '.';
}

}  // namespace hotline::knowledge
