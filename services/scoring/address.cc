#include "scoring/address.h"

#include <cstdint>

namespace hotline::scoring {
namespace {

// Decodes one UTF-8 sequence at `s[i]`; returns its length (0 if invalid).
size_t Decode(absl::string_view s, size_t i, char32_t* cp) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b = byte(i);
  size_t len = 0;
  char32_t v = 0;
  if (b < 0x80) {
    *cp = b;
    return 1;
  } else if ((b & 0xE0) == 0xC0) {
    len = 2, v = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    len = 3, v = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    len = 4, v = b & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (byte(i + k) & 0x3F);
  }
  // Overlong forms and surrogates are not valid.
  if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
      (v >= 0xD800 && v <= 0xDFFF)) {
    return 0;
  }
  *cp = v;
  return len;
}

void Encode(char32_t cp, std::string* out) {
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

bool IsSpace(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x3000 || (c >= 0x2000 && c <= 0x200B) ||
         c == 0x202F || c == 0x205F || c == 0xFEFF;
}

// Punctuation that does not tell two addresses apart ('-', '#', '/' do).
bool IsDropped(char32_t c) {
  if (c < 0x80) {
    return (c >= 0x21 && c <= 0x2F && c != '#' && c != '-' && c != '/') || (c >= 0x3A && c <= 0x40) ||
           (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
  }
  return c == 0x00B7 || c == 0x30FB ||                  // · ・
         (c >= 0x2018 && c <= 0x201F) || c == 0x2026 ||  // ‘’“” …
         (c >= 0x3001 && c <= 0x3003) ||                  // 、。〃
         (c >= 0x3008 && c <= 0x3011) ||                  // 〈〉《》「」『』【】
         (c >= 0x3014 && c <= 0x301F) ||                  // 〔〕〖〗〘〙〚〛〜〝〞〟
         c == 0xFF61 || c == 0xFF64;                      // half-width 。、
}

}  // namespace

std::string NormaliseAddress(absl::string_view address) {
  std::string out;
  out.reserve(address.size());
  for (size_t i = 0; i < address.size();) {
    char32_t c = 0;
    const size_t len = Decode(address, i, &c);
    if (len == 0) {  // not UTF-8: kept as it is
      out.push_back(address[i++]);
      continue;
    }
    i += len;
    if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // full-width ASCII
    if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212) c = '-';
    if (IsSpace(c) || IsDropped(c)) continue;
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    Encode(c, &out);
  }
  return out;
}

}  // namespace hotline::scoring
