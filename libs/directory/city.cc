#include "directory/city.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "clock/city.h"
#include "config/text_proto.h"

namespace hotline::directory {

absl::StatusOr<City> ValidateCity(v1::CityProfile profile, const Directory& directory,
                                  absl::string_view source) {
  auto bad = [&](absl::string_view field, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", field, ": ", why));
  };
  if (absl::StripAsciiWhitespace(profile.name()).empty()) return bad("name", "is required");
  const std::string& prefix = profile.order_prefix();
  if (prefix.size() != 2 || !absl::ascii_isupper(prefix[0]) || !absl::ascii_isupper(prefix[1])) {
    return bad("order_prefix", absl::StrCat("\"", prefix, "\" is not two capital letters"));
  }
  const v1::Unit* centre = directory.FindUnit(profile.centre_unit_code());
  if (centre == nullptr || centre->kind() != v1::UNIT_KIND_CENTRE) {
    return bad("centre_unit_code",
               absl::StrCat("\"", profile.centre_unit_code(), "\" is not the directory's centre"));
  }
  City city;
  if (!absl::LoadTimeZone(profile.time_zone(), &city.time_zone)) {
    return bad("time_zone", absl::StrCat("\"", profile.time_zone(),
                                         "\" is not a time zone this machine knows (tzdata)"));
  }
  city.profile = std::move(profile);
  return city;
}

absl::StatusOr<City> LoadCity(const std::string& path, const Directory& directory) {
  v1::CityProfile profile;
  if (absl::Status s = config::ReadTextProto(path, &profile); !s.ok()) return s;
  return ValidateCity(std::move(profile), directory, path);
}

void AdoptCity(const City& city) {
  SetCity({.time_zone = city.time_zone,
           .order_prefix = city.profile.order_prefix(),
           .centre_unit_code = city.profile.centre_unit_code()});
}

absl::StatusOr<City> AdoptCityFile(const std::string& data_dir) {
  absl::StatusOr<Directory> directory = Directory::LoadDataDir(data_dir);
  if (!directory.ok()) return directory.status();
  absl::StatusOr<City> city = LoadCity(data_dir + "/city.textproto", *directory);
  if (city.ok()) AdoptCity(*city);
  return city;
}

void AdoptToolCity(const char* tool) {
  const char* env = std::getenv("HOTLINE_DATA_DIR");
  std::vector<std::string> tried;
  if (env != nullptr && *env != '\0') tried.push_back(env);
  tried.push_back("data");
  tried.push_back(HOTLINE_BUILT_DATA_DIR);
  absl::Status last;
  for (const std::string& dir : tried) {
    absl::StatusOr<City> city = AdoptCityFile(dir);
    if (city.ok()) return;
    last = city.status();
    // A city that is there but wrong is reported, not passed over.
    if (!absl::IsNotFound(last)) break;
  }
  std::fprintf(stderr, "%s: no city profile (%s); days and times are UTC. Set HOTLINE_DATA_DIR.\n",
               tool, std::string(last.message()).c_str());
}

}  // namespace hotline::directory
