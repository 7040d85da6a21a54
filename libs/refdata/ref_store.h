#pragma once
// Reference data (units, categories, dispatch catalogue, SLA policies,
// scoring rules, city profile: kinds.h) versioned in Redis (keys:
// ref_keys.h). A kind's version N is an immutable record: the content
// (canonical text), its SHA-256, who loaded it, when, from which file and
// which versions of the other kinds it was validated against. Version N+1 is
// written by one Lua script (scripts/write_ref_version.lua) that checks the
// kind's version and the other kinds' versions are still the ones read: a
// load validated against units v3 cannot land after units moved to v4.
//
// This store checks nothing about the content itself: validation of a kind
// on its own and against the others is the caller's (tools/admin/refdata.h),
// done before Write.
//
// Errors: UNAVAILABLE, DEADLINE_EXCEEDED or UNKNOWN from Redis
// (redis/client.h); INTERNAL for stored data of an unexpected shape;
// INVALID_ARGUMENT for an unknown kind or an empty user.
//
// Thread-safe (all state is in Redis). Calls block: for start-up code, tools
// and the live sources' poller thread.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "redis/client.h"
#include "refdata/ref_keys.h"

namespace hotline::refdata {

// Who the seed's versions are recorded as.
inline constexpr char kSeedUser[] = "system:seed";

struct RefRecord {
  std::string kind;
  int64_t version = 0;  // 0: not from Redis (read from data/ while Redis was away)
  std::string content;  // canonical text (kinds.h)
  std::string sha256;   // of content
  std::string loaded_by;
  absl::Time loaded_at = absl::InfinitePast();
  std::string file;               // base name of the file it was loaded from
  std::string validated_against;  // "units=3 categories=2" (empty for a seed)
};

// What a write asks for: the kind's new content and the versions it was
// validated against (the kind's own included: the version it replaces).
struct WriteRequest {
  std::string kind;
  std::string content;  // canonical text
  std::string user;
  absl::Time at;
  std::string file;
  std::map<std::string, int64_t> expected;  // kind -> version read; must hold `kind`
};

struct WriteOutcome {
  bool applied = false;  // false: a version in `expected` moved; nothing written
  int64_t version = 0;   // the kind's new version when applied
  RefRecord record;      // what was written when applied
};

class RefStore {
 public:
  explicit RefStore(redis::Client& redis, RefKeys keys = RefKeys());

  // The versions in force of `kinds` (0 for none), read in one MGET.
  absl::StatusOr<std::map<std::string, int64_t>> Versions(const std::vector<std::string>& kinds);
  // Version `version` of `kind`; nullopt when it does not exist.
  absl::StatusOr<std::optional<RefRecord>> Get(const std::string& kind, int64_t version);
  // The version in force; nullopt when nothing was ever written.
  absl::StatusOr<std::optional<RefRecord>> Current(const std::string& kind);
  // Every version of `kind`, oldest first.
  absl::StatusOr<std::vector<RefRecord>> History(const std::string& kind);

  // Writes version expected[kind] + 1 if every version in `expected` is
  // still the one given. Never overwrites a version.
  absl::StatusOr<WriteOutcome> Write(const WriteRequest& request);

  // Writes the content of `path` (a seed file in data/) as version 1 of
  // `kind`, as loaded by kSeedUser, if the kind has no version yet. Replicas
  // seeding at once write it once. Returns whether this call wrote it.
  // NOT_FOUND for an unreadable file; INVALID_ARGUMENT when it does not
  // parse. The seed is not validated against the other kinds here (the
  // services validate what they build from it, as they did from data/).
  absl::StatusOr<bool> SeedIfAbsent(const std::string& kind, const std::string& path, absl::Time at);

  const RefKeys& keys() const { return keys_; }

 private:
  redis::Client& redis_;
  RefKeys keys_;
};

// Reads `path` and returns the kind's canonical text (kinds.h).
absl::StatusOr<std::string> ReadCanonicalFile(const std::string& kind, const std::string& path);

// "units=3 categories=2" for {units: 3, categories: 2} (kinds in Kinds() order).
std::string FormatVersions(const std::map<std::string, int64_t>& versions);

}  // namespace hotline::refdata
