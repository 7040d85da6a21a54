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
// A live city profile (units, categories, city), created and seeded, not
// started; every version it takes in is made the process's city
// (directory::AdoptCity: CityOrderPrefix(), CityCentreCode() change live, so
// the next order is numbered with a new prefix and the next centre action
// names the new centre). The time zone is the one it was first built with:
// a version naming another zone is not taken in (a build error: logged once,
// counted, the version in force stays) until the service restarts, because
// the armed deadlines' working days, today's order numbers and the open days'
// score buckets were reckoned in the zone in force (`hotline-admin city load`
// refuses such a version unless told --allow_time_zone_change).
absl::StatusOr<std::unique_ptr<Live<directory::City>>> MakeLiveCity(RefStore& store,
                                                                    LiveOptions options);
// What a tool (hotline-fsck, hotline-admin) reads: the directory and the
// city of the versions in force in Redis, a kind with no version read from
// its seed in `data_dir` (as the services would seed it). Read-only: nothing
// is seeded. Errors: Redis's (UNAVAILABLE ...), the seed's (NOT_FOUND,
// INVALID_ARGUMENT), a build's naming the version.
struct InForce {
  directory::Directory directory;
  directory::City city;
  std::map<std::string, int64_t> versions;  // 0: the seed
};
absl::StatusOr<InForce> ReadInForce(RefStore& store, const std::string& data_dir);
// ReadInForce, whose city is made the process's (directory::AdoptCity).
absl::StatusOr<InForce> AdoptInForce(RefStore& store, const std::string& data_dir);

}  // namespace hotline::refdata
