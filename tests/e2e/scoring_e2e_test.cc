// Scoring and the big screen end to end: real binaries (redis-server, intake,
// dispatch, scoring, gateway) on loopback. Orders driven through the gateway
// give exact scores, rankings and top lists; a unit handler sees only its own
// unit; the month's shared addresses go to the centre's dispatchers and
// supervisors only, each read logged; replaying the whole stream changes nothing; the wall screen
// loads in a real headless Chromium, shows the lists and carries no personal data.
#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clock/clock.h"
#include "e2e/stack.h"
#include "gateway/screen_server.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline/v1/scoring.grpc.pb.h"
#include "server/identity.h"

namespace hotline::testing {
namespace {

// GET http://127.0.0.1:<port><path>: the whole answer (status line, headers, body).
std::string HttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string request = absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[8192];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, n);
  ::close(fd);
  return out;
}

// Runs a shell command, returns its stdout.
std::string Run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[8192];
  for (size_t n; (n = ::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ::pclose(p);
  return out;
}

v1::WorkOrder Act(v1::Hotline::Stub& stub, const std::string& token, const std::string& id, v1::Action action,
                  const std::function<void(v1::ActRequest&)>& fill = {}) {
  v1::ActRequest r;
  r.set_order_id(id);
  r.set_action(action);
  if (fill) fill(r);
  auto ctx = CallContext(token);
  v1::ActResponse response;
  const grpc::Status s = stub.Act(ctx.get(), r, &response);
  INFO(v1::Action_Name(action) << ": " << s.error_message());
  REQUIRE(s.ok());
  return response.order();
}

std::string Create(v1::Hotline::Stub& stub, const v1::CreateWorkOrderRequest& r) {
  return FileOrder(stub, r).id();
}

// Waits until auto-dispatch has sent the order to a unit.
void AwaitDispatched(v1::Hotline::Stub& stub, const std::string& id) {
  for (int i = 0; i < 500; ++i) {
    auto ctx = CallContext(kDispatcherToken);
    v1::GetWorkOrderRequest get;
    get.set_id(id);
    v1::GetWorkOrderResponse got;
    if (stub.GetWorkOrder(ctx.get(), get, &got).ok() && got.order().state() == v1::ORDER_STATE_DISPATCHED) return;
    absl::SleepFor(absl::Milliseconds(20));
  }
  FAIL("order " << id << " was not auto-dispatched");
}

grpc::Status Score(v1::Hotline::Stub& stub, const std::string& token, const std::string& unit,
                   v1::GetUnitScoreResponse* out) {
  auto ctx = CallContext(token);
  v1::GetUnitScoreRequest r;
  r.set_unit_code(unit);
  return stub.GetUnitScore(ctx.get(), r, out);
}

// Everything the gateway says about this month, as text.
std::string Snapshot(v1::Hotline::Stub& stub) {
  std::string out;
  {
    auto ctx = CallContext(kDispatcherToken);
    v1::RankUnitsResponse rank;
    REQUIRE(stub.RankUnits(ctx.get(), v1::RankUnitsRequest(), &rank).ok());
    out += rank.DebugString();
  }
  {
    auto ctx = CallContext(kDispatcherToken);
    v1::ExplainScoreRequest r;
    r.set_unit_code("440106");
    v1::ExplainScoreResponse ex;
    REQUIRE(stub.ExplainScore(ctx.get(), r, &ex).ok());
    out += ex.DebugString();
  }
  for (v1::HotKind k : {v1::HOT_KIND_MATTERS, v1::HOT_KIND_LOCATIONS, v1::HOT_KIND_DEPARTMENTS}) {
    auto ctx = CallContext(kDispatcherToken);
    v1::GetHotSpotsRequest r;
    r.set_kind(k);
    v1::GetHotSpotsResponse hot;
    REQUIRE(stub.GetHotSpots(ctx.get(), r, &hot).ok());
    out += hot.DebugString();
  }
  return out;
}

// The scoring group has read and acknowledged everything in the stream.
bool GroupSettled(Stack& stack) {
  absl::StatusOr<redis::Reply> groups = stack.redis_client().Execute({"XINFO", "GROUPS", "hotline:events"});
  if (!groups.ok()) return false;
  for (const redis::Reply& g : groups->elements) {
    bool scoring = false;
    long long pending = -1, lag = -1;
    for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
      const std::string& k = g.elements[i].str;
      if (k == "name") scoring = g.elements[i + 1].str == "scoring";
      if (k == "pending") pending = g.elements[i + 1].integer;
      if (k == "lag") lag = g.elements[i + 1].type == redis::Reply::Type::kInteger ? g.elements[i + 1].integer : -1;
    }
    if (scoring) return pending == 0 && lag == 0;
  }
  return false;
}

