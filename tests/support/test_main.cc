// Catch2's main for every test binary. The process adopts the city of the
// repository's data/ first (clock/city.h), as a service adopts its city
// profile at start: time zone, order prefix and centre come from the seed,
// not from code.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "directory/city.h"

int main(int argc, char* argv[]) {
  if (auto city = hotline::directory::AdoptCityFile(HOTLINE_SOURCE_DIR "/data"); !city.ok()) {
    std::fprintf(stderr, "test main: cannot adopt the city of data/: %s\n", city.status().ToString().c_str());
    return 2;
  }
  return Catch::Session().run(argc, argv);
}
