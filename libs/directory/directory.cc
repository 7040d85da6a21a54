#include "directory/directory.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "config/text_proto.h"

namespace hotline::directory {
namespace {

absl::Status EntryError(absl::string_view file, absl::string_view code, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(file, ": entry \"", code, "\": ", what));
}

}  // namespace

absl::StatusOr<Directory> Directory::Load(const std::string& units_path,
                                          const std::string& categories_path) {
  v1::UnitDirectory units;
  v1::CategoryList categories;
  if (absl::Status s = config::ReadTextProto(units_path, &units); !s.ok()) return s;
  if (absl::Status s = config::ReadTextProto(categories_path, &categories); !s.ok()) return s;
  return Build(std::move(units), std::move(categories), units_path, categories_path);
}

absl::StatusOr<Directory> Directory::LoadDataDir(const std::string& data_dir) {
  return Load(data_dir + "/units.textproto", data_dir + "/categories.textproto");
}

absl::StatusOr<Directory> Directory::Build(v1::UnitDirectory units, v1::CategoryList categories,
                                           absl::string_view units_name,
                                           absl::string_view categories_name) {
  Directory d;
  d.units_ = std::move(units);
  d.categories_ = std::move(categories);

  int centres = 0;
  for (int i = 0; i < d.units_.units_size(); ++i) {
    const v1::Unit& u = d.units_.units(i);
    if (u.code().empty()) return EntryError(units_name, absl::StrCat("#", i + 1), "code: empty");
    if (u.name().empty()) return EntryError(units_name, u.code(), "name: empty");
    if (u.kind() == v1::UNIT_KIND_UNSPECIFIED) return EntryError(units_name, u.code(), "kind: not set");
    if (!d.unit_index_.emplace(u.code(), i).second) {
      return EntryError(units_name, u.code(), "code: duplicate");
    }
    if (u.kind() == v1::UNIT_KIND_CENTRE) {
      ++centres;
      d.centre_code_ = u.code();
    }
  }
  if (centres != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(units_name, ": needs exactly one unit of kind CENTRE, has ", centres));
  }
  for (const v1::Unit& u : d.units_.units()) {
    if (u.kind() == v1::UNIT_KIND_CENTRE) {
      if (!u.parent_code().empty()) return EntryError(units_name, u.code(), "the centre has a parent");
      continue;
    }
    const v1::Unit* parent = d.FindUnit(u.parent_code());
    if (parent == nullptr) {
      return EntryError(units_name, u.code(),
                        absl::StrCat("parent_code: unknown parent \"", u.parent_code(), "\""));
    }
    // Which parent each kind may have keeps the three levels of government right.
    bool parent_ok = false;
    switch (u.kind()) {
      case v1::UNIT_KIND_DISTRICT:
      case v1::UNIT_KIND_DEPARTMENT: parent_ok = parent->kind() == v1::UNIT_KIND_CENTRE; break;
      case v1::UNIT_KIND_STREET: parent_ok = parent->kind() == v1::UNIT_KIND_DISTRICT; break;
      case v1::UNIT_KIND_SUB_UNIT: parent_ok = parent->kind() == v1::UNIT_KIND_DEPARTMENT; break;
      default: break;
    }
    if (!parent_ok) {
      return EntryError(units_name, u.code(),
                        absl::StrCat("parent_code: a ", v1::UnitKind_Name(u.kind()), " cannot be under ",
                                     v1::UnitKind_Name(parent->kind()), " \"", parent->code(),
                                     "\""));
    }
  }
  // Retirement (merge): a retired unit names an active successor, keeps no
  // active unit under it, and the centre never retires.
  for (const v1::Unit& u : d.units_.units()) {
    if (!u.merged_into().empty() && !u.retired()) {
      return EntryError(units_name, u.code(), "merged_into: set on a unit that is not retired");
    }
    if (!u.retired()) {
      const v1::Unit* parent = d.FindUnit(u.parent_code());
      if (parent != nullptr && parent->retired()) {
        return EntryError(units_name, u.code(),
                          absl::StrCat("parent_code: \"", parent->code(), "\" is retired"));
      }
      continue;
    }
    if (u.kind() == v1::UNIT_KIND_CENTRE) return EntryError(units_name, u.code(), "retired: the centre cannot retire");
    if (u.merged_into().empty()) continue;
    const v1::Unit* successor = d.FindUnit(u.merged_into());
    if (successor == nullptr) {
      return EntryError(units_name, u.code(),
                        absl::StrCat("merged_into: unknown unit \"", u.merged_into(), "\""));
    }
    if (successor->retired() || successor->code() == u.code()) {
      return EntryError(units_name, u.code(),
                        absl::StrCat("merged_into: \"", u.merged_into(), "\" is not an active unit"));
    }
  }
  // Walk up from every unit: a path longer than the directory is a cycle.
  for (const v1::Unit& u : d.units_.units()) {
    const v1::Unit* at = &u;
    for (int steps = 0; at != nullptr && !at->parent_code().empty(); ++steps) {
      if (steps > d.units_.units_size()) return EntryError(units_name, u.code(), "parent_code: parent cycle");
      at = d.FindUnit(at->parent_code());
    }
  }

  for (int i = 0; i < d.categories_.categories_size(); ++i) {
    const v1::Category& c = d.categories_.categories(i);
    if (c.code().empty()) return EntryError(categories_name, absl::StrCat("#", i + 1), "code: empty");
    if (c.name().empty()) return EntryError(categories_name, c.code(), "name: empty");
    if (!d.category_index_.emplace(c.code(), i).second) {
      return EntryError(categories_name, c.code(), "code: duplicate");
    }
  }
  for (const v1::Category& c : d.categories_.categories()) {
    if (c.parent_code().empty()) continue;
    if (d.FindCategory(c.parent_code()) == nullptr) {
      return EntryError(categories_name, c.code(),
                        absl::StrCat("parent_code: unknown parent \"", c.parent_code(), "\""));
    }
    if (!absl::StartsWith(c.code(), c.parent_code()) || c.code() == c.parent_code()) {
      return EntryError(categories_name, c.code(),
                        absl::StrCat("code: must extend its parent's \"", c.parent_code(), "\""));
    }
  }
  return d;
}