TEST_CASE("scoring through the gateway: exact score, access, replay, and the wall screen in Chromium",
          "[e2e][scoring]") {
  // Fail loudly, not skip: the screen test is part of the contract.
  if (!std::filesystem::exists("/usr/bin/chromium")) {
    FAIL("chromium is not installed (/usr/bin/chromium): run tools/install-deps.sh");
  }
  Stack stack(Stack::Options{.scoring_replicas = 1});
  auto stub = stack.NewClient();

  // 1: 天河, handled on time, no callback yet. 2: 天河, returned and the
  // return rejected (推诿), still open. 3: 荔湾 (440103), dispatched, nothing more.
  const std::string one = Create(*stub, SampleComplaint());
  const std::string two = Create(*stub, SampleComplaint());
  v1::CreateWorkOrderRequest yuexiu = SampleComplaint();
  yuexiu.mutable_location()->set_district_code("440103");
  yuexiu.mutable_location()->set_street_code("440103001");
  const std::string three = Create(*stub, yuexiu);
  for (const std::string& id : {one, two, three}) AwaitDispatched(*stub, id);
  Act(*stub, kHandlerToken, one, v1::ACTION_SIGN);
  Act(*stub, kHandlerToken, one, v1::ACTION_REPLY, [](auto& r) { r.set_note("已责令停工"); });
  Act(*stub, kDispatcherToken, one, v1::ACTION_APPROVE_REPLY);
  Act(*stub, kHandlerToken, two, v1::ACTION_RETURN, [](auto& r) { r.set_note("不属于本区"); });
  Act(*stub, kDispatcherToken, two, v1::ACTION_REJECT_RETURN, [](auto& r) { r.set_note("属地管理"); });

  // Rules 2026.2: no callback yet, so satisfaction is n/a and response and
  // resolution (both on time) share all 100 points; bounce 1 and unjustified
  // return 2 in 2 orders are 150 per 100 orders, capped at 40: 60.
  v1::GetUnitScoreResponse tianhe;
  for (int i = 0; i < 500; ++i) {
    if (Score(*stub, kDispatcherToken, "440106", &tianhe).ok() &&
        tianhe.score().counts().count("replied_on_time") > 0 &&
        tianhe.score().counts().count("unjustified_return") > 0) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  CHECK(tianhe.score().score() == Approx(60));
  CHECK(tianhe.score().orders() == 2);
  CHECK(tianhe.score().response_rate() == 1);
  CHECK(tianhe.score().resolution_rate() == 1);
  CHECK(tianhe.score().satisfaction_trials() == 0);
  CHECK(tianhe.score().penalty_points() == Approx(-40));
  CHECK(tianhe.score().rules_version() == "2026.2");
  for (int i = 0; i < 500 && !GroupSettled(stack); ++i) absl::SleepFor(absl::Milliseconds(20));

  // Explanation sums to the score.
  {
    auto ctx = CallContext(kDispatcherToken);
    v1::ExplainScoreRequest r;
    r.set_unit_code("440106");
    v1::ExplainScoreResponse ex;
    REQUIRE(stub->ExplainScore(ctx.get(), r, &ex).ok());
    double sum = 0;
    for (const v1::ScoreItem& item : ex.score().items()) {
      sum += item.points();
      CHECK((item.order_id() == one || item.order_id() == two));
    }
    CHECK(sum == Approx(ex.score().score()));
  }
  // The ranking and the top lists.
  {
    auto ctx = CallContext(kDispatcherToken);
    v1::RankUnitsResponse rank;
    REQUIRE(stub->RankUnits(ctx.get(), v1::RankUnitsRequest(), &rank).ok());
    REQUIRE(rank.ranking_size() == 11);
    CHECK(rank.ranking(0).unit_code() == "440106");
    CHECK(rank.ranking(0).rank() == 1);
    // 荔湾's order is only dispatched: no rate has a trial, nothing to rank.
    CHECK(rank.ranking(1).rank() == 0);
    for (const v1::UnitScore& u : rank.ranking()) {
      if (u.unit_code() == "440103") {
        CHECK(u.orders() == 1);
        CHECK(u.rank() == 0);
      }
    }
  }
  {
    auto ctx = CallContext(kAgentToken);
    v1::GetHotSpotsRequest r;
    r.set_kind(v1::HOT_KIND_LOCATIONS);
    v1::GetHotSpotsResponse hot;
    REQUIRE(stub->GetHotSpots(ctx.get(), r, &hot).ok());
    REQUIRE(hot.entries_size() == 2);
    CHECK(hot.entries(0).code() == "440106001");
    CHECK(hot.entries(0).count() == 2);
    CHECK(hot.entries(1).code() == "440103001");
  }
  // The month's shared addresses: 1 and 2 share 五山街道's 五山路某小区3栋
  // (3 has it in another street: alone, not listed). The centre's dispatchers
  // and supervisors only; each answered read is in the access log.
  auto addresses = [&](const std::string& token, v1::GetHotSpotsResponse* out) {
    auto ctx = CallContext(token);
    v1::GetHotSpotsRequest r;
    r.set_kind(v1::HOT_KIND_ADDRESSES);
    return stub->GetHotSpots(ctx.get(), r, out);
  };
  {
    v1::GetHotSpotsResponse hot;
    const grpc::Status s = addresses(kDispatcherToken, &hot);
    INFO(s.error_message());
    REQUIRE(s.ok());
    REQUIRE(hot.entries_size() == 1);
    CHECK(hot.entries(0).code() == "440106001|五山路某小区3栋");
    CHECK(hot.entries(0).name() == "五山街道 五山路某小区3栋");
    CHECK(hot.entries(0).count() == 2);
    v1::GetHotSpotsResponse ignored_hot;
    CHECK(addresses(kSupervisorToken, &ignored_hot).ok());
    for (const char* token : {kHandlerToken, kStreetToken, kAgentToken, kAuditorToken}) {
      INFO(token);
      CHECK(addresses(token, &ignored_hot).error_code() == grpc::StatusCode::PERMISSION_DENIED);
    }
    // Two reads answered (dispatcher, supervisor), two entries; the refused none.
    auto ctx = CallContext(kAuditorToken);
    v1::ListAuditEntriesResponse log;
    REQUIRE(stub->ListAuditEntries(ctx.get(), v1::ListAuditEntriesRequest(), &log).ok());
    std::vector<v1::AuditEntry> reads;
    for (const v1::AuditEntry& e : log.entries()) {
      if (e.action() == v1::AUDIT_ACTION_READ_HOT_ADDRESSES) reads.push_back(e);
    }
    REQUIRE(reads.size() == 2);
    CHECK(reads[0].actor().role() == v1::ROLE_SUPERVISOR);  // newest first
    CHECK(reads[1].actor().role() == v1::ROLE_DISPATCHER);
    CHECK(reads[1].reason() == absl::StrCat("hot addresses ", hot.period_label()));
  }

  // A unit handler sees its own unit and below, not a neighbour; a street not its district.
  v1::GetUnitScoreResponse ignored;
  CHECK(Score(*stub, kHandlerToken, "440106", &ignored).ok());
  CHECK(Score(*stub, kHandlerToken, "440106001", &ignored).ok());
  CHECK(Score(*stub, kHandlerToken, "440103", &ignored).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(Score(*stub, kStreetToken, "440106", &ignored).error_code() == grpc::StatusCode::PERMISSION_DENIED);

  // Replaying the whole stream: the group starts over; nothing changes.
  const std::string before = Snapshot(*stub);
  REQUIRE(stack.redis_client().Execute({"XGROUP", "SETID", "hotline:events", "scoring", "0"}).ok());
  for (int i = 0; i < 500 && !GroupSettled(stack); ++i) absl::SleepFor(absl::Milliseconds(20));
  CHECK(GroupSettled(stack));
  CHECK(Snapshot(*stub) == before);

  // The screen's JSON: the lists, and no personal data.
  const std::string api = HttpGet(stack.screen_port(), "/api/screen");
  CHECK(absl::StartsWith(api, "HTTP/1.1 200"));
  CHECK(absl::StrContains(api, R"("code":"0101")"));
  CHECK(absl::StrContains(api, "五山街道"));
  for (const char* personal : {"13812345678", "张先生", "五山路某小区3栋", "3栋", "agent-t1", one.c_str()}) {
    INFO(personal);
    CHECK_FALSE(absl::StrContains(api, personal));
  }
  // A mobile number: 11 digits starting 13..19, not part of a longer number.
  const std::regex phone(R"((^|[^0-9.])1[3-9][0-9]{9}([^0-9]|$))");
  CHECK_FALSE(std::regex_search(api, phone));
  CHECK(absl::StartsWith(HttpGet(stack.screen_port(), "/nothing"), "HTTP/1.1 404"));

  // The page in a real headless Chromium.
  const std::string url = absl::StrCat("http://127.0.0.1:", stack.screen_port(), "/");
  const std::string shot = std::string(HOTLINE_BINARY_DIR) + "/scoring-screen.png";
  std::filesystem::remove(shot);
  const std::string flags =
      absl::StrCat("--headless --disable-gpu --no-sandbox --window-size=1920,1080 --virtual-time-budget=8000 ",
                   "--user-data-dir=", stack.dir(), "/chromium");
  // The browser runs in UTC, as a wall's machine may: the page shows the city's time all the same.
  const std::string dom =
      Run(absl::StrCat("TZ=UTC timeout 90 /usr/bin/chromium ", flags, " --dump-dom ", url, " 2>/dev/null"));
  INFO(dom.substr(0, 4000));
  CHECK(absl::StrContains(dom, "data-loaded=\"true\""));
  {
    std::smatch shown;
    REQUIRE(std::regex_search(dom, shown, std::regex(R"(id="status"[^>]*>实时 · ([0-9]{2}):([0-9]{2}):[0-9]{2})")));
    const absl::CivilMinute city = absl::ToCivilMinute(absl::Now(), CityTimeZone());
    const int shown_minutes = std::stoi(shown[1]) * 60 + std::stoi(shown[2]);
    const int city_minutes = static_cast<int>(city.hour() * 60 + city.minute());
    const int apart = std::abs(shown_minutes - city_minutes);
    INFO("shown " << shown[1] << ":" << shown[2] << ", city " << city.hour() << ":" << city.minute());
    CHECK(std::min(apart, 24 * 60 - apart) <= 3);
  }
  CHECK(absl::StrContains(dom, "今日热点诉求"));
  // Top matters today: 0101 建筑施工噪声 x3; locations: 五山街道 x2, then 荔湾's 沙面街道.
  CHECK(std::regex_search(dom, std::regex(R"(<li data-code="0101"><span class="name">建筑施工噪声</span><span class="count">3</span></li>)")));
  CHECK(std::regex_search(dom, std::regex(R"(<li data-code="440106001"><span class="name">五山街道</span><span class="count">2</span></li>)")));
  CHECK(absl::StrContains(dom, "<li data-code=\"440103001\">"));
  // Departments: none dispatched to this month.
  CHECK(std::regex_search(dom, std::regex(R"(<ol id="top-departments" class="toplist"><li class="empty">)")));
  CHECK(absl::StrContains(dom, "data-unit=\"440106\""));
  // 天河 has no callback yet: its satisfaction is "—", not 0.0%.
  CHECK(std::regex_search(
      dom, std::regex(R"(<tr data-unit="440106"[^>]*><td>1</td><td>天河区</td><td class="num">60.00</td>)"
                      R"(<td class="num">100.0%</td><td class="num">100.0%</td><td class="num">—</td></tr>)")));
  CHECK(absl::StrContains(dom, "天河区"));
  for (const char* personal : {"13812345678", "张先生", "五山路某小区3栋"}) CHECK_FALSE(absl::StrContains(dom, personal));
  CHECK_FALSE(std::regex_search(dom, phone));
  Run(absl::StrCat("timeout 90 /usr/bin/chromium ", flags, " --screenshot=", shot, " ", url, " 2>/dev/null"));
  REQUIRE(std::filesystem::exists(shot));
  CHECK(std::filesystem::file_size(shot) > 20000);
}

TEST_CASE("agents' figures through the gateway: the handling time reported at intake makes the AHT",
          "[e2e][scoring]") {
  Stack stack(Stack::Options{.scoring_replicas = 1});
  auto stub = stack.NewClient();
  auto timed = [](v1::CreateWorkOrderRequest r, int64_t seconds, int32_t nanos = 0) {
    r.mutable_handling_time()->set_seconds(seconds);
    r.mutable_handling_time()->set_nanos(nanos);
    return r;
  };
  // Three contacts with a time (one a consultation answered on the spot), one without.
  v1::CreateWorkOrderRequest consultation = SampleComplaint();
  consultation.set_type(v1::ORDER_TYPE_CONSULTATION);
  consultation.mutable_on_spot_answer()->set_knowledge_code("KB.20.03.001");
  const std::string one = Create(*stub, timed(SampleComplaint(), 300));
  Create(*stub, timed(SampleComplaint(), 421, 500000000));
  Create(*stub, timed(consultation, 150));
  Create(*stub, SampleComplaint());
  {  // Stored with the order and read back through the gateway.
    auto ctx = CallContext(kDispatcherToken);
    v1::GetWorkOrderRequest get;
    get.set_id(one);
    v1::GetWorkOrderResponse got;
    REQUIRE(stub->GetWorkOrder(ctx.get(), get, &got).ok());
    CHECK(got.order().handling_time().seconds() == 300);
  }
  v1::GetAgentFiguresResponse figures;
  for (int i = 0; i < 500; ++i) {
    auto ctx = CallContext(kDispatcherToken);
    if (stub->GetAgentFigures(ctx.get(), v1::GetAgentFiguresRequest(), &figures).ok() &&
        figures.total().contacts() == 4) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  INFO(figures.DebugString());
  REQUIRE(figures.agents_size() == 1);
  const v1::AgentFigures& agent = figures.agents(0);
  CHECK(agent.agent_id() == "agent-t1");
  CHECK(agent.contacts() == 4);
  CHECK(agent.consultations() == 1);
  CHECK(agent.on_spot() == 1);
  CHECK(agent.first_contact_resolution() == 1);
  // (300 + 421.5 + 150) / 3: the contact without a time is left out.
  CHECK(agent.timed() == 3);
  CHECK(agent.average_handling_seconds() == Approx(871.5 / 3));
  CHECK(figures.total().average_handling_seconds() == agent.average_handling_seconds());
  // An agent may not read the figures (the centre's dispatchers and supervisors may).
  auto ctx = CallContext(kAgentToken);
  CHECK(stub->GetAgentFigures(ctx.get(), v1::GetAgentFiguresRequest(), &figures).error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);
}

// hotline_scoring_requests_total{rpc="GetScreen",code="OK"} on a scoring replica.
long long ScreenQueries(const Stack& stack) {
  const std::string metrics = HttpGet(stack.scoring_metrics_port(), "/metrics");
  static const std::regex kLine(R"re(hotline_scoring_requests_total\{code="OK",rpc="GetScreen"\} ([0-9.e+]+))re");
  std::smatch m;
  if (!std::regex_search(metrics, m, kLine)) return 0;  // no GetScreen yet: no series
  return static_cast<long long>(std::stod(m[1]));
}

TEST_CASE("the wall screen: concurrent GETs make one scoring query, and its identity reads the screen only",
          "[e2e][scoring][screen]") {
  Stack stack(Stack::Options{.scoring_replicas = 1});
  auto stub = stack.NewClient();
  const std::string order = Create(*stub, SampleComplaint());
  REQUIRE(ScreenQueries(stack) == 0);

  // Twelve walls at once (the gateway keeps the answer 3 s by default).
  constexpr int kWalls = 12;
  std::vector<std::string> answers(kWalls);
  std::vector<std::thread> walls;
  for (int i = 0; i < kWalls; ++i) {
    walls.emplace_back([&, i] { answers[i] = HttpGet(stack.screen_port(), "/api/screen"); });
  }
  for (std::thread& t : walls) t.join();
  for (const std::string& a : answers) {
    CHECK(absl::StartsWith(a, "HTTP/1.1 200"));
    CHECK(absl::StrContains(a, "top_matters_today"));
  }
  CHECK(ScreenQueries(stack) == 1);
  const std::string gateway_metrics = HttpGet(stack.gateway_metrics_port(), "/metrics");
  CHECK(absl::StrContains(gateway_metrics, R"(hotline_gateway_screen_requests_total{source="computed"} 1)"));

  // The identity the screen reads as: GetScreen, and nothing else, at every
  // backend it could reach (signed with that backend's secret for that call,
  // as the gateway does).
  const v1::Actor wall = gateway::ScreenActor();
  CHECK(wall.role() == v1::ROLE_SCREEN);
  auto as_wall = [&](const std::string& backend, const std::string& path,
                     const google::protobuf::MessageLite& request) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    server::AttachIdentity(wall, Stack::IdentitySecret(backend), path, request, ctx.get());
    return ctx;
  };
  auto scoring = v1::Scoring::NewStub(
      grpc::CreateChannel(stack.scoring_address(), grpc::InsecureChannelCredentials()));
  {
    auto ctx = as_wall("scoring", "/hotline.v1.Scoring/GetScreen", v1::GetScreenRequest());
    v1::GetScreenResponse screen;
    const grpc::Status s = scoring->GetScreen(ctx.get(), v1::GetScreenRequest(), &screen);
    INFO(s.error_message());
    CHECK(s.ok());
  }
  {
    v1::GetUnitScoreRequest r;
    r.set_unit_code("440106");
    auto ctx = as_wall("scoring", "/hotline.v1.Scoring/GetUnitScore", r);
    v1::GetUnitScoreResponse out;
    CHECK(scoring->GetUnitScore(ctx.get(), r, &out).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
  auto intake = v1::Intake::NewStub(grpc::CreateChannel(stack.intake_address(), grpc::InsecureChannelCredentials()));
  {
    v1::GetWorkOrderRequest r;
    r.set_id(order);
    auto ctx = as_wall("intake", "/hotline.v1.Intake/GetWorkOrder", r);
    v1::GetWorkOrderResponse out;
    const grpc::Status s = intake->GetWorkOrder(ctx.get(), r, &out);
    INFO(s.error_message());
    CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK_FALSE(out.has_order());
  }
  {
    v1::RevealCallerPhoneRequest r;
    r.set_order_id(order);
    r.set_reason("回访");
    auto ctx = as_wall("intake", "/hotline.v1.Intake/RevealCallerPhone", r);
    v1::RevealCallerPhoneResponse out;
    CHECK(intake->RevealCallerPhone(ctx.get(), r, &out).error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK(out.phone().empty());
  }
  {
    auto ctx = as_wall("intake", "/hotline.v1.Intake/ListWorkOrders", v1::ListWorkOrdersRequest());
    v1::ListWorkOrdersResponse out;
    CHECK(intake->ListWorkOrders(ctx.get(), v1::ListWorkOrdersRequest(), &out).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
  }
  // The gateway's table has no row for the role either: a token for the wall
  // opens nothing there (checked in tests/unit/route_table_test.cc).
}

}  // namespace
}  // namespace hotline::testing
