#pragma once
// The access log: every read of an order's personal data (who, which order,
// when, why) is appended here by the service that serves the read; auditors
// list it, newest first, for the whole city or one order.
//
// Redis keys (the only ones this library touches; named in AuditKeys below):
//   <p>audit                 stream: every entry, once; field `e` = serialized
//                            AuditEntry. An entry costs Redis ~100 bytes, plus
//                            ~18 per order it names (a 200-order page: ~4.6 KB).
//   <p>audit:order:{ID}:ids  list: the ids of the entries naming order ID,
//                            oldest first (ids only, ~20 bytes an entry; the
//                            entry is read from <p>audit by its id)
//   <p>audit:order:{ID}      stream, read only: entries naming order ID stored
//                            whole, under the same ids, by versions before the
//                            index; listed after the indexed ones (all older)
// Nothing is trimmed: the log is evidence. Entries older than the archive
// policy's access_log_after_days leave Redis for PostgreSQL (the mover in
// libs/archive/audit_archive.h, removing both the entry and its ids from
// the orders' indexes in one script); List reads both tiers when given an
// AuditArchive. A read of a 200-order page thus costs
// ~4.6 KB for the entry and ~18 bytes in each order's index, ~8 KB in all (the
// first read of an order adds ~200 bytes for its index key; the test in
// tests/audit measures both), not the entry 200 times over.
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
  std::string OrderIndex(absl::string_view order_id) const;
  std::string LegacyOrderLog(absl::string_view order_id) const;

 private:
  std::string prefix_;
};

// Entries that left Redis (libs/archive implements it on PostgreSQL).
struct StoredEntry {
  std::string id;     // the stream id it had in Redis
  std::string bytes;  // serialized AuditEntry, id empty
};
class AuditArchive {
 public:
  virtual ~AuditArchive() = default;
  // At most `limit` entries strictly older than stream id `before` ("" : no
  // bound), newest first; only those naming `order_id` unless it is empty.
  virtual void ListOlder(
      std::string order_id, std::string before, int limit,
      absl::AnyInvocable<void(absl::StatusOr<std::vector<StoredEntry>>)> done) = 0;
};

// Where the services append entries: the log below, or a core test's fake.
class AuditWriter {
 public:
  virtual ~AuditWriter() = default;
  // Appends `entry` (its id is assigned; `at` and `actor` are the caller's to
  // set). `done` gets the new id, or the error: a read whose access cannot be
  // logged should not be served.
  virtual void Append(const v1::AuditEntry& entry,
                      absl::AnyInvocable<void(absl::StatusOr<std::string>)> done) = 0;
};

class AuditLog final : public AuditWriter {
 public:
  // With `archive`, List reads Redis and the archive and merges them.
  explicit AuditLog(redis::Client& redis, AuditKeys keys = AuditKeys(),
                    AuditArchive* archive = nullptr);

  // As AuditWriter, and the entry's id goes to the index of each order it
  // names (an order named twice is indexed once); the error is Redis's.
  void Append(const v1::AuditEntry& entry,
              absl::AnyInvocable<void(absl::StatusOr<std::string>)> done) override;

  // One page, newest first: the whole log, or one order's (its index's ids
  // resolved to their entries, then any legacy entries), and with an archive
  // its entries merged in by id (an entry in both tiers during its move is
  // listed once). INVALID_ARGUMENT for
  // a bad page size or token; INTERNAL for an entry that does not parse or an
  // indexed id missing from the log.
  void List(const v1::ListAuditEntriesRequest& request,
            absl::AnyInvocable<void(absl::StatusOr<v1::ListAuditEntriesResponse>)> done);

 private:
  redis::Client& redis_;
  AuditKeys keys_;
  AuditArchive* archive_;
};

// Validates a List request; pure. INVALID_ARGUMENT naming the field.
absl::Status ValidateListRequest(const v1::ListAuditEntriesRequest& request);

}  // namespace hotline::audit
