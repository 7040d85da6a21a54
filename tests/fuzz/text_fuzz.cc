// UTF-8 validation, decoding, display width (libs/text) and the address
// normaliser (services/scoring/address): no crash on any bytes, and the
// functions agree with each other.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "scoring/address.h"
#include "text/utf8.h"

namespace text = hotline::text;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);

  // Decoding front to back accepts exactly the valid strings, and re-encoding
  // what was decoded gives the same bytes.
  std::string reencoded;
  size_t pos = 0, code_points = 0;
  while (pos < s.size()) {
    const text::Decoded d = text::DecodeFront(s.substr(pos));
    if (d.length == 0) break;
    FUZZ_CHECK(d.length <= 4 && pos + d.length <= s.size());
    text::AppendUtf8(d.code_point, &reencoded);
    pos += d.length;
    ++code_points;
  }
  const bool valid = text::IsValidUtf8(s);
  FUZZ_CHECK(valid == (pos == s.size()));

  (void)text::TextProblem(s, 10, true);
  (void)text::TextProblem(s, 1000, false);
  if (valid) {
    FUZZ_CHECK(reencoded == s);
    FUZZ_CHECK(text::CodePointCount(s) == code_points);
    FUZZ_CHECK(!text::TextProblem(s, code_points, false).has_value());
    const int width = text::DisplayWidth(s);
    FUZZ_CHECK(width >= 0);
    const int limit = size == 0 ? 0 : data[0] % 24;
    const std::string cut = text::TruncateToWidth(s, limit);
    FUZZ_CHECK(text::IsValidUtf8(cut));
    if (width <= limit) FUZZ_CHECK(cut == s);
    else FUZZ_CHECK(text::DisplayWidth(cut) <= limit);
    const std::string padded = text::PadToWidth(s, limit);
    FUZZ_CHECK(text::IsValidUtf8(padded));
    FUZZ_CHECK(text::DisplayWidth(padded) == std::max(width, limit));
  }

  // Normalising keeps valid text valid and is idempotent on it (bytes that
  // are not UTF-8 are kept as they are, so dropping what lay between them may
  // join them into a character on a second pass).
  const std::string address = hotline::scoring::NormaliseAddress(s);
  if (valid) {
    FUZZ_CHECK(text::IsValidUtf8(address));
    FUZZ_CHECK(hotline::scoring::NormaliseAddress(address) == address);
  }
  return 0;
}
