#pragma once
// Names beside codes in what an agent reads: "天河区 440106", "建筑施工噪声
// 010101". The CLI asks the directory once per command (ListUnits and
// ListCategories through the gateway); a code the directory does not know, or
// a directory that could not be read, shows as the bare code.
// Not thread-safe; cheap to copy.
#include <string>

#include "absl/container/flat_hash_map.h"
#include "hotline/v1/directory.pb.h"

namespace hotline::cli {

class Names {
 public:
  Names() = default;  // knows no names: codes show bare
  Names(const v1::ListUnitsResponse& units, const v1::ListCategoriesResponse& categories);

  // "name code", or `code` alone; "" for "".
  std::string Unit(const std::string& code) const;
  std::string Category(const std::string& code) const;

 private:
  absl::flat_hash_map<std::string, std::string> units_, categories_;
};

}  // namespace hotline::cli
