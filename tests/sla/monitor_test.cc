// The SLA monitor's core alone: an in-memory store, FakeClock, the real
// calendar and policies. Deadlines through a whole complaint (bounces,
// extension, reply, send-back), marks exactly once, time per holder.
#include <catch2/catch.hpp>
#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "clock/clock.h"
#include "calendar/statutory_days.h"
#include "config/text_proto.h"
#include "orders/order_record.h"
#include "sla/fake_deadline_store.h"
#include "sla/loops.h"
#include "sla/monitor.h"
#include "sla/sla_metrics.h"

namespace hotline::sla {
namespace {

absl::Time Local(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), CityTimeZone());
}
std::string Show(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixMillis(orders::ToMillis(t)), CityTimeZone());
}
google::protobuf::Timestamp Stamp(absl::Time t) { return orders::FromMillis(absl::ToUnixMillis(t)); }

// A calendar source the test switches, as a schedule load does.
class TestCalendar final : public calendar::CalendarSource {
 public:
  explicit TestCalendar(calendar::WorkingCalendar cal) { Set(std::move(cal)); }
  void Set(calendar::WorkingCalendar cal) {
    absl::MutexLock lock(&mu_);
    current_ = std::make_shared<const calendar::WorkingCalendar>(std::move(cal));
  }
  std::shared_ptr<const calendar::WorkingCalendar> Current() const override {
    absl::MutexLock lock(&mu_);
    return current_;
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const calendar::WorkingCalendar> current_;
};

struct World {
  FakeClock clock{Local(2026, 1, 5)};
  FakeDeadlineStore store;
  TestCalendar cal{*calendar::WorkingCalendar::LoadDir(HOTLINE_SOURCE_DIR "/data/calendar")};
  Policies policies = *Policies::Load(HOTLINE_SOURCE_DIR "/data/sla_policies.textproto");
  directory::Directory directory = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  Monitor monitor{store, policies, cal, clock, directory};

