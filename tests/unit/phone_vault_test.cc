#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/phone_vault.h"

namespace hotline::crypto {
namespace {

const std::string kKeyA = std::string(64, 'a');
const std::string kKeyB = std::string(64, 'b');
const std::string kLookup = std::string(64, 'c');

PhoneVault Vault(const std::string& text) {
  absl::StatusOr<PhoneVault> vault = PhoneVault::Parse(text, "keys");
  REQUIRE(vault.ok());
  return *std::move(vault);
}

}  // namespace

TEST_CASE("a sealed number opens again and never shows in the sealed form", "[crypto]") {
  PhoneVault vault = Vault(PhoneVault::GenerateKeyFile("k1"));
  absl::StatusOr<std::string> sealed = vault.Seal("13812345678", "GZ20261128000001");
  REQUIRE(sealed.ok());
  CHECK(absl::StartsWith(*sealed, "v2/k1:"));
  CHECK_FALSE(absl::StrContains(*sealed, "13812345678"));
  CHECK(*vault.Open(*sealed, "GZ20261128000001") == "13812345678");
  // A fresh nonce each time: equal numbers do not give equal ciphertexts.
  CHECK(*vault.Seal("13812345678", "GZ20261128000001") != *sealed);
}

TEST_CASE("keys rotate: the first key seals, older keys still open", "[crypto]") {
  PhoneVault old_keys = Vault(absl::StrCat("encryption_key a ", kKeyA, "\nlookup_key ", kLookup));
  PhoneVault rotated = Vault(absl::StrCat("encryption_key b ", kKeyB, "\nencryption_key a ", kKeyA,
                                          "\nlookup_key ", kLookup));
  std::string sealed_before = *old_keys.Seal("02083331234", "GZ20261128000002");
  CHECK(*rotated.Open(sealed_before, "GZ20261128000002") == "02083331234");
  CHECK(absl::StartsWith(*rotated.Seal("02083331234", "GZ20261128000002"), "v2/b:"));
  // The lookup hash does not change with rotation (same lookup key).
  CHECK(rotated.LookupHash("02083331234") == old_keys.LookupHash("02083331234"));
  CHECK(rotated.LookupHash("02083331234") != rotated.LookupHash("02083331235"));
  // A key that is gone: named.
  PhoneVault only_b = Vault(absl::StrCat("encryption_key b ", kKeyB, "\nlookup_key ", kLookup));
  CHECK(only_b.Open(sealed_before, "GZ20261128000002").status().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("a damaged sealed value does not open", "[crypto]") {
  PhoneVault vault = Vault(absl::StrCat("encryption_key a ", kKeyA, "\nlookup_key ", kLookup));
  std::string sealed = *vault.Seal("13812345678", "GZ20261128000001");
  std::string flipped = sealed;
  flipped[flipped.size() - 3] = flipped[flipped.size() - 3] == 'A' ? 'B' : 'A';
  CHECK(vault.Open(flipped, "GZ20261128000001").status().code() == absl::StatusCode::kDataLoss);
  CHECK(vault.Open("a:notbase64!", "GZ20261128000001").status().code() == absl::StatusCode::kDataLoss);
  CHECK(vault.Open("no-key-id", "GZ20261128000001").status().code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("a sealed number is bound to its order: copied into another order it does not open",
          "[crypto]") {
  PhoneVault vault = Vault(absl::StrCat("encryption_key a ", kKeyA, "\nlookup_key ", kLookup));
  const std::string sealed = *vault.Seal("13812345678", "GZ20261128000001");
  CHECK(PhoneVault::BoundToOrder(sealed));
  CHECK(*vault.Open(sealed, "GZ20261128000001") == "13812345678");
  absl::StatusOr<std::string> elsewhere = vault.Open(sealed, "GZ20261128000002");
  CHECK(elsewhere.status().code() == absl::StatusCode::kDataLoss);
  CHECK(absl::StrContains(elsewhere.status().message(), "sealed for another order"));
  CHECK(vault.Open(sealed, "").status().code() == absl::StatusCode::kDataLoss);
  // An order id is required to seal.
  CHECK(vault.Seal("13812345678", "").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a version 1 sealed number (not bound to its order) still opens", "[crypto]") {
  // Sealed by the version before order binding (main at fcb167c) under key
  // "a" = 32 bytes of 0xaa: "<key id>:<base64>", authenticated data
  // "hotline.caller_phone.v1" only.
  const std::string v1 = "a:emYGMvq1fnt/+vNH1xtHzAAY6zBk01VowNVx/nhsl2bwlWKk5Ixu";
  PhoneVault vault = Vault(absl::StrCat("encryption_key a ", kKeyA, "\nlookup_key ", kLookup));
  CHECK_FALSE(PhoneVault::BoundToOrder(v1));
  // Any order id: version 1 never named one (intake's start-up pass seals
  // such values again as version 2, services/intake/legacy_phones.h).
  CHECK(*vault.Open(v1, "GZ20261128000001") == "13812345678");
  CHECK(*vault.Open(v1, "GZ20261128000002") == "13812345678");
  // A key id "v2" of version 1 is not taken for a version 2 value.
  CHECK_FALSE(PhoneVault::BoundToOrder("v2:abc"));
}

TEST_CASE("a bad key file is refused with the line named", "[crypto]") {
  auto error = [](const std::string& text) {
    absl::StatusOr<PhoneVault> v = PhoneVault::Parse(text, "keys");
    REQUIRE_FALSE(v.ok());
    return std::string(v.status().message());
  };
  CHECK_THAT(error(absl::StrCat("lookup_key ", kLookup)), Catch::Contains("no encryption_key"));
  CHECK_THAT(error(absl::StrCat("encryption_key a ", kKeyA)), Catch::Contains("no lookup_key"));
  CHECK_THAT(error(absl::StrCat("# c\nencryption_key a abc\nlookup_key ", kLookup)),
             Catch::Contains("keys:2: key: expected 64 hex digits"));
  CHECK_THAT(error(absl::StrCat("encryption_key a ", kKeyA, "\nencryption_key a ", kKeyB)),
             Catch::Contains("keys:2: key id a is listed twice"));
  CHECK_THAT(error(absl::StrCat("encryption_key a ", kKeyA, "\nlookup_key ", kKeyA)),
             Catch::Contains("must differ"));
  CHECK_THAT(error("mystery 1"), Catch::Contains("keys:1: unknown entry"));
}

}  // namespace hotline::crypto
