// hotline-fsck: checks the invariants of a live or restored system's Redis,
// read-only (tools/fsck/README.md lists every finding and its repair).
// Exit 0 clean, 1 findings, 2 bad usage, 3 the check could not run to the end.
#include <cstdio>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "clock/city_clock.h"
#include "config/flags.h"
#include "directory/city.h"
#include "directory/directory.h"
#include "fsck/fsck.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "refdata/directory_source.h"

namespace hotline::fsck {
namespace {

int Main(int argc, char** argv) {
  redis::RedisFlags redis_flags;
  CityClockFlags clock_flags;
  Options options;
  std::string checks_text = absl::StrJoin(CheckNames(), ",");
  std::string groups_text = absl::StrJoin(options.groups, ",");
  config::Flags flags(
      "hotline-fsck",
      "checks a Redis's work orders, indexes, deadlines, trails, scoring aggregates and event "
      "groups, read-only; exit 0 clean, 1 findings, 2 bad usage, 3 could not check");
  redis::AddRedisFlags(flags, &redis_flags);
  AddCityClockFlags(flags, &clock_flags);
  flags.String("data_dir", "HOTLINE_DATA_DIR", "the folder the services read (policies, units)",
               &options.data_dir);
  flags.String("postgres", "HOTLINE_POSTGRES",
               "libpq connection string of the archive tier (the tiers check; empty: skipped)",
               &options.postgres);
  flags.Int("batch", "", "keys or members a pipelined step", &options.batch);
  flags.Duration("grace", "", "work newer than this is the services' in flight, not a finding",
                 &options.grace);
  flags.Duration("stuck_pending", "", "a pending event idle longer than this is stuck",
                 &options.stuck_pending);
  flags.Duration("recheck_after", "",
                 "wait before looking again at an inconsistency (live systems)",
                 &options.recheck_after);
  flags.String("checks", "", "which checks, comma-separated", &checks_text);
  flags.String("groups", "", "the consumer groups the events stream must have", &groups_text);
  flags.Bool("verbose", "", "progress lines on stderr", &options.verbose);
  flags.ParseOrExit(argc, argv);
  if (options.batch <= 0) {
    std::fprintf(stderr, "hotline-fsck: --batch: must be positive\n");
    return 2;
  }
  std::set<std::string> wanted;
  for (absl::string_view c : absl::StrSplit(checks_text, ',', absl::SkipEmpty()))
    wanted.insert(std::string(c));
  const std::vector<std::string> known = CheckNames();
  for (const std::string& c : wanted) {
    if (std::find(known.begin(), known.end(), c) == known.end()) {
      std::fprintf(stderr, "hotline-fsck: --checks: unknown check \"%s\" (known: %s)\n", c.c_str(),
                   absl::StrJoin(known, ",").c_str());
      return 2;
    }
  }
  options.groups = absl::StrSplit(groups_text, ',', absl::SkipEmpty());

  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags);
  if (!redis_options.ok()) {
    std::fprintf(stderr, "hotline-fsck: %s\n", redis_options.status().ToString().c_str());
    return 2;
  }
  redis_options->connections = 4;
  absl::StatusOr<std::unique_ptr<Clock>> clock = MakeCityClock(clock_flags);
  if (!clock.ok()) {
    std::fprintf(stderr, "hotline-fsck: %s\n", clock.status().ToString().c_str());
    return 2;
  }
  redis::Client redis(*redis_options);
  // The directory and the city in force, as the services read them (Redis's
  // versions; data/ for a kind Redis has none of): a street loaded since is
  // known. Days and deadlines are the city's (clock/city.h).
  refdata::RefStore ref_store(redis);
  absl::StatusOr<refdata::InForce> in_force = refdata::AdoptInForce(ref_store, options.data_dir);
  if (!in_force.ok()) {
    const bool bad_seed = absl::IsInvalidArgument(in_force.status()) || absl::IsNotFound(in_force.status());
    std::fprintf(stderr, "hotline-fsck: %s%s\n", bad_seed ? "--data_dir: " : "cannot read the reference data: ",
                 in_force.status().ToString().c_str());
    return bad_seed ? 2 : 3;
  }
  const directory::Directory* dir = &in_force->directory;
  std::fprintf(stderr, "hotline-fsck: reference data %s (0: the data/ seed)\n",
               refdata::FormatVersions(in_force->versions).c_str());
  absl::Time last_progress = absl::InfinitePast();
  options.progress = [&](const std::string& line) {
    if (!options.verbose && absl::Now() - last_progress < absl::Seconds(1)) return;
    last_progress = absl::Now();
    std::fprintf(stderr, "fsck: %s\n", line.c_str());
  };
  Context ctx(redis, options, **clock, *dir);
  const absl::Time start = absl::Now();
  for (const std::unique_ptr<Check>& check : DefaultChecks()) {
    if (wanted.count(check->name()) == 0) continue;
    const size_t before = ctx.findings().size();
    const absl::Time t0 = absl::Now();
    if (absl::Status s = check->Run(ctx); !s.ok()) {
      for (const Finding& f : ctx.findings())
        std::printf("FINDING %s %s %s\n", f.invariant.c_str(), f.order_id.c_str(),
                    f.detail.c_str());
      std::fprintf(stderr, "hotline-fsck: check %s could not run to the end: %s\n",
                   check->name().c_str(), s.ToString().c_str());
      return 3;
    }
    std::fprintf(stderr, "fsck: %s: %zu findings in %.1f s\n", check->name().c_str(),
                 ctx.findings().size() - before, absl::ToDoubleSeconds(absl::Now() - t0));
  }
  std::map<std::string, int> by_invariant;
  for (const Finding& f : ctx.findings()) {
    std::printf("FINDING %s %s %s\n", f.invariant.c_str(), f.order_id.c_str(), f.detail.c_str());
    ++by_invariant[f.invariant];
  }
  std::vector<std::string> counts;
  for (const auto& [what, n] : ctx.counts()) counts.push_back(absl::StrCat(what, " ", n));
  std::printf("checked: %s\n", absl::StrJoin(counts, ", ").c_str());
  if (ctx.findings().empty()) {
    std::printf("hotline-fsck: clean (%s) in %.1f s\n", absl::StrJoin(wanted, ",").c_str(),
                absl::ToDoubleSeconds(absl::Now() - start));
    return 0;
  }
  std::vector<std::string> kinds;
  for (const auto& [inv, n] : by_invariant) kinds.push_back(absl::StrCat(inv, " ", n));
  std::printf("hotline-fsck: %zu findings (%s) in %.1f s\n", ctx.findings().size(),
              absl::StrJoin(kinds, ", ").c_str(), absl::ToDoubleSeconds(absl::Now() - start));
  return 1;
}

}  // namespace
}  // namespace hotline::fsck

int main(int argc, char** argv) { return hotline::fsck::Main(argc, argv); }
