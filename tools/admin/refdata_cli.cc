#include "admin/refdata_cli.h"

#include <cstdio>
#include <future>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "admin/refdata.h"
#include "admin/unit_merge.h"
#include "enums/enum_names.h"
#include "audit/audit_log.h"
#include "clock/proto_time.h"
#include "config/flags.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "refdata/kinds.h"
#include "refdata/line_diff.h"
#include "refdata/ref_store.h"

namespace hotline::admin {
namespace {

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "hotline-admin: %s\n", s.ToString().c_str());
  return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

int Usage(const std::string& kind) {
  std::fprintf(stderr,
               "usage: hotline-admin %s load FILE [--user U] [--data_dir data] [--allow_time_zone_change (city)]\n"
               "       hotline-admin %s history\n"
               "       hotline-admin %s diff V1 V2\n"
               "       hotline-admin %s show [V]\n"
               "       hotline-admin units merge OLD NEW [--user U] [--dry_run] [--repoint_catalogue] [--settle 1s]\n",
               kind.c_str(), kind.c_str(), kind.c_str(), kind.c_str());
  return 2;
}

// Lines added and removed from `before` to `after`.
std::pair<int, int> Counts(const std::string& before, const std::string& after) {
  int added = 0, removed = 0;
  for (absl::string_view line : absl::StrSplit(refdata::LineDiff(before, after, 0), '\n')) {
    if (absl::StartsWith(line, "+ ")) ++added;
    if (absl::StartsWith(line, "- ")) ++removed;
  }
  return {added, removed};
}

std::string Describe(const refdata::RefRecord& r) {
  return absl::StrCat(r.kind, " v", r.version, " (", r.file, ", loaded by ", r.loaded_by, " at ",
                      Rfc3339(r.loaded_at), ", sha256 ", r.sha256.substr(0, 12), ")");
}

// Prints what the merge did (or would do).
int MergeMain(redis::Client& redis, refdata::RefStore& store, const MergeRequest& request) {
  if (request.user.empty()) return Fail(absl::InvalidArgumentError("--user: required (or $USER)"));
  absl::StatusOr<MergeResult> merged = MergeUnits(redis, store, request);
  if (merged.status().code() == absl::StatusCode::kInvalidArgument ||
      merged.status().code() == absl::StatusCode::kFailedPrecondition ||
      merged.status().code() == absl::StatusCode::kNotFound) {
    std::fprintf(stderr, "hotline-admin: merge refused: %s\n", std::string(merged.status().message()).c_str());
    return 2;
  }
  if (!merged.ok()) {
    std::fprintf(stderr, "hotline-admin: merge stopped (safe to run again): %s\n",
                 merged.status().ToString().c_str());
    return 1;
  }
  if (request.repoint_catalogue) {
    if (request.dry_run) {
      std::printf("dry run: %d catalogue rules naming %s would name %s\n", merged->catalogue_rules,
                  request.old_code.c_str(), request.new_code.c_str());
    } else if (merged->catalogue_version > 0) {
      std::printf("catalogue v%lld written: %d rules naming %s now name %s\n",
                  static_cast<long long>(merged->catalogue_version), merged->catalogue_rules,
                  request.old_code.c_str(), request.new_code.c_str());
    } else {
      std::printf("catalogue: no rule names %s\n", request.old_code.c_str());
    }
  }
  const char* verb = request.dry_run ? "would move" : "moved";
  for (const std::string& unit : merged->reparented) {
    std::printf("%s unit %s under %s\n", verb, unit.c_str(), request.new_code.c_str());
  }
  for (const MergedOrder& o : merged->moved) {
    std::printf("%s %s (%s):%s%s%s%s\n", verb, o.id.c_str(),
                enums::SnakeName(static_cast<v1::OrderState>(o.state)).c_str(),
                o.move.unit ? " queue" : "", o.move.pending_unit ? " pending_unit" : "",
                o.move.handed_down_by ? " handed_down_by" : "", o.move.district ? " district" : "");
  }
  if (request.dry_run) {
    std::printf("dry run: %zu open orders of %s would move to %s; units v%lld in force; nothing changed\n",
                merged->moved.size(), request.old_code.c_str(), request.new_code.c_str(),
                static_cast<long long>(merged->units_version));
  } else {
    std::printf("%s merged into %s: units v%lld%s, %zu open orders moved\n", request.old_code.c_str(),
                request.new_code.c_str(), static_cast<long long>(merged->units_version),
                merged->units_written ? " written" : " (retired already)", merged->moved.size());
  }
  return 0;
}

}  // namespace

