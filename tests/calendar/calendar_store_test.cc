// The official calendar in Redis (libs/calendar/calendar_store.h) and the
// live calendar every SLA replica follows (live_calendar.h), against a real
// redis-server: loads with their version and record, refusals that change
// nothing, the seed written once however many replicas race, and two live
// calendars taking in a load within a second.
#include "calendar/calendar_store.h"

#include <google/protobuf/text_format.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "calendar/live_calendar.h"
#include "clock/clock.h"
#include "clock/proto_time.h"
#include "support/redis_server.h"
#include "support/temp_dir.h"

namespace hotline::calendar {
namespace {

using testing::RedisServer;
using testing::TempDir;

const std::string kSeedDir = HOTLINE_SOURCE_DIR "/data/calendar";
// TEST FIXTURE: an invented 2027 schedule, not the official one.
const std::string kFixture2027 = HOTLINE_SOURCE_DIR "/tests/fixtures/calendar/2027.textproto";

absl::Time Local(int y, int m, int d, int hh = 0) {
  return absl::FromCivil(absl::CivilHour(y, m, d, hh), CityTimeZone());
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

CalendarFile Fixture() {
  absl::StatusOr<CalendarFile> file = ReadCalendarFile(kFixture2027);
  REQUIRE(file.ok());
  return *file;
}

struct World {
  RedisServer server;
  redis::Client redis{redis::Options{.port = server.port(), .connections = 2}};
  CalendarStore store{redis};

  redis::Reply Run(redis::Command c) {
    absl::StatusOr<redis::Reply> r = redis.Execute(std::move(c));
    REQUIRE(r.ok());
    return *r;
  }
  // Everything the store keeps, to compare before and after a refusal.
  std::string Snapshot() {
    std::string out = Run({"GET", "hotline:calendar:version"}).str + "|";
    for (const redis::Reply& e : Run({"HGETALL", "hotline:calendar:years"}).elements)
      out += e.str + "|";
    out += absl::StrCat(Run({"XLEN", "hotline:calendar:loads"}).integer);
    return out;
  }
};

TEST_CASE("a load is stored with its version, who loaded it, when and the file's SHA-256") {
  World w;
  absl::StatusOr<SeedResult> seed = w.store.Seed(kSeedDir, Local(2026, 12, 1, 9));
  REQUIRE(seed.ok());
  CHECK(seed->version == 1);
  CHECK(seed->added == std::vector<int>{2025, 2026});

  const CalendarFile file = Fixture();
  CHECK(file.name == "2027.textproto");
  CHECK(file.sha256 == Sha256Hex(ReadBytes(kFixture2027)));
  CHECK(file.sha256.size() == 64);
  absl::StatusOr<LoadResult> load = w.store.Load(file, "alice", Local(2026, 12, 7, 10));
  REQUIRE(load.ok());
  CHECK(load->changed);
  CHECK(load->version == 2);

  absl::StatusOr<StoredCalendar> all = w.store.ReadAll();
  REQUIRE(all.ok());
  CHECK(all->version == 2);
  REQUIRE(all->years.size() == 3);
  CHECK(all->years[0].year.year() == 2025);
  CHECK(all->years[0].load.loaded_by() == kSeedUser);
  CHECK(all->years[0].load.version() == 1);
  const OfficialYear& y2027 = all->years[2];
  CHECK(y2027.year.year() == 2027);
  CHECK(y2027.year.make_up_days_size() == 3);
  CHECK(y2027.load.version() == 2);
  CHECK(y2027.load.year() == 2027);
  CHECK(y2027.load.loaded_by() == "alice");
  CHECK(ToTime(y2027.load.loaded_at()) == Local(2026, 12, 7, 10));
  CHECK(y2027.load.sha256() == file.sha256);
  CHECK(y2027.load.file() == "2027.textproto");
  CHECK(y2027.load.source() == file.year.source());

  absl::StatusOr<std::vector<v1::CalendarLoad>> loads = w.store.Loads();
  REQUIRE(loads.ok());
  REQUIRE(loads->size() == 3);
  CHECK((*loads)[2].loaded_by() == "alice");
  CHECK((*loads)[2].version() == 2);

  SECTION("loading the same schedule again writes nothing") {
    absl::StatusOr<LoadResult> again = w.store.Load(Fixture(), "bob", Local(2026, 12, 8));
    REQUIRE(again.ok());
    CHECK_FALSE(again->changed);
    CHECK(again->version == 2);
    CHECK(again->load.loaded_by() == "alice");
    CHECK(w.store.Loads()->size() == 3);
  }
  SECTION("a corrected schedule replaces its year, with a record of its own") {
    CalendarFile corrected = file;
    corrected.year.mutable_holidays(1)->set_last("2027-02-14");
    absl::StatusOr<LoadResult> replaced = w.store.Load(corrected, "bob", Local(2026, 12, 9));
    REQUIRE(replaced.ok());
    CHECK(replaced->changed);
    CHECK(replaced->version == 3);
    absl::StatusOr<StoredCalendar> now = w.store.ReadAll();
    REQUIRE(now.ok());
    CHECK(now->years[2].year.holidays(1).last() == "2027-02-14");
    CHECK(now->years[2].load.loaded_by() == "bob");
    CHECK(w.store.Loads()->size() == 4);
  }
}

TEST_CASE("a broken year is refused with the field and date named, and nothing changes") {
  World w;
  REQUIRE(w.store.Seed(kSeedDir, Local(2026, 12, 1)).ok());
  REQUIRE(w.store.Load(Fixture(), "alice", Local(2026, 12, 7)).ok());
  const std::string before = w.Snapshot();

  struct Case {
    const char* what;
    std::function<void(v1::CalendarYear&)> spoil;
    const char* message;  // a part of the error
  };
  const Case cases[] = {
      {"a make-up day on a weekday",
       [](auto& y) { y.mutable_make_up_days(0)->set_date("2027-01-06"); },
       "make_up_days[0]: date: 2027-01-06 is a Wednesday"},
      {"a make-up day given twice", [](auto& y) { *y.add_make_up_days() = y.make_up_days(0); },
       "make_up_days[3]: date: 2027-01-09 is given twice"},
      {"two holidays on one date", [](auto& y) { y.mutable_holidays(1)->set_first("2027-01-04"); },
       "holidays[1]: 2027-01-04 is given twice (also in holidays[0])"},
      {"a date of another year", [](auto& y) { y.mutable_holidays(6)->set_last("2028-10-07"); },
       "holidays[6]: last: \"2028-10-07\" is not a date YYYY-MM-DD of 2027"},
      {"no date at all", [](auto& y) { y.mutable_holidays(2)->set_first("April 3"); },
       "holidays[2]: first: \"April 3\" is not a date"},
      {"a statutory day not off (除夕)",
       [](auto& y) { y.mutable_holidays(1)->set_first("2027-02-06"); },
       "statutory day 2027-02-05 (春节, 除夕) is not off"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    CalendarFile broken = Fixture();
    c.spoil(broken.year);
    absl::StatusOr<LoadResult> r = w.store.Load(broken, "mallory", Local(2026, 12, 8));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(r.status().message()), Catch::Contains(c.message));
    CHECK_THAT(std::string(r.status().message()), Catch::StartsWith("2027.textproto: "));
    CHECK(w.Snapshot() == before);
  }
  SECTION("a file whose year is not its name's is refused when read") {
    TempDir dir("calendar-test");
    std::ofstream(dir.path() + "/2028.textproto") << ReadBytes(kFixture2027);
    absl::StatusOr<CalendarFile> r = ReadCalendarFile(dir.path() + "/2028.textproto");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(r.status().message()),
               Catch::Contains("year: 2027 does not match the file name (2028)"));
  }
  SECTION("a load without a user is refused") {
    absl::StatusOr<LoadResult> r = w.store.Load(Fixture(), "", Local(2026, 12, 8));
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(w.Snapshot() == before);
  }
}

TEST_CASE("replicas seeding at once write each year once, and the seed never overwrites a load") {
  World w;
  // Each round: an empty Redis, and two replicas (clients of their own) seed
  // at the same moment.
  for (int round = 0; round < 20; ++round) {
    w.Run({"FLUSHALL"});
    redis::Client other_redis(redis::Options{.port = w.server.port(), .connections = 1});
    CalendarStore other(other_redis);
    std::atomic<bool> go{false};
    absl::StatusOr<SeedResult> a, b;
    std::thread ta([&] {
      while (!go) {
      }
      a = w.store.Seed(kSeedDir, Local(2026, 12, 1));
    });
    std::thread tb([&] {
      while (!go) {
      }
      b = other.Seed(kSeedDir, Local(2026, 12, 1));
    });
    go = true;
    ta.join();
    tb.join();
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->added.size() + b->added.size() == 2);
    CHECK(a->version == 1);
    CHECK(b->version == 1);
    CHECK(w.Run({"GET", "hotline:calendar:version"}).str == "1");
    CHECK(w.Run({"XLEN", "hotline:calendar:loads"}).integer == 2);
  }
  // Seeding again (the next start) changes nothing.
  const std::string seeded = w.Snapshot();
  absl::StatusOr<SeedResult> again = w.store.Seed(kSeedDir, Local(2026, 12, 2));
  REQUIRE(again.ok());
  CHECK(again->added.empty());
  CHECK(again->differing.empty());
  CHECK(again->version == 1);
  CHECK(w.Snapshot() == seeded);

