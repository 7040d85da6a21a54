// The turn of the year with the real binaries (issue 16): two SLA replicas on
// one Redis and a city clock set to late 2026, when 2027's schedule is not
// published yet. Deadlines that lean on 2027 are provisional (weekends and
// statutory days), an "official" 2027 schedule (a TEST FIXTURE under
// tests/fixtures, not the real one) is loaded with hotline-admin while
// everything runs, and every provisional deadline moves exactly once.
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>

#include <grpcpp/grpcpp.h>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "calendar/statutory_days.h"
#include "calendar/working_calendar.h"
#include "clock/clock.h"
#include "config/text_proto.h"
#include "e2e/stack.h"
#include "hotline/v1/sla.grpc.pb.h"
#include "orders/order_record.h"
#include "server/identity.h"

namespace hotline::testing {
namespace {

constexpr char kFixture2027[] = HOTLINE_SOURCE_DIR "/tests/fixtures/calendar/2027.textproto";

absl::Time TimeOf(const google::protobuf::Timestamp& t) { return absl::FromUnixMillis(orders::ToMillis(t)); }
std::string Show(absl::Time t) { return absl::FormatTime("%Y-%m-%d %H:%M:%S", t, CityTimeZone()); }

std::vector<std::pair<std::string, v1::CalendarYear>> Years(const std::vector<std::string>& files) {
  std::vector<std::pair<std::string, v1::CalendarYear>> out;
  for (const std::string& f : files) {
    v1::CalendarYear y;
    REQUIRE(config::ReadTextProto(f, &y).ok());
    out.emplace_back(f, y);
  }
  return out;
}
const std::vector<std::string> kOfficial = {HOTLINE_SOURCE_DIR "/data/calendar/2025.textproto",
                                            HOTLINE_SOURCE_DIR "/data/calendar/2026.textproto"};

// The calendar the services should be using before and after the load,
// built here from the same rules: the official years, and provisional ones
// from 2027 (or 2028) to two years after today.
calendar::WorkingCalendar Expected(bool with_fixture) {
  std::vector<std::string> files = kOfficial;
  if (with_fixture) files.push_back(kFixture2027);
  std::vector<std::pair<std::string, v1::CalendarYear>> provisional;
  const int last = std::max<int>(2028, absl::ToCivilYear(absl::Now(), CityTimeZone()).year() + 2);
  for (int year = with_fixture ? 2028 : 2027; year <= last; ++year) {
    absl::StatusOr<v1::CalendarYear> y = calendar::ProvisionalYear(year);
    REQUIRE(y.ok());
    provisional.emplace_back(absl::StrCat(year), *y);
  }
  absl::StatusOr<calendar::WorkingCalendar> c = calendar::WorkingCalendar::FromYears(Years(files), provisional);
  REQUIRE(c.ok());
  return *c;
}
calendar::WorkingCalendar Before() { return Expected(false); }
calendar::WorkingCalendar After() { return Expected(true); }

std::string Create(v1::Hotline::Stub& stub) {
  v1::CreateWorkOrderRequest r = SampleComplaint();
  r.set_category_code("010101");
  v1::CreateWorkOrderResponse response;
  grpc::Status s;
  // Just after a restart of intake the gateway's channel may still be
  // reconnecting: UNAVAILABLE means not taken, so it is asked again.
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto ctx = CallContext(kAgentToken);
    s = stub.CreateWorkOrder(ctx.get(), r, &response);
    if (s.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(s.error_message());
  REQUIRE(s.ok());
  return response.order().id();
}

// An SLA replica asked directly, as the gateway would (signed identity).
v1::OrderSla SlaAt(const std::string& address, const std::string& id) {
  v1::Actor dispatcher;
  dispatcher.set_user_id("e2e-dispatcher");
  dispatcher.set_role(v1::ROLE_DISPATCHER);
  dispatcher.set_unit_code("GZ12345");
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetOrderSlaRequest r;
  r.set_order_id(id);
  server::AttachIdentity(dispatcher, Stack::IdentitySecret("sla"), "/hotline.v1.Sla/GetOrderSla", r,
                         &ctx);
  v1::GetOrderSlaResponse response;
  grpc::Status s = v1::Sla::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))
                       ->GetOrderSla(&ctx, r, &response);
  INFO(s.error_message());
  REQUIRE(s.ok());
  return response.sla();
}

// The calendar version an SLA replica uses, asked directly; -1 if it fails.
int64_t CalendarVersionAt(const std::string& address) {
  v1::Actor agent;
  agent.set_user_id("e2e-agent");
  agent.set_role(v1::ROLE_AGENT);
  agent.set_unit_code("GZ12345");
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  server::AttachIdentity(agent, Stack::IdentitySecret("sla"), "/hotline.v1.Sla/QueryCalendar",
                         v1::QueryCalendarRequest(), &ctx);
  v1::QueryCalendarResponse response;
  grpc::Status s = v1::Sla::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))
                       ->QueryCalendar(&ctx, v1::QueryCalendarRequest(), &response);
  return s.ok() ? response.calendar_version() : -1;
}

