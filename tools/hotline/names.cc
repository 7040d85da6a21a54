#include "tools/hotline/names.h"

#include "absl/strings/str_cat.h"

namespace hotline::cli {
namespace {

std::string WithName(const absl::flat_hash_map<std::string, std::string>& names,
                     const std::string& code) {
  auto it = names.find(code);
  return it == names.end() ? code : absl::StrCat(it->second, " ", code);
}

}  // namespace

Names::Names(const v1::ListUnitsResponse& units, const v1::ListCategoriesResponse& categories) {
  for (const v1::Unit& u : units.units()) units_[u.code()] = u.name();
  for (const v1::Category& c : categories.categories()) categories_[c.code()] = c.name();
}

std::string Names::Unit(const std::string& code) const { return WithName(units_, code); }
std::string Names::Category(const std::string& code) const { return WithName(categories_, code); }

}  // namespace hotline::cli