  // A corrected 2026 loaded by an operator stays when the seed runs again.
  absl::StatusOr<CalendarFile> y2026 = ReadCalendarFile(kSeedDir + "/2026.textproto");
  REQUIRE(y2026.ok());
  y2026->year.set_source("corrected notice");
  REQUIRE(w.store.Load(*y2026, "alice", Local(2026, 12, 3)).ok());
  const std::string loaded = w.Snapshot();
  absl::StatusOr<SeedResult> after_load = w.store.Seed(kSeedDir, Local(2026, 12, 4));
  REQUIRE(after_load.ok());
  CHECK(after_load->added.empty());
  CHECK(after_load->differing == std::vector<int>{2026});
  CHECK(w.Snapshot() == loaded);
  CHECK(w.store.ReadAll()->years[1].year.source() == "corrected notice");
}

TEST_CASE("a broken seed file writes nothing and is named") {
  World w;
  TempDir dir("calendar-seed");
  std::ofstream(dir.path() + "/2026.textproto") << ReadBytes(kSeedDir + "/2026.textproto");
  std::ofstream(dir.path() + "/2027.textproto")
      << "year: 2027\nmake_up_days { date: \"2027-01-06\" note: \"a Wednesday\" }\n";
  absl::StatusOr<SeedResult> r = w.store.Seed(dir.path(), Local(2026, 12, 1));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(r.status().message()), Catch::Contains(dir.path() + "/2027.textproto: ") &&
                                                    Catch::Contains("2027-01-06 is a Wednesday"));
  CHECK(w.Run({"EXISTS", "hotline:calendar:years", "hotline:calendar:version",
               "hotline:calendar:loads"})
            .integer == 0);
}

