#pragma once
// SLA policies (data/sla_policies.textproto) and the arithmetic of their
// spans on the working-day calendar. Pure; immutable after loading;
// thread-safe.
//
// Loading errors are INVALID_ARGUMENT "<file>: policies[i] (\"name\"): field: why".
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "calendar/working_calendar.h"
#include "hotline/v1/sla.pb.h"

namespace hotline::sla {

// How a span is counted: only working time, or every hour.
enum class Measure { kWorking, kWall };

struct Budget {
  Measure measure = Measure::kWorking;
  absl::Duration amount;
};
// The span as an amount of time in its measure (a working day is 24 working hours).
Budget BudgetOf(const v1::Span& span);
bool IsSet(const v1::Span& span);

// Time arithmetic in a measure (wall time needs no calendar).
absl::StatusOr<absl::Time> Advance(const calendar::WorkingCalendar& cal, Measure m, absl::Time from,
                                   absl::Duration amount);
absl::StatusOr<absl::Time> Retreat(const calendar::WorkingCalendar& cal, Measure m, absl::Time to,
                                   absl::Duration amount);
absl::StatusOr<absl::Duration> Between(const calendar::WorkingCalendar& cal, Measure m, absl::Time from,
                                       absl::Time to);

// The name a warning's mark carries: its own name, else "50pct" or
// "before-4h" / "before-2d" / "before-15m" from its definition.
std::string WarningName(const v1::Warning& warning);

class Policies {
 public:
  static absl::StatusOr<Policies> Load(const std::string& path);
  // `origin` names the source in errors.
  static absl::StatusOr<Policies> FromProto(const v1::SlaPolicies& policies, const std::string& origin);

  // The most specific policy for an order; never null after a successful load
  // (every type is covered).
  const v1::SlaPolicy* Match(v1::OrderType type, bool urgent, const std::string& category) const;
  const v1::SlaPolicy* Find(const std::string& name) const;

  // Which version this is: a hash of the content (16 hex digits), the same
  // for the same policies whatever the file's comments and layout.
  const std::string& version() const { return version_; }
  // The `policies` reference data version it was loaded as (libs/refdata;
  // 0: a file), recorded with version() on each deadline record.
  int64_t ref_version() const { return ref_version_; }
  void set_ref_version(int64_t ref_version) { ref_version_ = ref_version; }
  // The policies as one message (what the store keeps per version).
  std::string Serialize() const;

 private:
  std::vector<v1::SlaPolicy> policies_;
  std::string version_;
  int64_t ref_version_ = 0;
};

}  // namespace hotline::sla