const v1::Unit* Directory::FindUnit(absl::string_view code) const {
  auto it = unit_index_.find(code);
  return it == unit_index_.end() ? nullptr : &units_.units(it->second);
}

const v1::Category* Directory::FindCategory(absl::string_view code) const {
  auto it = category_index_.find(code);
  return it == category_index_.end() ? nullptr : &categories_.categories(it->second);
}

absl::Status Directory::CheckTakesOrders(absl::string_view code, absl::string_view field) const {
  const v1::Unit* u = FindUnit(code);
  if (u == nullptr) return absl::InvalidArgumentError(absl::StrCat(field, ": unknown unit \"", code, "\""));
  if (!u->retired()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      field, ": unit ", u->code(), " (", u->name(), ") is retired and takes no new orders",
      u->merged_into().empty() ? "" : absl::StrCat("; it was merged into ", u->merged_into())));
}

const v1::Unit* Directory::ActiveSuccessor(absl::string_view code) const {
  const v1::Unit* u = FindUnit(code);
  // Build() guarantees a successor is active, so one step is enough.
  if (u != nullptr && u->retired()) u = u->merged_into().empty() ? nullptr : FindUnit(u->merged_into());
  return u;
}

bool Directory::IsDistrict(absl::string_view code) const {
  const v1::Unit* u = FindUnit(code);
  return u != nullptr && u->kind() == v1::UNIT_KIND_DISTRICT;
}

bool Directory::IsStreetOf(absl::string_view street_code, absl::string_view district_code) const {
  const v1::Unit* u = FindUnit(street_code);
  return u != nullptr && u->kind() == v1::UNIT_KIND_STREET && u->parent_code() == district_code;
}

std::vector<v1::Unit> Directory::ListUnits(absl::string_view parent_code, v1::UnitKind kind) const {
  std::vector<v1::Unit> out;
  for (const v1::Unit& u : units_.units()) {
    if (!parent_code.empty() && u.parent_code() != parent_code) continue;
    if (kind != v1::UNIT_KIND_UNSPECIFIED && u.kind() != kind) continue;
    out.push_back(u);
  }
  return out;
}

std::vector<v1::Category> Directory::ListCategories(absl::string_view prefix) const {
  std::vector<v1::Category> out;
  for (const v1::Category& c : categories_.categories()) {
    if (absl::StartsWith(c.code(), prefix)) out.push_back(c);
  }
  return out;
}

}  // namespace hotline::directory