// What one replica saw through OnChange.
struct Changes {
  absl::Mutex mu;
  std::vector<std::pair<int64_t, std::vector<int>>> seen;
  void Add(int64_t version, std::vector<int> years) {
    absl::MutexLock lock(&mu);
    seen.emplace_back(version, std::move(years));
  }
  std::vector<std::pair<int64_t, std::vector<int>>> Get() {
    absl::MutexLock lock(&mu);
    return seen;
  }
};

TEST_CASE("two live calendars on one Redis both use a load within a second") {
  World w;
  REQUIRE(w.store.Seed(kSeedDir, Local(2026, 12, 1)).ok());
  FakeClock clock(Local(2026, 12, 7, 10));
  // Two replicas: each its own Redis client, store and poller.
  redis::Client redis_a(redis::Options{.port = w.server.port(), .connections = 1});
  redis::Client redis_b(redis::Options{.port = w.server.port(), .connections = 1});
  CalendarStore store_a(redis_a), store_b(redis_b);
  absl::StatusOr<std::unique_ptr<LiveCalendar>> a = LiveCalendar::Create(store_a, clock);
  absl::StatusOr<std::unique_ptr<LiveCalendar>> b = LiveCalendar::Create(store_b, clock);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  Changes changes_a, changes_b;
  (*a)->OnChange([&](int64_t v, std::vector<int> years) { changes_a.Add(v, std::move(years)); });
  (*b)->OnChange([&](int64_t v, std::vector<int> years) { changes_b.Add(v, std::move(years)); });
  (*a)->Start();
  (*b)->Start();

  for (LiveCalendar* live : {a->get(), b->get()}) {
    std::shared_ptr<const WorkingCalendar> cal = live->Current();
    CHECK(cal->version() == 1);
    CHECK(cal->official_years() == std::vector<int>{2025, 2026});
    CHECK(cal->provisional_years() == std::vector<int>{2027, 2028});
    // Provisional: Mon 2027-01-04 works, as weekends and statutory days say.
    CHECK(*cal->IsWorkingDay(absl::CivilDay(2027, 1, 4)));
  }

  const absl::Time loaded = absl::Now();
  REQUIRE(w.store.Load(Fixture(), "alice", Local(2026, 12, 7, 10)).ok());
  absl::Duration took_a = absl::InfiniteDuration(), took_b = absl::InfiniteDuration();
  while (absl::Now() - loaded < absl::Seconds(3) &&
         (took_a == absl::InfiniteDuration() || took_b == absl::InfiniteDuration())) {
    if (took_a == absl::InfiniteDuration() && (*a)->Current()->version() == 2)
      took_a = absl::Now() - loaded;
    if (took_b == absl::InfiniteDuration() && (*b)->Current()->version() == 2)
      took_b = absl::Now() - loaded;
    absl::SleepFor(absl::Milliseconds(5));
  }
  WARN("load -> replica a: " << absl::FormatDuration(took_a)
                             << ", replica b: " << absl::FormatDuration(took_b));
  CHECK(took_a < absl::Seconds(1));
  CHECK(took_b < absl::Seconds(1));
  for (LiveCalendar* live : {a->get(), b->get()}) {
    std::shared_ptr<const WorkingCalendar> cal = live->Current();
    CHECK(cal->official_years() == std::vector<int>{2025, 2026, 2027});
    CHECK(cal->provisional_years() == std::vector<int>{2028, 2029});
    // The fixture's 元旦 bridge: Mon 2027-01-04 is off now, Sat 01-09 works.
    CHECK_FALSE(*cal->IsWorkingDay(absl::CivilDay(2027, 1, 4)));
    CHECK(*cal->IsWorkingDay(absl::CivilDay(2027, 1, 9)));
  }
  (*a)->Stop();
  (*b)->Stop();
  using Seen = std::vector<std::pair<int64_t, std::vector<int>>>;
  CHECK(changes_a.Get() == Seen{{2, {2027}}});
  CHECK(changes_b.Get() == Seen{{2, {2027}}});
  CHECK((*a)->reload_errors() == 0);
}

