#pragma once
// Every key of a test's Redis with its DUMP, sorted: two dumps are equal when
// nothing changed, so "a refusal writes nothing" is checked on Redis itself;
// and a restore of such a dump (Redis gone back to an older copy).
// Header-only (the caller links hotline::redis); Catch2 REQUIREs inside.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "redis/client.h"

namespace hotline::testing {

// Each key with its DUMP, sorted by key.
inline std::vector<std::pair<std::string, std::string>> DumpEachKey(redis::Client& redis) {
  absl::StatusOr<redis::Reply> keys = redis.Execute({"KEYS", "*"});
  REQUIRE(keys.ok());
  std::vector<std::string> names;
  for (const redis::Reply& k : keys->elements) names.push_back(k.str);
  std::sort(names.begin(), names.end());
  std::vector<std::pair<std::string, std::string>> dumps;
  for (const std::string& k : names) {
    absl::StatusOr<redis::Reply> dump = redis.Execute({"DUMP", k});
    REQUIRE(dump.ok());
    dumps.emplace_back(k, dump->str);
  }
  return dumps;
}

inline std::string DumpKeys(redis::Client& redis) {
  std::string out;
  for (const auto& [key, dump] : DumpEachKey(redis)) absl::StrAppend(&out, key, "=", dump, "\n");
  return out;
}

// Puts Redis back as DumpEachKey saw it (a restore from a backup taken then):
// every other key goes.
inline void RestoreKeys(redis::Client& redis, const std::vector<std::pair<std::string, std::string>>& dumps) {
  REQUIRE(redis.Execute({"FLUSHALL"}).ok());
  for (const auto& [key, dump] : dumps) {
    absl::StatusOr<redis::Reply> restored = redis.Execute({"RESTORE", key, "0", dump});
    REQUIRE(restored.ok());
    REQUIRE_FALSE(restored->is_error());
  }
}

}  // namespace hotline::testing
