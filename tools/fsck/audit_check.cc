// The access log's one invariant fsck can see in Redis: no per-order audit
// stream (<p>audit:order:{ID}, written whole by versions before the index)
// is left once an archive exists. Counted with the compactor's own read-only
// count (archive::CountLegacyAudit: SCAN ... TYPE stream, then XLEN).
//   audit_legacy_streams  with --postgres: N such streams remain (one
//                         finding, order "-"): hotline-admin archive
//                         compact-audit moves them into PostgreSQL
// Without --postgres the streams are the only copy a Redis-only centre has
// (its readers list them): counted, not reported.
#include "absl/strings/str_cat.h"
#include "archive/legacy_audit.h"
#include "audit/audit_log.h"
#include "fsck/fsck.h"

namespace hotline::fsck {
namespace {

class LegacyAuditCheck final : public Check {
 public:
  std::string name() const override { return "audit"; }

  absl::Status Run(Context& ctx) override {
    const audit::AuditKeys keys(ctx.keys().prefix());
    absl::StatusOr<archive::LegacyAuditCount> left =
        archive::CountLegacyAudit(ctx.redis(), keys);
    if (!left.ok()) return left.status();
    ctx.Count("legacy audit streams", left->streams);
    if (left->streams == 0 || ctx.options().postgres.empty()) return absl::OkStatus();
    ctx.Report({"audit_legacy_streams", "-",
                absl::StrCat(left->streams, " per-order access-log streams (audit:order:{ID}, ",
                             left->entries,
                             " entries) remain in Redis: run hotline-admin archive compact-audit "
                             "(--dry_run counts them)")});
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Check> MakeLegacyAuditCheck() { return std::make_unique<LegacyAuditCheck>(); }

}  // namespace hotline::fsck
