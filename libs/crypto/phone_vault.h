#pragma once
// Phone numbers at rest. Seal() encrypts a number with AES-256-GCM under the
// current key (a fresh 96-bit nonce each time), bound to the order it belongs
// to (the order id is in the authenticated data), and returns
// "v2/<key id>:<base64(nonce | ciphertext | tag)>"; Open() decrypts with the
// key the id names, so old keys keep opening old orders while new ones use the
// current key (rotation: add a new first key, keep the old ones). A value
// copied into another order's record does not open there.
//
// Version 1 values ("<key id>:<base64>", sealed before the order id was bound,
// bound to the field only) still open for any order id; BoundToOrder() tells
// them apart so intake's start-up pass can seal them again as version 2
// (services/intake/legacy_phones.h).
//
// LookupHash() is HMAC-SHA256 under a separate key: equal numbers give equal
// hashes, so an index finds a caller's orders without storing the number.
//
// Key file (text; '#' starts a comment; never commit a real one):
//   encryption_key <id> <64 hex digits>   # the first listed encrypts
//   encryption_key <id> <64 hex digits>   # older: decrypt only
//   lookup_key <64 hex digits>
// Ids are 1-16 letters, digits, '-' or '_'.
//
// Thread-safe after construction (const methods only).
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotline::crypto {

class PhoneVault {
 public:
  // INVALID_ARGUMENT naming the file and line of a bad entry; NOT_FOUND when
  // the file cannot be read.
  static absl::StatusOr<PhoneVault> LoadKeyFile(const std::string& path);
  static absl::StatusOr<PhoneVault> Parse(absl::string_view text, absl::string_view source);

  // INVALID_ARGUMENT when `order_id` is empty.
  absl::StatusOr<std::string> Seal(absl::string_view phone, absl::string_view order_id) const;
  // The number of order `order_id`. DATA_LOSS when the value is damaged, was
  // not sealed under these keys, or was sealed for another order;
  // FAILED_PRECONDITION when its key id is not in the file. A version 1 value
  // opens whatever the order id.
  absl::StatusOr<std::string> Open(absl::string_view sealed, absl::string_view order_id) const;
  // True for a version 2 value (bound to its order); false for version 1.
  static bool BoundToOrder(absl::string_view sealed);
  // Lowercase hex HMAC-SHA256 of the (normalized) number.
  std::string LookupHash(absl::string_view phone) const;

  const std::string& current_key_id() const { return current_; }

  // A key file with fresh random keys (for the demo and the tests).
  static std::string GenerateKeyFile(absl::string_view key_id);

 private:
  PhoneVault() = default;
  std::map<std::string, std::string> keys_;  // id -> 32 raw bytes
  std::string current_;
  std::string lookup_key_;  // 32 raw bytes
};

}  // namespace hotline::crypto
