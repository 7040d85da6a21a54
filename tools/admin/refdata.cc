#include "admin/refdata.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "audit/audit_log.h"
#include "clock/proto_time.h"
#include <future>
#include "config/text_proto.h"
#include "directory/city.h"
#include "directory/directory.h"
#include "dispatch/catalogue.h"
#include "hotline/v1/directory.pb.h"
#include "hotline/v1/dispatch.pb.h"
#include "hotline/v1/scoring.pb.h"
#include "hotline/v1/sla.pb.h"
#include "refdata/kinds.h"
#include "scoring/rules.h"
#include "sla/policies.h"

namespace hotline::admin {
namespace {

constexpr int kMaxAttempts = 8;

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

template <typename M>
absl::Status ParseInput(const std::map<std::string, RefInput>& set, const std::string& kind, M* out) {
  auto it = set.find(kind);
  if (it == set.end()) return absl::InvalidArgumentError(absl::StrCat(kind, ": missing"));
  absl::Status s = config::ParseTextProto(it->second.content, it->second.origin, out);
  return s.ok() ? s : absl::InvalidArgumentError(s.message());
}

const std::string& OriginOf(const std::map<std::string, RefInput>& set, const std::string& kind) {
  return set.at(kind).origin;
}

// A city whose time zone is not the one in force (its version, or its seed
// when Redis has none) is refused: running services keep the zone they
// started with (refdata::MakeLiveCity), so it would only split the centre.
absl::Status RefuseZoneChange(const std::map<std::string, RefInput>& set, const std::string& candidate,
                              const std::string& origin) {
  auto it = set.find(refdata::kCity);
  if (it == set.end()) return absl::OkStatus();  // nothing in force to differ from
  v1::CityProfile in_force, loaded;
  if (absl::Status s = ParseInput(set, refdata::kCity, &in_force); !s.ok()) return s;
  if (absl::Status s = config::ParseTextProto(candidate, origin, &loaded); !s.ok())
    return absl::InvalidArgumentError(s.message());
  if (loaded.time_zone() == in_force.time_zone()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      origin, ": time_zone: \"", loaded.time_zone(), "\" is not \"", in_force.time_zone(), "\" of ",
      it->second.origin,
      ": the running services keep the zone they started with (armed deadlines, today's order "
      "numbers and the open days' scores were reckoned in it); stop every service, load with "
      "--allow_time_zone_change, then start them"));
}

}  // namespace

