#include "refdata/directory_source.h"

#include "hotline/v1/directory.pb.h"
#include "refdata/kinds.h"

namespace hotline::refdata {

absl::StatusOr<directory::Directory> BuildDirectory(const RefSnapshot& snapshot) {
  v1::UnitDirectory units;
  v1::CategoryList categories;
  if (absl::Status s = snapshot.Parse(kUnits, &units); !s.ok()) return s;
  if (absl::Status s = snapshot.Parse(kCategories, &categories); !s.ok()) return s;
  absl::StatusOr<directory::Directory> dir = directory::Directory::Build(
      std::move(units), std::move(categories), snapshot.Origin(kUnits), snapshot.Origin(kCategories));
  if (!dir.ok()) return dir.status();
  const std::map<std::string, int64_t> versions = snapshot.versions();
  dir->set_versions(versions.at(kUnits), versions.at(kCategories));
  return dir;
}

absl::StatusOr<directory::City> BuildCity(const RefSnapshot& snapshot) {
  absl::StatusOr<directory::Directory> dir = BuildDirectory(snapshot);
  if (!dir.ok()) return dir.status();
  v1::CityProfile profile;
  if (absl::Status s = snapshot.Parse(kCity, &profile); !s.ok()) return s;
  return directory::ValidateCity(std::move(profile), *dir, snapshot.Origin(kCity));
}

absl::StatusOr<std::unique_ptr<Live<directory::Directory>>> MakeLiveDirectory(RefStore& store,
                                                                              LiveOptions options) {
  return Live<directory::Directory>::Create(store, {kUnits, kCategories}, BuildDirectory,
                                            std::move(options), "directory");
}

absl::StatusOr<directory::City> ReadCity(RefStore& store, LiveOptions options) {
  absl::StatusOr<std::unique_ptr<Live<directory::City>>> city = Live<directory::City>::Create(
      store, {kUnits, kCategories, kCity}, BuildCity, std::move(options), "city");
  if (!city.ok()) return city.status();
  return *(*city)->Current();
}

absl::StatusOr<directory::City> AdoptCity(RefStore& store, LiveOptions options) {
  absl::StatusOr<directory::City> city = ReadCity(store, std::move(options));
  if (city.ok()) directory::AdoptCity(*city);
  return city;
}

}  // namespace hotline::refdata
