#pragma once
// The access log: every read of an order's personal data (who, which order,
// when, why) is appended here by the service that serves the read; auditors
// list it, newest first, for the whole city or one order.
//
// Redis keys (the only ones this library touches):
//   <p>audit              stream: every entry, field `e` = serialized AuditEntry
//   <p>audit:order:{ID}   stream: the entries naming order ID, same ids
// Neither is trimmed: the log is evidence (about 200 bytes an entry).
//
// Thread-safe; callbacks run on a Redis worker thread.
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hotline/v1/audit.pb.h"
#include "redis/client.h"

namespace hotline::audit {

class AuditKeys {
 public:
  explicit AuditKeys(std::string prefix = "hotline:") : prefix_(std::move(prefix)) {}
  std::string Log() const;
  std::string OrderLog(absl::string_view order_id) const;

 private:
  std::string prefix_;
};

class AuditLog {
 public:
  explicit AuditLog(redis::Client& redis, AuditKeys keys = AuditKeys());

  // Appends `entry` (its id is assigned; `at` and `actor` are the caller's to
  // set). `done` gets the new id, or the Redis error: a read whose access
  // cannot be logged should not be served.
  void Append(const v1::AuditEntry& entry,
              absl::AnyInvocable<void(absl::StatusOr<std::string>)> done);

  // One page, newest first. INVALID_ARGUMENT for a bad page size or token.
  void List(const v1::ListAuditEntriesRequest& request,
            absl::AnyInvocable<void(absl::StatusOr<v1::ListAuditEntriesResponse>)> done);

 private:
  redis::Client& redis_;
  AuditKeys keys_;
};

// Validates a List request; pure. INVALID_ARGUMENT naming the field.
absl::Status ValidateListRequest(const v1::ListAuditEntriesRequest& request);

}  // namespace hotline::audit
