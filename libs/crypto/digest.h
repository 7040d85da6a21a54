#pragma once
// SHA-256 and HMAC-SHA256 for the per-call paths (the gateway's identity
// signature, a backend's check of it, the phone lookup hash): the same bytes
// as OpenSSL's one-shot SHA256() and HMAC(EVP_sha256(), ...), without their
// per-call cost in OpenSSL 3 (each call looks the algorithms up again by name
// and, for HMAC, sets the key up again; both showed in the create profile).
// Thread-safe. Both return "" if libcrypto fails (as the one-shot calls
// leave no result).
#include <string>

#include "absl/strings/string_view.h"

namespace hotline::crypto {

// The 32 raw bytes of SHA-256(data).
std::string Sha256(absl::string_view data);

// The 32 raw bytes of HMAC-SHA256(key, data). Each thread keeps the keys it
// used last ready (a few: a process has one or two secrets per purpose).
std::string HmacSha256(absl::string_view key, absl::string_view data);

}  // namespace hotline::crypto
