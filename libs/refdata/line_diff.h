#pragma once
// A readable line diff of two texts (two versions' canonical content): the
// lines only in `before` as "- ", only in `after` as "+ ", with `context`
// unchanged lines around each change as "  " and "@@ before line B, after
// line A @@" before each hunk. "" when the texts are equal. Longest common
// subsequence of lines: quadratic, meant for reference data (thousands of
// lines), not for big files. Pure.
#include <string>

namespace hotline::refdata {

std::string LineDiff(const std::string& before, const std::string& after, int context = 2);

}  // namespace hotline::refdata