bool IsRefDataKind(const char* noun) { return refdata::FindKind(noun) != nullptr; }

int RefDataMain(int argc, char** argv) {
  const std::string kind = argv[1];
  const std::string verb = argc >= 3 ? argv[2] : "";
  std::vector<const char*> rest = {argv[0]};
  std::vector<std::string> positional;
  // The verb's positional arguments come first among the non-flags; a flag's
  // value given as the next word ("--user alice") goes to the flags parser.
  const size_t wanted = verb == "load" || verb == "show" ? 1 : verb == "diff" || verb == "merge" ? 2 : 0;
  for (int i = 3; i < argc; ++i) {
    if (argv[i][0] != '-' && positional.size() < wanted) {
      positional.push_back(argv[i]);
    } else {
      rest.push_back(argv[i]);
    }
  }
  std::string user, data_dir = "data";
  redis::RedisFlags redis_flags;
  config::Flags flags(absl::StrCat("hotline-admin ", kind, " ", verb),
                      absl::StrCat("load, list and compare versions of ",
                                   refdata::FindKind(kind)->what));
  redis::AddRedisFlags(flags, &redis_flags);
  flags.String("user", "USER", "load: who loads it (a user id), for the record and the access log",
               &user);
  flags.String("data_dir", "HOTLINE_DATA_DIR",
               "load: the seed files, standing for kinds not in Redis yet", &data_dir);
  bool allow_time_zone_change = false;
  if (verb == "load" && kind == refdata::kCity) {
    flags.Bool("allow_time_zone_change", "",
               "load: accept a new time_zone (every service stopped; they take it when started)",
               &allow_time_zone_change);
  }
  bool dry_run = false, repoint_catalogue = false;
  absl::Duration settle = absl::Seconds(1);
  if (verb == "merge") {
    flags.Bool("dry_run", "", "merge: list what would move, change nothing", &dry_run);
    flags.Bool("repoint_catalogue", "",
               "merge: rules of the dispatch catalogue naming OLD name NEW (a new catalogue version); "
               "without it the merge is refused while a rule names OLD",
               &repoint_catalogue);
    flags.Duration("settle", "",
                   "merge: wait after retiring OLD before moving orders (longer than the services' "
                   "--refdata_poll)",
                   &settle);
  }
  flags.ParseOrExit(static_cast<int>(rest.size()), rest.data());

  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags);
  if (!redis_options.ok()) return Fail(redis_options.status());
  redis_options->connections = 1;
  redis::Client redis(*redis_options);
  refdata::RefStore store(redis);

  if (verb == "load") {
    if (positional.size() != 1) return Fail(absl::InvalidArgumentError("load: which file?"));
    if (user.empty()) return Fail(absl::InvalidArgumentError("--user: required (or $USER)"));
    absl::StatusOr<RefLoadResult> load =
        LoadReferenceData(store, kind, positional[0], user, absl::Now(), data_dir, allow_time_zone_change);
    if (load.status().code() == absl::StatusCode::kInvalidArgument ||
        load.status().code() == absl::StatusCode::kNotFound) {
      std::fprintf(stderr, "hotline-admin: refused, nothing changed: %s\n",
                   std::string(load.status().message()).c_str());
      return 2;
    }
    if (!load.ok()) return Fail(load.status());
    const refdata::RefRecord& r = load->record;
    if (!load->changed) {
      std::printf("%s unchanged: this content is in force since version %lld (loaded by %s at %s)\n",
                  kind.c_str(), static_cast<long long>(r.version), r.loaded_by.c_str(),
                  Rfc3339(r.loaded_at).c_str());
      return 0;
    }
    // The version is written; the access log is a second write, so its
    // failure is reported, not hidden.
    if (absl::Status s = AuditReferenceLoad(redis, r); !s.ok()) {
      std::fprintf(stderr, "hotline-admin: %s loaded as version %lld, but its access-log entry failed: %s\n",
                   kind.c_str(), static_cast<long long>(r.version), s.ToString().c_str());
      return 1;
    }
    std::printf("%s loaded: version %lld, sha256 %s, by %s (validated against %s)\n", kind.c_str(),
                static_cast<long long>(r.version), r.sha256.c_str(), user.c_str(),
                r.validated_against.c_str());
    return 0;
  }
  if (verb == "merge" && kind == refdata::kUnits) {
    if (positional.size() != 2) return Fail(absl::InvalidArgumentError("merge: OLD NEW, two unit codes"));
    return MergeMain(redis, store,
                     {.old_code = positional[0], .new_code = positional[1], .user = user,
                      .data_dir = data_dir, .dry_run = dry_run,
                      .repoint_catalogue = repoint_catalogue, .settle = settle});
  }
  if (verb == "history") {
    absl::StatusOr<std::vector<refdata::RefRecord>> history = store.History(kind);
    if (!history.ok()) return Fail(history.status());
    if (history->empty()) {
      std::printf("%s: no version in Redis yet (services seed it from data/ at start)\n", kind.c_str());
      return 0;
    }
    std::printf("%-7s  %-20s  %-16s  %-28s  %-12s  %-9s  %s\n", "VERSION", "LOADED AT", "LOADED BY",
                "FILE", "SHA256", "CHANGE", "VALIDATED AGAINST");
    std::string previous;
    for (const refdata::RefRecord& r : *history) {
      const auto [added, removed] = Counts(previous, r.content);
      std::printf("%-7lld  %-20s  %-16s  %-28s  %-12s  %-9s  %s\n", static_cast<long long>(r.version),
                  Rfc3339(r.loaded_at).c_str(), r.loaded_by.c_str(), r.file.c_str(),
                  r.sha256.substr(0, 12).c_str(), absl::StrCat("+", added, " -", removed).c_str(),
                  r.validated_against.empty() ? "-" : r.validated_against.c_str());
      previous = r.content;
    }
    return 0;
  }
  auto version_arg = [&](size_t i, int64_t* v) {
    return i < positional.size() && absl::SimpleAtoi(positional[i], v) && *v > 0;
  };
  if (verb == "diff") {
    int64_t v1 = 0, v2 = 0;
    if (positional.size() != 2 || !version_arg(0, &v1) || !version_arg(1, &v2)) {
      return Fail(absl::InvalidArgumentError("diff: two version numbers, e.g. diff 1 2"));
    }
    absl::StatusOr<std::optional<refdata::RefRecord>> a = store.Get(kind, v1);
    if (!a.ok()) return Fail(a.status());
    absl::StatusOr<std::optional<refdata::RefRecord>> b = store.Get(kind, v2);
    if (!b.ok()) return Fail(b.status());
    for (auto [v, r] : {std::make_pair(v1, &*a), std::make_pair(v2, &*b)}) {
      if (!r->has_value())
        return Fail(absl::NotFoundError(absl::StrCat(kind, " has no version ", v)));
    }
    std::printf("--- %s\n+++ %s\n", Describe(**a).c_str(), Describe(**b).c_str());
    const std::string diff = refdata::LineDiff((*a)->content, (*b)->content);
    std::fputs(diff.empty() ? "(no difference)\n" : diff.c_str(), stdout);
    return 0;
  }
  if (verb == "show") {
    int64_t v = 0;
    absl::StatusOr<std::optional<refdata::RefRecord>> r =
        positional.empty() ? store.Current(kind)
                           : (version_arg(0, &v) ? store.Get(kind, v)
                                                 : absl::StatusOr<std::optional<refdata::RefRecord>>(
                                                       absl::InvalidArgumentError("show: a version number")));
    if (!r.ok()) return Fail(r.status());
    if (!r->has_value()) return Fail(absl::NotFoundError(absl::StrCat(kind, ": no such version")));
    std::printf("# %s\n%s", Describe(**r).c_str(), (*r)->content.c_str());
    return 0;
  }
  return Usage(kind);
}

}  // namespace hotline::admin