  std::string Create(const std::string& id, v1::OrderType type, bool urgent, absl::Time at) {
    clock.Set(at);
    v1::WorkOrder o;
    o.set_id(id);
    o.set_version(1);
    o.set_type(type);
    o.set_urgent(urgent);
    o.set_category_code("0101");
    o.set_state(v1::ORDER_STATE_CREATED);
    *o.mutable_created_at() = Stamp(at);
    v1::HistoryEntry* e = o.add_history();
    e->set_seq(1);
    *e->mutable_at() = Stamp(at);
    e->set_action("create");
    e->set_to_state(v1::ORDER_STATE_CREATED);
    store.Put(o);
    REQUIRE(monitor.Settle(id).ok());  // as the consumer does on order.created
    return id;
  }
  // An action by dispatch at `at`, then the consumer's settle.
  void Act(const std::string& id, absl::Time at, const std::string& action, v1::OrderState to,
           const std::string& unit) {
    clock.Set(at);
    store.Transition(id, at, action, to, unit);
    REQUIRE(monitor.Settle(id).ok());
  }
  int PassAt(absl::Time at) {
    clock.Set(at);
    absl::StatusOr<int> n = monitor.DuePass(1000);
    REQUIRE(n.ok());
    return *n;
  }
  v1::OrderSla Sla(const std::string& id) {
    absl::StatusOr<v1::OrderSla> s = monitor.Get(id);
    REQUIRE(s.ok());
    return *s;
  }
  std::map<std::string, int> MarksOf(const std::string& id) {
    std::map<std::string, int> out;
    for (const auto& e : store.Events()) {
      if (e.order_id == id && !e.mark.empty()) ++out[e.mark];
    }
    return out;
  }
};

v1::Actor Handler(const std::string& unit) {
  v1::Actor a;
  a.set_user_id("h1");
  a.set_role(v1::ROLE_UNIT_HANDLER);
  a.set_unit_code(unit);
  return a;
}
v1::Actor Dispatcher() {
  v1::Actor a;
  a.set_user_id("d1");
  a.set_role(v1::ROLE_DISPATCHER);
  a.set_unit_code("GZ12345");
  return a;
}

TEST_CASE("a complaint warns at 50% and 80%, breaches, is urged, supervised and noticed, each once") {
  World w;
  const std::string id = w.Create("GZ20260918000001", v1::ORDER_TYPE_COMPLAINT, false, Local(2026, 9, 18, 10));
  CHECK(Show(w.Sla(id).closing().due()) == "2026-10-22 10:00");
  w.Act(id, Local(2026, 9, 18, 11), "dispatch", v1::ORDER_STATE_DISPATCHED, "440106");
  // Fri 11:00 + 1 working day: the make-up Sunday counts.
  CHECK(Show(w.Sla(id).sign_off().due()) == "2026-09-20 11:00");
  CHECK(w.PassAt(Local(2026, 9, 20, 10, 59)) == 0);
  CHECK(w.PassAt(Local(2026, 9, 20, 11)) == 1);  // sign-off breach
  w.Act(id, Local(2026, 9, 21, 9), "sign", v1::ORDER_STATE_SIGNED, "440106");

  CHECK(w.PassAt(Local(2026, 10, 9, 10) - absl::Seconds(1)) == 0);
  CHECK(w.PassAt(Local(2026, 10, 9, 10)) == 1);
  CHECK(w.Sla(id).status() == "warned");
  CHECK(w.PassAt(Local(2026, 10, 9, 10)) == 0);  // never twice
  CHECK(w.PassAt(Local(2026, 10, 16, 10)) == 1);
  CHECK(w.PassAt(Local(2026, 10, 22, 9, 59)) == 0);
  CHECK(w.PassAt(Local(2026, 10, 22, 10)) == 2);  // breach and urge
  v1::OrderSla sla = w.Sla(id);
  CHECK(sla.status() == "breached");
  CHECK(sla.level() == "urge");
  CHECK(sla.late_unit_code() == "440106");
  CHECK(w.PassAt(Local(2026, 10, 26, 10)) == 1);  // supervise, 2 working days on
  CHECK(w.Sla(id).status() == "escalated");
  CHECK(w.PassAt(Local(2026, 10, 29, 9)) == 0);
  CHECK(w.PassAt(Local(2026, 10, 29, 10)) == 1);  // public notice, 5 working days on
  CHECK(w.PassAt(Local(2026, 12, 1)) == 0);
  CHECK(w.store.DueSize() == 0);

  const v1::WorkOrder o = w.store.Order(id);
  CHECK(o.urge_count() == 1);
  CHECK(o.supervise_count() == 1);
  CHECK(w.store.Notices(id) == 1);
  std::map<std::string, int> marks = w.MarksOf(id);
  CHECK(marks == std::map<std::string, int>{{"sign_off.0.breach", 1},
                                            {"closing.0.warning.50pct", 1},
                                            {"closing.0.warning.80pct", 1},
                                            {"closing.0.breach", 1},
                                            {"closing.0.urge", 1},
                                            {"closing.0.supervise", 1},
                                            {"closing.0.notice", 1}});
  int by_sla = 0, records = 0;
  for (const v1::HistoryEntry& e : o.history()) {
    if (e.actor().user_id() == "system:sla") {
      ++by_sla;
      CHECK(e.seq() > 0);
    }
    if (e.action() == "sla_deadline") {
      ++records;
      CHECK(e.sla_record().policy() == "complaint");
      CHECK(e.sla_record().policy_version() == w.policies.version());
    }
  }
  CHECK(by_sla == 7 + 2);  // the marks, and the closing and sign-off deadlines as fixed
  CHECK(records == 2);
  CHECK(w.Sla(id).level() == "notice");
}

TEST_CASE("the clock runs through return, re-dispatch and hand-down, extension, reply and send-back move it") {
  World w;
  const std::string id = w.Create("GZ20260302000001", v1::ORDER_TYPE_COMPLAINT, false, Local(2026, 3, 2, 9));
  CHECK(Show(w.Sla(id).closing().due()) == "2026-03-30 09:00");
  w.Act(id, Local(2026, 3, 2, 10), "dispatch", v1::ORDER_STATE_DISPATCHED, "440105");
  w.Act(id, Local(2026, 3, 2, 12), "return", v1::ORDER_STATE_RETURN_REQUESTED, "440105");
  w.Act(id, Local(2026, 3, 3, 9), "approve_return", v1::ORDER_STATE_DISPATCHED, "440104");
  CHECK(Show(w.Sla(id).sign_off().due()) == "2026-03-04 09:00");  // a new sign-off for the new unit
  w.Act(id, Local(2026, 3, 3, 10), "sign", v1::ORDER_STATE_SIGNED, "440104");
  w.Act(id, Local(2026, 3, 3, 11), "request_hand_down", v1::ORDER_STATE_HAND_DOWN_REQUESTED, "440104");
  w.Act(id, Local(2026, 3, 3, 12), "approve_hand_down", v1::ORDER_STATE_DISPATCHED, "440104001");
  w.Act(id, Local(2026, 3, 4, 9), "sign", v1::ORDER_STATE_SIGNED, "440104001");
  // No bounce stopped the clock.
  CHECK(Show(w.Sla(id).closing().due()) == "2026-03-30 09:00");
  CHECK(w.Sla(id).sign_off().met());

  // 延期: asked by the sub-unit, the centre grants another date.
  w.clock.Set(Local(2026, 3, 5, 9));
  v1::RequestExtensionRequest ask;
  ask.set_order_id(id);
  ask.set_reason("需要现场勘查");
  *ask.mutable_new_due() = Stamp(Local(2026, 4, 10, 9));
  // Another unit's order is NOT_FOUND, as a missing one (libs/authz).
  CHECK(absl::IsNotFound(w.monitor.RequestExtension(Handler("440105"), ask).status()));
  ask.clear_reason();
  CHECK(w.monitor.RequestExtension(Handler("440104001"), ask).status().message() ==
        "reason: the reason for the extension is required");
  std::string long_reason;
  for (int i = 0; i < 1001; ++i) long_reason += "查";
  ask.set_reason(long_reason);
  CHECK(w.monitor.RequestExtension(Handler("440104001"), ask).status().message() ==
        "reason: is too long (1001 characters, at most 1000)");
  ask.set_reason("需要现场勘查");
  *ask.mutable_new_due() = Stamp(Local(2026, 3, 20, 9));
  CHECK(absl::IsInvalidArgument(w.monitor.RequestExtension(Handler("440104001"), ask).status()));
  *ask.mutable_new_due() = Stamp(Local(2026, 4, 10, 9));
  absl::StatusOr<v1::OrderSla> asked = w.monitor.RequestExtension(Handler("440104001"), ask);
  REQUIRE(asked.ok());
  CHECK(Show(asked->pending_extension().wanted_due()) == "2026-04-10 09:00");
  CHECK(absl::IsFailedPrecondition(w.monitor.RequestExtension(Handler("440104001"), ask).status()));

  w.clock.Set(Local(2026, 3, 6, 9));
  v1::DecideExtensionRequest decide;
  decide.set_order_id(id);
  decide.set_approve(true);
  *decide.mutable_new_due() = Stamp(Local(2026, 4, 8, 9));
  // Who may decide (the centre, not a unit) is the gateway's table, checked in
  // tests/unit/route_table_test.cc; the monitor keeps no role list.
  absl::StatusOr<v1::OrderSla> granted = w.monitor.DecideExtension(Dispatcher(), decide);
  REQUIRE(granted.ok());
  CHECK(Show(granted->closing().due()) == "2026-04-08 09:00");
  CHECK(Show(granted->closing().original_due()) == "2026-03-30 09:00");
  CHECK_FALSE(granted->has_pending_extension());
  CHECK(absl::IsFailedPrecondition(w.monitor.DecideExtension(Dispatcher(), decide).status()));

  // Reply stops the clock; send-back re-arms it from what was left.
  w.Act(id, Local(2026, 3, 9, 9), "reply", v1::ORDER_STATE_REPLIED, "440104001");
  v1::OrderSla stopped = w.Sla(id);
  CHECK_FALSE(stopped.closing().running());
  CHECK(stopped.status() == "stopped");
  CHECK(stopped.closing().left_seconds() == 504 * 3600);
  w.Act(id, Local(2026, 3, 10, 9), "send_back", v1::ORDER_STATE_SENT_BACK, "440104001");
  v1::OrderSla again = w.Sla(id);
  CHECK(again.closing().running());
  CHECK(Show(again.closing().due()) == "2026-04-09 09:00");  // a working day later: it spent one at review
  CHECK(Show(again.closing().original_due()) == "2026-03-31 09:00");

  // Who held it: they add up to the elapsed working time.
  std::map<std::string, int64_t> held;
  int64_t sum = 0;
  for (const v1::HolderShare& h : again.holders()) {
    held[h.kind() + ":" + h.unit_code()] = h.seconds() / 3600;
    sum += h.seconds();
  }
  CHECK(held == std::map<std::string, int64_t>{{"centre:GZ12345", 47},
                                               {"unit:440105", 2},
                                               {"unit:440104", 2},
                                               {"unit:440104001", 69},
                                               {"extension:440104001", 24}});
  CHECK(sum == again.elapsed_seconds());
  CHECK(again.elapsed_seconds() == 144 * 3600);

  // Every step is in the one trail, with an event.
  int steps = 0;
  for (const auto& e : w.store.Events()) {
    steps += e.name == "order.extension_requested" || e.name == "order.extension_approved";
  }
  CHECK(steps == 2);
}

TEST_CASE("settling an order that has not changed writes nothing") {
  World w;
  const std::string id = w.Create("GZ20260312000001", v1::ORDER_TYPE_COMPLAINT, false, Local(2026, 3, 12, 9));
  const int writes = w.store.Writes();
  REQUIRE(writes == 1);
  // A redelivered event, or a second replica: the same answer, no write.
  REQUIRE(w.monitor.Settle(id).ok());
  w.clock.Advance(absl::Hours(1));
  REQUIRE(w.monitor.Settle(id).ok());
  CHECK(w.store.Writes() == writes);
  w.Act(id, Local(2026, 3, 12, 11), "dispatch", v1::ORDER_STATE_DISPATCHED, "440104");
  CHECK(w.store.Writes() == writes + 1);  // a sign-off deadline to file
}

TEST_CASE("an extension after the deadline is refused, and a refusal keeps the deadline") {
  World w;
  const std::string id = w.Create("GZ20260310000001", v1::ORDER_TYPE_CONSULTATION, false, Local(2026, 3, 10, 9));
  w.Act(id, Local(2026, 3, 10, 10), "dispatch", v1::ORDER_STATE_DISPATCHED, "440104");
  w.Act(id, Local(2026, 3, 10, 11), "sign", v1::ORDER_STATE_SIGNED, "440104");
  CHECK(Show(w.Sla(id).closing().due()) == "2026-03-12 09:00");
  v1::RequestExtensionRequest ask;
  ask.set_order_id(id);
  ask.set_reason("等待检测报告");
  *ask.mutable_new_due() = Stamp(Local(2026, 3, 20, 9));
  w.clock.Set(Local(2026, 3, 11, 9));
  REQUIRE(w.monitor.RequestExtension(Handler("440104"), ask).ok());
  v1::DecideExtensionRequest refuse;
  refuse.set_order_id(id);
  CHECK(w.monitor.DecideExtension(Dispatcher(), refuse).status().message() ==
        "note: the reason for the refusal is required");
  refuse.set_note("两个工作日足够");
  absl::StatusOr<v1::OrderSla> refused = w.monitor.DecideExtension(Dispatcher(), refuse);
  REQUIRE(refused.ok());
  CHECK(Show(refused->closing().due()) == "2026-03-12 09:00");
  w.clock.Set(Local(2026, 3, 12, 9));
  absl::Status late = w.monitor.RequestExtension(Handler("440104"), ask).status();
  CHECK(absl::IsFailedPrecondition(late));
  CHECK(late.message() == "the closing deadline passed at 2026-03-12 09:00; an extension must be asked for before it");
}

TEST_CASE("an extension asked while the order moves is decided on the order as it is now") {
  World w;
  const std::string id = w.Create("GZ20260310000002", v1::ORDER_TYPE_COMPLAINT, false, Local(2026, 3, 10, 9));
  w.Act(id, Local(2026, 3, 10, 10), "dispatch", v1::ORDER_STATE_DISPATCHED, "440104");
  w.Act(id, Local(2026, 3, 10, 11), "sign", v1::ORDER_STATE_SIGNED, "440104");
  v1::RequestExtensionRequest ask;
  ask.set_order_id(id);
  ask.set_reason("等待检测报告");
  *ask.mutable_new_due() = Stamp(Local(2026, 4, 30, 9));
  w.clock.Set(Local(2026, 3, 11, 9));

  // The centre urges between the monitor's read and its write: the request
  // is written after the urge, not refused.
  w.store.AfterNextLoad(
      [&] { w.store.Transition(id, Local(2026, 3, 11, 9), "urge", v1::ORDER_STATE_SIGNED, "440104"); });
  absl::StatusOr<v1::OrderSla> asked = w.monitor.RequestExtension(Handler("440104"), ask);
  INFO(asked.status());
  REQUIRE(asked.ok());
  CHECK(asked->has_pending_extension());
  const v1::WorkOrder o = w.store.Order(id);
  REQUIRE(o.history_size() >= 2);
  CHECK(o.history(o.history_size() - 2).action() == "urge");
  CHECK(o.history(o.history_size() - 1).action() == "request_extension");
  CHECK(o.history(o.history_size() - 1).seq() == o.version());

  v1::DecideExtensionRequest refuse;
  refuse.set_order_id(id);
  refuse.set_note("不予延期");
  REQUIRE(w.monitor.DecideExtension(Dispatcher(), refuse).ok());

  // The street replies meanwhile: decided again, there is no running clock
  // left to extend, and nothing is written.
  const int64_t before = w.store.Order(id).version();
  w.store.AfterNextLoad(
      [&] { w.store.Transition(id, Local(2026, 3, 11, 9), "reply", v1::ORDER_STATE_REPLIED, "440104"); });
  absl::Status again = w.monitor.RequestExtension(Handler("440104"), ask).status();
  CHECK(absl::IsFailedPrecondition(again));
  CHECK(w.store.Order(id).version() == before + 1);  // only the reply
}

TEST_CASE("an urgent order counts wall-clock time through the National Day holiday") {
  World w;
  const std::string id = w.Create("GZ20261001000001", v1::ORDER_TYPE_HELP, true, Local(2026, 10, 1, 23));
  v1::OrderSla sla = w.Sla(id);
  CHECK(Show(sla.closing().due()) == "2026-10-02 01:00");
  CHECK(sla.closing().wall_clock());
  w.Act(id, Local(2026, 10, 1, 23, 10), "dispatch", v1::ORDER_STATE_DISPATCHED, "440106");
  CHECK(Show(w.Sla(id).sign_off().due()) == "2026-10-01 23:40");
  w.Act(id, Local(2026, 10, 1, 23, 20), "sign", v1::ORDER_STATE_SIGNED, "440106");
  CHECK(w.PassAt(Local(2026, 10, 1, 23, 59)) == 0);
  CHECK(w.PassAt(Local(2026, 10, 2, 0)) == 1);       // 50%
  CHECK(w.PassAt(Local(2026, 10, 2, 0, 45)) == 1);   // 15 minutes before
  CHECK(w.PassAt(Local(2026, 10, 2, 1)) == 2);       // breach, urge
  CHECK(w.PassAt(Local(2026, 10, 2, 2)) == 1);       // supervise
  CHECK(w.PassAt(Local(2026, 10, 2, 5)) == 1);       // notice
  CHECK(w.MarksOf(id).size() == 6);
}

TEST_CASE("an order that closes in time stops every clock and leaves the due set") {
  World w;
  const std::string id = w.Create("GZ20260311000001", v1::ORDER_TYPE_CONSULTATION, false, Local(2026, 3, 11, 9));
  w.Act(id, Local(2026, 3, 11, 10), "dispatch", v1::ORDER_STATE_DISPATCHED, "440104");
  w.Act(id, Local(2026, 3, 11, 11), "sign", v1::ORDER_STATE_SIGNED, "440104");
  w.Act(id, Local(2026, 3, 11, 12), "reply", v1::ORDER_STATE_REPLIED, "440104");
  w.Act(id, Local(2026, 3, 11, 13), "approve_reply", v1::ORDER_STATE_CALLBACK_PENDING, "440104");
  w.Act(id, Local(2026, 3, 11, 14), "callback", v1::ORDER_STATE_CLOSED, "440104");
  CHECK(w.store.DueSize() == 0);
  CHECK(w.PassAt(Local(2026, 6, 1)) == 0);
  v1::OrderSla sla = w.Sla(id);
  CHECK(sla.status() == "done");
  CHECK(sla.closing().met());
  CHECK(sla.elapsed_seconds() == 5 * 3600);
}

// The calendars of the year change: the official 2025 and 2026 schedules,
// 2027 as a provisional year (weekends and its statutory days), and 2027 as
// the test fixture's "official" schedule (tests/fixtures/calendar, not the
// real one).
v1::CalendarYear Provisional2027() {
  absl::StatusOr<v1::CalendarYear> y = calendar::ProvisionalYear(2027);
  REQUIRE(y.ok());
  return *y;
}
std::vector<std::pair<std::string, v1::CalendarYear>> OfficialYears(bool with_2027) {
  std::vector<std::pair<std::string, v1::CalendarYear>> out;
  std::vector<std::string> files = {HOTLINE_SOURCE_DIR "/data/calendar/2025.textproto",
                                    HOTLINE_SOURCE_DIR "/data/calendar/2026.textproto"};
  if (with_2027) files.push_back(HOTLINE_SOURCE_DIR "/tests/fixtures/calendar/2027.textproto");
  for (const std::string& f : files) {
    v1::CalendarYear y;
    REQUIRE(config::ReadTextProto(f, &y).ok());
    out.emplace_back(f, y);
  }
  return out;
}
calendar::WorkingCalendar WithProvisional2027(int64_t version) {
  absl::StatusOr<calendar::WorkingCalendar> c =
      calendar::WorkingCalendar::FromYears(OfficialYears(false), {{"provisional", Provisional2027()}});
  REQUIRE(c.ok());
  c->set_version(version);
  return *c;
}
calendar::WorkingCalendar WithOfficial2027(int64_t version) {
  absl::StatusOr<calendar::WorkingCalendar> c = calendar::WorkingCalendar::FromYears(OfficialYears(true));
  REQUIRE(c.ok());
  c->set_version(version);
  return *c;
}
int RecordsIn(const v1::WorkOrder& o, bool recomputations_only) {
  int n = 0;
  for (const v1::HistoryEntry& e : o.history()) {
    if (e.action() != "sla_deadline") continue;
    for (const v1::FixedDeadline& d : e.sla_record().deadlines()) {
      if (!recomputations_only || d.has_previous_due()) ++n;
    }
  }
  return n;
}

TEST_CASE("a year without data leaves out only what needs it, and never clears a filed deadline") {
  World w;  // official 2025 and 2026 only, no provisional years: 2027 is missing
  // Fri 2026-11-27 10:00: closing 20 working days on, 2026-12-25 10:00; the
  // notice step 5 working days after that falls on 2027-01-01.
  const std::string id = w.Create("GZ20261127000001", v1::ORDER_TYPE_COMPLAINT, false, Local(2026, 11, 27, 10));
  w.Act(id, Local(2026, 11, 27, 11), "dispatch", v1::ORDER_STATE_DISPATCHED, "440106");
  v1::OrderSla sla = w.Sla(id);
  CHECK(Show(sla.closing().due()) == "2026-12-25 10:00");
  CHECK(Show(sla.sign_off().due()) == "2026-11-30 11:00");
  CHECK_FALSE(sla.closing().provisional());
  std::set<std::string> upcoming;
  for (const v1::SlaMark& m : sla.upcoming()) upcoming.insert(m.id());
  CHECK(upcoming == std::set<std::string>{"sign_off.0.breach", "closing.0.warning.50pct", "closing.0.warning.80pct",
                                          "closing.0.breach", "closing.0.urge", "closing.0.supervise"});
  CHECK(w.store.Fields(id).close_due_ms == absl::StrCat(absl::ToUnixMillis(Local(2026, 12, 25, 10))));
  // Every December mark fires; the notice is retried, not lost.
  CHECK(w.PassAt(Local(2026, 11, 30, 11)) == 1);
  w.Act(id, Local(2026, 11, 30, 12), "sign", v1::ORDER_STATE_SIGNED, "440106");
  CHECK(w.PassAt(Local(2026, 12, 11, 10)) == 1);                  // 50 %
  CHECK(w.PassAt(Local(2026, 12, 21, 10)) == 1);                  // 80 %
  CHECK(w.PassAt(Local(2026, 12, 25, 10)) == 2);                  // breach, urge
  CHECK(w.PassAt(Local(2026, 12, 29, 10)) == 1);                  // supervise
  CHECK(w.Sla(id).status() == "escalated");
  CHECK(w.store.CountGaps()->no_deadline == 0);

  // Taken on Christmas Eve, the closing deadline itself needs 2027: the order
  // is counted as one without a deadline, and nothing else is disturbed.
  const std::string late = w.Create("GZ20261224000001", v1::ORDER_TYPE_COMPLAINT, false, Local(2026, 12, 24, 10));
  CHECK(w.Sla(late).status() == "none");
  CHECK_FALSE(w.Sla(late).closing().armed());
  CHECK(w.store.CountGaps()->no_deadline == 1);
  CHECK(w.Sla(id).status() == "escalated");
  CHECK(w.store.Fields(id).close_due_ms == absl::StrCat(absl::ToUnixMillis(Local(2026, 12, 25, 10))));

  // 2027 arrives as a provisional year: the order gets its deadline.
  w.cal.Set(WithProvisional2027(2));
  REQUIRE(w.monitor.CalendarChanged(2).ok());
  w.PassAt(Local(2026, 12, 24, 10, 1));
  CHECK(w.store.CountGaps()->no_deadline == 0);
  CHECK(w.Sla(late).closing().armed());
  CHECK(w.Sla(late).closing().provisional());
  CHECK(w.store.CountGaps()->provisional == 1);

  // The year is lost again (a broken reload): deadlines filed stay filed.
  const std::string filed = w.store.Fields(late).close_due_ms;
  REQUIRE_FALSE(filed.empty());
  calendar::WorkingCalendar broken = *calendar::WorkingCalendar::LoadDir(HOTLINE_SOURCE_DIR "/data/calendar");
  broken.set_version(3);
  w.cal.Set(broken);
  w.Act(late, Local(2026, 12, 24, 11), "dispatch", v1::ORDER_STATE_DISPATCHED, "440106");
  CHECK(w.store.Fields(late).close_due_ms == filed);
  CHECK(w.Sla(late).closing().armed());
  CHECK(w.store.CountGaps()->no_deadline == 0);
}

TEST_CASE("a provisional deadline is recomputed exactly once when the year's official schedule arrives") {
  World w;
  w.cal.Set(WithProvisional2027(1));
  // Mon 2026-12-07 10:00 + 20 working days, with only 2027-01-01 off in the
  // new year: 2027-01-05 10:00, provisional.
  const std::string id = w.Create("GZ20261207000001", v1::ORDER_TYPE_COMPLAINT, false, Local(2026, 12, 7, 10));
  w.Act(id, Local(2026, 12, 7, 11), "dispatch", v1::ORDER_STATE_DISPATCHED, "440106");
  v1::OrderSla sla = w.Sla(id);
  CHECK(Show(sla.closing().due()) == "2027-01-05 10:00");
  CHECK(sla.closing().provisional());
  CHECK_FALSE(sla.sign_off().provisional());
  CHECK(w.store.InProvisionalSet(id));
  const v1::WorkOrder before = w.store.Order(id);
  CHECK(RecordsIn(before, false) == 2);
  CHECK(RecordsIn(before, true) == 0);

  // Another replica that has not taken the new calendar yet decides nothing:
  // it would file the deadline on the old one.
  TestCalendar stale(WithProvisional2027(1));
  Monitor behind(w.store, w.policies, stale, w.clock, w.directory);
  w.cal.Set(WithOfficial2027(2));
  REQUIRE(w.monitor.CalendarChanged(2).ok());
  CHECK(absl::IsUnavailable(behind.Settle(id).status()));
  CHECK(RecordsIn(w.store.Order(id), true) == 0);
  // A second monitor (another replica, up to date) races the first.
  Monitor second(w.store, w.policies, w.cal, w.clock, w.directory);
  REQUIRE(second.CalendarChanged(2).ok());  // already acted on: nothing
  std::thread a([&] { (void)w.monitor.DuePass(100); });
  std::thread b([&] { (void)second.DuePass(100); });
  a.join();
  b.join();
  (void)w.monitor.DuePass(100);
  // The fixture's 2027-01-04 (Mon) is off: exactly one day later.
  sla = w.Sla(id);
  CHECK(Show(sla.closing().due()) == "2027-01-06 10:00");
  CHECK_FALSE(sla.closing().provisional());
  CHECK_FALSE(w.store.InProvisionalSet(id));
  const v1::WorkOrder after = w.store.Order(id);
  REQUIRE(RecordsIn(after, true) == 1);
  for (const v1::HistoryEntry& e : after.history()) {
    for (const v1::FixedDeadline& d : e.sla_record().deadlines()) {
      if (!d.has_previous_due()) continue;
      CHECK(d.key() == "closing.0");
      CHECK(Show(d.previous_due()) == "2027-01-05 10:00");
      CHECK(Show(d.due()) == "2027-01-06 10:00");
      CHECK(e.sla_record().calendar_version() == 2);
      CHECK_FALSE(e.sla_record().reason().empty());
    }
  }
  // Once: later passes and changes leave it alone.
  w.cal.Set(WithOfficial2027(3));
  REQUIRE(w.monitor.CalendarChanged(3).ok());
  (void)w.monitor.DuePass(100);
  CHECK(RecordsIn(w.store.Order(id), true) == 1);
}

TEST_CASE("editing the policies moves no open order's deadline, new orders take the new ones") {
  World w;
  const std::string id = w.Create("GZ20260302000001", v1::ORDER_TYPE_COMPLAINT, false, Local(2026, 3, 2, 9));
  w.Act(id, Local(2026, 3, 2, 10), "dispatch", v1::ORDER_STATE_DISPATCHED, "440105");
  w.Act(id, Local(2026, 3, 2, 11), "sign", v1::ORDER_STATE_SIGNED, "440105");
  CHECK(w.PassAt(Local(2026, 3, 16, 9)) == 1);  // 50 % of 20 working days
  CHECK(Show(w.Sla(id).closing().due()) == "2026-03-30 09:00");

  // The file changes: complaints close in 15 working days, sign-off in 2, and
  // a 90 % warning is added before the others. A restarted monitor reads it.
  v1::SlaPolicies edited;
  REQUIRE(config::ReadTextProto(HOTLINE_SOURCE_DIR "/data/sla_policies.textproto", &edited).ok());
  for (v1::SlaPolicy& p : *edited.mutable_policies()) {
    if (p.name() != "complaint") continue;
    p.mutable_closing()->set_working_days(15);
    p.mutable_sign_off()->set_working_days(2);
    v1::Warning late;
    late.set_percent_used(90);
    p.mutable_warnings()->AddAllocated(new v1::Warning(late));
    std::rotate(p.mutable_warnings()->begin(), p.mutable_warnings()->end() - 1, p.mutable_warnings()->end());
  }
  absl::StatusOr<Policies> changed = Policies::FromProto(edited, "edited");
  REQUIRE(changed.ok());
  REQUIRE(changed->version() != w.policies.version());
  Monitor restarted(w.store, *changed, w.cal, w.clock, w.directory);

  w.clock.Set(Local(2026, 3, 3, 9));
  w.store.Transition(id, Local(2026, 3, 3, 9), "return", v1::ORDER_STATE_RETURN_REQUESTED, "440105");
  REQUIRE(restarted.Settle(id).ok());
  w.store.Transition(id, Local(2026, 3, 3, 10), "approve_return", v1::ORDER_STATE_DISPATCHED, "440104");
  REQUIRE(restarted.Settle(id).ok());
  absl::StatusOr<v1::OrderSla> kept = restarted.Get(id);
  REQUIRE(kept.ok());
  CHECK(Show(kept->closing().due()) == "2026-03-30 09:00");    // as fixed at creation
  CHECK(Show(kept->sign_off().due()) == "2026-03-04 10:00");   // the old policy's 1 working day
  // The 50 % mark does not fire again, and no 90 % mark appears for it.
  w.clock.Set(Local(2026, 3, 31));
  REQUIRE(restarted.DuePass(100).ok());
  std::map<std::string, int> marks = w.MarksOf(id);
  CHECK(marks["closing.0.warning.50pct"] == 1);
  CHECK(marks.count("closing.0.warning.90pct") == 0);

  // An order taken now is under the new policy.
  w.clock.Set(Local(2026, 4, 7, 9));
  v1::WorkOrder o = w.store.Order(id);
  o.set_id("GZ20260407000001");
  o.clear_history();
  o.set_version(1);
  o.set_state(v1::ORDER_STATE_CREATED);
  o.set_assigned_unit_code("");
  v1::HistoryEntry* e = o.add_history();
  e->set_seq(1);
  *e->mutable_at() = Stamp(Local(2026, 4, 7, 9));
  e->set_action("create");
  e->set_to_state(v1::ORDER_STATE_CREATED);
  w.store.Put(o);
  REQUIRE(restarted.Settle(o.id()).ok());
  absl::StatusOr<v1::OrderSla> fresh = restarted.Get(o.id());
  REQUIRE(fresh.ok());
  CHECK(Show(fresh->closing().due()) == "2026-04-28 09:00");  // 15 working days
  std::set<std::string> warnings;
  for (const v1::SlaMark& m : fresh->upcoming()) {
    if (m.kind() == "warning") warnings.insert(m.id());
  }
  CHECK(warnings == std::set<std::string>{"closing.0.warning.50pct", "closing.0.warning.80pct",
                                          "closing.0.warning.90pct"});
}

TEST_CASE("after a late, short extension no warning fires at once") {
  World w;
  const std::string id = w.Create("GZ20260302000002", v1::ORDER_TYPE_COMPLAINT, false, Local(2026, 3, 2, 9));
  w.Act(id, Local(2026, 3, 2, 10), "dispatch", v1::ORDER_STATE_DISPATCHED, "440105");
  w.Act(id, Local(2026, 3, 2, 11), "sign", v1::ORDER_STATE_SIGNED, "440105");
  CHECK(w.PassAt(Local(2026, 3, 16, 9)) == 1);  // 50 %
  CHECK(w.PassAt(Local(2026, 3, 24, 9)) == 1);  // 80 %
  // Friday before the Monday deadline: three more working days asked and granted.
  w.clock.Set(Local(2026, 3, 27, 9));
  v1::RequestExtensionRequest ask;
  ask.set_order_id(id);
  ask.set_reason("等待检测报告");
  *ask.mutable_new_due() = Stamp(Local(2026, 4, 2, 9));
  REQUIRE(w.monitor.RequestExtension(Handler("440105"), ask).ok());
  w.clock.Set(Local(2026, 3, 27, 10));
  v1::DecideExtensionRequest decide;
  decide.set_order_id(id);
  decide.set_approve(true);
  absl::StatusOr<v1::OrderSla> granted = w.monitor.DecideExtension(Dispatcher(), decide);
  REQUIRE(granted.ok());
  CHECK(Show(granted->closing().due()) == "2026-04-02 09:00");
  for (const v1::SlaMark& m : granted->upcoming()) CHECK(m.kind() != "warning");
  CHECK(w.PassAt(Local(2026, 3, 27, 10)) == 0);  // nothing at once
  CHECK(w.PassAt(Local(2026, 4, 2, 9)) == 2);    // the new deadline: breach and urge
  std::map<std::string, int> marks = w.MarksOf(id);
  CHECK(marks.count("closing.1.warning.50pct") == 0);
  CHECK(marks.count("closing.1.warning.80pct") == 0);
  CHECK(marks["closing.1.breach"] == 1);
}

TEST_CASE("an early extension places its warnings on the extended span") {
  World w;
  const std::string id = w.Create("GZ20260302000003", v1::ORDER_TYPE_COMPLAINT, false, Local(2026, 3, 2, 9));
  w.Act(id, Local(2026, 3, 2, 10), "dispatch", v1::ORDER_STATE_DISPATCHED, "440105");
  w.Act(id, Local(2026, 3, 2, 11), "sign", v1::ORDER_STATE_SIGNED, "440105");
  // Asked on day 2 for 20 more working days (due 2026-04-28 09:00): 40 in all.
  w.clock.Set(Local(2026, 3, 4, 9));
  v1::RequestExtensionRequest ask;
  ask.set_order_id(id);
  ask.set_reason("需要多部门会商");
  *ask.mutable_new_due() = Stamp(Local(2026, 4, 28, 9));
  REQUIRE(w.monitor.RequestExtension(Handler("440105"), ask).ok());
  v1::DecideExtensionRequest decide;
  decide.set_order_id(id);
  decide.set_approve(true);
  absl::StatusOr<v1::OrderSla> granted = w.monitor.DecideExtension(Dispatcher(), decide);
  REQUIRE(granted.ok());
  std::map<std::string, std::string> at;
  for (const v1::SlaMark& m : granted->upcoming()) at[m.id()] = Show(m.at());
  // 50 % of 40 working days: 20 before the new deadline; 80 %: 8 before.
  CHECK(at["closing.1.warning.50pct"] == "2026-03-30 09:00");
  CHECK(at["closing.1.warning.80pct"] == "2026-04-16 09:00");
}

TEST_CASE("two monitors racing over the same due orders fire every mark exactly once") {
  World w;
  Monitor second(w.store, w.policies, w.cal, w.clock, w.directory);
  const absl::Time start = Local(2026, 10, 1, 8);
  for (int i = 0; i < 200; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "GZ20261001%06d", i + 1);
    w.Create(id, v1::ORDER_TYPE_HELP, true, start + absl::Seconds(i * 7));
  }
  std::atomic<bool> stop{false};
  std::atomic<int> fired{0};
  auto run = [&](Monitor& m) {
    while (!stop) {
      absl::StatusOr<int> n = m.DuePass(50);
      if (n.ok()) fired += *n;
    }
  };
  std::thread a([&] { run(w.monitor); });
  std::thread b([&] { run(second); });
  for (int minute = 0; minute <= 7 * 60; ++minute) {
    w.clock.Set(start + absl::Minutes(minute));
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  // Let both finish what is due at the end.
  for (int i = 0; i < 50 && w.store.DueSize() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  a.join();
  b.join();
  REQUIRE(w.monitor.DuePass(1000).ok());
  std::map<std::string, int> count;
  for (const auto& e : w.store.Events()) {
    if (!e.mark.empty()) ++count[e.order_id + "/" + e.mark];  // not the sla_deadline records
  }
  // Six marks each (two warnings, breach, urge, supervise, notice), once each.
  CHECK(count.size() == 200 * 6);
  for (const auto& [k, n] : count) {
    INFO(k);
    CHECK(n == 1);
  }
  CHECK(fired.load() == 200 * 6);
}

}  // namespace
}  // namespace hotline::sla

