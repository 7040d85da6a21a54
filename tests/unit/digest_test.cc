#include <catch2/catch.hpp>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <string>
#include <thread>
#include <vector>

#include "crypto/digest.h"

namespace hotline::crypto {
namespace {

std::string OneShotHmac(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
  return std::string(reinterpret_cast<const char*>(mac), length);
}

std::string OneShotSha256(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

}  // namespace

TEST_CASE("SHA-256 and HMAC-SHA256 give OpenSSL's one-shot bytes", "[crypto]") {
  // Keys shorter than, as long as and longer than SHA-256's 64-byte block
  // (a longer key is hashed first), the empty key, and keys in turn (each
  // thread keeps several ready; more than it keeps, so some are set up again).
  std::vector<std::string> keys = {"", "k", std::string(32, 's'), std::string(64, 'b'),
                                   std::string(65, 'c'), std::string(200, 'd')};
  for (int i = 0; i < 10; ++i) keys.push_back("secret-" + std::to_string(i));
  const std::vector<std::string> data = {"", "x", "v2/hotline.v1.Intake/CreateWorkOrder64:ab",
                                         std::string(1000, 'z'), std::string("a\0b", 3)};
  for (int round = 0; round < 2; ++round) {
    for (const std::string& key : keys) {
      for (const std::string& d : data) {
        INFO("key of " << key.size() << " bytes, data of " << d.size());
        CHECK(HmacSha256(key, d) == OneShotHmac(key, d));
        CHECK(HmacSha256(key, d).size() == 32);
      }
    }
  }
  for (const std::string& d : data) CHECK(Sha256(d) == OneShotSha256(d));
  CHECK(HmacSha256("a", "m") != HmacSha256("b", "m"));
}

TEST_CASE("HMAC-SHA256 from several threads at once", "[crypto]") {
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 500; ++i) {
        const std::string key = "key-" + std::to_string((t + i) % 3);
        const std::string data = "call " + std::to_string(i);
        if (HmacSha256(key, data) != OneShotHmac(key, data)) ++wrong[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(wrong == std::vector<int>(4, 0));
}

}  // namespace hotline::crypto