// Waits up to `limit` (real time) for `done`; false if it never held.
bool Within(absl::Duration limit, const std::function<bool()>& done) {
  const absl::Time until = absl::Now() + limit;
  while (absl::Now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

ShellResult LoadCalendar(Stack& stack, const std::string& file) {
  return RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " calendar load '", file, "' --user=e2e-admin --redis=",
                               stack.redis().address(), " 2>&1"));
}

int Recomputations(const v1::WorkOrder& o) {
  int n = 0;
  for (const v1::HistoryEntry& e : o.history()) {
    for (const v1::FixedDeadline& d : e.sla_record().deadlines()) n += d.has_previous_due();
  }
  return n;
}

TEST_CASE("deadlines across the turn of 2026 into 2027, with the real binaries and two SLA replicas",
          "[e2e][sla][calendar]") {
  Stack stack(Stack::Options{.sla_replicas = 2, .clock_start = "2026-11-27T10:00:00+08:00", .scoring_replicas = 1});
  auto stub = stack.NewClient();
  const calendar::WorkingCalendar before = Before();

  // Fri 2026-11-27 10:00: a complaint gets every deadline and mark of
  // December; its public-notice step falls in 2027 and is provisional.
  const std::string november = Create(*stub);
  const absl::Time t0 = TimeOf(GetOrder(*stub, november).created_at());
  v1::OrderSla sla = SlaAt(stack.sla_address(0), november);
  CHECK(TimeOf(sla.closing().due()) == *before.AddWorkingDays(t0, 20));
  CHECK(Show(TimeOf(sla.closing().due())).rfind("2026-12-25 10:0", 0) == 0);
  CHECK_FALSE(sla.closing().provisional());
  std::map<std::string, v1::SlaMark> upcoming;
  for (const v1::SlaMark& m : sla.upcoming()) upcoming[m.id()] = m;
  for (const char* mark : {"closing.0.warning.50pct", "closing.0.warning.80pct", "closing.0.breach",
                           "closing.0.urge", "closing.0.supervise"}) {
    INFO(mark);
    REQUIRE(upcoming.count(mark) == 1);
    CHECK(absl::FormatTime("%Y-%m", TimeOf(upcoming[mark].at()), CityTimeZone()) == "2026-12");
    CHECK_FALSE(upcoming[mark].provisional());
  }
  REQUIRE(upcoming.count("closing.0.notice") == 1);
  CHECK(absl::FormatTime("%Y", TimeOf(upcoming["closing.0.notice"].at()), CityTimeZone()) == "2027");
  CHECK(upcoming["closing.0.notice"].provisional());
  CHECK(Within(absl::Seconds(10), [&] { return GetOrder(*stub, november).deadlines().has_closing_due(); }));

  // Ten days later: a complaint's closing deadline lands in January 2027,
  // provisional (only 2027-01-01 off in the new year).
  stack.SetCityClock("2026-12-07T10:00:00+08:00");
  const std::string december = Create(*stub);
  const absl::Time t1 = TimeOf(GetOrder(*stub, december).created_at());
  const absl::Time provisional_due = *before.AddWorkingDays(t1, 20);
  REQUIRE(Within(absl::Seconds(10), [&] { return SlaAt(stack.sla_address(0), december).closing().armed(); }));
  sla = SlaAt(stack.sla_address(0), december);
  CHECK(TimeOf(sla.closing().due()) == provisional_due);
  CHECK(Show(provisional_due).rfind("2027-01-05 10:0", 0) == 0);
  CHECK(sla.closing().provisional());
  CHECK(SlaAt(stack.sla_address(1), december).closing().provisional());
  // The wall counts it among 天河区's open orders as 暂定.
  CHECK(Within(absl::Seconds(10), [&] {
    return absl::StrContains(HttpGet(stack.screen_port(), "/api/screen"),
                             R"("district_code":"440106","name":"天河区","open":"2","overdue":"0","provisional":"1")");
  }));

  // A broken schedule is refused, and nothing changes.
  const std::string broken = stack.dir() + "/2027.textproto";
  {
    std::string text;
    v1::CalendarYear y;
    REQUIRE(config::ReadTextProto(kFixture2027, &y).ok());
    y.mutable_holidays(1)->set_first("2027-02-06");  // 除夕 (02-05) no longer off
    std::ofstream(broken) << y.DebugString();
  }
  ShellResult refused = LoadCalendar(stack, broken);
  INFO(refused.output);
  CHECK(refused.exit_code != 0);
  CHECK(absl::StrContains(refused.output, "2027-02-05"));
  absl::SleepFor(absl::Seconds(1));
  CHECK(TimeOf(SlaAt(stack.sla_address(1), december).closing().due()) == provisional_due);
  CHECK(SlaAt(stack.sla_address(1), december).closing().provisional());

  // The (fixture) official 2027 schedule, loaded while everything runs.
  ShellResult loaded = LoadCalendar(stack, kFixture2027);
  INFO(loaded.output);
  REQUIRE(loaded.exit_code == 0);
  const absl::Time loaded_at = absl::Now();
  const calendar::WorkingCalendar after = After();
  // The fixture adds 2027-01-04 (Mon) off: exactly one working day later.
  const absl::Time official_due = *after.AddWorkingDays(t1, 20);
  CHECK(official_due - provisional_due == absl::Hours(48) - absl::Hours(24));
  // Each replica uses the new calendar within a second of the load, and
  // both answer the same.
  for (int replica : {0, 1}) {
    INFO("replica " << replica);
    CHECK(Within(absl::Seconds(1) - (absl::Now() - loaded_at), [&] {
      return CalendarVersionAt(stack.sla_address(replica)) > 1 &&
             TimeOf(SlaAt(stack.sla_address(replica), december).closing().due()) == official_due;
    }));
  }
  REQUIRE(Within(absl::Seconds(10), [&] { return Recomputations(GetOrder(*stub, december)) == 1; }));
  CHECK_FALSE(SlaAt(stack.sla_address(0), december).closing().provisional());
  CHECK_FALSE(SlaAt(stack.sla_address(1), december).closing().provisional());
  CHECK(Within(absl::Seconds(10), [&] {
    return absl::StrContains(HttpGet(stack.screen_port(), "/api/screen"),
                             R"("name":"天河区","open":"2","overdue":"0","provisional":"0")");
  }));
  // The November order's notice step is recomputed with the fixture's days
  // (marks are derived, never recorded), and its deadlines did not move.
  sla = SlaAt(stack.sla_address(1), november);
  CHECK(TimeOf(sla.closing().due()) == *before.AddWorkingDays(t0, 20));
  for (const v1::SlaMark& m : sla.upcoming()) CHECK_FALSE(m.provisional());
  // Exactly once, with one trail entry, whatever the two replicas did.
  absl::SleepFor(absl::Seconds(2));
  const v1::WorkOrder o = GetOrder(*stub, december);
  CHECK(Recomputations(o) == 1);
  for (const v1::HistoryEntry& e : o.history()) {
    for (const v1::FixedDeadline& d : e.sla_record().deadlines()) {
      if (!d.has_previous_due()) continue;
      CHECK(TimeOf(d.previous_due()) == provisional_due);
      CHECK(TimeOf(d.due()) == official_due);
      CHECK_FALSE(e.sla_record().reason().empty());
    }
  }
  CHECK(Recomputations(GetOrder(*stub, november)) == 0);
}

