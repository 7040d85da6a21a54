#include "orders/phone.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hotline::orders {

std::optional<std::string> NormalizePhone(absl::string_view input) {
  std::string digits;
  bool plus = false;
  for (size_t i = 0; i < input.size(); ++i) {
    char c = input[i];
    if (absl::ascii_isdigit(c)) {
      digits += c;
    } else if (c == '+' && i == 0) {
      plus = true;
    } else if (c != ' ' && c != '-') {
      return std::nullopt;
    }
  }
  if (plus && !absl::StartsWith(digits, "86")) return std::nullopt;
  if ((plus || digits.size() == 13) && absl::StartsWith(digits, "86")) digits = digits.substr(2);

  bool mobile = digits.size() == 11 && digits[0] == '1' && digits[1] >= '3' && digits[1] <= '9';
  // Area codes are 010, 02X (3 digits) or 0XXX (4 digits); subscriber numbers 7-8 digits.
  bool landline = digits.size() >= 10 && digits.size() <= 12 && digits[0] == '0' && digits[1] != '0';
  if (!mobile && !landline) return std::nullopt;
  return digits;
}

std::string MaskPhone(absl::string_view phone) {
  if (phone.size() <= 7) return std::string(phone.size(), '*');
  return absl::StrCat(phone.substr(0, 3), std::string(phone.size() - 7, '*'),
                      phone.substr(phone.size() - 4));
}

}  // namespace hotline::orders
