// The calendar while hotline-sla runs, with the real binaries: two replicas
// seed one Redis from data/calendar once, `hotline-admin calendar load` makes
// 2027 official, and both replicas use it within a second with no restart;
// their calendar gauges say so. The 2027 file is a TEST FIXTURE
// (tests/fixtures/calendar/2027.textproto), not the official schedule.
#include <catch2/catch.hpp>
#include <deque>
#include <fstream>
#include <memory>
#include <regex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "calendar/calendar_store.h"
#include "clock/proto_time.h"
#include "support/redis_server.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace hotline::testing {
namespace {

const std::string kFixture2027 = HOTLINE_SOURCE_DIR "/tests/fixtures/calendar/2027.textproto";

// The value of an unlabelled sample in a /metrics body, or -1.
double Sample(const std::string& body, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(body, m, std::regex("\n" + name + " ([0-9.e+-]+)\n"))) return -1;
  double v = -1;
  return absl::SimpleAtod(m[1].str(), &v) ? v : -1;
}

struct Replica {
  std::unique_ptr<ServiceProcess> process;
  int metrics_port = 0;
};

struct World {
  RedisServer redis;
  TempDir dir{"calendar-e2e"};
  std::deque<Replica> replicas;  // a deque: references stay valid as replicas start

  World() {
    std::ofstream(dir.path() + "/identity.secret") << "calendar-e2e-identity-secret-0123456789";
  }

  Replica& Start(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "--host=127.0.0.1", "--grpc_port=0", "--metrics_port=0",
        "--identity_secret_file=" + dir.path() + "/identity.secret", "--redis=" + redis.address(),
        std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data", "--consumer_name=" + name,
        // The city's day the alert tests were scraped on.
        "--clock_start=2026-12-07T10:00:00+08:00"};
    args.insert(args.end(), extra.begin(), extra.end());
    Replica r;
    r.process =
        std::make_unique<ServiceProcess>(HOTLINE_SLA_BIN, args, dir.path() + "/" + name + ".log");
    r.metrics_port = r.process->WaitForServingPorts(absl::Seconds(20)).metrics;
    replicas.push_back(std::move(r));
    return replicas.back();
  }
  ShellResult Admin(const std::string& args) {
    return RunShell(
        absl::StrCat(HOTLINE_ADMIN_BIN, " calendar ", args, " --redis=", redis.address()));
  }
};

bool LogHas(ServiceProcess& p, const std::string& text) {
  return p.Log().find(text) != std::string::npos;
}

