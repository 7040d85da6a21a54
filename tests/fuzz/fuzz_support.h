#pragma once
// Small helpers shared by the fuzz targets: reading the repository's data
// files (the fixed half of what a target parses) and stopping on a broken
// property with a message libFuzzer records as a crash.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace hotline::fuzz {

// A file of the repository (path relative to its root); aborts when missing:
// a target without its fixed data would fuzz nothing useful.
inline std::string ReadRepoFile(const std::string& relative) {
  const std::string path = std::string(HOTLINE_SOURCE_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A property that must hold for every input; a failure is a finding.
#define FUZZ_CHECK(cond)                                                           \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "fuzz: check failed at %s:%d: %s\n", __FILE__, __LINE__, \
                   #cond);                                                         \
      std::abort();                                                                \
    }                                                                              \
  } while (0)

}  // namespace hotline::fuzz
