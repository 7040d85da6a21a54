#include <openssl/evp.h>

#include <string>
#include <string_view>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "redis/client.h"

namespace hotline::redis {

// EVALSHA names a script by the SHA-1 of its body in lowercase hex, the same
// string SCRIPT LOAD returns.
Script::Script(std::string_view body) : body_(body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(body_.data(), body_.size(), digest, &size, EVP_sha1(), nullptr) != 1) {
    // Only on a broken OpenSSL; EVALSHA then gets NOSCRIPT and EVAL still works.
    size = 0;
  }
  sha1_ = absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), size));
}

}  // namespace hotline::redis
