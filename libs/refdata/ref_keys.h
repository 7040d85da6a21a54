#pragma once
// The Redis key schema of versioned reference data (ref_store.h): every key
// it reads or writes is named here and nowhere else.
//
//   <p>ref:<kind>:version   integer: the kind's version in force (absent = 0,
//                           nothing loaded yet). Services poll these keys
//                           (one MGET for all the kinds they read).
//   <p>ref:<kind>:v:<N>     hash: version N of the kind, written once and
//                           never changed or trimmed (the history):
//                           kind, version, content (canonical text), sha256
//                           (of content), loaded_by, loaded_at_ms, file,
//                           validated_against ("units=3 categories=2 ...").
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace hotline::refdata {

class RefKeys {
 public:
  explicit RefKeys(std::string prefix = "hotline:") : prefix_(std::move(prefix)) {}

  std::string Version(absl::string_view kind) const {
    return absl::StrCat(prefix_, "ref:", kind, ":version");
  }
  std::string Record(absl::string_view kind, int64_t version) const {
    return absl::StrCat(prefix_, "ref:", kind, ":v:", version);
  }
  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
};

}  // namespace hotline::refdata
