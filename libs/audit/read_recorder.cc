#include "audit/read_recorder.h"

#include "absl/strings/str_cat.h"
#include "clock/proto_time.h"

namespace hotline::audit {

void ReadRecorder::Record(const v1::Actor& actor, v1::AuditAction action,
                          std::vector<std::string> order_ids,
                          absl::AnyInvocable<void(absl::Status)> done) {
  if (order_ids.empty()) return done(absl::OkStatus());
  v1::AuditEntry entry;
  *entry.mutable_at() = ToTimestamp(clock_.Now());
  *entry.mutable_actor() = actor;
  entry.set_action(action);
  if (action == v1::AUDIT_ACTION_READ_ORDER && order_ids.size() == 1) {
    entry.set_order_id(order_ids.front());
  } else {
    for (std::string& id : order_ids) entry.add_order_ids(std::move(id));
  }
  Append(std::move(entry), std::move(done));
}

void ReadRecorder::RecordAggregate(const v1::Actor& actor, v1::AuditAction action, std::string what,
                                   absl::AnyInvocable<void(absl::Status)> done) {
  v1::AuditEntry entry;
  *entry.mutable_at() = ToTimestamp(clock_.Now());
  *entry.mutable_actor() = actor;
  entry.set_action(action);
  entry.set_reason(std::move(what));
  Append(std::move(entry), std::move(done));
}

void ReadRecorder::Append(v1::AuditEntry entry, absl::AnyInvocable<void(absl::Status)> done) {
  log_.Append(entry, [done = std::move(done)](absl::StatusOr<std::string> id) mutable {
    if (id.ok()) return done(absl::OkStatus());
    done(absl::UnavailableError(absl::StrCat("access log: ", id.status().message())));
  });
}

}  // namespace hotline::audit
