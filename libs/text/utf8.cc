#include "text/utf8.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace hotline::text {
namespace {

bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

// Follows Unicode's table of well-formed byte sequences (Table 3-7): the
// second byte's range depends on the first, which excludes overlong forms,
// surrogates and values above U+10FFFF without decoding first.
Decoded DecodeFront(std::string_view s) {
  if (s.empty()) return {};
  const auto byte = [&s](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return {b0, 1};

  size_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) second_min = 0xA0;  // below: overlong
    if (b0 == 0xED) second_max = 0x9F;  // above: surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) second_min = 0x90;  // below: overlong
    if (b0 == 0xF4) second_max = 0x8F;  // above: beyond U+10FFFF
  } else {
    return {};  // a continuation byte, C0/C1 (always overlong) or F5..FF
  }
  if (s.size() < length) return {};
  if (byte(1) < second_min || byte(1) > second_max) return {};
  for (size_t i = 2; i < length; ++i) {
    if (!IsContinuation(byte(i))) return {};
  }

  char32_t cp = b0 & (0xFF >> (length + 1));
  for (size_t i = 1; i < length; ++i) cp = (cp << 6) | (byte(i) & 0x3F);
  return {cp, length};
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {

struct Range {
  char32_t first;
  char32_t last;
};

// Combining marks and invisible format characters.
constexpr Range kZeroWidth[] = {
    {0x0300, 0x036F},    // combining diacritical marks
    {0x1AB0, 0x1AFF},    // combining diacritical marks extended
    {0x1DC0, 0x1DFF},    // combining diacritical marks supplement
    {0x200B, 0x200F},    // zero-width space, joiners, direction marks
    {0x2060, 0x2064},    // word joiner, invisible operators
    {0x20D0, 0x20FF},    // combining marks for symbols
    {0x3099, 0x309A},    // combining kana voiced sound marks
    {0xFE00, 0xFE0F},    // variation selectors
    {0xFE20, 0xFE2F},    // combining half marks
    {0xFEFF, 0xFEFF},    // zero-width no-break space (BOM)
    {0xE0100, 0xE01EF},  // variation selectors supplement
};

// East Asian Wide (W) and Fullwidth (F) blocks, as terminals draw them.
constexpr Range kWide[] = {
    {0x1100, 0x115F},    // Hangul Jamo initial consonants
    {0x2E80, 0x303E},    // CJK radicals, Kangxi, ideographic description, CJK symbols
    {0x3041, 0x33FF},    // Hiragana, Katakana, Bopomofo, Hangul compat, CJK compat
    {0x3400, 0x4DBF},    // CJK extension A
    {0x4E00, 0x9FFF},    // CJK unified ideographs
    {0xA000, 0xA4CF},    // Yi
    {0xAC00, 0xD7A3},    // Hangul syllables
    {0xF900, 0xFAFF},    // CJK compatibility ideographs
    {0xFE30, 0xFE4F},    // CJK compatibility forms
    {0xFF00, 0xFF60},    // fullwidth forms
    {0xFFE0, 0xFFE6},    // fullwidth signs
    {0x1F300, 0x1F64F},  // pictographs, emoticons
    {0x1F680, 0x1F6FF},  // transport and map symbols
    {0x1F900, 0x1F9FF},  // supplemental symbols and pictographs
    {0x1FA70, 0x1FAFF},  // symbols and pictographs extended-A
    {0x20000, 0x3FFFD},  // CJK extensions B.. and the tertiary plane
};

template <size_t N>
bool InRanges(const Range (&ranges)[N], char32_t cp) {
  // The first range whose end is not before `cp`; ranges are sorted.
  const Range* it = std::lower_bound(std::begin(ranges), std::end(ranges), cp,
                                     [](const Range& r, char32_t c) { return r.last < c; });
  return it != std::end(ranges) && it->first <= cp;
}

int CodePointWidth(char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return 0;  // C0, DEL, C1 controls
  // Zero width is checked first: U+3099/309A sit inside a wide block.
  if (InRanges(kZeroWidth, cp)) return 0;
  if (InRanges(kWide, cp)) return 2;
  return 1;
}

// Width of the code point at the front of `s`, and its length in bytes. A
// malformed byte counts as one column (terminals draw it as one replacement
// character) so that callers that break the contract still make progress.
Decoded DecodeForWidth(std::string_view s, int* width) {
  Decoded d = DecodeFront(s);
  if (d.length == 0) {
    *width = 1;
    return {0xFFFD, 1};
  }
  *width = CodePointWidth(d.code_point);
  return d;
}

constexpr std::string_view kEllipsis = "\u2026";  // "…", one column
constexpr int kEllipsisWidth = 1;

}  // namespace

bool IsValidUtf8(std::string_view s) {
  while (!s.empty()) {
    const Decoded d = DecodeFront(s);
    if (d.length == 0) return false;
    s.remove_prefix(d.length);
  }
  return true;
}

size_t CodePointCount(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return !IsContinuation(static_cast<unsigned char>(c)); }));
}

int DisplayWidth(std::string_view s) {
  int total = 0;
  while (!s.empty()) {
    int width = 0;
    s.remove_prefix(DecodeForWidth(s, &width).length);
    total += width;
  }
  return total;
}

std::string TruncateToWidth(std::string_view s, int width) {
  if (DisplayWidth(s) <= width) return std::string(s);
  if (width < kEllipsisWidth) return "";

  const int budget = width - kEllipsisWidth;
  int used = 0;
  size_t end = 0;
  while (end < s.size()) {
    int cp_width = 0;
    const Decoded d = DecodeForWidth(s.substr(end), &cp_width);
    if (used + cp_width > budget) break;
    used += cp_width;
    end += d.length;
  }
  std::string out(s.substr(0, end));
  out += kEllipsis;
  return out;
}

std::string PadToWidth(std::string_view s, int width) {
  std::string out(s);
  const int missing = width - DisplayWidth(s);
  if (missing > 0) out.append(static_cast<size_t>(missing), ' ');
  return out;
}

std::optional<std::string> TextProblem(std::string_view value, size_t max, bool required) {
  if (!IsValidUtf8(value)) return "is not valid UTF-8";
  if (required && absl::StripAsciiWhitespace(absl::string_view(value.data(), value.size())).empty()) return "is required";
  if (size_t n = CodePointCount(value); n > max) {
    return absl::StrCat("is too long (", n, " characters, at most ", max, ")");
  }
  return std::nullopt;
}

}  // namespace hotline::text
