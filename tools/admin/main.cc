// hotline-admin: operator tasks that need the secrets, not the API.
//
//   hotline-admin token issue --user U --role agent --unit GZ12345 [--name N] [--ttl 8h]
//   hotline-admin token revoke JTI
//   hotline-admin token list
//   hotline-admin calendar load FILE [--user U]
//   hotline-admin calendar list
//   hotline-admin calendar history
//   hotline-admin units|categories|catalogue|policies|rules|city load FILE [--user U]
//   hotline-admin units|categories|catalogue|policies|rules|city history | diff V1 V2 | show [V]
//   hotline-admin city load FILE [--allow_time_zone_change]   (a new zone: the centre stopped)
//   hotline-admin units merge OLD NEW [--user U] [--dry_run] [--repoint_catalogue] [--settle 1s]
//   hotline-admin rebuild sla|scoring [--data_dir data] [--batch 500] [--parallel 32] [--slices 4] [--bulk]
//
// Common flags: --jwt_keys FILE (issue only), --redis HOST:PORT, --jwt_issuer,
// --jwt_audience (or their HOTLINE_* variables, as the gateway reads them).
// `issue` prints the token on stdout, once: only its SHA-256 and metadata are
// recorded (in Redis, auth/token_registry_keys.h). `revoke` takes effect on
// every gateway within its --revocation_poll (200 ms by default).
//
// `calendar load` makes FILE (hotline.v1.CalendarYear in text format; a name
// YYYY.textproto must match its year) the official schedule of its year:
// validated first (a refusal names the field and date, exits non-zero and
// changes nothing), then stored in Redis with who (--user, else $USER), when
// and the file's SHA-256 (calendar/calendar_store.h), and written to the
// access log. Every hotline-sla uses it within its --calendar_poll (200 ms by
// default). `calendar list` shows each year up to next year, official or
// provisional, with its version and who loaded it when.
//
// `<kind> load` (kinds: libs/refdata/kinds.h; admin/refdata.h) makes FILE
// the next version of that kind of reference data in Redis: validated on its
// own and against the other kinds in force (a refusal names the field, exits
// 2 and changes nothing), stored with who, when and the content's SHA-256,
// and written to the access log. Every replica of every service reading it
// uses it within a second (refdata/live.h). `history` lists the versions with
// the lines each changed, `diff V1 V2` shows the changed lines of the
// canonical text, `show [V]` prints a version.
//
// `rebuild sla|scoring` runs every order (idx:all) through the store call of
// that service's consumer group (admin/rebuild.h): after a group was created
// or recreated (it never sees orders older than the stream, which is trimmed
// every few seconds), after scoring's keys were lost, or after a change that
// needs every order looked at again. Idempotent, so it may run while the
// services serve. Progress on stderr about every second; the tally on stdout.
// `rebuild scoring --bulk` is the fast path into an empty scoring keyspace
// (hotline-scoring stopped; rebuild.h).
// It needs what the service needs: --data_dir (sla: policies, calendar seed
// and units; scoring: units) and, for sla, the city clock flags.
#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <future>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "admin/backup.h"
#include "admin/archive.h"
#include "admin/rebuild.h"
#include "admin/refdata_cli.h"
#include "audit/audit_log.h"
#include "auth/jwt.h"
#include "auth/token_registry.h"
#include "calendar/calendar_store.h"
#include "calendar/live_calendar.h"
#include "clock/city_clock.h"
#include "clock/clock.h"
#include "clock/proto_time.h"
#include "config/flags.h"
#include "directory/city.h"
#include "directory/directory.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "refdata/directory_source.h"
#include "refdata/ref_store.h"
#include "scoring/redis_fact_store.h"
#include "sla/monitor.h"
#include "sla/policies.h"
#include "sla/redis_deadline_store.h"

