#pragma once
// UTF-8 text helpers: validation for input checks, and terminal display width
// for tables that line up Chinese text (CJK characters take two columns).
// Pure functions, no I/O; thread-safe.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hotline::text {

// One decoded code point; `length` is 0 when the bytes at the front of the
// text are not well-formed UTF-8 (or there are none).
struct Decoded {
  char32_t code_point = 0;
  size_t length = 0;
};

// The code point at the front of `s` (the rules of IsValidUtf8).
Decoded DecodeFront(std::string_view s);

// Appends `cp` (a Unicode scalar value) to `out` as UTF-8.
void AppendUtf8(char32_t cp, std::string* out);

// True if `s` is well-formed UTF-8: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequences.
bool IsValidUtf8(std::string_view s);

// Number of code points in valid UTF-8 `s`.
size_t CodePointCount(std::string_view s);

// What is wrong with a free-text field, or nullopt: not valid UTF-8, blank
// when `required`, or longer than `max` code points ("is too long (N
// characters, at most M)"). Callers put the field's name in front.
std::optional<std::string> TextProblem(std::string_view value, size_t max, bool required);

// Columns `s` takes on a terminal: East Asian Wide and Fullwidth characters
// count 2, combining marks and zero-width characters 0, others 1. Control
// characters count 0. `s` must be valid UTF-8.
int DisplayWidth(std::string_view s);

// The longest prefix of `s` (whole code points) that fits in `width` columns;
// when `s` is cut, the result ends with "…" and still fits.
std::string TruncateToWidth(std::string_view s, int width);

// `s` followed by spaces up to `width` columns (no cut when already wider).
std::string PadToWidth(std::string_view s, int width);

}  // namespace hotline::text
