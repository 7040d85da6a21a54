// hotline-sla's calendar gauges (services/sla/calendar_metrics.h) from a live
// calendar on a real redis-server and a FakeClock: days left, next year,
// version, and failed rebuilds counted once each.
#include "sla/calendar_metrics.h"

#include <prometheus/text_serializer.h>

#include <catch2/catch.hpp>
#include <regex>

#include "absl/strings/numbers.h"
#include "calendar/calendar_store.h"
#include "calendar/live_calendar.h"
#include "support/redis_server.h"

namespace hotline::sla {
namespace {

absl::Time Local(int y, int m, int d, int hh = 0) {
  return absl::FromCivil(absl::CivilHour(y, m, d, hh), CityTimeZone());
}

double Sample(prometheus::Registry& registry, const std::string& name) {
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("\n" + name + " ([0-9.e+-]+)\n"))) return -1;
  double v = -1;
  return absl::SimpleAtod(m[1].str(), &v) ? v : -1;
}

TEST_CASE("the calendar gauges count official days left, next year, version and failed rebuilds") {
  testing::RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 1});
  calendar::CalendarStore store(redis);
  REQUIRE(store.Seed(HOTLINE_SOURCE_DIR "/data/calendar", Local(2026, 11, 1)).ok());
  FakeClock clock(Local(2026, 11, 30, 23));
  absl::StatusOr<std::unique_ptr<calendar::LiveCalendar>> live =
      calendar::LiveCalendar::Create(store, clock);
  REQUIRE(live.ok());
  prometheus::Registry registry;
  CalendarMetrics metrics(registry, **live, clock);

  CHECK(Sample(registry, "hotline_sla_calendar_official_dates_left") == 32);
  CHECK(Sample(registry, "hotline_sla_calendar_next_year_official") == 0);
  CHECK(Sample(registry, "hotline_sla_calendar_version") == 1);
  CHECK(Sample(registry, "hotline_sla_calendar_reload_errors_total") == 0);

  clock.Set(Local(2026, 12, 1, 0));
  metrics.Update();
  CHECK(Sample(registry, "hotline_sla_calendar_official_dates_left") == 31);
  clock.Set(Local(2026, 12, 31, 23));
  metrics.Update();
  CHECK(Sample(registry, "hotline_sla_calendar_official_dates_left") == 1);

  // A rebuild that fails (data written around the store) counts once.
  REQUIRE(redis.Execute({"HSET", "hotline:calendar:years", "2027", "garbage"}).ok());
  REQUIRE(redis.Execute({"INCR", "hotline:calendar:version"}).ok());
  CHECK_FALSE((*live)->Poll());
  CHECK_FALSE((*live)->Poll());
  metrics.Update();
  metrics.Update();
  CHECK(Sample(registry, "hotline_sla_calendar_reload_errors_total") == 1);
  CHECK(Sample(registry, "hotline_sla_calendar_version") == 1);

  // 2027 loaded: a year more of official days, next year official.
  REQUIRE(redis.Execute({"HDEL", "hotline:calendar:years", "2027"}).ok());
  absl::StatusOr<calendar::CalendarFile> fixture =
      calendar::ReadCalendarFile(HOTLINE_SOURCE_DIR "/tests/fixtures/calendar/2027.textproto");
  REQUIRE(fixture.ok());
  REQUIRE(store.Load(*fixture, "alice", Local(2026, 12, 31, 23)).ok());
  CHECK((*live)->Poll());
  metrics.Update();
  CHECK(Sample(registry, "hotline_sla_calendar_official_dates_left") == 366);
  CHECK(Sample(registry, "hotline_sla_calendar_next_year_official") == 1);
  CHECK(Sample(registry, "hotline_sla_calendar_version") == 3);

  // After New Year with 2028 provisional, and when even the last official year is past.
  clock.Set(Local(2027, 1, 1, 9));
  metrics.Update();
  CHECK(Sample(registry, "hotline_sla_calendar_official_dates_left") == 365);
  CHECK(Sample(registry, "hotline_sla_calendar_next_year_official") == 0);
  clock.Set(Local(2028, 3, 1, 9));
  CHECK((*live)->Poll());  // the city's year moved: more provisional years
  metrics.Update();
  CHECK(Sample(registry, "hotline_sla_calendar_official_dates_left") == 0);
  CHECK(Sample(registry, "hotline_sla_calendar_reload_errors_total") == 1);
}

}  // namespace
}  // namespace hotline::sla
