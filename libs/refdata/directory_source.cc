#include "refdata/directory_source.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
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

absl::StatusOr<std::unique_ptr<Live<directory::City>>> MakeLiveCity(RefStore& store,
                                                                    LiveOptions options) {
  // The zone of the first build; later builds run on the poller thread only
  // (Init happens before Start), so no lock.
  auto zone = std::make_shared<std::optional<std::string>>();
  auto build = [zone](const RefSnapshot& snapshot) -> absl::StatusOr<directory::City> {
    absl::StatusOr<directory::City> city = BuildCity(snapshot);
    if (!city.ok()) return city.status();
    const std::string& loaded = city->profile.time_zone();
    if (!zone->has_value()) {
      *zone = loaded;
    } else if (loaded != **zone) {
      return absl::FailedPreconditionError(absl::StrCat(
          snapshot.Origin(kCity), ": time_zone: \"", loaded, "\" is not \"", **zone,
          "\", the zone this service started with; a running service keeps its zone (armed "
          "deadlines, today's order numbers and the open days' scores were reckoned in it): "
          "restart it to take this version"));
    }
    directory::AdoptCity(*city);
    return city;
  };
  return Live<directory::City>::Create(store, {kUnits, kCategories, kCity}, std::move(build),
                                       std::move(options), "city");
}

absl::StatusOr<InForce> ReadInForce(RefStore& store, const std::string& data_dir) {
  const std::vector<std::string> kinds = {kUnits, kCategories, kCity};
  absl::StatusOr<std::map<std::string, int64_t>> versions = store.Versions(kinds);
  if (!versions.ok()) return versions.status();
  RefSnapshot snapshot;
  for (const auto& [kind, version] : *versions) {
    if (version == 0) {
      absl::StatusOr<RefRecord> seed = ReadSeed(kind, data_dir);
      if (!seed.ok()) return seed.status();
      snapshot.Put(*std::move(seed));
      continue;
    }
    absl::StatusOr<std::optional<RefRecord>> record = store.Get(kind, version);
    if (!record.ok()) return record.status();
    if (!record->has_value())
      return absl::InternalError(absl::StrCat("refdata: ", kind, " v", version, " is missing"));
    snapshot.Put(std::move(**record));
  }
  absl::StatusOr<directory::Directory> dir = BuildDirectory(snapshot);
  if (!dir.ok()) return dir.status();
  v1::CityProfile profile;
  if (absl::Status s = snapshot.Parse(kCity, &profile); !s.ok()) return s;
  absl::StatusOr<directory::City> city = directory::ValidateCity(std::move(profile), *dir, snapshot.Origin(kCity));
  if (!city.ok()) return city.status();
  return InForce{.directory = *std::move(dir), .city = *std::move(city), .versions = *versions};
}

absl::StatusOr<InForce> AdoptInForce(RefStore& store, const std::string& data_dir) {
  absl::StatusOr<InForce> in_force = ReadInForce(store, data_dir);
  if (in_force.ok()) directory::AdoptCity(in_force->city);
  return in_force;
}

}  // namespace hotline::refdata
