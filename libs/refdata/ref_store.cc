#include "refdata/ref_store.h"

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "redis/reply_status.h"
#include "refdata/kinds.h"

namespace hotline::refdata {

namespace scripts {
extern const std::string_view kWriteRefVersion;
}  // namespace scripts

namespace {

const redis::Script& WriteScript() {
  static const redis::Script script(scripts::kWriteRefVersion);
  return script;
}

absl::StatusOr<redis::Reply> Checked(absl::StatusOr<redis::Reply> reply) {
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return redis::ErrorReplyToStatus(reply->str);
  return reply;
}

absl::Status KnownKind(const std::string& kind) {
  if (FindKind(kind) != nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("kind: \"", kind, "\" is unknown"));
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string FormatVersions(const std::map<std::string, int64_t>& versions) {
  std::vector<std::string> parts;
  for (const KindInfo& k : Kinds()) {
    if (auto it = versions.find(k.name); it != versions.end())
      parts.push_back(absl::StrCat(k.name, "=", it->second));
  }
  return absl::StrJoin(parts, " ");
}

absl::StatusOr<std::string> ReadCanonicalFile(const std::string& kind, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ToCanonicalText(kind, buffer.str(), path);
}

RefStore::RefStore(redis::Client& redis, RefKeys keys) : redis_(redis), keys_(std::move(keys)) {}

absl::StatusOr<std::map<std::string, int64_t>> RefStore::Versions(
    const std::vector<std::string>& kinds) {
  std::map<std::string, int64_t> out;
  if (kinds.empty()) return out;
  redis::Command mget = {"MGET"};
  for (const std::string& kind : kinds) mget.push_back(keys_.Version(kind));
  absl::StatusOr<redis::Reply> reply = Checked(redis_.Execute(std::move(mget)));
  if (!reply.ok()) return reply.status();
  if (reply->elements.size() != kinds.size())
    return absl::InternalError("refdata: unexpected reply reading the versions");
  for (size_t i = 0; i < kinds.size(); ++i) {
    int64_t v = 0;
    const redis::Reply& e = reply->elements[i];
    if (!e.is_nil() && !absl::SimpleAtoi(e.str, &v)) {
      return absl::InternalError(
          absl::StrCat(keys_.Version(kinds[i]), ": \"", e.str, "\" is not a number"));
    }
    out[kinds[i]] = v;
  }
  return out;
}

absl::StatusOr<std::optional<RefRecord>> RefStore::Get(const std::string& kind, int64_t version) {
  if (absl::Status s = KnownKind(kind); !s.ok()) return s;
  const std::string key = keys_.Record(kind, version);
  absl::StatusOr<redis::Reply> reply = Checked(redis_.Execute({"HGETALL", key}));
  if (!reply.ok()) return reply.status();
  if (reply->elements.empty()) return std::optional<RefRecord>();
  RefRecord r;
  r.kind = kind;
  r.version = version;
  bool has_content = false;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    const std::string& field = reply->elements[i].str;
    const std::string& value = reply->elements[i + 1].str;
    if (field == "content") {
      r.content = value;
      has_content = true;
    } else if (field == "sha256") {
      r.sha256 = value;
    } else if (field == "loaded_by") {
      r.loaded_by = value;
    } else if (field == "loaded_at_ms") {
      int64_t ms = 0;
      if (!absl::SimpleAtoi(value, &ms))
        return absl::InternalError(absl::StrCat(key, ": loaded_at_ms is not a number"));
      r.loaded_at = absl::FromUnixMillis(ms);
    } else if (field == "file") {
      r.file = value;
    } else if (field == "validated_against") {
      r.validated_against = value;
    }
  }
  if (!has_content) return absl::InternalError(absl::StrCat(key, ": no content"));
  return std::optional<RefRecord>(std::move(r));
}

absl::StatusOr<std::optional<RefRecord>> RefStore::Current(const std::string& kind) {
  absl::StatusOr<std::map<std::string, int64_t>> versions = Versions({kind});
  if (!versions.ok()) return versions.status();
  const int64_t v = versions->at(kind);
  if (v == 0) return std::optional<RefRecord>();
  // Records are written with the version bump in one script and never
  // changed: reading the version, then its record, is consistent.
  absl::StatusOr<std::optional<RefRecord>> record = Get(kind, v);
  if (record.ok() && !record->has_value())
    return absl::InternalError(absl::StrCat(keys_.Record(kind, v), ": missing"));
  return record;
}

absl::StatusOr<std::vector<RefRecord>> RefStore::History(const std::string& kind) {
  absl::StatusOr<std::map<std::string, int64_t>> versions = Versions({kind});
  if (!versions.ok()) return versions.status();
  std::vector<RefRecord> out;
  for (int64_t v = 1; v <= versions->at(kind); ++v) {
    absl::StatusOr<std::optional<RefRecord>> r = Get(kind, v);
    if (!r.ok()) return r.status();
    if (!r->has_value())
      return absl::InternalError(absl::StrCat(keys_.Record(kind, v), ": missing"));
    out.push_back(std::move(**r));
  }
  return out;
}

absl::StatusOr<WriteOutcome> RefStore::Write(const WriteRequest& request) {
  if (absl::Status s = KnownKind(request.kind); !s.ok()) return s;
  if (request.user.empty()) return absl::InvalidArgumentError("user: who loads it is required");
  auto own = request.expected.find(request.kind);
  if (own == request.expected.end())
    return absl::InvalidArgumentError("expected: the kind's own version is required");
  const int64_t next = own->second + 1;
  std::map<std::string, int64_t> others = request.expected;
  others.erase(request.kind);

  RefRecord record;
  record.kind = request.kind;
  record.version = next;
  record.content = request.content;
  record.sha256 = Sha256Hex(request.content);
  record.loaded_by = request.user;
  record.loaded_at = absl::FromUnixMillis(absl::ToUnixMillis(request.at));
  record.file = request.file;
  record.validated_against = FormatVersions(others);

  std::vector<std::string> keys = {keys_.Version(request.kind), keys_.Record(request.kind, next)};
  std::vector<std::string> args = {absl::StrCat(own->second)};
  for (const auto& [kind, version] : others) {
    keys.push_back(keys_.Version(kind));
    args.push_back(absl::StrCat(version));
  }
  for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"kind", record.kind},
           {"version", absl::StrCat(next)},
           {"content", record.content},
           {"sha256", record.sha256},
           {"loaded_by", record.loaded_by},
           {"loaded_at_ms", absl::StrCat(absl::ToUnixMillis(record.loaded_at))},
           {"file", record.file},
           {"validated_against", record.validated_against}}) {
    args.push_back(field);
    args.push_back(value);
  }
  absl::StatusOr<redis::Reply> reply =
      Checked(redis_.ExecuteScript(WriteScript(), std::move(keys), std::move(args)));
  if (!reply.ok()) return reply.status();
  if (reply->elements.size() != 2)
    return absl::InternalError("refdata: unexpected reply writing a version");
  WriteOutcome out;
  out.applied = reply->elements[0].integer == 1;
  if (out.applied) {
    out.version = reply->elements[1].integer;
    out.record = std::move(record);
  }
  return out;
}

absl::StatusOr<bool> RefStore::SeedIfAbsent(const std::string& kind, const std::string& path,
                                            absl::Time at) {
  if (absl::Status s = KnownKind(kind); !s.ok()) return s;
  absl::StatusOr<std::map<std::string, int64_t>> versions = Versions({kind});
  if (!versions.ok()) return versions.status();
  if (versions->at(kind) != 0) return false;
  absl::StatusOr<std::string> content = ReadCanonicalFile(kind, path);
  if (!content.ok()) return content.status();
  absl::StatusOr<WriteOutcome> written = Write({.kind = kind,
                                                .content = *content,
                                                .user = kSeedUser,
                                                .at = at,
                                                .file = BaseName(path),
                                                .expected = {{kind, 0}}});
  if (!written.ok()) return written.status();
  return written->applied;
}

}  // namespace hotline::refdata
