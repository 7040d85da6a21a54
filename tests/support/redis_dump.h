#pragma once
// Every key of a test's Redis with its DUMP, sorted: two dumps are equal when
// nothing changed, so "a refusal writes nothing" is checked on Redis itself.
// Header-only (the caller links hotline::redis); Catch2 REQUIREs inside.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "redis/client.h"

namespace hotline::testing {

inline std::string DumpKeys(redis::Client& redis) {
  absl::StatusOr<redis::Reply> keys = redis.Execute({"KEYS", "*"});
  REQUIRE(keys.ok());
  std::vector<std::string> names;
  for (const redis::Reply& k : keys->elements) names.push_back(k.str);
  std::sort(names.begin(), names.end());
  std::string out;
  for (const std::string& k : names) {
    absl::StatusOr<redis::Reply> dump = redis.Execute({"DUMP", k});
    REQUIRE(dump.ok());
    absl::StrAppend(&out, k, "=", dump->str, "\n");
  }
  return out;
}

}  // namespace hotline::testing