// The value of an unlabelled gauge in a scrape, or -1.
double Gauge(const std::string& scrape, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(scrape, '\n')) {
    if (absl::ConsumePrefix(&line, name + " ")) {
      double v = 0;
      if (absl::SimpleAtod(line, &v)) return v;
    }
  }
  return -1;
}

TEST_CASE("a year missing from the calendar: filed deadlines stay, the orders without one are counted",
          "[e2e][sla][calendar]") {
  Stack stack(Stack::Options{.sla_replicas = 1, .clock_start = "2026-12-07T10:00:00+08:00"});
  auto stub = stack.NewClient();
  // Taken with 2027 provisional: a deadline in January, filed.
  const std::string filed = Create(*stub);
  REQUIRE(Within(absl::Seconds(10), [&] { return GetOrder(*stub, filed).deadlines().has_closing_due(); }));
  const absl::Time due = TimeOf(GetOrder(*stub, filed).deadlines().closing_due());
  REQUIRE(Within(absl::Seconds(5), [&] {
    return Gauge(HttpGet(stack.sla_metrics_port(0), "/metrics"), "hotline_sla_provisional_deadlines") == 1;
  }));
  std::cout << "scrape (provisional):\n" << HttpGet(stack.sla_metrics_port(0), "/metrics") << "\n";

  // The failure: the monitor restarts without provisional years, so 2027 is
  // missing altogether.
  stack.RestartSla(0, {"--provisional_years=false"});
  const std::string missing[] = {Create(*stub), Create(*stub), Create(*stub)};
  // The filed order changes (urged by the centre): its deadline stays.
  {
    v1::ActRequest r;
    r.set_order_id(filed);
    r.set_action(v1::ACTION_URGE);
    r.set_note("请尽快办理");
    auto ctx = CallContext(kDispatcherToken);
    v1::ActResponse response;
    grpc::Status s = stub->Act(ctx.get(), r, &response);
    INFO(s.error_message());
    CHECK(s.ok());
  }
  std::string scrape;
  CHECK(Within(absl::Seconds(10), [&] {
    scrape = HttpGet(stack.sla_metrics_port(0), "/metrics");
    return Gauge(scrape, "hotline_sla_orders_without_deadline") == 3;
  }));
  std::cout << "scrape (a year missing):\n" << scrape << "\n";
  absl::SleepFor(absl::Seconds(1));
  CHECK(Gauge(HttpGet(stack.sla_metrics_port(0), "/metrics"), "hotline_sla_orders_without_deadline") == 3);
  CHECK(TimeOf(GetOrder(*stub, filed).deadlines().closing_due()) == due);
  CHECK(TimeOf(SlaAt(stack.sla_address(0), filed).closing().due()) == due);
  for (const std::string& id : missing) {
    CHECK_FALSE(GetOrder(*stub, id).deadlines().has_closing_due());
    CHECK(SlaAt(stack.sla_address(0), id).status() == "none");
  }

  // Mended: with provisional years again, the three get their deadlines.
  stack.RestartSla(0, {});
  CHECK(Within(absl::Seconds(10), [&] {
    return Gauge(HttpGet(stack.sla_metrics_port(0), "/metrics"), "hotline_sla_orders_without_deadline") == 0;
  }));
  for (const std::string& id : missing) CHECK(SlaAt(stack.sla_address(0), id).closing().provisional());
}