TEST_CASE("without provisional years a year with no schedule is missing") {
  World w;
  REQUIRE(w.store.Seed(kSeedDir, Local(2026, 12, 1)).ok());
  FakeClock clock(Local(2026, 12, 7, 10));
  absl::StatusOr<std::unique_ptr<LiveCalendar>> live =
      LiveCalendar::Create(w.store, clock, LiveCalendarOptions{.provisional_years = false});
  REQUIRE(live.ok());
  std::shared_ptr<const WorkingCalendar> cal = (*live)->Current();
  CHECK(cal->years() == std::vector<int>{2025, 2026});
  absl::StatusOr<bool> day = cal->IsWorkingDay(absl::CivilDay(2027, 1, 4));
  CHECK(day.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(day.status().message()), Catch::Contains("no working-day data for 2027"));
}

TEST_CASE("a failed rebuild keeps the calendar in force, counted once, until the data is fixed") {
  World w;
  REQUIRE(w.store.Seed(kSeedDir, Local(2026, 12, 1)).ok());
  FakeClock clock(Local(2026, 12, 7, 10));
  absl::StatusOr<std::unique_ptr<LiveCalendar>> live = LiveCalendar::Create(w.store, clock);
  REQUIRE(live.ok());
  Changes changes;
  (*live)->OnChange([&](int64_t v, std::vector<int> years) { changes.Add(v, std::move(years)); });
  // Written around the store (a bad restore, a hand edit): does not parse.
  w.Run({"HSET", "hotline:calendar:years", "2027", "not a StoredCalendarYear \xff\xff"});
  w.Run({"INCR", "hotline:calendar:version"});
  CHECK_FALSE((*live)->Poll());
  CHECK_FALSE((*live)->Poll());
  CHECK((*live)->reload_errors() == 1);
  CHECK((*live)->Current()->version() == 1);
  CHECK((*live)->Current()->IsProvisional(2027));
  CHECK(changes.Get().empty());

  w.Run({"HDEL", "hotline:calendar:years", "2027"});
  REQUIRE(w.store.Load(Fixture(), "alice", Local(2026, 12, 7)).ok());
  CHECK((*live)->Poll());
  CHECK((*live)->Current()->version() == 3);
  CHECK_FALSE((*live)->Current()->IsProvisional(2027));
  CHECK((*live)->reload_errors() == 1);
  CHECK(changes.Get() == std::vector<std::pair<int64_t, std::vector<int>>>{{3, {2027}}});
}

