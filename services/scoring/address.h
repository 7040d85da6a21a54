#pragma once
// Pure: the form of a free-text address (WorkOrder.location.address, e.g.
// 天河路385号) under which trivial variants of the same address meet, so the
// hot addresses list (HOT_KIND_ADDRESSES) counts them together.
#include <string>
#include <string_view>

namespace hotline::scoring {

// Full-width ASCII (Ａ１，) becomes half-width; whitespace (ASCII, the
// ideographic space, no-break spaces) and common punctuation (ASCII and CJK:
// ，。、；：！？（）【】《》「」“” ...) are dropped; ASCII letters are lower-cased;
// dashes become '-'. '-', '#' and '/' are kept: they separate house numbers
// (1-23 is not 12-3). Bytes that are not valid UTF-8 are kept as they are.
// "" when nothing is left (the order then has no address).
std::string NormaliseAddress(std::string_view address);

}  // namespace hotline::scoring
