#include "scoring/address.h"

#include "text/utf8.h"

namespace hotline::scoring {
namespace {

bool IsSpace(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x3000 ||
         (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F || c == 0xFEFF;
}

// Punctuation that does not tell two addresses apart ('-', '#', '/' do).
bool IsDropped(char32_t c) {
  if (c < 0x80) {
    return (c >= 0x21 && c <= 0x2F && c != '#' && c != '-' && c != '/') ||
           (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
  }
  return c == 0x00B7 || c == 0x30FB ||                   // · ・
         (c >= 0x2018 && c <= 0x201F) || c == 0x2026 ||  // ‘’“” …
         (c >= 0x3001 && c <= 0x3003) ||                 // 、。〃
         (c >= 0x3008 && c <= 0x3011) ||                 // 〈〉《》「」『』【】
         (c >= 0x3014 && c <= 0x301F) ||                 // 〔〕〖〗〘〙〚〛〜〝〞〟
         c == 0xFF61 || c == 0xFF64;                     // half-width 。、
}

}  // namespace

std::string NormaliseAddress(std::string_view address) {
  std::string out;
  out.reserve(address.size());
  for (size_t i = 0; i < address.size();) {
    const text::Decoded d = text::DecodeFront(address.substr(i));
    if (d.length == 0) {  // not UTF-8: kept as it is
      out.push_back(address[i++]);
      continue;
    }
    i += d.length;
    char32_t c = d.code_point;
    if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // full-width ASCII
    if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212) c = '-';
    if (IsSpace(c) || IsDropped(c)) continue;
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    text::AppendUtf8(c, &out);
  }
  return out;
}

}  // namespace hotline::scoring