namespace hotline::sla {
namespace {

TEST_CASE("a unit's overdue and at-risk lists, paged, handlers see only their own unit") {
  World w;
  // Three consultations at 440104 created an hour apart (due two working days later).
  for (int i = 0; i < 3; ++i) {
    const std::string id = absl::StrCat("GZ2026031600000", i + 1);
    w.Create(id, v1::ORDER_TYPE_CONSULTATION, false, Local(2026, 3, 16, 9 + i));
    w.Act(id, Local(2026, 3, 16, 12), "dispatch", v1::ORDER_STATE_DISPATCHED, "440104");
  }
  w.clock.Set(Local(2026, 3, 18, 10, 30));  // the first two are overdue, the third due at 11:00
  v1::ListUnitDeadlinesRequest r;
  r.set_unit_code("440104");
  r.set_overdue(true);
  r.set_page_size(1);
  absl::StatusOr<v1::ListUnitDeadlinesResponse> page = w.monitor.ListUnit(Handler("440104"), r);
  REQUIRE(page.ok());
  REQUIRE(page->orders_size() == 1);
  CHECK(page->orders(0).order_id() == "GZ20260316000001");
  CHECK(page->orders(0).closing().left_seconds() < 0);
  r.set_page_token(page->next_page_token());
  page = w.monitor.ListUnit(Handler("440104"), r);
  REQUIRE(page.ok());
  REQUIRE(page->orders_size() == 1);
  CHECK(page->orders(0).order_id() == "GZ20260316000002");
  CHECK(page->next_page_token().empty());
  v1::ListUnitDeadlinesRequest risk;
  risk.set_unit_code("440104");
  risk.set_within_hours(2);
  page = w.monitor.ListUnit(Dispatcher(), risk);
  REQUIRE(page.ok());
  REQUIRE(page->orders_size() == 1);
  CHECK(page->orders(0).order_id() == "GZ20260316000003");
  CHECK(absl::IsPermissionDenied(w.monitor.ListUnit(Handler("440105"), risk).status()));
  risk.set_unit_code("");
  CHECK(w.monitor.ListUnit(Dispatcher(), risk).status().message() == "unit_code: is required");
}

TEST_CASE("a due entry whose order is gone leaves the due set instead of blocking the passes") {
  World w;
  w.clock.Set(Local(2026, 3, 16, 9));
  w.store.FileDue("GZ20260316999999", Local(2026, 3, 16, 8));
  CHECK(w.store.DueSize() == 1);
  REQUIRE(w.monitor.DuePass(10).ok());
  CHECK(w.store.DueSize() == 0);
}

TEST_CASE("the calendar answers through the monitor, in the city's time zone") {
  World w;
  v1::QueryCalendarRequest q;
  *q.mutable_from() = Stamp(Local(2026, 10, 10, 9));
  q.set_add_working_days(1);
  absl::StatusOr<v1::QueryCalendarResponse> a = w.monitor.QueryCalendar(q);
  REQUIRE(a.ok());
  CHECK(a->working_day());
  CHECK(a->make_up_day());
  CHECK(Show(a->result()) == "2026-10-12 09:00");  // Sunday 10-11 is off
  *q.mutable_from() = Stamp(Local(2026, 10, 3, 9));
  a = w.monitor.QueryCalendar(q);
  REQUIRE(a.ok());
  CHECK_FALSE(a->working_day());
  CHECK(a->holiday() == "国庆节");
  *q.mutable_from() = Stamp(Local(2027, 1, 4, 9));
  CHECK(absl::IsFailedPrecondition(w.monitor.QueryCalendar(q).status()));
}

}  // namespace
}  // namespace hotline::sla

