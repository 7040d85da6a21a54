#pragma once
// What scoring reads of the reference data (libs/refdata): the directory and
// the scoring rule book, built together from one snapshot of units,
// categories and rules, and followed live (refdata/live.h) by the assessor.
#include <memory>

#include "absl/status/statusor.h"
#include "directory/directory.h"
#include "refdata/live.h"
#include "scoring/rules.h"

namespace hotline::scoring {

struct ScoringReferenceData {
  directory::Directory directory;
  RuleBook rules;
};

absl::StatusOr<ScoringReferenceData> BuildScoringReferenceData(const refdata::RefSnapshot& snapshot);

// Created and seeded, not started.
absl::StatusOr<std::unique_ptr<refdata::Live<ScoringReferenceData>>> MakeLiveScoringReferenceData(
    refdata::RefStore& store, refdata::LiveOptions options);

}  // namespace hotline::scoring
