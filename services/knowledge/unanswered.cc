#include "knowledge/unanswered.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/ascii.h"
#include "text/utf8.h"

namespace hotline::knowledge {

std::string NormalizeUnansweredQuery(const std::string& query) {
  std::string s(absl::StripAsciiWhitespace(query));
  std::string out;
  for (size_t i = 0; i < s.size();) {
    size_t j = i;
    while (j < s.size() && absl::ascii_isdigit(s[j])) ++j;
    if (j - i >= 3) {
      out += '#';
      i = j;
    } else if (j > i) {
      out.append(s, i, j - i);
      i = j;
    } else {
      out += s[i++];
    }
  }
  if (!text::IsValidUtf8(out)) return "";
  // Cut by code points, not by display width: a width of 60 kept 30 Chinese
  // characters but 60 Latin ones, and any number of zero-width ones.
  constexpr size_t kMaxCodePoints = 30;
  if (text::CodePointCount(out) <= kMaxCodePoints) return out;
  size_t end = 0;
  for (size_t kept = 0; kept + 1 < kMaxCodePoints; ++kept) {
    end += text::DecodeFront(std::string_view(out).substr(end)).length;
  }
  return out.substr(0, end) + "…";
}

void UnansweredQueries::Record(const std::string& query) {
  std::string key = NormalizeUnansweredQuery(query);
  if (key.empty()) return;
  absl::MutexLock lock(&mu_);
  if (auto it = counts_.find(key); it != counts_.end()) {
    ++it->second;
    return;
  }
  if (counts_.size() < capacity_) {
    counts_[key] = 1;
    return;
  }
  auto least = std::min_element(counts_.begin(), counts_.end(),
                                [](const auto& a, const auto& b) { return a.second < b.second; });
  int64_t carried = least->second;
  counts_.erase(least);
  counts_[key] = carried + 1;
}

std::vector<std::pair<std::string, int64_t>> UnansweredQueries::Top(size_t limit) const {
  std::vector<std::pair<std::string, int64_t>> all;
  {
    absl::MutexLock lock(&mu_);
    all.assign(counts_.begin(), counts_.end());
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (all.size() > limit) all.resize(limit);
  return all;
}

}  // namespace hotline::knowledge