TEST_CASE("on the real clock an order taken now gets its deadlines", "[e2e][sla][calendar]") {
  Stack stack(Stack::Options{.sla_replicas = 1});  // no clock flags: the wall clock
  auto stub = stack.NewClient();
  const std::string id = Create(*stub);
  const absl::Time created = TimeOf(GetOrder(*stub, id).created_at());
  CHECK(absl::AbsDuration(created - absl::Now()) < absl::Minutes(1));
  REQUIRE(Within(absl::Seconds(10), [&] { return GetOrder(*stub, id).deadlines().has_closing_due(); }));
  const v1::OrderSla sla = SlaAt(stack.sla_address(0), id);
  REQUIRE(sla.closing().armed());
  CHECK(TimeOf(sla.closing().due()) > created + absl::Hours(24 * 20));  // 20 working days and weekends
  // Whatever today is: a deadline leaning on a year without a published
  // schedule says so, one on official years does not.
  const calendar::WorkingCalendar cal = Before();
  const bool leans_on_provisional = !cal.AllOfficial(created, TimeOf(sla.closing().due()));
  CHECK(sla.closing().provisional() == leans_on_provisional);
  CHECK(TimeOf(sla.closing().due()) == *cal.AddWorkingDays(created, 20));
  INFO("taken " << Show(created) << ", due " << Show(TimeOf(sla.closing().due())));
  CHECK(sla.status() == "on_time");
}

}  // namespace
}  // namespace hotline::testing
