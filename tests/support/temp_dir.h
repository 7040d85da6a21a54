#pragma once
// A fresh folder under /tmp named <prefix>-XXXXXX, removed with everything
// in it when the object goes (a test that fails half-way leaves nothing).
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace hotline::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace hotline::testing
