#pragma once
// What dispatch reads of the reference data (libs/refdata): the directory
// and the catalogue validated against it, built together from one snapshot
// of units, categories and catalogue, and followed live (refdata/live.h).
#include <memory>

#include "absl/status/statusor.h"
#include "directory/directory.h"
#include "dispatch/catalogue.h"
#include "refdata/live.h"

namespace hotline::dispatch {

struct DispatchReferenceData {
  directory::Directory directory;
  Catalogue catalogue;
};

// INVALID_ARGUMENT naming kind, version, entry and field when the catalogue
// does not fit the directory (refdata/directory_source.h, catalogue.h).
absl::StatusOr<DispatchReferenceData> BuildDispatchReferenceData(const refdata::RefSnapshot& snapshot);

// Created and seeded, not started.
absl::StatusOr<std::unique_ptr<refdata::Live<DispatchReferenceData>>> MakeLiveDispatchReferenceData(
    refdata::RefStore& store, refdata::LiveOptions options);

}  // namespace hotline::dispatch
