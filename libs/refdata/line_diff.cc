#include "refdata/line_diff.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hotline::refdata {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

struct Op {
  char tag;  // ' ', '-', '+'
  int before_line;  // 1-based line in before (of this or the next before line)
  int after_line;
  const std::string* text;
};

}  // namespace

std::string LineDiff(const std::string& before, const std::string& after, int context) {
  const std::vector<std::string> a = Lines(before), b = Lines(after);
  const size_t n = a.size(), m = b.size();
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::vector<Op> ops;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ops.push_back({' ', static_cast<int>(i + 1), static_cast<int>(j + 1), &a[i]});
      ++i;
      ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      // Removals before additions, as diff(1) shows a changed line.
      ops.push_back({'-', static_cast<int>(i + 1), static_cast<int>(j + 1), &a[i]});
      ++i;
    } else {
      ops.push_back({'+', static_cast<int>(i + 1), static_cast<int>(j + 1), &b[j]});
      ++j;
    }
  }
  // Which unchanged lines are shown: those within `context` of a change.
  std::vector<bool> shown(ops.size(), false);
  for (size_t k = 0; k < ops.size(); ++k) {
    if (ops[k].tag == ' ') continue;
    const size_t from = k >= static_cast<size_t>(context) ? k - context : 0;
    const size_t to = std::min(ops.size() - 1, k + context);
    for (size_t x = from; x <= to; ++x) shown[x] = true;
  }
  std::string out;
  bool in_hunk = false;
  for (size_t k = 0; k < ops.size(); ++k) {
    if (!shown[k]) {
      in_hunk = false;
      continue;
    }
    if (!in_hunk) {
      absl::StrAppend(&out, "@@ before line ", ops[k].before_line, ", after line ",
                      ops[k].after_line, " @@\n");
      in_hunk = true;
    }
    absl::StrAppend(&out, std::string(1, ops[k].tag), " ", *ops[k].text, "\n");
  }
  return out;
}

}  // namespace hotline::refdata
