#include "crypto/digest.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <utility>
#include <vector>

namespace hotline::crypto {
namespace {

// Fetched once for the process (never freed: they live as long as it).
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

using MacContext = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;

// An HMAC-SHA256 context holding `key`, made once per key and thread; null
// if libcrypto cannot make one.
EVP_MAC_CTX* KeyedContext(absl::string_view key) {
  constexpr size_t kKept = 8;
  thread_local std::vector<std::pair<std::string, MacContext>> kept;
  for (auto& [k, ctx] : kept) {
    if (k == key) return ctx.get();
  }
  if (HmacAlgorithm() == nullptr) return nullptr;
  MacContext ctx(EVP_MAC_CTX_new(HmacAlgorithm()), &EVP_MAC_CTX_free);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  static const unsigned char kNoKey = 0;  // an empty key still needs a pointer
  const auto* bytes = key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
  if (!ctx || EVP_MAC_init(ctx.get(), bytes, key.size(), params) != 1) return nullptr;
  if (kept.size() == kKept) kept.erase(kept.begin());
  kept.emplace_back(std::string(key), std::move(ctx));
  return kept.back().second.get();
}

}  // namespace

std::string Sha256(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (Sha256Md() == nullptr ||
      EVP_Digest(data.data(), data.size(), digest, &length, Sha256Md(), nullptr) != 1) {
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  EVP_MAC_CTX* ctx = KeyedContext(key);
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t length = 0;
  // A null key starts a new MAC under the key the context holds.
  if (ctx == nullptr || EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, mac, &length, sizeof mac) != 1) {
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(mac), length);
}

}  // namespace hotline::crypto
