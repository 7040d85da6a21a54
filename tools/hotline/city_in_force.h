#pragma once
// The city the CLI works in: the profile in force at the services (the
// gateway's GetCity, served by intake, which follows `hotline-admin city
// load` live), not the seed in data/. Times are shown and read in its zone.
#include "absl/status/status.h"
#include "tools/hotline/commands.h"

namespace hotline::cli {

// Asks the gateway for the city in force and makes it this process's city
// (clock/city.h: CityTimeZone() ...). On an error (no token, a gateway
// without GetCity, a zone this machine lacks) nothing changes: the city
// adopted before (the seed's) stays; the error is returned for the caller
// to mention.
absl::Status AdoptCityInForce(const CommandLine& cl, HotlineStub& stub);

// `hotline city`: the city in force, its version and where it came from.
ExitCode RunCity(const CommandLine& cl, HotlineStub& stub, Output io);

}  // namespace hotline::cli
