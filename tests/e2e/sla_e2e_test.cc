// The SLA monitor end to end: the real binaries (intake, dispatch, gateway and
// sla replicas) on a real Redis, all reading one city clock that starts at a
// chosen moment of 2026 and runs fast, so that hours of city time pass in
// seconds without changing the real policies.
#include <signal.h>

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "calendar/working_calendar.h"
#include "clock/clock.h"
#include "e2e/stack.h"
#include "orders/order_record.h"

namespace hotline::testing {
namespace {

absl::Time TimeOf(const google::protobuf::Timestamp& t) { return absl::FromUnixMillis(orders::ToMillis(t)); }
google::protobuf::Timestamp Stamp(absl::Time t) { return orders::FromMillis(absl::ToUnixMillis(t)); }

const calendar::WorkingCalendar& Cal() {
  static const calendar::WorkingCalendar cal =
      *calendar::WorkingCalendar::LoadDir(HOTLINE_SOURCE_DIR "/data/calendar");
  return cal;
}

std::string Create(v1::Hotline::Stub& stub, bool urgent) {
  v1::CreateWorkOrderRequest r = SampleComplaint();
  r.set_category_code("010101");
  r.set_urgent(urgent);
  return FileOrder(stub, r).id();
}

v1::OrderSla Sla(v1::Hotline::Stub& stub, const std::string& id) {
  auto ctx = CallContext(kDispatcherToken);
  v1::GetOrderSlaRequest r;
  r.set_order_id(id);
  v1::GetOrderSlaResponse response;
  grpc::Status s = stub.GetOrderSla(ctx.get(), r, &response);
  INFO(s.error_message());
  REQUIRE(s.ok());
  return response.sla();
}

v1::WorkOrder Act(v1::Hotline::Stub& stub, const std::string& token, const std::string& id, v1::Action action,
                  const std::string& unit = "", const std::string& note = "") {
  v1::ActRequest r;
  r.set_order_id(id);
  r.set_action(action);
  r.set_unit_code(unit);
  r.set_note(note);
  // Another writer (the monitor firing a mark) may bump the version between
  // read and write: ABORTED, and the action is simply asked again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto ctx = CallContext(token);
    v1::ActResponse response;
    grpc::Status s = stub.Act(ctx.get(), r, &response);
    if (s.error_code() == grpc::StatusCode::ABORTED) continue;
    INFO(v1::Action_Name(action) << ": " << s.error_message());
    REQUIRE(s.ok());
    return response.order();
  }
  FAIL("action kept being aborted");
  return {};
}

v1::WorkOrder WaitFor(v1::Hotline::Stub& stub, const std::string& id,
                      const std::function<bool(const v1::WorkOrder&)>& done, const char* what) {
  for (int i = 0; i < 1200; ++i) {  // 60 s
    v1::WorkOrder o = GetOrder(stub, id);
    if (done(o)) return o;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("timed out waiting for " << what);
  return {};
}

absl::Time LastEntryAt(const v1::WorkOrder& o, const std::string& action) {
  for (int i = o.history_size() - 1; i >= 0; --i) {
    if (o.history(i).action() == action) return TimeOf(o.history(i).at());
  }
  FAIL("no " << action << " in the history");
  return {};
}

TEST_CASE("an urgent order warns and breaches on time and is escalated, with the real binaries", "[e2e][sla]") {
  // 600 city seconds per second: the 2-hour limit passes in 12 s.
  Stack stack(Stack::Options{.sla_replicas = 1, .clock_start = "2026-10-01T22:59:00+08:00", .clock_rate = "600"});
  auto stub = stack.NewClient();
  const std::string id = Create(*stub, /*urgent=*/true);
  const v1::WorkOrder created = GetOrder(*stub, id);
  const absl::Time t0 = TimeOf(created.created_at());
  CHECK(id.rfind("GZ20261001", 0) == 0);  // intake reads the city clock too
  v1::OrderSla sla = Sla(*stub, id);
  CHECK(TimeOf(sla.closing().due()) == t0 + absl::Hours(2));
  CHECK(sla.closing().wall_clock());

  // GetWorkOrder carries the deadlines once the monitor has filed them.
  WaitFor(*stub, id, [](const v1::WorkOrder& o) { return o.deadlines().has_closing_due(); }, "deadlines");
  CHECK(TimeOf(GetOrder(*stub, id).deadlines().closing_due()) == t0 + absl::Hours(2));

  v1::WorkOrder o = WaitFor(*stub, id, [](const v1::WorkOrder& o) { return o.notice_count() == 1; },
                            "the public notice, 6 city hours after creation");
  // Each mark once, each written within a (real) second of its moment: 600
  // city seconds at this rate.
  std::map<std::string, absl::Time> fired;
  for (const v1::HistoryEntry& e : o.history()) {
    if (e.sla_mark().empty()) continue;
    CHECK(e.actor().user_id() == "system:sla");
    CHECK(fired.emplace(e.sla_mark(), TimeOf(e.at())).second);
  }
  const std::map<std::string, absl::Time> due = {
      {"closing.0.warning.50pct", t0 + absl::Hours(1)}, {"closing.0.warning.before-15m", t0 + absl::Minutes(105)},
      {"closing.0.breach", t0 + absl::Hours(2)},        {"closing.0.urge", t0 + absl::Hours(2)},
      {"closing.0.supervise", t0 + absl::Hours(3)},     {"closing.0.notice", t0 + absl::Hours(6)},
  };
  for (const auto& [mark, at] : due) {
    INFO(mark);
    REQUIRE(fired.count(mark) == 1);
    CHECK(fired[mark] >= at);
    CHECK(fired[mark] - at <= absl::Seconds(600));
  }
  CHECK(o.urge_count() == 1);
  CHECK(o.supervise_count() == 1);
  CHECK(o.deadlines().status() == "escalated");
  CHECK(o.deadlines().level() == "notice");
  const std::string metrics = HttpGet(stack.sla_metrics_port(), "/metrics");
  CHECK(metrics.find("hotline_sla_escalations_total{kind=\"notice\"} 1") != std::string::npos);
  CHECK(metrics.find("hotline_sla_fire_lag_seconds_count") != std::string::npos);
}

TEST_CASE("a complaint through return, re-dispatch, hand-down, extension and send-back keeps the right deadlines",
          "[e2e][sla]") {
  Stack stack(Stack::Options{.sla_replicas = 1, .clock_start = "2026-03-02T09:00:00+08:00", .clock_rate = "60"});
  auto stub = stack.NewClient();
  const std::string id = Create(*stub, false);
  v1::WorkOrder o = WaitFor(*stub, id, [](const v1::WorkOrder& o) { return o.state() == v1::ORDER_STATE_DISPATCHED; },
                            "auto-dispatch");
  const absl::Time t0 = TimeOf(o.created_at());
  const absl::Time original = *Cal().AddWorkingDays(t0, 20);
  CHECK(TimeOf(Sla(*stub, id).closing().due()) == original);

  // Bounced around: re-dispatch, return, re-dispatch, hand-down. The clock never stops.
  Act(*stub, kDispatcherToken, id, v1::ACTION_DISPATCH, "GZD002");
  Act(*stub, kEcologyToken, id, v1::ACTION_RETURN, "", "不属于本部门职责");
  Act(*stub, kDispatcherToken, id, v1::ACTION_APPROVE_RETURN, "440106");
  Act(*stub, kHandlerToken, id, v1::ACTION_SIGN);
  Act(*stub, kHandlerToken, id, v1::ACTION_REQUEST_HAND_DOWN, "440106001");
  Act(*stub, kDispatcherToken, id, v1::ACTION_APPROVE_HAND_DOWN);
  Act(*stub, kStreetToken, id, v1::ACTION_SIGN);
  v1::OrderSla sla = Sla(*stub, id);
  CHECK(TimeOf(sla.closing().due()) == original);
  CHECK(sla.closing().running());
  CHECK(sla.sign_off().met());

  // 延期: the street asks, the centre grants an earlier date than asked.
  {
    auto ctx = CallContext(kStreetToken);
    v1::RequestExtensionRequest r;
    r.set_order_id(id);
    r.set_reason("需要协调多个部门现场勘查");
    *r.mutable_new_due() = Stamp(*Cal().AddWorkingDays(t0, 25));
    v1::RequestExtensionResponse response;
    grpc::Status s = stub->RequestExtension(ctx.get(), r, &response);
    INFO(s.error_message());
    REQUIRE(s.ok());
    CHECK(response.sla().has_pending_extension());
  }
  const absl::Time granted = *Cal().AddWorkingDays(t0, 24);
  {
    auto ctx = CallContext(kDispatcherToken);
    v1::DecideExtensionRequest r;
    r.set_order_id(id);
    r.set_approve(true);
    *r.mutable_new_due() = Stamp(granted);
    v1::DecideExtensionResponse response;
    grpc::Status s = stub->DecideExtension(ctx.get(), r, &response);
    INFO(s.error_message());
    REQUIRE(s.ok());
    CHECK(TimeOf(response.sla().closing().due()) == granted);
    CHECK(TimeOf(response.sla().closing().original_due()) == original);
  }

  // Reply stops the clock; send-back re-arms it from what was left.
  Act(*stub, kStreetToken, id, v1::ACTION_REPLY, "", "已责令停工");
  Act(*stub, kDispatcherToken, id, v1::ACTION_SEND_BACK, "", "未附现场照片");
  o = GetOrder(*stub, id);
  const absl::Time replied = LastEntryAt(o, "reply"), sent_back = LastEntryAt(o, "send_back");
  sla = Sla(*stub, id);
  CHECK(TimeOf(sla.closing().due()) ==
        *Cal().AddWorkingTime(sent_back, *Cal().WorkingTimeBetween(replied, granted)));
  CHECK(TimeOf(sla.closing().original_due()) ==
        *Cal().AddWorkingTime(sent_back, *Cal().WorkingTimeBetween(replied, original)));
  CHECK(sla.closing().running());

  // Who held it: every holder's working time adds up to the elapsed time.
  int64_t sum = 0;
  std::set<std::string> holders;
  for (const v1::HolderShare& h : sla.holders()) {
    sum += h.seconds();
    holders.insert(h.kind() + ":" + h.unit_code());
  }
  CHECK(sum == sla.elapsed_seconds());
  CHECK(holders == std::set<std::string>{"centre:GZ12345", "unit:440106", "unit:GZD002", "unit:440106001",
                                         "extension:440106001"});
  // The trail has every step, and the monitor's copy on the order follows.
  int extension_steps = 0;
  for (const v1::HistoryEntry& e : o.history()) {
    extension_steps += e.action() == "request_extension" || e.action() == "approve_extension";
  }
  CHECK(extension_steps == 2);
  WaitFor(*stub, id,
          [&](const v1::WorkOrder& w) { return TimeOf(w.deadlines().closing_due()) == TimeOf(sla.closing().due()); },
          "the re-armed deadline on the order");

  // The street's list of orders due within 40 days has it; another unit's
  // handler may not look at the street's list.
  {
    v1::ListUnitDeadlinesRequest r;
    r.set_unit_code("440106001");
    r.set_within_hours(40 * 24);
    auto ctx = CallContext(kStreetToken);
    v1::ListUnitDeadlinesResponse response;
    grpc::Status s = stub->ListUnitDeadlines(ctx.get(), r, &response);
    INFO(s.error_message());
    REQUIRE(s.ok());
    REQUIRE(response.orders_size() == 1);
    CHECK(response.orders(0).order_id() == id);
    auto other = CallContext(kEcologyToken);
    CHECK(stub->ListUnitDeadlines(other.get(), r, &response).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
  // The calendar through the gateway agrees with the library.
  {
    v1::QueryCalendarRequest r;
    *r.mutable_from() = Stamp(t0);
    r.set_add_working_days(20);
    auto ctx = CallContext(kAgentToken);
    v1::QueryCalendarResponse response;
    REQUIRE(stub->QueryCalendar(ctx.get(), r, &response).ok());
    CHECK(TimeOf(response.result()) == original);
    CHECK(response.working_day());
  }
}

TEST_CASE("two sla replicas, one killed at random moments while 2,000 deadlines fall due: every mark once",
          "[e2e][sla][kill]") {
  Stack stack(Stack::Options{.sla_replicas = 2, .clock_start = "2026-10-01T20:00:00+08:00", .clock_rate = "600"});
  auto stub = stack.NewClient();
  // A group that reads nothing holds the stream back from trimming (intake
  // trims what every group has settled), so the test can count every event.
  REQUIRE(stack.redis_client().Execute({"XGROUP", "CREATE", "hotline:events", "test-audit", "0", "MKSTREAM"}).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> kills{0};
  std::thread killer([&] {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> pause_ms(300, 2500);
    while (!stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
      if (stop) break;
      stack.KillSla(0);
      ++kills;
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng) / 5));
      stack.StartSla(0);
    }
  });
  std::vector<std::string> ids;
  for (int i = 0; i < 2000; ++i) ids.push_back(Create(*stub, /*urgent=*/true));
  // The last notice is 6 city hours after the last order: 36 s from now.
  auto remaining = [&] {
    absl::StatusOr<redis::Reply> r = stack.redis_client().Execute({"ZCARD", "hotline:sla:due"});
    return r.ok() ? r->integer : -1;
  };
  for (int i = 0; i < 1200 && remaining() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  killer.join();
  CHECK(kills > 5);
  REQUIRE(remaining() == 0);

  // Count in the stream: each (order, mark) once.
  std::map<std::string, int> in_stream;
  std::string from = "-";
  while (true) {
    absl::StatusOr<redis::Reply> r =
        stack.redis_client().Execute({"XRANGE", "hotline:events", from, "+", "COUNT", "5000"});
    REQUIRE(r.ok());
    if (r->elements.empty()) break;
    for (const redis::Reply& e : r->elements) {
      std::string order, mark;
      const auto& f = e.elements[1].elements;
      for (size_t i = 0; i + 1 < f.size(); i += 2) {
        if (f[i].str == "order_id") order = f[i + 1].str;
        if (f[i].str == "mark") mark = f[i + 1].str;
      }
      if (!mark.empty()) ++in_stream[order + "/" + mark];
    }
    from = "(" + r->elements.back().elements[0].str;
  }
  // Count in the histories: each mark once, and the same marks as the stream.
  std::map<std::string, int> in_history;
  int orders_checked = 0;
  for (const std::string& id : ids) {
    absl::StatusOr<redis::Reply> h =
        stack.redis_client().Execute({"LRANGE", "hotline:order:{" + id + "}:history", "0", "-1"});
    REQUIRE(h.ok());
    std::set<std::string> closing;
    for (const redis::Reply& json : h->elements) {
      absl::StatusOr<v1::HistoryEntry> e = orders::HistoryEntryFromJson(json.str);
      REQUIRE(e.ok());
      if (e->sla_mark().empty()) continue;
      ++in_history[id + "/" + e->sla_mark()];
      if (e->sla_mark().rfind("closing.", 0) == 0) closing.insert(e->sla_mark());
    }
    // Every order ran its whole ladder.
    orders_checked += closing.size() == 6;
  }
  CHECK(orders_checked == 2000);
  int twice = 0;
  for (const auto& [k, n] : in_history) twice += n != 1;
  CHECK(twice == 0);
  CHECK(in_stream == in_history);
  CHECK(in_history.size() >= 2000 * 6);
}

}  // namespace
}  // namespace hotline::testing
