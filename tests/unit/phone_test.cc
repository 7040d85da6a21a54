#include <catch2/catch.hpp>

#include "orders/phone.h"

using hotline::orders::MaskPhone;
using hotline::orders::NormalizePhone;

TEST_CASE("mobile and landline numbers are accepted in their usual spellings", "[phone]") {
  CHECK(NormalizePhone("13812345678") == "13812345678");
  CHECK(NormalizePhone("+86 138 1234 5678") == "13812345678");
  CHECK(NormalizePhone("8613812345678") == "13812345678");
  CHECK(NormalizePhone("138-1234-5678") == "13812345678");
  CHECK(NormalizePhone("020-83331234") == "02083331234");
  CHECK(NormalizePhone("0755-12345678") == "075512345678");
  CHECK(NormalizePhone("01012345678") == "01012345678");
}

TEST_CASE("things that are not phone numbers are refused", "[phone]") {
  for (const char* bad : {"", "12345", "12812345678", "1381234567", "138123456789", "1381234567a",
                          "+1 415 555 0100", "00123456789", "12345678901", "138*1234*5678"}) {
    INFO(bad);
    CHECK_FALSE(NormalizePhone(bad).has_value());
  }
}

TEST_CASE("masking keeps the first three and last four digits", "[phone]") {
  CHECK(MaskPhone("13812345678") == "138****5678");
  CHECK(MaskPhone("02083331234") == "020****1234");
  CHECK(MaskPhone("075512345678") == "075*****5678");
  CHECK(MaskPhone("1234567") == "*******");
  CHECK(MaskPhone("") == "");
}
