#include "crypto/phone_vault.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/digest.h"

namespace hotline::crypto {
namespace {

constexpr int kKeyBytes = 32, kNonceBytes = 12, kTagBytes = 16;
// Additional authenticated data. Version 1 bound a sealed value to the field
// only, so it opened in any order's record; version 2 binds it to the field
// and to the order, so a value copied into another order's record does not
// open there (a reveal of order B cannot show order A's caller while the
// access log names B).
constexpr absl::string_view kAadV1 = "hotline.caller_phone.v1";
constexpr absl::string_view kAadV2 = "hotline.caller_phone.v2|order=";
// Version 2 values start with this (a key id cannot hold '/'); version 1
// values start with their key id.
constexpr absl::string_view kV2Prefix = "v2/";

bool ValidKeyId(absl::string_view id) {
  if (id.empty() || id.size() > 16) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

bool FromHex(absl::string_view hex, std::string* out) {
  if (hex.size() != 2 * kKeyBytes) return false;
  for (char c : hex) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  *out = absl::HexStringToBytes(hex);
  return true;
}

std::string ToHex(const unsigned char* data, size_t size) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(data), size));
}

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// AES-256-GCM looked up once: OpenSSL 3 looks EVP_aes_256_gcm() up again by
// name on every use (it showed in intake's create profile). Falls back to
// that if the lookup fails.
const EVP_CIPHER* Aes256Gcm() {
  static const EVP_CIPHER* cipher = [] {
    const EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    return fetched != nullptr ? fetched : EVP_aes_256_gcm();
  }();
  return cipher;
}

}  // namespace

absl::StatusOr<PhoneVault> PhoneVault::LoadKeyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read the phone key file"));
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

absl::StatusOr<PhoneVault> PhoneVault::Parse(absl::string_view text, absl::string_view source) {
  PhoneVault vault;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (words.empty()) continue;
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(source, ":", line_number, ": ", why));
    };
    std::string key;
    if (words[0] == "encryption_key") {
      if (words.size() != 3) return bad("expected: encryption_key <id> <64 hex digits>");
      if (!ValidKeyId(words[1])) return bad("key id: 1-16 letters, digits, '-' or '_'");
      if (!FromHex(words[2], &key)) return bad("key: expected 64 hex digits (32 bytes)");
      if (!vault.keys_.emplace(std::string(words[1]), key).second) {
        return bad(absl::StrCat("key id ", words[1], " is listed twice"));
      }
      if (vault.current_.empty()) vault.current_ = std::string(words[1]);
    } else if (words[0] == "lookup_key") {
      if (words.size() != 2) return bad("expected: lookup_key <64 hex digits>");
      if (!vault.lookup_key_.empty()) return bad("lookup_key is listed twice");
      if (!FromHex(words[1], &key)) return bad("key: expected 64 hex digits (32 bytes)");
      vault.lookup_key_ = key;
    } else {
      return bad(absl::StrCat("unknown entry \"", words[0], "\""));
    }
  }
  if (vault.current_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no encryption_key"));
  }
  if (vault.lookup_key_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no lookup_key"));
  }
  for (const auto& [id, key] : vault.keys_) {
    if (key == vault.lookup_key_) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": lookup_key must differ from encryption key ", id));
    }
  }
  return vault;
}

absl::StatusOr<std::string> PhoneVault::Seal(absl::string_view phone,
                                             absl::string_view order_id) const {
  if (order_id.empty()) {
    return absl::InvalidArgumentError("sealed phone: no order id to bind the number to");
  }
  const std::string aad = absl::StrCat(kAadV2, order_id);
  const std::string& key = keys_.at(current_);
  unsigned char nonce[kNonceBytes];
  if (RAND_bytes(nonce, kNonceBytes) != 1) return absl::InternalError("no random bytes for a nonce");
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  std::string out(reinterpret_cast<const char*>(nonce), kNonceBytes);
  out.resize(kNonceBytes + phone.size() + kTagBytes);
  auto* body = reinterpret_cast<unsigned char*>(out.data() + kNonceBytes);
  int written = 0, final_written = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), Aes256Gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr,
                         reinterpret_cast<const unsigned char*>(key.data()), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &written,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), body, &written,
                        reinterpret_cast<const unsigned char*>(phone.data()),
                        static_cast<int>(phone.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), body + written, &final_written) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          body + phone.size()) != 1) {
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  return absl::StrCat(kV2Prefix, current_, ":", absl::Base64Escape(out));
}

bool PhoneVault::BoundToOrder(absl::string_view sealed) {
  return absl::StartsWith(sealed, kV2Prefix);
}

absl::StatusOr<std::string> PhoneVault::Open(absl::string_view sealed,
                                             absl::string_view order_id) const {
  const bool v2 = BoundToOrder(sealed);
  if (v2) sealed.remove_prefix(kV2Prefix.size());
  const std::string aad = v2 ? absl::StrCat(kAadV2, order_id) : std::string(kAadV1);
  size_t colon = sealed.find(':');
  if (colon == absl::string_view::npos) return absl::DataLossError("sealed phone: no key id");
  auto key = keys_.find(std::string(sealed.substr(0, colon)));
  if (key == keys_.end()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "sealed phone: key id ", sealed.substr(0, colon), " is not in the phone key file"));
  }
  std::string raw;
  if (!absl::Base64Unescape(sealed.substr(colon + 1), &raw) ||
      raw.size() < kNonceBytes + kTagBytes) {
    return absl::DataLossError("sealed phone: damaged");
  }
  const size_t length = raw.size() - kNonceBytes - kTagBytes;
  auto* bytes = reinterpret_cast<unsigned char*>(raw.data());
  std::string phone(length, '\0');
  int written = 0, final_written = 0;
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), Aes256Gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr,
                         reinterpret_cast<const unsigned char*>(key->second.data()), bytes) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &written,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(phone.data()), &written,
                        bytes + kNonceBytes, static_cast<int>(length)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                          bytes + kNonceBytes + length) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(phone.data()) + written,
                          &final_written) != 1) {
    // GCM cannot tell these apart; name them all.
    return absl::DataLossError(
        v2 ? absl::StrCat("sealed phone: does not open as order ", order_id,
                          "'s number (sealed for another order, damaged, or another key)")
           : std::string("sealed phone: does not open (damaged, or another key)"));
  }
  return phone;
}

std::string PhoneVault::LookupHash(absl::string_view phone) const {
  const std::string mac = HmacSha256(lookup_key_, phone);
  return ToHex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string PhoneVault::GenerateKeyFile(absl::string_view key_id) {
  unsigned char encryption[kKeyBytes], lookup[kKeyBytes];
  RAND_bytes(encryption, kKeyBytes);
  RAND_bytes(lookup, kKeyBytes);
  return absl::StrCat(
      "# Hotline phone keys (generated for a demo or a test; never for production).\n",
      "encryption_key ", key_id, " ", ToHex(encryption, kKeyBytes), "\n",
      "lookup_key ", ToHex(lookup, kKeyBytes), "\n");
}

}  // namespace hotline::crypto