namespace hotline {
namespace {

constexpr char kUsage[] =
    "usage: hotline-admin token issue --user U --role ROLE --unit CODE [--name N] [--ttl 8h]\n"
    "       hotline-admin token revoke JTI\n"
    "       hotline-admin token list\n"
    "       hotline-admin calendar load FILE [--user U]\n"
    "       hotline-admin calendar list|history\n"
    "       hotline-admin units|categories|catalogue|policies|rules|city load FILE [--user U]\n"
    "       hotline-admin units|categories|catalogue|policies|rules|city history|diff V1 V2|show [V]\n"
    "       hotline-admin city load FILE --allow_time_zone_change   (a new time zone, every service stopped)\n"
    "       hotline-admin units merge OLD NEW [--user U] [--dry_run] [--repoint_catalogue]   (tools/admin/README.md)\n"
    "       hotline-admin rebuild sla|scoring [--data_dir data] [--batch 500] [--parallel 32] [--slices 4] [--bulk]\n"
    "       hotline-admin backup DIR [--pg_url URL] [--redis_dir D]   (tools/admin/README.md)\n"
    "       hotline-admin restore DIR [--pg_url URL]                  (onto an empty Redis only)\n"
    "       hotline-admin archive run|stats [--postgres CONNINFO] [--policy FILE] [--min_age D]\n"
    "       hotline-admin archive migrate --postgres OWNER_CONNINFO --grant_to ROLE\n"
    "       hotline-admin archive compact-audit [--postgres CONNINFO] [--dry_run]\n"
    "       (hotline-admin token issue --help, hotline-admin calendar load --help,\n"
    "        hotline-admin rebuild sla --help list the flags)\n";

// "agent", "unit_handler" or "ROLE_AGENT" -> the role.
bool ParseRole(const std::string& text, v1::Role* role) {
  std::string name = absl::AsciiStrToUpper(text);
  if (name.rfind("ROLE_", 0) != 0) name = "ROLE_" + name;
  return v1::Role_Parse(name, role) && *role != v1::ROLE_UNSPECIFIED;
}

std::string Rfc3339(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "hotline-admin: %s\n", s.ToString().c_str());
  return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

int TokenMain(int argc, char** argv) {
  const std::string verb = argv[2];
  // The flags parser sees the program name and what follows the verb, minus
  // a revoke's positional jti.
  std::vector<const char*> rest = {argv[0]};
  std::string jti;
  for (int i = 3; i < argc; ++i) {
    if (verb == "revoke" && jti.empty() && argv[i][0] != '-') {
      jti = argv[i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  std::string jwt_keys_path, user, role_text, unit, name;
  absl::Duration ttl = absl::Hours(8);
  auth::Audience audience;
  redis::RedisFlags redis_flags;
  config::Flags flags("hotline-admin token " + verb, "issue, revoke and list gateway tokens");
  flags.String("jwt_keys", "HOTLINE_JWT_KEYS", "signing keys (hotline.v1.JwtKeyFile)",
               &jwt_keys_path);
  flags.String("jwt_issuer", "HOTLINE_JWT_ISSUER", "the token's iss", &audience.issuer);
  flags.String("jwt_audience", "HOTLINE_JWT_AUDIENCE", "the token's aud", &audience.audience);
  redis::AddRedisFlags(flags, &redis_flags);
  flags.String("user", "", "issue: user id", &user);
  flags.String("role", "", "issue: role (agent, dispatcher, supervisor, unit_handler, ...)",
               &role_text);
  flags.String("unit", "", "issue: unit code", &unit);
  flags.String("name", "", "issue: display name", &name);
  flags.Duration("ttl", "", "issue: how long the token is valid", &ttl);
  flags.ParseOrExit(static_cast<int>(rest.size()), rest.data());

  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags);
  if (!redis_options.ok()) return Fail(redis_options.status());
  redis_options->connections = 1;
  redis::Client redis(*redis_options);
  auth::TokenRegistry registry(redis);

  if (verb == "issue") {
    if (jwt_keys_path.empty()) return Fail(absl::InvalidArgumentError("--jwt_keys: required"));
    if (user.empty()) return Fail(absl::InvalidArgumentError("--user: required"));
    auth::TokenClaims claims;
    if (!ParseRole(role_text, &claims.role)) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("--role: unknown role \"", role_text, "\"")));
    }
    if (ttl <= absl::ZeroDuration()) return Fail(absl::InvalidArgumentError("--ttl: must be positive"));
    absl::StatusOr<auth::JwtKeys> keys = auth::JwtKeys::Load(jwt_keys_path);
    if (!keys.ok()) return Fail(keys.status());
    claims.jti = auth::NewTokenId();
    claims.user_id = user;
    claims.display_name = name;
    claims.unit_code = unit;
    claims.issued_at = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
    claims.expires_at = claims.issued_at + ttl;
    absl::StatusOr<std::string> token = auth::SignToken(*keys, audience, claims);
    if (!token.ok()) return Fail(token.status());
    // Recorded before it is shown: a token the registry does not know could
    // not be listed or revoked by id.
    if (absl::Status s = registry.Record(claims, auth::TokenHash(*token)); !s.ok()) return Fail(s);
    std::fprintf(stderr, "issued jti %s for %s (%s, %s), expires %s\n", claims.jti.c_str(),
                 user.c_str(), v1::Role_Name(claims.role).c_str(), unit.c_str(),
                 Rfc3339(claims.expires_at).c_str());
    std::cout << *token << "\n";
    return 0;
  }
  if (verb == "revoke") {
    if (jti.empty()) return Fail(absl::InvalidArgumentError("revoke: which jti?"));
    if (absl::Status s = registry.Revoke(jti, absl::Now()); !s.ok()) return Fail(s);
    std::fprintf(stderr, "revoked %s\n", jti.c_str());
    return 0;
  }
  if (verb == "list") {
    absl::StatusOr<std::vector<auth::TokenRecord>> records = registry.List();
    if (!records.ok()) return Fail(records.status());
    std::printf("%-32s  %-16s  %-22s  %-10s  %-20s  %s\n", "JTI", "USER", "ROLE", "UNIT",
                "EXPIRES", "REVOKED");
    for (const auth::TokenRecord& r : *records) {
      std::printf("%-32s  %-16s  %-22s  %-10s  %-20s  %s\n", r.claims.jti.c_str(),
                  r.claims.user_id.c_str(), v1::Role_Name(r.claims.role).c_str(),
                  r.claims.unit_code.c_str(), Rfc3339(r.claims.expires_at).c_str(),
                  r.revoked ? "yes" : "no");
    }
    return 0;
  }
  std::fputs(kUsage, stderr);
  return 2;
}

// Appends the load to the access log, waiting for the answer.
absl::Status AuditLoad(redis::Client& redis, const std::string& user, const calendar::LoadResult& load) {
  v1::AuditEntry entry;
  *entry.mutable_at() = ToTimestamp(absl::Now());
  entry.mutable_actor()->set_user_id(user);
  // Whoever runs hotline-admin holds the Redis secrets: an administrator.
  entry.mutable_actor()->set_role(v1::ROLE_ADMIN);
  entry.set_action(v1::AUDIT_ACTION_CALENDAR_LOAD);
  entry.set_reason(absl::StrCat("calendar ", load.load.year(), " loaded, version ", load.version, ", sha256 ",
                                load.load.sha256(), ", file ", load.load.file()));
  audit::AuditLog log(redis);
  std::promise<absl::StatusOr<std::string>> done;
  log.Append(entry, [&done](absl::StatusOr<std::string> id) { done.set_value(std::move(id)); });
  return done.get_future().get().status();
}

// Makes the city in force in Redis the process's (over the seed Main
// adopted); when Redis cannot give one, says so and keeps the seed's.
void AdoptRedisCity(redis::Client& redis) {
  refdata::RefStore ref_store(redis);
  const char* env = std::getenv("HOTLINE_DATA_DIR");
  const std::string data_dir = env != nullptr && *env != '\0' ? env : "data";
  absl::StatusOr<refdata::InForce> in_force = refdata::AdoptInForce(ref_store, data_dir);
  if (!in_force.ok()) {
    std::fprintf(stderr, "hotline-admin: the city in force is unreadable (%s); using the seed's\n",
                 in_force.status().ToString().c_str());
  }
}

int CalendarMain(int argc, char** argv) {
  const std::string verb = argv[2];
  // The flags parser sees the program name and what follows the verb, minus
  // a load's positional file.
  std::vector<const char*> rest = {argv[0]};
  std::string path;
  for (int i = 3; i < argc; ++i) {
    if (verb == "load" && path.empty() && argv[i][0] != '-') {
      path = argv[i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  std::string user;
  redis::RedisFlags redis_flags;
  config::Flags flags("hotline-admin calendar " + verb, "load and list the official working-day calendar");
  redis::AddRedisFlags(flags, &redis_flags);
  flags.String("user", "USER", "load: who loads it (a user id), for the record and the access log", &user);
  flags.ParseOrExit(static_cast<int>(rest.size()), rest.data());
  if (verb != "load" && verb != "list" && verb != "history") {
    std::fputs(kUsage, stderr);
    return 2;
  }

  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags);
  if (!redis_options.ok()) return Fail(redis_options.status());
  redis_options->connections = 1;
  redis::Client redis(*redis_options);
  calendar::CalendarStore store(redis);

  if (verb == "load") {
    if (path.empty()) return Fail(absl::InvalidArgumentError("load: which file?"));
    if (user.empty()) return Fail(absl::InvalidArgumentError("--user: required (or $USER)"));
    absl::StatusOr<calendar::CalendarFile> file = calendar::ReadCalendarFile(path);
    absl::StatusOr<calendar::LoadResult> load =
        file.ok() ? store.Load(*file, user, absl::Now()) : absl::StatusOr<calendar::LoadResult>(file.status());
    if (load.status().code() == absl::StatusCode::kInvalidArgument) {
      std::fprintf(stderr, "hotline-admin: refused, nothing changed: %s\n",
                   std::string(load.status().message()).c_str());
      return 2;
    }
    if (!load.ok()) return Fail(load.status());
    if (!load->changed) {
      std::printf("calendar %d unchanged: this schedule is in force since version %lld (loaded by %s at %s)\n",
                  load->load.year(), static_cast<long long>(load->load.version()),
                  load->load.loaded_by().c_str(), Rfc3339(ToTime(load->load.loaded_at())).c_str());
      return 0;
    }
    // The store's record (calendar:loads) is written with the year; the
    // access log is a second write, so its failure is reported, not hidden.
    if (absl::Status s = AuditLoad(redis, user, *load); !s.ok()) {
      std::fprintf(stderr,
                   "hotline-admin: calendar %d loaded as version %lld, but its access-log entry failed: %s\n",
                   load->load.year(), static_cast<long long>(load->version), s.ToString().c_str());
      return 1;
    }
    std::printf("calendar %d loaded: version %lld, sha256 %s, by %s\n", load->load.year(),
                static_cast<long long>(load->version), load->load.sha256().c_str(), user.c_str());
    return 0;
  }

  if (verb == "history") {
    // Every load ever made (calendar:loads), oldest first. A year's earlier
    // schedules are not kept, so there is no `calendar diff` (libs/refdata/README.md).
    absl::StatusOr<std::vector<v1::CalendarLoad>> loads = store.Loads();
    if (!loads.ok()) return Fail(loads.status());
    std::printf("%-7s  %-4s  %-20s  %-16s  %-16s  %-12s  %s\n", "VERSION", "YEAR", "LOADED AT",
                "LOADED BY", "FILE", "SHA256", "SOURCE");
    for (const v1::CalendarLoad& l : *loads) {
      std::printf("%-7lld  %-4d  %-20s  %-16s  %-16s  %-12s  %s\n", static_cast<long long>(l.version()),
                  l.year(), Rfc3339(ToTime(l.loaded_at())).c_str(), l.loaded_by().c_str(), l.file().c_str(),
                  l.sha256().substr(0, 12).c_str(), l.source().c_str());
    }
    return 0;
  }
  absl::StatusOr<calendar::StoredCalendar> stored = store.ReadAll();
  if (!stored.ok()) return Fail(stored.status());
  // "This year" in the city in force (Redis's; Main adopted the seed's).
  AdoptRedisCity(redis);
  const int this_year = static_cast<int>(absl::ToCivilYear(absl::Now(), CityTimeZone()).year());
  int first = this_year, last = this_year + 1;
  if (!stored->years.empty()) {
    first = std::min(first, stored->years.front().year.year());
    last = std::max(last, stored->years.back().year.year());
  }
  std::printf("calendar version %lld\n", static_cast<long long>(stored->version));
  std::printf("%-4s  %-11s  %-7s  %-16s  %-20s  %-12s  %s\n", "YEAR", "STATUS", "VERSION", "LOADED BY",
              "LOADED AT", "SHA256", "SOURCE");
  for (int year = first; year <= last; ++year) {
    const calendar::OfficialYear* official = nullptr;
    for (const calendar::OfficialYear& y : stored->years) {
      if (y.year.year() == year) official = &y;
    }
    if (official == nullptr) {
      std::printf("%-4d  %-11s  %-7s  %-16s  %-20s  %-12s  %s\n", year, "provisional", "-", "-", "-", "-",
                  "weekends and statutory days only (no schedule loaded)");
      continue;
    }
    const v1::CalendarLoad& l = official->load;
    std::printf("%-4d  %-11s  %-7lld  %-16s  %-20s  %-12s  %s\n", year, "official",
                static_cast<long long>(l.version()), l.loaded_by().c_str(), Rfc3339(ToTime(l.loaded_at())).c_str(),
                l.sha256().substr(0, 12).c_str(), l.source().c_str());
  }
  return 0;
}

std::string Thousands(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

double PerSecond(const rebuild::Progress& p) {
  const double seconds = absl::ToDoubleSeconds(p.elapsed);
  return seconds > 0 ? static_cast<double>(p.scanned) / seconds : 0;
}

int RebuildMain(int argc, char** argv) {
  const std::string what = argv[2];
  std::vector<const char*> rest = {argv[0]};
  for (int i = 3; i < argc; ++i) rest.push_back(argv[i]);
  redis::RedisFlags redis_flags;
  CityClockFlags clock_flags;
  std::string data_dir = "data";
  rebuild::Options options;
  config::Flags flags(
      "hotline-admin rebuild " + what,
      "runs every order through the store call of sla's or scoring's consumer group");
  redis::AddRedisFlags(flags, &redis_flags);
  AddCityClockFlags(flags, &clock_flags);
  flags.String("data_dir", "HOTLINE_DATA_DIR",
               "the folder the service reads (policies, calendar, units)", &data_dir);
  flags.Int("batch", "", "orders a step (scoring: pipelined together)", &options.batch);
  flags.Int("parallel", "", "sla: orders settled at once", &options.parallel);
  flags.Int("slices", "", "scoring: slices of a step processed at once, each pipelined", &options.slices);
  bool bulk = false;
  flags.Bool("bulk", "",
             "scoring: into an empty scoring keyspace (hotline-scoring stopped), aggregates summed in "
             "memory and written once",
             &bulk);
  flags.ParseOrExit(static_cast<int>(rest.size()), rest.data());
  if (what != "sla" && what != "scoring") {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (options.batch <= 0) return Fail(absl::InvalidArgumentError("--batch: must be positive"));
  if (options.parallel <= 0) return Fail(absl::InvalidArgumentError("--parallel: must be positive"));
  if (options.slices <= 0) return Fail(absl::InvalidArgumentError("--slices: must be positive"));
  if (bulk && what != "scoring") return Fail(absl::InvalidArgumentError("--bulk: scoring only"));

  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags);
  if (!redis_options.ok()) return Fail(redis_options.status());
  redis::Client redis(*redis_options);
  // The directory and the city the services run under (Redis's versions;
  // the seed of a kind Redis has none of).
  refdata::RefStore ref_store(redis);
  absl::StatusOr<refdata::InForce> in_force = refdata::AdoptInForce(ref_store, data_dir);
  if (!in_force.ok()) return Fail(in_force.status());
  const directory::Directory* dir = &in_force->directory;

  // scoring counts the orders whose facts were written (0 over what is
  // stored); sla the orders settled (written, or found up to date).
  const char* done = what == "scoring" ? "written" : "settled";
  absl::Time last_shown = absl::InfinitePast();
  options.progress = [&](const rebuild::Progress& p) {
    if (absl::Now() - last_shown < absl::Seconds(1)) return;
    last_shown = absl::Now();
    std::fprintf(
        stderr,
        "rebuild %s: %s / %s orders (%.0f %%), %.0f orders/s, %s %s, %s missing, %s failed\n",
        what.c_str(), Thousands(p.scanned).c_str(), Thousands(p.total).c_str(),
        p.total > 0 ? 100.0 * static_cast<double>(p.scanned) / static_cast<double>(p.total) : 100.0,
        PerSecond(p), Thousands(p.written).c_str(), done, Thousands(p.missing).c_str(),
        Thousands(p.failed).c_str());
  };

  absl::StatusOr<rebuild::Result> result;
  const orders::OrderKeys keys;
  if (what == "scoring") {
    scoring::RedisFactStore store(redis, scoring::ScoringKeys(keys.prefix()), CityTimeZone(), *dir);
    result = bulk ? rebuild::RebuildScoringBulk(redis, scoring::ScoringKeys(keys.prefix()), store, *dir,
                                                CityTimeZone(), options)
                  : rebuild::RebuildScoring(redis, keys, store, options);
    if (result.ok() && result->cleared > 0) {
      std::fprintf(stderr, "rebuild scoring: an interrupted bulk rebuild's %s keys deleted first\n",
                   Thousands(result->cleared).c_str());
    }
  } else {
    // As hotline-sla builds its monitor (services/sla/main.cc): the policies
    // file, the calendar in Redis (the seed's missing years first), the clock.
    absl::StatusOr<sla::Policies> policies =
        sla::Policies::Load(data_dir + "/sla_policies.textproto");
    if (!policies.ok()) return Fail(policies.status());
    absl::StatusOr<std::unique_ptr<Clock>> clock = MakeCityClock(clock_flags);
    if (!clock.ok()) return Fail(clock.status());
    calendar::CalendarStore calendar_store(redis);
    if (absl::StatusOr<calendar::SeedResult> seeded =
            calendar_store.Seed(data_dir + "/calendar", absl::Now());
        !seeded.ok()) {
      return Fail(seeded.status());
    }
    absl::StatusOr<std::unique_ptr<calendar::LiveCalendar>> live =
        calendar::LiveCalendar::Create(calendar_store, **clock);
    if (!live.ok()) return Fail(live.status());
    (*live)->Start();  // a schedule loaded meanwhile is followed, as by the service
    sla::RedisDeadlineStore store(redis, sla::SlaKeys(keys.prefix()));
    sla::Monitor monitor(store, *policies, **live, **clock, *dir);
    result = rebuild::RebuildSla(redis, keys, monitor, options);
    (*live)->Stop();
  }
  if (!result.ok()) return Fail(result.status());
  last_shown = absl::InfinitePast();
  options.progress(*result);
  for (const std::string& failed : result->failed_ids)
    std::fprintf(stderr, "failed: %s\n", failed.c_str());
  std::printf(
      "rebuild %s: %s orders in %.1f s (%.0f orders/s): %s %s, %s missing, %s failed\n",
      what.c_str(), Thousands(result->scanned).c_str(), absl::ToDoubleSeconds(result->elapsed),
      PerSecond(*result), Thousands(result->written).c_str(), done, Thousands(result->missing).c_str(),
      Thousands(result->failed).c_str());
  return result->failed == 0 ? 0 : 1;
}

int Main(int argc, char** argv) {
  // Local days and times are the city's (clock/city.h): the seed's until a
  // command that reads Redis adopts the version in force there
  // (AdoptRedisCity, rebuild).
  directory::AdoptToolCity("hotline-admin");
  const std::string noun = argc >= 3 ? argv[1] : "";
  if (noun == "token") return TokenMain(argc, argv);
  if (noun == "calendar") return CalendarMain(argc, argv);
  if (noun == "rebuild") return RebuildMain(argc, argv);
  if (noun == "backup") return backup::BackupMain(argc, argv);
  if (noun == "restore") return backup::RestoreMain(argc, argv);
  if (noun == "archive") return admin::ArchiveMain(argc, argv);
  if (argc >= 2 && admin::IsRefDataKind(argv[1])) return admin::RefDataMain(argc, argv);
  std::fputs(kUsage, stderr);
  return 2;
}

}  // namespace
}  // namespace hotline

int main(int argc, char** argv) { return hotline::Main(argc, argv); }
