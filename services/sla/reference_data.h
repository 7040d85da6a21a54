#pragma once
// What sla reads of the reference data (libs/refdata): the directory (unit
// scoping) and the SLA policies, built together from one snapshot of units,
// categories and policies, and followed live (refdata/live.h). A loaded
// policy applies to orders taken from then on; an order keeps the policy
// version it was taken under (monitor.h).
#include <memory>

#include "absl/status/statusor.h"
#include "directory/directory.h"
#include "refdata/live.h"
#include "sla/policies.h"

namespace hotline::sla {

struct SlaReferenceData {
  directory::Directory directory;
  Policies policies;
};

absl::StatusOr<SlaReferenceData> BuildSlaReferenceData(const refdata::RefSnapshot& snapshot);

// Created and seeded, not started.
absl::StatusOr<std::unique_ptr<refdata::Live<SlaReferenceData>>> MakeLiveSlaReferenceData(
    refdata::RefStore& store, refdata::LiveOptions options);

}  // namespace hotline::sla
