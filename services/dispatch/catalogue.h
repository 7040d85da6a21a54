#pragma once
// The dispatch catalogue: which unit handles a matter, by category (and, for
// local matters, the order's district). Loaded from data, validated against
// the directory at start-up; immutable and thread-safe afterwards.
#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "directory/directory.h"
#include "hotline/v1/dispatch.pb.h"

namespace hotline::dispatch {

struct Route {
  std::string unit_code;
  std::string rule_prefix;  // the catalogue entry that decided, recorded as the reason
};

class Catalogue {
 public:
  // INVALID_ARGUMENT naming the file and entry: a duplicate or unknown
  // category, an unknown unit or the centre as a target, an entry without a
  // target, or a category that no entry covers. NOT_FOUND if unreadable.
  static absl::StatusOr<Catalogue> Load(const std::string& path,
                                        const directory::Directory& directory);
  static absl::StatusOr<Catalogue> Build(const v1::DispatchCatalogue& catalogue,
                                         const directory::Directory& directory,
                                         const std::string& name = "catalogue");

  // The unit for a category in a district, by the longest matching prefix.
  // NOT_FOUND for a category no entry covers (not possible once validated,
  // unless the category itself is unknown).
  absl::StatusOr<Route> RouteFor(const std::string& category_code,
                                 const std::string& district_code) const;

  size_t size() const { return rules_.size(); }
  // The `catalogue` reference data version it was built from (libs/refdata;
  // 0: a file), recorded on each automatic dispatch it decides.
  int64_t version() const { return version_; }
  void set_version(int64_t version) { version_ = version; }

 private:
  std::map<std::string, v1::DispatchRule> rules_;  // by category prefix
  int64_t version_ = 0;
};

}  // namespace hotline::dispatch
