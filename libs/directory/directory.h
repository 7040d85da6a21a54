#pragma once
// The unit directory and the matter categories of the demo city, loaded from
// Protobuf text files and validated once at start-up. Immutable afterwards, so
// thread-safe to read from any thread.
#include <cstdint>
#include <map>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "hotline/v1/directory.pb.h"

namespace hotline::directory {

class Directory {
 public:
  // Reads and validates both files. INVALID_ARGUMENT names the file and the
  // entry (a parse error with its line, an unknown parent, a duplicate code, a
  // cycle, a street not under a district, a category code that does not start
  // with its parent's ...). NOT_FOUND when a file cannot be read.
  static absl::StatusOr<Directory> Load(const std::string& units_path,
                                        const std::string& categories_path);
  // Load() of units.textproto and categories.textproto in `data_dir`.
  static absl::StatusOr<Directory> LoadDataDir(const std::string& data_dir);
  // Validates already parsed data; `units_name`/`categories_name` name the
  // sources in error messages.
  static absl::StatusOr<Directory> Build(v1::UnitDirectory units, v1::CategoryList categories,
                                         absl::string_view units_name = "units",
                                         absl::string_view categories_name = "categories");

  const v1::Unit* FindUnit(absl::string_view code) const;
  const v1::Category* FindCategory(absl::string_view code) const;
  // OK when `code` is a unit that takes new orders; INVALID_ARGUMENT for an
  // unknown unit, FAILED_PRECONDITION naming a retired one (and its
  // successor). `field` starts the message ("unit_code").
  absl::Status CheckTakesOrders(absl::string_view code, absl::string_view field) const;
  // The unit itself when active; for a retired unit, the unit it was merged
  // into; nullptr for an unknown unit or one retired without a successor.
  const v1::Unit* ActiveSuccessor(absl::string_view code) const;
  bool IsDistrict(absl::string_view code) const;
  // True if `street_code` is a street/town directly under `district_code`.
  bool IsStreetOf(absl::string_view street_code, absl::string_view district_code) const;

  // Units in file order, filtered by parent (empty: any) and kind (UNSPECIFIED: any).
  std::vector<v1::Unit> ListUnits(absl::string_view parent_code, v1::UnitKind kind) const;
  // Categories whose code starts with `prefix`, in file order.
  std::vector<v1::Category> ListCategories(absl::string_view prefix) const;

  // The centre's unit (the directory has exactly one).
  const std::string& centre_code() const { return centre_code_; }

  // The reference data versions it was built from (libs/refdata; 0: files),
  // recorded where a decision used it.
  int64_t units_version() const { return units_version_; }
  int64_t categories_version() const { return categories_version_; }
  void set_versions(int64_t units, int64_t categories) {
    units_version_ = units;
    categories_version_ = categories;
  }

  size_t unit_count() const { return units_.units_size(); }
  size_t category_count() const { return categories_.categories_size(); }

 private:
  Directory() = default;

  v1::UnitDirectory units_;
  v1::CategoryList categories_;
  std::string centre_code_;
  int64_t units_version_ = 0;
  int64_t categories_version_ = 0;
  std::map<std::string, int, std::less<>> unit_index_;      // code -> position
  std::map<std::string, int, std::less<>> category_index_;  // code -> position
};

}  // namespace hotline::directory
