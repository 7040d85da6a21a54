#include "dispatch/catalogue.h"

#include "absl/strings/str_cat.h"
#include "config/text_proto.h"

namespace hotline::dispatch {

absl::StatusOr<Catalogue> Catalogue::Load(const std::string& path,
                                          const directory::Directory& directory) {
  v1::DispatchCatalogue catalogue;
  if (absl::Status s = config::ReadTextProto(path, &catalogue); !s.ok()) return s;
  return Build(catalogue, directory, path);
}

absl::StatusOr<Catalogue> Catalogue::Build(const v1::DispatchCatalogue& catalogue,
                                           const directory::Directory& directory,
                                           const std::string& name) {
  Catalogue c;
  for (const v1::DispatchRule& rule : catalogue.rules()) {
    auto bad = [&](const std::string& what) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": entry \"", rule.category_prefix(), "\": ", what));
    };
    if (directory.FindCategory(rule.category_prefix()) == nullptr) return bad("category_prefix: unknown category");
    if (rule.target_case() == v1::DispatchRule::TARGET_NOT_SET) {
      return bad("target: no target: set unit_code or district_of_order");
    }
    if (rule.target_case() == v1::DispatchRule::kUnitCode) {
      const v1::Unit* unit = directory.FindUnit(rule.unit_code());
      if (unit == nullptr) return bad(absl::StrCat("unit_code: unknown unit \"", rule.unit_code(), "\""));
      if (unit->kind() == v1::UNIT_KIND_CENTRE) return bad("unit_code: the centre is not a handling unit");
      if (unit->retired()) {
        return bad(absl::StrCat("unit_code: unit \"", rule.unit_code(), "\" is retired",
                                unit->merged_into().empty() ? "" : absl::StrCat(" (merged into \"", unit->merged_into(), "\")")));
      }
    }
    if (!c.rules_.emplace(rule.category_prefix(), rule).second) return bad("category_prefix: duplicate category");
  }
  // Every matter must have somewhere to go, or orders would wait for a human.
  for (const v1::Category& category : directory.ListCategories("")) {
    if (!c.RouteFor(category.code(), "").ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": category \"", category.code(), "\" (", category.name(),
                       ") is not covered by any entry"));
    }
  }
  return c;
}

absl::StatusOr<Route> Catalogue::RouteFor(const std::string& category_code,
                                          const std::string& district_code) const {
  for (size_t len = category_code.size(); len > 0; --len) {
    auto it = rules_.find(category_code.substr(0, len));
    if (it == rules_.end()) continue;
    const v1::DispatchRule& rule = it->second;
    return Route{rule.has_unit_code() ? rule.unit_code() : district_code, it->first};
  }
  return absl::NotFoundError(absl::StrCat("no dispatch rule covers category ", category_code));
}

}  // namespace hotline::dispatch
