#pragma once
// Plain-text tables and "label: value" blocks that line up on a terminal even
// when cells mix Chinese and ASCII: widths are display columns
// (hotline::text::DisplayWidth), not bytes or code points.
// Not thread-safe; build one per output.
#include <string>
#include <utility>
#include <vector>

namespace hotline::cli {

// A table with a header row, a rule under it, and one line per row. Columns
// are separated by two spaces and every line, the last column included, is
// padded to the same display width. Cells are single-line: line breaks, tabs
// and other control characters become spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Cells wider than `max_width` columns are cut and end with "…".
  void SetMaxWidth(size_t column, int max_width);

  // Missing trailing cells are empty; cells beyond the header are dropped.
  void AddRow(std::vector<std::string> cells);

  size_t row_count() const { return rows_.size(); }

  // Each line ends with '\n'.
  std::string Render() const;

 private:
  std::string CellText(size_t column, const std::string& raw) const;

  std::vector<std::string> headers_;
  std::vector<int> max_widths_;  // 0: unlimited
  std::vector<std::vector<std::string>> rows_;
};

// Lines of "label: value" with the values starting in one column. An empty
// value shows as "-"; a value with line breaks continues on indented lines.
std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields);

// `s` made safe for one table cell: valid UTF-8 (stray bytes become '?'), no
// control characters (they become spaces).
std::string SingleLine(const std::string& s);

}  // namespace hotline::cli
