#pragma once
// The unit directory and the city profile built from versioned reference
// data (live.h): what intake, dispatch, sla, scoring and knowledge read.
//
// BuildDirectory validates units and categories as Directory::Build does,
// with errors naming the kind and version ("units v3: entry ...").
// BuildCity also needs the city kind.
#include <memory>

#include "absl/status/statusor.h"
#include "directory/city.h"
#include "directory/directory.h"
#include "refdata/live.h"

namespace hotline::refdata {

absl::StatusOr<directory::Directory> BuildDirectory(const RefSnapshot& snapshot);
absl::StatusOr<directory::City> BuildCity(const RefSnapshot& snapshot);

// A live directory (units, categories), created and seeded (live.h), not started.
absl::StatusOr<std::unique_ptr<Live<directory::Directory>>> MakeLiveDirectory(RefStore& store,
                                                                              LiveOptions options);
// The city profile in force, read once (seeded first, from data/ when Redis
// does not answer, as live.h's Create). Services read it at start: its order
// prefix and time zone are not changed under a running service.
absl::StatusOr<directory::City> ReadCity(RefStore& store, LiveOptions options);
// ReadCity, then makes it the process's city (directory::AdoptCity:
// CityTimeZone(), CityOrderPrefix(), CityCentreCode()): what every service's
// main() calls once, before its threads start.
absl::StatusOr<directory::City> AdoptCity(RefStore& store, LiveOptions options);

}  // namespace hotline::refdata
