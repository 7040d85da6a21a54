#pragma once
// The Redis key schema of the official calendar (calendar_store.h): every key
// it reads or writes is named here and nowhere else, and passed to its Lua
// scripts in KEYS.
//
//   <p>calendar:years    hash: year ("2027") -> serialized
//                        hotline.v1.StoredCalendarYear (the schedule in force
//                        and the load that put it there)
//   <p>calendar:version  integer: bumped once by every write that changes
//                        calendar:years (absent = 0). Services poll it, so a
//                        change is seen by reading one small key.
//   <p>calendar:loads    stream: one entry per load, oldest first, field `e`
//                        = serialized hotline.v1.CalendarLoad. Never trimmed:
//                        a few entries a year, and it is the record of who
//                        loaded what.
#include <string>

#include "absl/strings/str_cat.h"

namespace hotline::calendar {

class CalendarKeys {
 public:
  explicit CalendarKeys(std::string prefix = "hotline:") : prefix_(std::move(prefix)) {}

  std::string Years() const { return absl::StrCat(prefix_, "calendar:years"); }
  std::string Version() const { return absl::StrCat(prefix_, "calendar:version"); }
  std::string Loads() const { return absl::StrCat(prefix_, "calendar:loads"); }

 private:
  std::string prefix_;
};

}  // namespace hotline::calendar
