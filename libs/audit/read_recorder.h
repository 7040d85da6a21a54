#pragma once
// Records reads of orders' personal data in the access log (audit_log.h): the
// services that answer such reads (intake's get and list, dispatch's queues)
// append one entry per answer, before the answer goes out. A read whose entry
// cannot be written is not served: the caller gets UNAVAILABLE and may retry.
// Thread-safe; `done` runs on a Redis worker thread.
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "audit/audit_log.h"
#include "clock/clock.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::audit {

class ReadRecorder {
 public:
  ReadRecorder(AuditWriter& log, const Clock& clock) : log_(log), clock_(clock) {}

  // One entry: `actor` read `order_ids` now (READ_ORDER names its one order
  // in order_id; a page names them all in order_ids). `done` gets OK once it
  // is written, UNAVAILABLE ("access log: ...") when it cannot be. An empty
  // page reads no one's data: nothing is written, `done` gets OK at once.
  void Record(const v1::Actor& actor, v1::AuditAction action, std::vector<std::string> order_ids,
              absl::AnyInvocable<void(absl::Status)> done);
  // One entry for a read of personal data drawn from many orders but naming
  // none (scoring's month of shared addresses): `what` (in `reason`) says
  // which read it was, e.g. "hot addresses 2026-11". `done` as for Record.
  void RecordAggregate(const v1::Actor& actor, v1::AuditAction action, std::string what,
                       absl::AnyInvocable<void(absl::Status)> done);

 private:
  void Append(v1::AuditEntry entry, absl::AnyInvocable<void(absl::Status)> done);

  AuditWriter& log_;
  const Clock& clock_;
};

}  // namespace hotline::audit
