#include "tools/hotline/table.h"

#include <algorithm>

#include "absl/strings/str_split.h"
#include "text/utf8.h"

namespace hotline::cli {
namespace {

constexpr char kColumnGap[] = "  ";

bool IsAsciiControl(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

// Server text is meant to be valid UTF-8, but a table must not be garbled by
// a bad byte: width arithmetic is only exact on valid text.
std::string ValidUtf8(std::string s) {
  if (!text::IsValidUtf8(s)) {
    for (char& c : s) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
  }
  return s;
}

}  // namespace

std::string SingleLine(const std::string& s) {
  std::string out = ValidUtf8(s);
  std::replace_if(out.begin(), out.end(), IsAsciiControl, ' ');
  return out;
}

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), max_widths_(headers_.size(), 0) {}

void Table::SetMaxWidth(size_t column, int max_width) {
  if (column < max_widths_.size()) max_widths_[column] = max_width;
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::CellText(size_t column, const std::string& raw) const {
  std::string cell = SingleLine(raw);
  if (max_widths_[column] > 0) cell = text::TruncateToWidth(cell, max_widths_[column]);
  return cell;
}

std::string Table::Render() const {
  const auto cells_of = [this](const std::vector<std::string>& row) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < row.size(); ++c) cells.push_back(CellText(c, row[c]));
    return cells;
  };
  // lines[0] is the header.
  std::vector<std::vector<std::string>> lines;
  lines.reserve(rows_.size() + 1);
  lines.push_back(cells_of(headers_));
  for (const auto& row : rows_) lines.push_back(cells_of(row));

  std::vector<int> widths(headers_.size(), 0);
  for (const auto& cells : lines) {
    for (size_t c = 0; c < cells.size(); ++c) {
      widths[c] = std::max(widths[c], text::DisplayWidth(cells[c]));
    }
  }

  const auto render_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) line += kColumnGap;
      line += text::PadToWidth(cells[c], widths[c]);
    }
    line += '\n';
    return line;
  };

  std::string out = render_line(lines.front());
  std::vector<std::string> rule;
  for (int width : widths) rule.push_back(std::string(static_cast<size_t>(width), '-'));
  out += render_line(rule);
  for (size_t i = 1; i < lines.size(); ++i) out += render_line(lines[i]);
  return out;
}

std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  int label_width = 0;
  for (const auto& [label, value] : fields) {
    label_width = std::max(label_width, text::DisplayWidth(SingleLine(label)) + 1);
  }
  const std::string indent(static_cast<size_t>(label_width) + 1, ' ');

  std::string out;
  for (const auto& [label, value] : fields) {
    out += text::PadToWidth(SingleLine(label) + ":", label_width);
    if (value.empty()) {
      out += " -\n";
      continue;
    }
    bool first = true;
    for (absl::string_view line : absl::StrSplit(value, '\n')) {
      out += first ? std::string(" ") : indent;
      out += SingleLine(std::string(line));
      out += '\n';
      first = false;
    }
  }
  return out;
}

}  // namespace hotline::cli