namespace hotline::sla {
namespace {

TEST_CASE("the fire lag is reported in wall seconds under a fast city clock") {
  // Issue 24: at the demo's x60 clock a mark written 100 ms (wall) late is 6
  // city seconds late; the operator's alert is about the 100 ms.
  prometheus::Registry registry;
  SlaMetrics metrics(registry, 60);
  Mark mark;
  mark.clock = "closing";
  mark.kind = MarkKind::kWarning;
  metrics.Fired(mark, absl::Seconds(6));
  double sum = -1;
  for (const prometheus::MetricFamily& f : registry.Collect()) {
    if (f.name == "hotline_sla_fire_lag_seconds") sum = f.metric.at(0).histogram.sample_sum;
  }
  CHECK(sum == Approx(0.1));
}

TEST_CASE("the due loop wakes when the earliest mark falls due, not a whole interval later") {
  World w;
  const std::string id = w.Create("GZ20260105000001", v1::ORDER_TYPE_COMPLAINT, false, Local(2026, 1, 5, 9));
  absl::StatusOr<std::optional<absl::Time>> due = w.store.NextDue();
  REQUIRE(due.ok());
  REQUIRE(due->has_value());
  w.clock.Set(**due - absl::Milliseconds(300));
  prometheus::Registry registry;
  SlaMetrics metrics(registry);
  // An interval far longer than the test: only sleeping until the due moment
  // fires the mark in time.
  DueLoop loop(w.monitor, w.store, metrics, absl::Seconds(30), 100);
  const absl::Time started = absl::Now();
  loop.Start();
  absl::SleepFor(absl::Milliseconds(100));
  w.clock.Set(**due);  // the city clock reaches the mark before the loop wakes
  while (w.MarksOf(id).empty() && absl::Now() - started < absl::Seconds(5)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  const absl::Duration took = absl::Now() - started;
  loop.Stop();
  CHECK(w.MarksOf(id).size() == 1);
  CHECK(took < absl::Seconds(2));
}

}  // namespace
}  // namespace hotline::sla
