#pragma once
// `hotline-admin <kind> load|history|diff` (kinds: libs/refdata/kinds.h):
// validation of reference data on its own and against the other kinds, and
// the load that writes a validated version (refdata/ref_store.h).
//
// Validation builds what the services build, from the candidate and the
// other kinds in force: the directory (units + categories:
// directory/directory.h), the city profile against it (directory/city.h),
// the dispatch catalogue against it (dispatch/catalogue.h), the SLA policies
// (sla/policies.h) with each category_prefix a known category, and the
// scoring rules (scoring/rules.h). So a catalogue naming a unit the
// directory no longer has is refused, and so is a units file that drops a
// unit the catalogue still names. Errors are INVALID_ARGUMENT naming the
// source ("the file", or "catalogue v4" for a kind in force), the entry and
// the field.
//
// Free functions (the fuzzers call ValidateReferenceSet); thread-safe.
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "redis/client.h"
#include "refdata/ref_store.h"

namespace hotline::admin {

// One kind's content (canonical text) and how to name it in errors.
struct RefInput {
  std::string content;
  std::string origin;  // "data/units.textproto", "units v3"
};

// Validates a whole set of reference data (every kind of refdata::Kinds()
// present). INVALID_ARGUMENT naming origin, entry and field; OK otherwise.
absl::Status ValidateReferenceSet(const std::map<std::string, RefInput>& set);

struct RefLoadResult {
  bool changed = false;       // false: this very content is in force already
  refdata::RefRecord record;  // the version in force after the call
};

// Makes the content of `path` the next version of `kind`: parsed, validated
// against the other kinds in force (a kind with no version yet counts as its
// seed file in `data_dir`, which is what the services would seed), then
// written only if none of them moved meanwhile (else read and validated
// again). A refusal writes nothing. Loading the content in force again
// writes nothing (changed = false). A city whose time_zone is not the one in
// force is refused unless `allow_time_zone_change` (running services keep
// the zone they started with: refdata::MakeLiveCity).
absl::StatusOr<RefLoadResult> LoadReferenceData(refdata::RefStore& store, const std::string& kind,
                                                const std::string& path, const std::string& user,
                                                absl::Time at, const std::string& data_dir,
                                                bool allow_time_zone_change = false);

// LoadReferenceData of content already in canonical text (kinds.h):
// `origin` names it in errors, `file` is recorded as the version's file.
absl::StatusOr<RefLoadResult> LoadReferenceContent(refdata::RefStore& store, const std::string& kind,
                                                   const std::string& content, const std::string& origin,
                                                   const std::string& file, const std::string& user,
                                                   absl::Time at, const std::string& data_dir,
                                                   bool allow_time_zone_change = false);

// Appends the load of `record` to the access log (AUDIT_ACTION_REFERENCE_DATA_LOAD)
// as an administrator, waiting for the answer.
absl::Status AuditReferenceLoad(redis::Client& redis, const refdata::RefRecord& record);

}  // namespace hotline::admin
