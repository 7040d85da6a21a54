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

}  // namespace hotline::directory
