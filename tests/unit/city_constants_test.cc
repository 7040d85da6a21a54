// Issue 22 item 4: no service keeps a city constant in code. The city's time
// zone, order prefix, centre and district codes come from the city profile
// (clock/city.h); this test reads them from data/ and looks for them in the
// code of services/ and libs/ (comments aside; tests and data are not
// scanned), naming file:line for each one found.
//
// HOTLINE_CITY_SCAN_ROOT (default: this checkout) scans another checkout,
// e.g. to see what main had before the constants were removed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "config/text_proto.h"
#include "hotline/v1/directory.pb.h"

namespace {

namespace fs = std::filesystem;

struct Needle {
  std::string what;  // "order prefix", "time-zone offset" ...
  std::regex pattern;
};

// Allowed with a reason: (path suffix, what).
struct Allowed {
  std::string path;
  std::string what;
  std::string reason;
};
const std::vector<Allowed> kAllowed = {
    {"libs/calendar/lunisolar.cc", "time-zone offset",
     "the Chinese calendar's months begin on Beijing-time (UTC+8) days by definition (GB/T 33661), "
     "whichever city the centre serves"},
};

std::string Escape(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

// The city's constants, as patterns over code with comments removed.
std::vector<Needle> CityNeedles(const std::string& data_dir) {
  hotline::v1::CityProfile city;
  REQUIRE(hotline::config::ReadTextProto(data_dir + "/city.textproto", &city).ok());
  hotline::v1::UnitDirectory units;
  REQUIRE(hotline::config::ReadTextProto(data_dir + "/units.textproto", &units).ok());
  REQUIRE(city.order_prefix().size() == 2);

  std::vector<Needle> needles;
  const std::string prefix = Escape(city.order_prefix());
  // "GZ" quoted, or an order number (GZ2026...) anywhere in code or strings.
  needles.push_back(
      {"order prefix", std::regex(absl::StrCat(R"(["'])", prefix, R"(["']|\b)", prefix, R"(\d)"))});
  needles.push_back({"centre code", std::regex(Escape(city.centre_unit_code()))});
  needles.push_back({"time zone", std::regex(Escape(city.time_zone()))});

  std::vector<std::string> districts;
  for (const hotline::v1::Unit& u : units.units()) {
    if (u.kind() == hotline::v1::UNIT_KIND_DISTRICT) districts.push_back(u.code());
  }
  REQUIRE(!districts.empty());
  std::vector<std::string> escaped;
  for (const std::string& d : districts) escaped.push_back(Escape(d));
  needles.push_back({"district code", std::regex(absl::StrCat(R"(\b()", absl::StrJoin(escaped, "|"), R"()\b)"))});
  // The districts' shared division prefix ("4401"), quoted: codes built in code.
  std::string common = districts.front();
  for (const std::string& d : districts) {
    size_t n = 0;
    while (n < common.size() && n < d.size() && common[n] == d[n]) ++n;
    common.resize(n);
  }
  if (common.size() >= 4) {
    needles.push_back({"division code prefix", std::regex(absl::StrCat(R"(["'])", Escape(common)))});
  }

  // The zone's offset however written: 8 * 3600, 8 * 60 * 60, 28800,
  // Hours(8), +08:00; and any fixed zone at all (a zone is the profile's).
  absl::TimeZone zone;
  REQUIRE(absl::LoadTimeZone(city.time_zone(), &zone));
  const int offset = zone.At(absl::Now()).offset;
  const int hours = offset / 3600;
  std::vector<std::string> forms = {
      absl::StrCat(R"(\b)", offset, R"(\b)"),
      absl::StrCat(R"(\b)", hours, R"(\s*\*\s*3600\b)"),
      absl::StrCat(R"(\b)", hours, R"(\s*\*\s*60\s*\*\s*60\b)"),
      absl::StrCat(R"(Hours\(\s*)", hours, R"(\s*\))"),
      R"(FixedTimeZone\s*\()",
  };
  if (offset % 3600 == 0 && hours > 0 && hours < 10) {
    forms.push_back(absl::StrCat(R"([+]0)", hours, R"(:?00\b)"));
    forms.push_back(absl::StrCat(R"(UTC\s*[+]\s*)", hours, R"(\b)"));
  }
  needles.push_back({"time-zone offset", std::regex(absl::StrJoin(forms, "|"))});
  return needles;
}

// Removes // and /* */ comments (C++, JS, CSS) or -- comments (Lua), keeping
// string literals and line numbers.
std::string StripComments(const std::string& text, bool lua) {
  std::string out;
  out.reserve(text.size());
  enum { kCode, kLine, kBlock, kString } state = kCode;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    switch (state) {
      case kCode:
        if (!lua && c == '/' && next == '/') {
          state = kLine;
        } else if (lua && c == '-' && next == '-') {
          state = kLine;
        } else if (!lua && c == '/' && next == '*') {
          state = kBlock;
          ++i;
        } else {
          if (c == '"' || c == '\'') {
            state = kString;
            quote = c;
          }
          out += c;
        }
        break;
      case kLine:
        if (c == '\n') {
          state = kCode;
          out += c;
        }
        break;
      case kBlock:
        if (c == '\n') out += c;
        if (c == '*' && next == '/') {
          state = kCode;
          ++i;
        }
        break;
      case kString:
        out += c;
        if (c == '\\' && next != '\0') {
          out += next;
          ++i;
        } else if (c == quote || c == '\n') {
          state = kCode;
        }
        break;
    }
  }
  return out;
}

// "path:line: what: text" for each needle found in `code`.
std::vector<std::string> Scan(const std::string& path, const std::string& code, bool lua,
                              const std::vector<Needle>& needles) {
  std::vector<std::string> found;
  const std::string stripped = StripComments(code, lua);
  int number = 0;
  for (absl::string_view line : absl::StrSplit(stripped, '\n')) {
    ++number;
    const std::string text(line);
    for (const Needle& n : needles) {
      if (!std::regex_search(text, n.pattern)) continue;
      const bool allowed = std::any_of(kAllowed.begin(), kAllowed.end(), [&](const Allowed& a) {
        return absl::EndsWith(path, a.path) && a.what == n.what;
      });
      if (!allowed) found.push_back(absl::StrCat(path, ":", number, ": ", n.what, ": ", text));
    }
  }
  return found;
}

std::string Root() {
  const char* root = std::getenv("HOTLINE_CITY_SCAN_ROOT");
  return root != nullptr && *root != '\0' ? root : HOTLINE_SOURCE_DIR;
}

bool Scanned(const fs::path& p) {
  const std::string name = p.filename().string();
  if (absl::StrContains(name, "_test.")) return false;
  for (const auto& part : p) {
    if (part == "tests" || part == "testdata") return false;
  }
  const std::string ext = p.extension().string();
  return ext == ".cc" || ext == ".h" || ext == ".lua" || ext == ".js" || ext == ".html" || ext == ".css";
}

}  // namespace

TEST_CASE("No city constant in the code of services and libs") {
  const std::vector<Needle> needles = CityNeedles(std::string(HOTLINE_SOURCE_DIR) + "/data");
  const std::string root = Root();
  std::vector<std::string> found;
  int files = 0;
  for (const char* top : {"services", "libs"}) {
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(root) / top)) {
      if (!entry.is_regular_file() || !Scanned(entry.path())) continue;
      std::ifstream in(entry.path());
      std::stringstream code;
      code << in.rdbuf();
      ++files;
      const std::string rel = fs::relative(entry.path(), root).string();
      for (std::string& f : Scan(rel, code.str(), entry.path().extension() == ".lua", needles)) {
        found.push_back(std::move(f));
      }
    }
  }
  INFO("scanned " << files << " files under " << root << "; a city constant belongs in the city "
                  << "profile (clock/city.h), or in this test's allow-list with a reason:\n"
                  << absl::StrJoin(found, "\n"));
  CHECK(files > 100);
  CHECK(found.empty());
}

TEST_CASE("The city constant scan finds each kind and skips comments") {
  const std::vector<Needle> needles = CityNeedles(std::string(HOTLINE_SOURCE_DIR) + "/data");
  const std::string code =
      "// GZ12345 in a comment, Asia/Shanghai, 8 * 3600\n"
      "const char kCentre[] = \"GZ12345\";\n"
      "std::string prefix = \"GZ\";\n"
      "auto id = \"GZ20261128000123\";\n"
      "auto zone = absl::FixedTimeZone(8 * 3600);\n"
      "auto shift = absl::Hours(8);\n"
      "const char* tz = \"Asia/Shanghai\";\n"
      "if (district == \"440106\") {}\n"
      "auto code = absl::StrCat(\"4401\", n);\n"
      "/* 440106 \"GZ\" */ int fine = 1;\n"
      "std::string s = \"// not a comment: GZ12345\";\n"
      "Error(\"is not an order number like GZ20261128000123\");\n";
  const std::vector<std::string> found = Scan("services/x/y.cc", code, false, needles);
  INFO(absl::StrJoin(found, "\n"));
  auto has = [&](const std::string& prefix) {
    return std::any_of(found.begin(), found.end(), [&](const std::string& f) { return absl::StartsWith(f, prefix); });
  };
  CHECK_FALSE(has("services/x/y.cc:1:"));
  CHECK(has("services/x/y.cc:2: centre code"));
  CHECK(has("services/x/y.cc:3: order prefix"));
  CHECK(has("services/x/y.cc:4: order prefix"));
  CHECK(has("services/x/y.cc:5: time-zone offset"));
  CHECK(has("services/x/y.cc:6: time-zone offset"));
  CHECK(has("services/x/y.cc:7: time zone"));
  CHECK(has("services/x/y.cc:8: district code"));
  CHECK(has("services/x/y.cc:9: division code prefix"));
  CHECK_FALSE(has("services/x/y.cc:10:"));
  CHECK(has("services/x/y.cc:11: centre code"));
  CHECK(has("services/x/y.cc:12: order prefix"));
  // Lua comments.
  CHECK(Scan("libs/a/s.lua", "-- GZ12345\nlocal x = 1\n", true, needles).empty());
  CHECK_FALSE(Scan("libs/a/s.lua", "local c = 'GZ12345' -- the centre\n", true, needles).empty());
  // The allow-list holds for its file and kind only.
  CHECK(Scan("libs/calendar/lunisolar.cc", "auto z = absl::FixedTimeZone(8 * 3600);\n", false, needles).empty());
  CHECK_FALSE(Scan("libs/calendar/lunisolar.cc", "auto c = \"GZ12345\";\n", false, needles).empty());
}