absl::Status ValidateReferenceSet(const std::map<std::string, RefInput>& set) {
  v1::UnitDirectory units;
  v1::CategoryList categories;
  v1::CityProfile city;
  v1::DispatchCatalogue catalogue;
  v1::SlaPolicies policies;
  v1::ScoringRuleSet rules;
  if (absl::Status s = ParseInput(set, refdata::kUnits, &units); !s.ok()) return s;
  if (absl::Status s = ParseInput(set, refdata::kCategories, &categories); !s.ok()) return s;
  if (absl::Status s = ParseInput(set, refdata::kCity, &city); !s.ok()) return s;
  if (absl::Status s = ParseInput(set, refdata::kCatalogue, &catalogue); !s.ok()) return s;
  if (absl::Status s = ParseInput(set, refdata::kPolicies, &policies); !s.ok()) return s;
  if (absl::Status s = ParseInput(set, refdata::kRules, &rules); !s.ok()) return s;

  absl::StatusOr<directory::Directory> dir =
      directory::Directory::Build(units, categories, OriginOf(set, refdata::kUnits),
                                  OriginOf(set, refdata::kCategories));
  if (!dir.ok()) return dir.status();
  if (absl::StatusOr<directory::City> c =
          directory::ValidateCity(city, *dir, OriginOf(set, refdata::kCity));
      !c.ok()) {
    return c.status();
  }
  if (absl::StatusOr<dispatch::Catalogue> c =
          dispatch::Catalogue::Build(catalogue, *dir, OriginOf(set, refdata::kCatalogue));
      !c.ok()) {
    return c.status();
  }
  absl::StatusOr<sla::Policies> p =
      sla::Policies::FromProto(policies, OriginOf(set, refdata::kPolicies));
  if (!p.ok()) return p.status();
  // A policy for a category the directory does not have would never match
  // what it was written for.
  for (int i = 0; i < policies.policies_size(); ++i) {
    const v1::SlaPolicy& policy = policies.policies(i);
    if (policy.category_prefix().empty()) continue;
    if (dir->ListCategories(policy.category_prefix()).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          OriginOf(set, refdata::kPolicies), ": policies[", i, "] (\"", policy.name(),
          "\"): category_prefix: \"", policy.category_prefix(), "\" is not a known category"));
    }
  }
  if (absl::StatusOr<scoring::RuleBook> r =
          scoring::RuleBook::Build(rules, OriginOf(set, refdata::kRules));
      !r.ok()) {
    return r.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<RefLoadResult> LoadReferenceData(refdata::RefStore& store, const std::string& kind,
                                                const std::string& path, const std::string& user,
                                                absl::Time at, const std::string& data_dir,
                                                bool allow_time_zone_change) {
  if (refdata::FindKind(kind) == nullptr)
    return absl::InvalidArgumentError(absl::StrCat("kind: \"", kind, "\" is unknown"));
  if (user.empty()) return absl::InvalidArgumentError("user: who loads it is required");
  absl::StatusOr<std::string> candidate = refdata::ReadCanonicalFile(kind, path);
  if (!candidate.ok()) return candidate.status();
  return LoadReferenceContent(store, kind, *candidate, path, BaseName(path), user, at, data_dir,
                              allow_time_zone_change);
}

absl::StatusOr<RefLoadResult> LoadReferenceContent(refdata::RefStore& store, const std::string& kind,
                                                   const std::string& content, const std::string& origin,
                                                   const std::string& file, const std::string& user,
                                                   absl::Time at, const std::string& data_dir,
                                                   bool allow_time_zone_change) {
  if (refdata::FindKind(kind) == nullptr)
    return absl::InvalidArgumentError(absl::StrCat("kind: \"", kind, "\" is unknown"));
  if (user.empty()) return absl::InvalidArgumentError("user: who loads it is required");
  const std::string* candidate = &content;
  std::vector<std::string> kinds;
  for (const refdata::KindInfo& k : refdata::Kinds()) kinds.push_back(k.name);

  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    absl::StatusOr<std::map<std::string, int64_t>> versions = store.Versions(kinds);
    if (!versions.ok()) return versions.status();
    std::map<std::string, RefInput> set;
    std::optional<refdata::RefRecord> in_force;
    for (const refdata::KindInfo& k : refdata::Kinds()) {
      const int64_t v = versions->at(k.name);
      if (v == 0) {
        if (k.name == kind) continue;
        const std::string seed = absl::StrCat(data_dir, "/", k.seed_file);
        absl::StatusOr<std::string> content = refdata::ReadCanonicalFile(k.name, seed);
        if (!content.ok()) {
          return absl::Status(content.status().code(),
                              absl::StrCat(k.name, " has no version in Redis and its seed: ",
                                           content.status().message()));
        }
        set[k.name] = {*content, seed};
        continue;
      }
      absl::StatusOr<std::optional<refdata::RefRecord>> record = store.Get(k.name, v);
      if (!record.ok()) return record.status();
      if (!record->has_value())
        return absl::InternalError(absl::StrCat(k.name, " v", v, ": missing"));
      if (k.name == kind) in_force = **record;
      set[k.name] = {(*record)->content, absl::StrCat(k.name, " v", v)};
    }
    if (in_force.has_value() && in_force->content == *candidate) {
      return RefLoadResult{.changed = false, .record = *in_force};
    }
    if (kind == refdata::kCity && !allow_time_zone_change) {
      if (absl::Status s = RefuseZoneChange(set, *candidate, origin); !s.ok()) return s;
    }
    set[kind] = {*candidate, origin};
    if (absl::Status s = ValidateReferenceSet(set); !s.ok()) return s;
    absl::StatusOr<refdata::WriteOutcome> written = store.Write({.kind = kind,
                                                                 .content = *candidate,
                                                                 .user = user,
                                                                 .at = at,
                                                                 .file = file,
                                                                 .expected = *versions});
    if (!written.ok()) return written.status();
    if (written->applied) return RefLoadResult{.changed = true, .record = written->record};
  }
  return absl::AbortedError(
      absl::StrCat(kind, ": reference data kept moving while loading; try again"));
}

absl::Status AuditReferenceLoad(redis::Client& redis, const refdata::RefRecord& r) {
  v1::AuditEntry entry;
  *entry.mutable_at() = ToTimestamp(absl::Now());
  entry.mutable_actor()->set_user_id(r.loaded_by);
  // Whoever runs hotline-admin holds the Redis secrets: an administrator.
  entry.mutable_actor()->set_role(v1::ROLE_ADMIN);
  entry.set_action(v1::AUDIT_ACTION_REFERENCE_DATA_LOAD);
  entry.set_reason(absl::StrCat(r.kind, " loaded, version ", r.version, ", sha256 ", r.sha256,
                                ", file ", r.file, ", validated against ", r.validated_against));
  audit::AuditLog log(redis);
  std::promise<absl::StatusOr<std::string>> done;
  log.Append(entry, [&done](absl::StatusOr<std::string> id) { done.set_value(std::move(id)); });
  return done.get_future().get().status();
}

}  // namespace hotline::admin