TEST_CASE("a new city year widens the provisional years without a new version") {
  World w;
  REQUIRE(w.store.Seed(kSeedDir, Local(2026, 12, 1)).ok());
  FakeClock clock(Local(2026, 12, 31, 23));
  absl::StatusOr<std::unique_ptr<LiveCalendar>> live = LiveCalendar::Create(w.store, clock);
  REQUIRE(live.ok());
  Changes changes;
  (*live)->OnChange([&](int64_t v, std::vector<int> years) { changes.Add(v, std::move(years)); });
  CHECK((*live)->Current()->provisional_years() == std::vector<int>{2027, 2028});
  clock.Set(Local(2027, 1, 1, 0));
  CHECK((*live)->Poll());
  CHECK((*live)->Current()->provisional_years() == std::vector<int>{2027, 2028, 2029});
  CHECK((*live)->Current()->version() == 1);
  CHECK(changes.Get().empty());
}

TEST_CASE("the calendar is built from the official years and provisional ones around them") {
  StoredCalendar stored;
  stored.version = 7;
  for (int year : {2025, 2026}) {
    absl::StatusOr<CalendarFile> f =
        ReadCalendarFile(absl::StrCat(kSeedDir, "/", year, ".textproto"));
    REQUIRE(f.ok());
    stored.years.push_back({f->year, {}});
  }
  SECTION("up to two years past the last official year") {
    absl::StatusOr<WorkingCalendar> cal = BuildCalendar(stored, 2026, {});
    REQUIRE(cal.ok());
    CHECK(cal->version() == 7);
    CHECK(cal->official_years() == std::vector<int>{2025, 2026});
    CHECK(cal->provisional_years() == std::vector<int>{2027, 2028});
  }
  SECTION("or past the city's year when that is later, filling any gap") {
    absl::StatusOr<WorkingCalendar> cal = BuildCalendar(stored, 2029, {});
    REQUIRE(cal.ok());
    CHECK(cal->provisional_years() == std::vector<int>{2027, 2028, 2029, 2030, 2031});
  }
  SECTION("but none before the statutory rules of 2025") {
    absl::StatusOr<WorkingCalendar> cal = BuildCalendar(stored, 2023, {});
    REQUIRE(cal.ok());
    CHECK(cal->provisional_years() == std::vector<int>{2027, 2028});
  }
  SECTION("and none when provisional years are off") {
    absl::StatusOr<WorkingCalendar> cal = BuildCalendar(stored, 2026, {.provisional_years = false});
    REQUIRE(cal.ok());
    CHECK(cal->years() == std::vector<int>{2025, 2026});
  }
}

}  // namespace
}  // namespace hotline::calendar
