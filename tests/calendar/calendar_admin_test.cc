// `hotline-admin calendar load|list`, the real binary against a real
// redis-server: a year loaded with its version, record and access-log entry;
// a broken or misnamed file refused with the field and date named, exit
// non-zero, and nothing changed. The 2027 file is a TEST FIXTURE
// (tests/fixtures/calendar/2027.textproto), not the official schedule.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "calendar/calendar_store.h"
#include "clock/proto_time.h"
#include "hotline/v1/audit.pb.h"
#include "support/redis_server.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace hotline::calendar {
namespace {

using testing::RedisServer;
using testing::RunShell;
using testing::ShellResult;
using testing::TempDir;

const std::string kFixture2027 = HOTLINE_SOURCE_DIR "/tests/fixtures/calendar/2027.textproto";

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct World {
  RedisServer server;
  redis::Client redis{redis::Options{.port = server.port(), .connections = 1}};
  CalendarStore store{redis};
  TempDir dir{"calendar-admin"};

  World() { REQUIRE(store.Seed(HOTLINE_SOURCE_DIR "/data/calendar", absl::Now()).ok()); }

  // hotline-admin calendar ARGS on this Redis, with $USER as given ("" unset).
  ShellResult Admin(const std::string& args, const std::string& user_env = "") {
    const std::string env = user_env.empty() ? "env -u USER" : "env USER=" + user_env;
    return RunShell(absl::StrCat(env, " ", HOTLINE_ADMIN_BIN, " calendar ", args,
                                 " --redis=", server.address()));
  }
  redis::Reply Run(redis::Command c) {
    absl::StatusOr<redis::Reply> r = redis.Execute(std::move(c));
    REQUIRE(r.ok());
    return *r;
  }
  std::string Snapshot() {
    std::string out = Run({"GET", "hotline:calendar:version"}).str + "|";
    for (const redis::Reply& e : Run({"HGETALL", "hotline:calendar:years"}).elements)
      out += e.str + "|";
    out += absl::StrCat(Run({"XLEN", "hotline:calendar:loads"}).integer, "|",
                        Run({"XLEN", "hotline:audit"}).integer);
    return out;
  }
  std::vector<v1::AuditEntry> AuditEntries() {
    std::vector<v1::AuditEntry> out;
    for (const redis::Reply& e : Run({"XRANGE", "hotline:audit", "-", "+"}).elements) {
      v1::AuditEntry entry;
      REQUIRE(entry.ParseFromString(e.elements[1].elements[1].str));
      out.push_back(entry);
    }
    return out;
  }
};

TEST_CASE(
    "hotline-admin calendar load stores the year, prints its version and writes the access log") {
  World w;
  ShellResult before = w.Admin("list");
  INFO(before.output);
  REQUIRE(before.exit_code == 0);
  CHECK_THAT(before.output, Catch::Contains("calendar version 1"));
  CHECK_THAT(before.output, Catch::Contains("2026  official     1        system:seed"));
  CHECK_THAT(before.output, Catch::Contains("2027  provisional"));

  const std::string sha256 = Sha256Hex(ReadBytes(kFixture2027));
  const absl::Time started = absl::Now();
  ShellResult load = w.Admin("load " + kFixture2027 + " --user alice");
  INFO(load.output);
  REQUIRE(load.exit_code == 0);
  CHECK(load.output ==
        absl::StrCat("calendar 2027 loaded: version 2, sha256 ", sha256, ", by alice\n"));

  absl::StatusOr<StoredCalendar> stored = w.store.ReadAll();
  REQUIRE(stored.ok());
  CHECK(stored->version == 2);
  REQUIRE(stored->years.size() == 3);
  const v1::CalendarLoad& record = stored->years[2].load;
  CHECK(record.year() == 2027);
  CHECK(record.loaded_by() == "alice");
  CHECK(record.sha256() == sha256);
  CHECK(record.file() == "2027.textproto");
  CHECK(ToTime(record.loaded_at()) >= started - absl::Seconds(1));
  CHECK(ToTime(record.loaded_at()) <= absl::Now());

  std::vector<v1::AuditEntry> audit = w.AuditEntries();
  REQUIRE(audit.size() == 1);
  CHECK(audit[0].action() == v1::AUDIT_ACTION_CALENDAR_LOAD);
  CHECK(audit[0].actor().user_id() == "alice");
  CHECK(audit[0].reason() ==
        absl::StrCat("calendar 2027 loaded, version 2, sha256 ", sha256, ", file 2027.textproto"));

  ShellResult after = w.Admin("list");
  INFO(after.output);
  CHECK_THAT(after.output, Catch::Contains("calendar version 2"));
  CHECK_THAT(after.output, Catch::Contains("2027  official     2        alice"));
  CHECK_THAT(after.output, Catch::Contains(sha256.substr(0, 12)));

  SECTION("the same file again changes nothing and logs nothing") {
    const std::string loaded = w.Snapshot();
    ShellResult again = w.Admin("load " + kFixture2027 + " --user bob");
    INFO(again.output);
    CHECK(again.exit_code == 0);
    CHECK_THAT(
        again.output,
        Catch::Contains(
            "calendar 2027 unchanged: this schedule is in force since version 2 (loaded by alice"));
    CHECK(w.Snapshot() == loaded);
  }
}

TEST_CASE(
    "hotline-admin calendar load refuses a broken or misnamed year, names the field and date, "
    "changes nothing") {
  World w;
  const std::string before = w.Snapshot();
  const std::string fixture = ReadBytes(kFixture2027);
  auto write = [&](const std::string& name, std::string text) {
    std::ofstream(w.dir.path() + "/" + name) << text;
    return w.dir.path() + "/" + name;
  };
  auto replace = [&](std::string from, const std::string& to) {
    std::string text = fixture;
    const size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  };
  {
    INFO("a make-up day on a weekday");
    const std::string path = write("2027.textproto", replace("2027-01-09", "2027-01-06"));
    ShellResult r = w.Admin("load " + path + " --user mallory");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("refused, nothing changed"));
    CHECK_THAT(r.output,
               Catch::Contains("2027.textproto: make_up_days[0]: date: 2027-01-06 is a Wednesday"));
    CHECK(w.Snapshot() == before);
  }
  {
    INFO("a date that is no date");
    const std::string path = write("2027.textproto", replace("\"2027-05-05\"", "\"2027-05-32\""));
    ShellResult r = w.Admin("load " + path + " --user mallory");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("holidays[3]: last: \"2027-05-32\" is not a date"));
    CHECK(w.Snapshot() == before);
  }
  {
    INFO("a statutory day not off");
    const std::string path = write(
        "2027.textproto",
        replace("holidays { name: \"端午节\" first: \"2027-06-09\" last: \"2027-06-09\" }\n", ""));
    ShellResult r = w.Admin("load " + path + " --user mallory");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("statutory day 2027-06-09 (端午节"));
    CHECK(w.Snapshot() == before);
  }
  {
    INFO("the year is not the file name's");
    const std::string path = write("2028.textproto", fixture);
    ShellResult r = w.Admin("load " + path + " --user mallory");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output,
               Catch::Contains("2028.textproto: year: 2027 does not match the file name (2028)"));
    CHECK(w.Snapshot() == before);
  }
  {
    INFO("not a calendar at all");
    const std::string path = write("2027.textproto", "year: 2027\nholidays { nme: \"x\" }\n");
    ShellResult r = w.Admin("load " + path + " --user mallory");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("line 2:"));
    CHECK(w.Snapshot() == before);
  }
  {
    INFO("nobody named");
    ShellResult r = w.Admin("load " + kFixture2027);
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("--user: required"));
    CHECK(w.Snapshot() == before);
  }
  {
    INFO("$USER names who loads it when --user is not given");
    ShellResult r = w.Admin("load " + kFixture2027, "carol");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(w.store.ReadAll()->years[2].load.loaded_by() == "carol");
  }
}

}  // namespace
}  // namespace hotline::calendar
