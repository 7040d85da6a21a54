#include "text/utf8.h"

#include <catch2/catch.hpp>
#include <string>

namespace hotline::text {
namespace {

TEST_CASE("IsValidUtf8 accepts well-formed text", "[utf8]") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("hello"));
  CHECK(IsValidUtf8("天河区"));
  CHECK(IsValidUtf8("caf\xC3\xA9"));           // U+00E9, two bytes
  CHECK(IsValidUtf8("\xF0\x9F\x98\x80"));      // U+1F600, four bytes
  CHECK(IsValidUtf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF, the last code point
  CHECK(IsValidUtf8("\xED\x9F\xBF"));          // U+D7FF, just below the surrogates
  CHECK(IsValidUtf8("\xEE\x80\x80"));          // U+E000, just above them
  CHECK(IsValidUtf8(std::string("a\0b", 3)));  // NUL is a valid code point
}

TEST_CASE("IsValidUtf8 rejects malformed text", "[utf8]") {
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xC1\xBF"));          // overlong
  CHECK_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong, three bytes
  CHECK_FALSE(IsValidUtf8("\xF0\x80\x80\xAF"));  // overlong, four bytes
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));      // U+D800, a surrogate
  CHECK_FALSE(IsValidUtf8("\xED\xBF\xBF"));      // U+DFFF, a surrogate
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000, above the range
  CHECK_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));  // lead byte beyond the range
  CHECK_FALSE(IsValidUtf8("\xE5\xA4"));          // "天" cut short
  CHECK_FALSE(IsValidUtf8("abc\xE5"));           // truncated at the end
  CHECK_FALSE(IsValidUtf8("\xF0\x9F\x98"));      // truncated four-byte sequence
  CHECK_FALSE(IsValidUtf8("\x80"));              // lone continuation byte
  CHECK_FALSE(
      IsValidUtf8("a\xBF"
                  "b"));                     // continuation byte inside ASCII
  CHECK_FALSE(IsValidUtf8("\xE5\x41\xA9"));  // continuation expected, ASCII found
  CHECK_FALSE(IsValidUtf8("\xFF"));
}

TEST_CASE("CodePointCount counts code points, not bytes", "[utf8]") {
  CHECK(CodePointCount("") == 0);
  CHECK(CodePointCount("abc") == 3);
  CHECK(CodePointCount("天河区") == 3);
  CHECK(CodePointCount("天河路385号") == 7);
  CHECK(CodePointCount("\xF0\x9F\x98\x80!") == 2);
}

TEST_CASE("DisplayWidth counts wide characters as two columns", "[utf8]") {
  CHECK(DisplayWidth("") == 0);
  CHECK(DisplayWidth("abc") == 3);
  CHECK(DisplayWidth("天河区") == 6);
  CHECK(DisplayWidth("天河路385号") == 11);
  CHECK(DisplayWidth("ＡＢ") == 4);              // fullwidth Latin
  CHECK(DisplayWidth("한국") == 4);              // Hangul syllables
  CHECK(DisplayWidth("\xF0\x9F\x98\x80") == 2);  // emoji U+1F600
  CHECK(DisplayWidth("\xF0\xA0\x80\x80") == 2);  // U+20000, CJK extension B
  CHECK(DisplayWidth("。，") == 4);              // CJK punctuation
}

TEST_CASE("DisplayWidth gives combining, zero-width and control characters no columns", "[utf8]") {
  CHECK(DisplayWidth("e\xCC\x81") == 1);  // e + U+0301 combining acute
  CHECK(DisplayWidth("a\xE2\x80\x8B"
                     "b") == 2);                         // U+200B zero-width space
  CHECK(DisplayWidth("\xE2\x9D\xA4\xEF\xB8\x8F") == 1);  // U+2764 + U+FE0F selector
  CHECK(DisplayWidth("a\tb\n") == 2);
  CHECK(DisplayWidth("\x7F") == 0);
}

TEST_CASE("TruncateToWidth leaves text that fits alone", "[utf8]") {
  CHECK(TruncateToWidth("abc", 3) == "abc");
  CHECK(TruncateToWidth("abc", 10) == "abc");
  CHECK(TruncateToWidth("天河区", 6) == "天河区");
  CHECK(TruncateToWidth("", 0) == "");
}

TEST_CASE("TruncateToWidth cuts on code points and marks the cut", "[utf8]") {
  CHECK(TruncateToWidth("abcdef", 4) == "abc…");
  CHECK(TruncateToWidth("天河区", 5) == "天河…");
  // An odd budget cannot hold half a character: one column stays empty.
  CHECK(TruncateToWidth("天河区", 4) == "天…");
  CHECK(DisplayWidth(TruncateToWidth("天河区", 4)) == 3);
  CHECK(TruncateToWidth("天河区", 1) == "…");
  CHECK(TruncateToWidth("天河区", 0) == "");
  CHECK(TruncateToWidth("ab", -1) == "");
}

TEST_CASE("TruncateToWidth never splits a code point and always fits", "[utf8]") {
  const std::string text = "天河路385号 noise 噪音扰民 e\xCC\x81 \xF0\x9F\x98\x80 end";
  const int full = DisplayWidth(text);
  for (int width = 0; width <= full + 2; ++width) {
    const std::string cut = TruncateToWidth(text, width);
    INFO("width " << width << " -> \"" << cut << "\"");
    CHECK(IsValidUtf8(cut));
    CHECK(DisplayWidth(cut) <= width);
    if (width >= full) {
      CHECK(cut == text);
    } else if (width > 0) {
      CHECK(cut.size() >= 3);
      CHECK(cut.substr(cut.size() - 3) == "…");
      // The cut keeps a prefix of the original.
      CHECK(text.compare(0, cut.size() - 3, cut, 0, cut.size() - 3) == 0);
      // Longest prefix: the result leaves at most one column (a wide
      // character that did not fit) unused.
      CHECK(DisplayWidth(cut) >= width - 1);
    }
  }
}

TEST_CASE("PadToWidth pads to the display width", "[utf8]") {
  CHECK(PadToWidth("abc", 6) == "abc   ");
  CHECK(PadToWidth("天河区", 8) == "天河区  ");
  CHECK(DisplayWidth(PadToWidth("天河路385号", 15)) == 15);
  CHECK(PadToWidth("天河区", 4) == "天河区");  // already wider: no cut
  CHECK(PadToWidth("", 2) == "  ");
}

TEST_CASE("DecodeFront and AppendUtf8 round-trip every length, and refuse what is not UTF-8",
          "[utf8]") {
  for (char32_t cp : {U'a', U'\u00e9', U'\u5929', U'\uff11', U'\U0001F600'}) {
    std::string s;
    AppendUtf8(cp, &s);
    CHECK(IsValidUtf8(s));
    const Decoded d = DecodeFront(s + "x");
    CHECK(d.code_point == cp);
    CHECK(d.length == s.size());
  }
  CHECK(DecodeFront("").length == 0);
  CHECK(DecodeFront("\xFF").length == 0);
  CHECK(DecodeFront("\xE5\xA4").length == 0);      // cut short
  CHECK(DecodeFront("\xC0\xAF").length == 0);      // overlong
  CHECK(DecodeFront("\xED\xA0\x80").length == 0);  // a surrogate
}

}  // namespace
}  // namespace hotline::text