// The "ts" of the first log line holding `text`.
absl::Time LogTime(ServiceProcess& p, const std::string& text) {
  const std::string log = p.Log();
  const size_t at = log.find(text);
  const size_t line = log.rfind('\n', at) == std::string::npos ? 0 : log.rfind('\n', at) + 1;
  std::smatch m;
  const std::string head = log.substr(line, at - line);
  absl::Time t = absl::InfinitePast();
  std::string error;
  if (std::regex_search(head, m, std::regex(R"re("ts":"([^"]+)")re"))) {
    absl::ParseTime(absl::RFC3339_full, m[1].str(), &t, &error);
  }
  return t;
}

TEST_CASE("every sla replica uses a loaded year within a second, without a restart", "[e2e]") {
  World w;
  Replica& a = w.Start("sla-a");
  Replica& b = w.Start("sla-b");
  // Seeded once between them: version 1, whoever came first.
  ShellResult list = w.Admin("list");
  INFO(list.output);
  CHECK_THAT(list.output, Catch::Contains("calendar version 1\n"));
  for (Replica* r : {&a, &b}) {
    INFO(r->process->Log());
    CHECK(LogHas(
        *r->process,
        R"("msg":"calendar in force","version":"1","official":"2025,2026","provisional":"2027,2028")"));
    const std::string body = HttpGet(r->metrics_port, "/metrics");
    CHECK(Sample(body, "hotline_sla_calendar_version") == 1);
    CHECK(Sample(body, "hotline_sla_calendar_official_dates_left") == 25);
    CHECK(Sample(body, "hotline_sla_calendar_next_year_official") == 0);
    CHECK(Sample(body, "hotline_sla_calendar_reload_errors_total") == 0);
  }

  ShellResult load = w.Admin("load " + kFixture2027 + " --user alice");
  const absl::Time loaded = absl::Now();
  INFO(load.output);
  REQUIRE(load.exit_code == 0);
  CHECK_THAT(load.output, Catch::Contains("calendar 2027 loaded: version 2"));
  const std::string in_force = R"("msg":"calendar in force","version":"2")";
  absl::Duration took = absl::InfiniteDuration();
  while (absl::Now() - loaded < absl::Seconds(5)) {
    if (LogHas(*a.process, in_force) && LogHas(*b.process, in_force)) {
      took = absl::Now() - loaded;
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  // From the moment the load was made (its record) to each replica's swap.
  redis::Client redis(redis::Options{.port = w.redis.port(), .connections = 1});
  calendar::CalendarStore store(redis);
  absl::StatusOr<calendar::StoredCalendar> stored = store.ReadAll();
  REQUIRE(stored.ok());
  const absl::Time made = ToTime(stored->years.back().load.loaded_at());
  WARN("load -> replica a " << absl::FormatDuration(LogTime(*a.process, in_force) - made)
                            << ", replica b "
                            << absl::FormatDuration(LogTime(*b.process, in_force) - made)
                            << "; hotline-admin exit -> both " << absl::FormatDuration(took));
  CHECK(took < absl::Seconds(1));
  CHECK(LogTime(*a.process, in_force) - made < absl::Seconds(1));
  CHECK(LogTime(*b.process, in_force) - made < absl::Seconds(1));
  for (Replica* r : {&a, &b}) {
    INFO(r->process->Log());
    CHECK(
        LogHas(*r->process,
               R"("official":"2025,2026,2027","provisional":"2028,2029","newly_official":"2027")"));
  }
  // The gauges follow within their second.
  absl::SleepFor(absl::Milliseconds(1500));
  for (Replica* r : {&a, &b}) {
    const std::string body = HttpGet(r->metrics_port, "/metrics");
    CHECK(Sample(body, "hotline_sla_calendar_version") == 2);
    CHECK(Sample(body, "hotline_sla_calendar_official_dates_left") == 390);
    CHECK(Sample(body, "hotline_sla_calendar_next_year_official") == 1);
  }

  SECTION("a broken year is refused and the replicas keep version 2") {
    const std::string broken = w.dir.path() + "/2028.textproto";
    std::ofstream(broken) << "year: 2028\nmake_up_days { date: \"2028-01-05\" }\n";
    ShellResult r = w.Admin("load " + broken + " --user mallory");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("refused, nothing changed: 2028.textproto: "));
    absl::SleepFor(absl::Milliseconds(1500));
    for (Replica* rep : {&a, &b}) {
      CHECK(Sample(HttpGet(rep->metrics_port, "/metrics"), "hotline_sla_calendar_version") == 2);
    }
  }
  SECTION("a replica started now takes the loaded year, and the seed does not overwrite it") {
    Replica& c = w.Start("sla-c");
    INFO(c.process->Log());
    CHECK(LogHas(*c.process, R"("msg":"calendar seed","dir":)"));
    CHECK(LogHas(*c.process, R"("added":"","version":"2")"));
    CHECK(LogHas(*c.process,
                 R"("msg":"calendar in force","version":"2","official":"2025,2026,2027")"));
  }
}

TEST_CASE("an sla replica with --provisional_years=false has no year past the official ones",
          "[e2e]") {
  World w;
  Replica& r = w.Start("sla-strict", {"--provisional_years=false"});
  INFO(r.process->Log());
  CHECK(
      LogHas(*r.process,
             R"("msg":"calendar in force","version":"1","official":"2025,2026","provisional":"")"));
}

}  // namespace
}  // namespace hotline::testing
