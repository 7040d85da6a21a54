#pragma once
// The city profile (data/city.textproto, hotline.v1.CityProfile): the city's
// name, its order-number prefix, the centre's unit and the time zone, checked
// against the directory at start-up. Immutable; thread-safe to read.
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "directory/directory.h"
#include "hotline/v1/directory.pb.h"

namespace hotline::directory {

struct City {
  v1::CityProfile profile;
  absl::TimeZone time_zone;
};

// INVALID_ARGUMENT naming the file and field: a prefix that is not two capital
// letters, a centre that is not the directory's centre, a time zone this
// machine does not know (tzdata), a missing name. NOT_FOUND for no file.
absl::StatusOr<City> LoadCity(const std::string& path, const Directory& directory);
absl::StatusOr<City> ValidateCity(v1::CityProfile profile, const Directory& directory,
                                  absl::string_view source = "city");

// Makes `city` the process's city (clock/city.h: CityTimeZone(),
// CityOrderPrefix(), CityCentreCode()); thread-safe (a live city calls it).
void AdoptCity(const City& city);
// For tools and tests, which read the seed files rather than Redis: the
// city of `data_dir` (city.textproto checked against its units and
// categories), adopted. Errors as LoadCity and Directory::LoadDataDir.
absl::StatusOr<City> AdoptCityFile(const std::string& data_dir);
// For command-line tools run from anywhere: the city of $HOTLINE_DATA_DIR,
// else of ./data, else of the data/ of the checkout the tool was built from.
// When none has one, says so on stderr under `tool`'s name (the tool's days
// and times are then UTC, which must not pass for the city's).
void AdoptToolCity(const char* tool);

}  // namespace hotline::directory
