#pragma once
// Chinese phone numbers: validation, a canonical form, and the masked form
// that is shown wherever the full number is not needed (PIPL). Pure functions.
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace hotline::orders {

// The canonical digits of a valid number, or nullopt. Accepts mobiles
// (1[3-9] + 9 digits, optionally after +86/86) and landlines (0 + 2-3 digit
// area code + 7-8 digits, optionally with one '-' after the area code).
// Spaces and hyphens between digit groups are ignored.
std::optional<std::string> NormalizePhone(absl::string_view input);

// 13812345678 -> 138****5678; 02083331234 -> 020****1234. Keeps the first
// three and last four digits; shorter input is masked whole.
std::string MaskPhone(absl::string_view phone);

}  // namespace hotline::orders
