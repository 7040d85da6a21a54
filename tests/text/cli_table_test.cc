#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "text/utf8.h"
#include "enums/enum_names.h"
#include "tools/hotline/table.h"

namespace hotline::cli {

using enums::AllShortNames;
using enums::ParseShortName;
using enums::ShortName;
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  REQUIRE(lines.back().empty());  // ends with a newline
  lines.pop_back();
  return lines;
}

// The display column where `needle` starts in `line`.
int ColumnOf(const std::string& line, const std::string& needle) {
  const size_t pos = line.find(needle);
  REQUIRE(pos != std::string::npos);
  return text::DisplayWidth(line.substr(0, pos));
}

TEST_CASE("Table lines up mixed Chinese and ASCII cells", "[cli][table]") {
  Table table({"工单号", "区", "内容"});
  table.AddRow({"GZ20261128000123", "天河区", "noise"});
  table.AddRow({"GZ1", "越秀", "楼上装修噪音扰民，晚上十点后仍在施工"});
  table.AddRow({"GZ20261128000125", "Huangpu", "路灯不亮 street light"});
  const std::vector<std::string> lines = Lines(table.Render());

  REQUIRE(lines.size() == 5);  // header, rule, three rows
  const int width = text::DisplayWidth(lines[0]);
  for (const std::string& line : lines) {
    INFO(line);
    CHECK(text::DisplayWidth(line) == width);
  }
  // The third column starts at the same display column on every row.
  CHECK(ColumnOf(lines[2], "noise") == ColumnOf(lines[0], "内容"));
  CHECK(ColumnOf(lines[3], "楼上") == ColumnOf(lines[0], "内容"));
  CHECK(ColumnOf(lines[4], "路灯") == ColumnOf(lines[0], "内容"));
  CHECK(ColumnOf(lines[3], "越秀") == ColumnOf(lines[2], "天河区"));
  // The rule is as wide as the table.
  CHECK(lines[1].find_first_not_of("- ") == std::string::npos);
}

TEST_CASE("Table cuts long cells to the column's maximum width", "[cli][table]") {
  Table table({"id", "内容"});
  table.SetMaxWidth(1, 10);
  table.AddRow({"1", "楼上装修噪音扰民，晚上十点后仍在施工"});
  table.AddRow({"2", "short"});
  const std::vector<std::string> lines = Lines(table.Render());
  // "楼上装修噪" would take 10 columns and leave no room for the "…".
  CHECK(lines[2].find("楼上装修…") != std::string::npos);
  for (const std::string& line : lines) {
    CHECK(text::DisplayWidth(line) == text::DisplayWidth(lines[0]));
    CHECK(text::DisplayWidth(line) <= 2 + 2 + 10);
  }
}

TEST_CASE("Table keeps every cell on one line", "[cli][table]") {
  Table table({"a", "b"});
  table.AddRow({"line1\nline2", "tab\there"});
  table.AddRow({"x"});  // a missing cell is empty
  const std::vector<std::string> lines = Lines(table.Render());
  REQUIRE(lines.size() == 4);
  CHECK(lines[2].find("line1 line2") != std::string::npos);
  CHECK(text::DisplayWidth(lines[3]) == text::DisplayWidth(lines[2]));
}

TEST_CASE("SingleLine replaces bytes that are not UTF-8", "[cli][table]") {
  CHECK(SingleLine("ok 天河") == "ok 天河");
  CHECK(SingleLine("bad\xE5\xA4") == "bad??");
  CHECK(text::IsValidUtf8(SingleLine("\xC0\xAF")));
}

TEST_CASE("RenderFields starts every value in one column", "[cli][table]") {
  const std::vector<std::string> lines = Lines(RenderFields({
      {"工单号 (id)", "GZ20261128000123"},
      {"区 (district)", "440106"},
      {"事项分类 (category)", ""},
      {"内容 (content)", "第一行\n第二行"},
  }));
  REQUIRE(lines.size() == 5);
  const int column = ColumnOf(lines[0], "GZ");
  CHECK(ColumnOf(lines[1], "440106") == column);
  CHECK(ColumnOf(lines[2], "-") == column);
  CHECK(ColumnOf(lines[3], "第一行") == column);
  CHECK(ColumnOf(lines[4], "第二行") == column);  // a continuation line
}

TEST_CASE("Short enum names round trip", "[cli][enum]") {
  CHECK(ShortName(v1::ORDER_TYPE_COMPLAINT) == "complaint");
  CHECK(ShortName(v1::ORDER_STATE_RETURN_REQUESTED) == "return-requested");
  CHECK(ShortName(v1::UNIT_KIND_SUB_UNIT) == "sub-unit");
  CHECK(ShortName(v1::CHANNEL_WECHAT) == "wechat");
  CHECK(ShortName(v1::ROLE_UNIT_HANDLER) == "unit-handler");

  CHECK(ParseShortName<v1::OrderType>("complaint") == v1::ORDER_TYPE_COMPLAINT);
  CHECK(ParseShortName<v1::OrderType>("Complaint") == v1::ORDER_TYPE_COMPLAINT);
  CHECK(ParseShortName<v1::OrderType>("ORDER_TYPE_COMPLAINT") == v1::ORDER_TYPE_COMPLAINT);
  CHECK(ParseShortName<v1::UnitKind>("sub_unit") == v1::UNIT_KIND_SUB_UNIT);
  CHECK(ParseShortName<v1::OrderState>("hand-down-requested") ==
        v1::ORDER_STATE_HAND_DOWN_REQUESTED);

  CHECK_FALSE(ParseShortName<v1::OrderType>("unspecified"));
  CHECK_FALSE(ParseShortName<v1::OrderType>(""));
  CHECK_FALSE(ParseShortName<v1::OrderType>("complain"));
  CHECK_FALSE(ParseShortName<v1::OrderType>("closed"));  // a state, not a type

  // Every value, including any added to the proto later.
  for (int i = v1::OrderType_MIN + 1; i <= v1::OrderType_MAX; ++i) {
    if (!v1::OrderType_IsValid(i)) continue;
    const auto value = static_cast<v1::OrderType>(i);
    CHECK(ParseShortName<v1::OrderType>(ShortName(value)) == value);
  }
  for (int i = v1::OrderState_MIN + 1; i <= v1::OrderState_MAX; ++i) {
    if (!v1::OrderState_IsValid(i)) continue;
    const auto value = static_cast<v1::OrderState>(i);
    CHECK(ParseShortName<v1::OrderState>(ShortName(value)) == value);
  }
  for (const std::string& name : AllShortNames<v1::UnitKind>()) {
    CHECK(ShortName(*ParseShortName<v1::UnitKind>(name)) == name);
  }
  CHECK(AllShortNames<v1::OrderType>() == std::vector<std::string>{"consultation", "complaint",
                                                                   "report", "help", "suggestion",
                                                                   "praise"});
}

TEST_CASE("A value unknown to this build reads as its number", "[cli][enum]") {
  CHECK(ShortName(static_cast<v1::OrderType>(99)) == "99");
}

}  // namespace
}  // namespace hotline::cli
