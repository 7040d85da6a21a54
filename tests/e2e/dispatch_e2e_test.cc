// End-to-end through the gateway with the real binaries: the life of work
// orders across the centre, districts, streets and departments.
#include <signal.h>

#include <atomic>
#include <barrier>
#include <catch2/catch.hpp>
#include <functional>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "e2e/stack.h"

namespace hotline::testing {
namespace {

using v1::ActRequest;

std::string CreateOrder(v1::Hotline::Stub& stub, const std::string& category = "010101",
                        const std::string& district = "440106") {
  return FileOrder(stub, ComplaintIn(category, district)).id();
}

// Waits until auto-dispatch has routed the order.
v1::WorkOrder WaitDispatched(v1::Hotline::Stub& stub, const std::string& id) {
  for (int i = 0; i < 200; ++i) {
    v1::WorkOrder o = GetOrder(stub, id);
    if (o.state() != v1::ORDER_STATE_CREATED) return o;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("order " << id << " was not auto-dispatched within 10 s");
  return {};
}

absl::StatusOr<v1::WorkOrder> Act(v1::Hotline::Stub& stub, const std::string& token,
                                  const std::string& id, v1::Action action,
                                  const std::function<void(ActRequest&)>& fill = {}) {
  ActRequest r;
  r.set_order_id(id);
  r.set_action(action);
  if (fill) fill(r);
  auto ctx = CallContext(token);
  v1::ActResponse response;
  grpc::Status s = stub.Act(ctx.get(), r, &response);
  if (!s.ok())
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
  return response.order();
}

// Acts and requires success; returns the order after.
v1::WorkOrder Must(absl::StatusOr<v1::WorkOrder> result) {
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return *result;
}

// The history is complete and in order: seq 1..n, each step starting where
// the previous one ended. Returns the actions.
std::vector<std::string> CheckHistory(const v1::WorkOrder& o) {
  std::vector<std::string> actions;
  v1::OrderState at = v1::ORDER_STATE_UNSPECIFIED;
  for (int i = 0; i < o.history_size(); ++i) {
    const v1::HistoryEntry& h = o.history(i);
    INFO(o.id() << " entry " << i + 1 << " " << h.action());
    CHECK(h.seq() == i + 1);
    CHECK(h.from_state() == at);
    CHECK_FALSE(h.actor().user_id().empty());
    at = h.to_state();
    actions.push_back(h.action());
  }
  CHECK(at == o.state());
  CHECK(o.version() == o.history_size());
  CHECK(o.history_total() == o.history_size());
  return actions;
}

}  // namespace

TEST_CASE("a complaint goes to its district, down to a street, is redone and archived",
          "[e2e][dispatch]") {
  Stack stack;
  auto stub = stack.NewClient();
  const std::string id = CreateOrder(*stub, "010101", "440106");  // night construction noise
  v1::WorkOrder o = WaitDispatched(*stub, id);
  CHECK(o.state() == v1::ORDER_STATE_DISPATCHED);
  CHECK(o.assigned_unit_code() == "440106");  // a local matter: the district
  CHECK(absl::StartsWith(o.dispatch_rule(), "01"));
  CHECK(o.history(1).actor().user_id() == "system:auto-dispatch");
  CHECK(absl::StrContains(o.history(1).note(), "catalogue entry"));

  Must(Act(*stub, kHandlerToken, id, v1::ACTION_SIGN));
  o = Must(Act(*stub, kHandlerToken, id, v1::ACTION_REQUEST_HAND_DOWN,
               [](auto& r) { r.set_unit_code("440106001"); }));
  CHECK(o.pending_unit_code() == "440106001");
  o = Must(Act(*stub, kDispatcherToken, id, v1::ACTION_APPROVE_HAND_DOWN));
  CHECK(o.assigned_unit_code() == "440106001");
  CHECK(o.state() == v1::ORDER_STATE_DISPATCHED);
  // The district no longer holds it.
  CHECK(Act(*stub, kHandlerToken, id, v1::ACTION_SIGN).status().code() ==
        absl::StatusCode::kPermissionDenied);
  Must(Act(*stub, kStreetToken, id, v1::ACTION_SIGN));
  Must(Act(*stub, kStreetToken, id, v1::ACTION_REPLY,
           [](auto& r) { r.set_note("已责令工地夜间停工"); }));
  Must(Act(*stub, kDispatcherToken, id, v1::ACTION_APPROVE_REPLY));
  o = Must(Act(*stub, kDispatcherToken, id, v1::ACTION_CALLBACK,
               [](auto& r) { r.set_rating(v1::RATING_DISSATISFIED); }));
  CHECK(o.state() == v1::ORDER_STATE_CALLBACK_PENDING);
  CHECK(o.last_rating() == v1::RATING_DISSATISFIED);
  o = Must(Act(*stub, kDispatcherToken, id, v1::ACTION_REDO,
               [](auto& r) { r.set_note("施工仍在继续"); }));
  CHECK(o.state() == v1::ORDER_STATE_DISPATCHED);
  CHECK(o.redo_count() == 1);
  Must(Act(*stub, kStreetToken, id, v1::ACTION_SIGN));
  Must(Act(*stub, kStreetToken, id, v1::ACTION_REPLY, [](auto& r) { r.set_note("已查处并罚款"); }));
  Must(Act(*stub, kDispatcherToken, id, v1::ACTION_APPROVE_REPLY));
  o = Must(Act(*stub, kDispatcherToken, id, v1::ACTION_CALLBACK,
               [](auto& r) { r.set_rating(v1::RATING_SATISFIED); }));
  CHECK(o.state() == v1::ORDER_STATE_CLOSED);
  o = Must(Act(*stub, kDispatcherToken, id, v1::ACTION_ARCHIVE));
  CHECK(o.state() == v1::ORDER_STATE_ARCHIVED);
  const v1::WorkOrder answered = o;

  o = GetOrder(*stub, id);
  // The answer to an action is the order as stored afterwards, history and all.
  CHECK(answered.SerializeAsString() == o.SerializeAsString());
  CHECK(CheckHistory(o) ==
        std::vector<std::string>{"create", "dispatch", "sign", "request_hand_down",
                                 "approve_hand_down", "sign", "reply", "approve_reply", "callback",
                                 "redo", "sign", "reply", "approve_reply", "callback", "archive"});
  CHECK(o.caller().phone().empty());
  // Nothing more can happen to an archived order.
  absl::StatusOr<v1::WorkOrder> late = Act(*stub, kSupervisorToken, id, v1::ACTION_URGE);
  CHECK(late.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(late.status().message(), "archived"));
}

TEST_CASE("a consultation answered on the spot is closed and left alone", "[e2e][dispatch]") {
  Stack stack;
  auto stub = stack.NewClient();
  v1::CreateWorkOrderRequest r = SampleComplaint();
  r.set_type(v1::ORDER_TYPE_CONSULTATION);
  r.mutable_on_spot_answer()->set_knowledge_code("KB.06.01.003");
  auto ctx = CallContext(kAgentToken);
  v1::CreateWorkOrderResponse created;
  REQUIRE(stub->CreateWorkOrder(ctx.get(), r, &created).ok());
  // Give auto-dispatch time to see the event; it must not touch the order.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  v1::WorkOrder o = GetOrder(*stub, created.order().id());
  CHECK(o.state() == v1::ORDER_STATE_CLOSED);
  CHECK(CheckHistory(o) == std::vector<std::string>{"answer_on_spot"});
  o = Must(Act(*stub, kDispatcherToken, o.id(), v1::ACTION_ARCHIVE));
  CHECK(o.state() == v1::ORDER_STATE_ARCHIVED);
}

TEST_CASE("a return is re-dispatched to another unit, another return is rejected",
          "[e2e][dispatch]") {
  Stack stack;
  auto stub = stack.NewClient();
  const std::string id = CreateOrder(*stub, "1201", "440111");  // air pollution in 白云
  v1::WorkOrder o = WaitDispatched(*stub, id);
  REQUIRE(o.assigned_unit_code() == "GZD002");
  // Returning needs a reason.
  CHECK(Act(*stub, kEcologyToken, id, v1::ACTION_RETURN).status().code() ==
        absl::StatusCode::kInvalidArgument);
  o = Must(Act(*stub, kEcologyToken, id, v1::ACTION_RETURN,
               [](auto& r) { r.set_note("系工地扬尘，属住建部门管辖"); }));
  CHECK(o.state() == v1::ORDER_STATE_RETURN_REQUESTED);
  o = Must(Act(*stub, kDispatcherToken, id, v1::ACTION_APPROVE_RETURN,
               [](auto& r) { r.set_unit_code("GZD003"); }));
  CHECK(o.state() == v1::ORDER_STATE_DISPATCHED);
  CHECK(o.assigned_unit_code() == "GZD003");
  CHECK(o.bounce_count() == 2);  // the return and the re-dispatch
  // The housing bureau tries to return it too; the centre says no.
  Must(Act(*stub, kHousingToken, id, v1::ACTION_SIGN));
  Must(Act(*stub, kHousingToken, id, v1::ACTION_RETURN, [](auto& r) { r.set_note("非我局职责"); }));
  o = Must(Act(*stub, kDispatcherToken, id, v1::ACTION_REJECT_RETURN,
               [](auto& r) { r.set_note("工地扬尘属住建局监管"); }));
  CHECK(o.state() == v1::ORDER_STATE_SIGNED);
  CHECK(o.assigned_unit_code() == "GZD003");
  CHECK(o.bounce_count() == 3);
  CHECK(CheckHistory(GetOrder(*stub, id)) == std::vector<std::string>{"create", "dispatch", "return",
                                                                 "approve_return", "sign", "return",
                                                                 "reject_return"});
}

TEST_CASE("a duplicate is closed with its master", "[e2e][dispatch]") {
  Stack stack;
  auto stub = stack.NewClient();
  const std::string master = CreateOrder(*stub, "1201", "440111");
  const std::string dup = CreateOrder(*stub, "1201", "440111");
  WaitDispatched(*stub, master);
  WaitDispatched(*stub, dup);
  CHECK(Act(*stub, kDispatcherToken, dup, v1::ACTION_LINK_DUPLICATE,
            [](auto& r) { r.set_master_order_id("GZ20200101000001"); })
            .status()
            .code() == absl::StatusCode::kInvalidArgument);
  v1::WorkOrder d = Must(Act(*stub, kDispatcherToken, dup, v1::ACTION_LINK_DUPLICATE,
                             [&](auto& r) { r.set_master_order_id(master); }));
  CHECK(d.state() == v1::ORDER_STATE_MERGED);
  CHECK(d.master_order_id() == master);
  Must(Act(*stub, kEcologyToken, master, v1::ACTION_SIGN));
  Must(Act(*stub, kEcologyToken, master, v1::ACTION_REPLY, [](auto& r) { r.set_note("已处理"); }));
  Must(Act(*stub, kDispatcherToken, master, v1::ACTION_APPROVE_REPLY));
  CHECK(GetOrder(*stub, dup).state() == v1::ORDER_STATE_MERGED);
  Must(Act(*stub, kDispatcherToken, master, v1::ACTION_CALLBACK,
           [](auto& r) { r.set_rating(v1::RATING_BASICALLY_SATISFIED); }));
  d = GetOrder(*stub, dup);
  CHECK(d.state() == v1::ORDER_STATE_CLOSED);
  CHECK(d.has_closed_at());
  CHECK(CheckHistory(d) ==
        std::vector<std::string>{"create", "dispatch", "link_duplicate", "close_with_master"});
}

TEST_CASE("every duplicate closes with its root master, however it was linked",
          "[e2e][dispatch]") {
  Stack stack;
  auto stub = stack.NewClient();
  auto order = [&] {
    const std::string id = CreateOrder(*stub, "1201", "440111");
    WaitDispatched(*stub, id);
    return id;
  };
  auto link = [&](const std::string& id, const std::string& master) {
    return Act(*stub, kDispatcherToken, id, v1::ACTION_LINK_DUPLICATE,
               [&](auto& r) { r.set_master_order_id(master); });
  };
  const std::string root = order(), a = order(), a_dup = order(), late = order();
  Must(link(a_dup, a));
  // `a` already has a duplicate when it becomes one itself: its duplicate
  // follows it to the root.
  v1::WorkOrder linked = Must(link(a, root));
  CHECK(linked.master_order_id() == root);
  v1::WorkOrder moved = GetOrder(*stub, a_dup);
  CHECK(moved.master_order_id() == root);
  CHECK(CheckHistory(moved) ==
        std::vector<std::string>{"create", "dispatch", "link_duplicate", "relink_duplicate"});
  // Linking to a duplicate links to its root.
  v1::WorkOrder to_dup = Must(link(late, a_dup));
  CHECK(to_dup.master_order_id() == root);
  CHECK(absl::StrContains(to_dup.history(to_dup.history_size() - 1).note(), a_dup));
  // A cycle is refused, naming the field.
  const std::string other = order();
  Must(link(other, a));  // other -> root (a is a duplicate of root)
  absl::StatusOr<v1::WorkOrder> cycle = link(root, other);
  CHECK(cycle.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StartsWith(cycle.status().message(), "master_order_id:"));

  Must(Act(*stub, kEcologyToken, root, v1::ACTION_SIGN));
  Must(Act(*stub, kEcologyToken, root, v1::ACTION_REPLY, [](auto& r) { r.set_note("已处理"); }));
  Must(Act(*stub, kDispatcherToken, root, v1::ACTION_APPROVE_REPLY));
  Must(Act(*stub, kDispatcherToken, root, v1::ACTION_CALLBACK,
           [](auto& r) { r.set_rating(v1::RATING_SATISFIED); }));
  for (const std::string& id : {a, a_dup, late, other}) {
    INFO(id);
    v1::WorkOrder o = GetOrder(*stub, id);
    CHECK(o.state() == v1::ORDER_STATE_CLOSED);
    CHECK(o.master_order_id() == root);
    CheckHistory(o);
  }
}

TEST_CASE("a street hands up an order sent to it directly: the district must sign",
          "[e2e][dispatch]") {
  Stack stack;
  auto stub = stack.NewClient();
  const std::string id = CreateOrder(*stub);
  WaitDispatched(*stub, id);
  Must(Act(*stub, kDispatcherToken, id, v1::ACTION_DISPATCH,
           [](auto& r) { r.set_unit_code("440106001"); }));
  Must(Act(*stub, kStreetToken, id, v1::ACTION_SIGN));
  v1::WorkOrder up = Must(Act(*stub, kStreetToken, id, v1::ACTION_HAND_UP,
                              [](auto& r) { r.set_note("需区级协调"); }));
  CHECK(up.assigned_unit_code() == "440106");
  CHECK(up.state() == v1::ORDER_STATE_DISPATCHED);  // the district never signed it
  CHECK(Act(*stub, kHandlerToken, id, v1::ACTION_REPLY, [](auto& r) { r.set_note("x"); })
            .status()
            .code() == absl::StatusCode::kFailedPrecondition);
  Must(Act(*stub, kHandlerToken, id, v1::ACTION_SIGN));
  // Handed down by the district and up again: back signed, as it was.
  Must(Act(*stub, kHandlerToken, id, v1::ACTION_REQUEST_HAND_DOWN,
           [](auto& r) { r.set_unit_code("440106001"); }));
  Must(Act(*stub, kDispatcherToken, id, v1::ACTION_APPROVE_HAND_DOWN));
  Must(Act(*stub, kStreetToken, id, v1::ACTION_SIGN));
  v1::WorkOrder back = Must(Act(*stub, kStreetToken, id, v1::ACTION_HAND_UP));
  CHECK(back.state() == v1::ORDER_STATE_SIGNED);
  CHECK(back.assigned_unit_code() == "440106");
}

TEST_CASE("an order with a very long history stays readable, page by page", "[e2e][dispatch]") {
  Stack stack;
  auto stub = stack.NewClient();
  const std::string id = CreateOrder(*stub);
  WaitDispatched(*stub, id);
  // Notes are bounded: the history cannot grow by megabytes in one step.
  absl::StatusOr<v1::WorkOrder> huge = Act(*stub, kSupervisorToken, id, v1::ACTION_URGE,
                                           [](auto& r) { r.set_note(std::string(1001, 'x')); });
  CHECK(huge.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StartsWith(huge.status().message(), "note:"));
  // 1,300 urges with the longest notes: more than one answer could carry.
  std::string note;
  for (int i = 0; i < 1000; ++i) note += "催";  // 3,000 bytes of UTF-8
  v1::WorkOrder last;
  for (int i = 0; i < 1300; ++i) {
    last = Must(Act(*stub, kSupervisorToken, id, v1::ACTION_URGE, [&](auto& r) { r.set_note(note); }));
  }
  // An action answers with the latest entries and says how many there are.
  CHECK(last.history_total() == 1302);
  CHECK(last.history_size() == 100);
  CHECK(last.history(99).seq() == 1302);
  // Get pages through all of it.
  int64_t next_seq = 1;
  for (int offset = 0; offset < 1302; offset += 500) {
    auto ctx = CallContext(kAgentToken);
    v1::GetWorkOrderRequest r;
    r.set_id(id);
    r.set_history_offset(offset);
    r.set_history_limit(500);
    v1::GetWorkOrderResponse page;
    grpc::Status s = stub->GetWorkOrder(ctx.get(), r, &page);
    INFO(s.error_message());
    REQUIRE(s.ok());
    CHECK(page.order().history_total() == 1302);
    for (const v1::HistoryEntry& e : page.order().history()) CHECK(e.seq() == next_seq++);
  }
  CHECK(next_seq == 1303);
  CHECK(GetOrder(*stub, id).history_size() == 200);  // the default page
  auto ctx = CallContext(kAgentToken);
  v1::GetWorkOrderRequest too_many;
  too_many.set_id(id);
  too_many.set_history_limit(501);
  v1::GetWorkOrderResponse ignored;
  CHECK(stub->GetWorkOrder(ctx.get(), too_many, &ignored).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("of racing conflicting transitions exactly one wins each step", "[e2e][dispatch]") {
  Stack stack;
  auto stub = stack.NewClient();
  const std::string id = CreateOrder(*stub);
  WaitDispatched(*stub, id);
  constexpr int kClients = 20;
  // Each step: half the clients try one action, half another; all at once.
  struct Round {
    const char* token_a;
    v1::Action a;
    const char* token_b;
    v1::Action b;
  };
  // Two conflicting actions that are both allowed in the order's state.
  auto round_for = [](v1::OrderState state) -> Round {
    switch (state) {
      case v1::ORDER_STATE_DISPATCHED:
        return {kHandlerToken, v1::ACTION_SIGN, kHandlerToken, v1::ACTION_RETURN};
      case v1::ORDER_STATE_SIGNED:
        return {kHandlerToken, v1::ACTION_REPLY, kHandlerToken, v1::ACTION_RETURN};
      case v1::ORDER_STATE_RETURN_REQUESTED:
        return {kDispatcherToken, v1::ACTION_REJECT_RETURN, kSupervisorToken, v1::ACTION_SUPERVISE};
      case v1::ORDER_STATE_REPLIED:
        return {kDispatcherToken, v1::ACTION_APPROVE_REPLY, kDispatcherToken, v1::ACTION_SEND_BACK};
      case v1::ORDER_STATE_SENT_BACK:
        return {kHandlerToken, v1::ACTION_REPLY, kSupervisorToken, v1::ACTION_URGE};
      default:
        return {kSupervisorToken, v1::ACTION_URGE, kSupervisorToken, v1::ACTION_SUPERVISE};
    }
  };
  for (int step = 0; step < 5; ++step) {
    const Round round = round_for(GetOrder(*stub, id).state());
    const int64_t before = GetOrder(*stub, id).version();
    std::barrier start(kClients);
    std::atomic<int> ok{0}, lost{0}, other{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.emplace_back([&, i] {
        auto my_stub = stack.NewClient();
        bool first = i % 2 == 0;
        start.arrive_and_wait();
        auto result = Act(*my_stub, first ? round.token_a : round.token_b, id,
                          first ? round.a : round.b, [&](auto& r) {
                            r.set_note("理由");
                            r.set_expected_version(before);
                          });
        if (result.ok()) {
          ++ok;
        } else if (result.status().code() == absl::StatusCode::kAborted ||
                   result.status().code() == absl::StatusCode::kFailedPrecondition) {
          ++lost;
        } else {
          ++other;
        }
      });
    }
    for (auto& t : clients) t.join();
    CHECK(ok == 1);
    CHECK(lost == kClients - 1);
    CHECK(other == 0);
    v1::WorkOrder o = GetOrder(*stub, id);
    CHECK(o.version() == before + 1);
    CheckHistory(o);
  }
}

TEST_CASE("a retried action with its idempotency key is done once", "[e2e][dispatch]") {
  Stack stack;
  auto stub = stack.NewClient();
  const std::string id = CreateOrder(*stub);
  WaitDispatched(*stub, id);
  auto sign = [&](const char* key) {
    ActRequest r;
    r.set_order_id(id);
    r.set_action(v1::ACTION_SIGN);
    r.set_idempotency_key(key);
    auto ctx = CallContext(kHandlerToken);
    v1::ActResponse response;
    grpc::Status s = stub->Act(ctx.get(), r, &response);
    REQUIRE(s.ok());
    return response;
  };
  v1::ActResponse first = sign("sign-once-1");
  v1::ActResponse again = sign("sign-once-1");
  CHECK_FALSE(first.replayed());
  CHECK(again.replayed());
  CHECK(again.order().version() == first.order().version());
  CHECK(CheckHistory(GetOrder(*stub, id)) == std::vector<std::string>{"create", "dispatch", "sign"});
}

TEST_CASE("units see their own work queues", "[e2e][dispatch]") {
  Stack stack;
  auto stub = stack.NewClient();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(CreateOrder(*stub));
  for (const auto& id : ids) WaitDispatched(*stub, id);
  Must(Act(*stub, kHandlerToken, ids[0], v1::ACTION_SIGN));
  auto queue = [&](const char* token, const std::string& unit, v1::OrderState state,
                   const std::string& page_token = "") {
    v1::ListQueueRequest r;
    r.set_unit_code(unit);
    r.set_state(state);
    r.set_page_size(3);
    r.set_page_token(page_token);
    r.set_oldest_first(true);
    auto ctx = CallContext(token);
    v1::ListQueueResponse response;
    grpc::Status s = stub->ListQueue(ctx.get(), r, &response);
    return std::make_pair(s, response);
  };
  auto [s1, to_sign] = queue(kHandlerToken, "440106", v1::ORDER_STATE_DISPATCHED);
  REQUIRE(s1.ok());
  CHECK(to_sign.orders_size() == 3);
  auto [s2, rest] =
      queue(kHandlerToken, "440106", v1::ORDER_STATE_DISPATCHED, to_sign.next_page_token());
  REQUIRE(s2.ok());
  CHECK(rest.orders_size() == 1);
  // Both pages: the four unsigned orders (ids[0] was signed), each once, oldest
  // first by when they entered the queue. Auto-dispatch routes a batch of
  // events concurrently, so that need not be the order they were created in.
  std::vector<v1::WorkOrder> waiting(to_sign.orders().begin(), to_sign.orders().end());
  waiting.insert(waiting.end(), rest.orders().begin(), rest.orders().end());
  auto entered_ms = [](const v1::WorkOrder& o) {
    return o.updated_at().seconds() * 1000 + o.updated_at().nanos() / 1000000;
  };
  std::set<std::string> waiting_ids;
  for (size_t i = 0; i < waiting.size(); ++i) {
    waiting_ids.insert(waiting[i].id());
    if (i > 0) CHECK(entered_ms(waiting[i - 1]) <= entered_ms(waiting[i]));
  }
  CHECK(waiting_ids == std::set<std::string>(ids.begin() + 1, ids.end()));
  auto [s3, in_progress] = queue(kHandlerToken, "440106", v1::ORDER_STATE_SIGNED);
  REQUIRE(in_progress.orders_size() == 1);
  CHECK(in_progress.orders(0).id() == ids[0]);
  CHECK(queue(kStreetToken, "440106", v1::ORDER_STATE_DISPATCHED).first.error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);
  CHECK(queue(kDispatcherToken, "440106", v1::ORDER_STATE_DISPATCHED).first.ok());
}

TEST_CASE("a dispatcher overrides auto-dispatch before the unit signs", "[e2e][dispatch]") {
  Stack stack;
  auto stub = stack.NewClient();
  const std::string id = CreateOrder(*stub);
  REQUIRE(WaitDispatched(*stub, id).assigned_unit_code() == "440106");
  // Only the centre may.
  CHECK(
      Act(*stub, kHandlerToken, id, v1::ACTION_DISPATCH, [](auto& r) { r.set_unit_code("GZD002"); })
          .status()
          .code() == absl::StatusCode::kPermissionDenied);
  v1::WorkOrder o = Must(Act(*stub, kDispatcherToken, id, v1::ACTION_DISPATCH, [](auto& r) {
    r.set_unit_code("GZD002");
    r.set_note("工业噪声，转生态环境局");
  }));
  CHECK(o.assigned_unit_code() == "GZD002");
  CHECK(o.bounce_count() == 1);
  Must(Act(*stub, kEcologyToken, id, v1::ACTION_SIGN));
  // Once signed, only a return moves it.
  CHECK(Act(*stub, kDispatcherToken, id, v1::ACTION_DISPATCH,
            [](auto& r) { r.set_unit_code("440106"); })
            .status()
            .code() == absl::StatusCode::kFailedPrecondition);
  CHECK(CheckHistory(GetOrder(*stub, id)) ==
        std::vector<std::string>{"create", "dispatch", "dispatch", "sign"});
}

TEST_CASE("auto-dispatch goes on after its consumer group was lost, and overrides no one",
          "[e2e][dispatch]") {
  Stack stack;
  auto stub = stack.NewClient();
  // A dispatcher moved this order by hand after auto-dispatch had routed it.
  const std::string by_hand = CreateOrder(*stub);
  WaitDispatched(*stub, by_hand);
  Must(Act(*stub, kDispatcherToken, by_hand, v1::ACTION_DISPATCH,
           [](auto& r) { r.set_unit_code("GZD002"); }));
  // E.g. Redis restored from a backup taken before the group existed: the
  // group is made again and re-reads the stream from its start.
  REQUIRE(stack.redis_client().Execute({"XGROUP", "DESTROY", "hotline:events", "dispatch"}).ok());
  v1::WorkOrder o = WaitDispatched(*stub, CreateOrder(*stub));
  CHECK(o.state() == v1::ORDER_STATE_DISPATCHED);
  CHECK(CheckHistory(o) == std::vector<std::string>{"create", "dispatch"});
  // The old order's event was read again and found moot: the dispatcher's
  // choice stands, and nothing was parked as a poison event.
  for (int i = 0; i < 100 && !absl::StrContains(HttpGet(stack.dispatch_metrics_port(), "/metrics"),
                                                "hotline_dispatch_events_total{result=\"moot\"} 1");
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(absl::StrContains(HttpGet(stack.dispatch_metrics_port(), "/metrics"),
                          "hotline_dispatch_events_total{result=\"moot\"} 1"));
  v1::WorkOrder kept = GetOrder(*stub, by_hand);
  CHECK(kept.assigned_unit_code() == "GZD002");
  CHECK(kept.bounce_count() == 1);
  CHECK(CheckHistory(kept) == std::vector<std::string>{"create", "dispatch", "dispatch"});
  CHECK(stack.redis_client().Execute({"XLEN", "hotline:events:dead"})->integer == 0);
}

TEST_CASE("a replica started while Redis is down routes once Redis is back", "[e2e][dispatch]") {
  Stack stack(Stack::Options{.auto_dispatch = false});
  auto stub = stack.NewClient();
  stack.redis().Stop();
  ServiceProcess late(HOTLINE_DISPATCH_BIN,
                      {"--host=127.0.0.1", "--grpc_port=0", "--metrics_port=0",
                       "--identity_secret_file=" + stack.identity_secret_file("dispatch"),
                       "--redis=" + stack.redis().address(),
                       std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data",
                       "--consumer_name=late", "--auto_dispatch=true"},
                      stack.dir() + "/late-dispatch.log");
  late.WaitForServingPorts(absl::Seconds(20));
  absl::SleepFor(absl::Seconds(1));  // its loop meets a Redis that is not there
  stack.redis().Start();
  // Intake's connections from before the restart are replaced before use, so
  // the first create after it works; `late` routes it.
  v1::WorkOrder o = WaitDispatched(*stub, CreateOrder(*stub));
  REQUIRE(o.state() == v1::ORDER_STATE_DISPATCHED);
  CHECK(o.history(1).actor().user_id() == "system:auto-dispatch");
}

TEST_CASE("an event that keeps failing is parked in events:dead, and the rest flow on",
          "[e2e][dispatch]") {
  Stack stack(Stack::Options{.reclaim_idle = "500ms", .max_deliveries = 2});
  auto stub = stack.NewClient();
  // An order record that cannot be read (damaged by hand, say): routing it
  // fails every time.
  const std::string bad = "GZ20261128999999";
  redis::Client& redis = stack.redis_client();
  REQUIRE(redis.Execute({"HSET", "hotline:order:{" + bad + "}", "state", "1"}).ok());
  REQUIRE(redis
              .Execute({"XADD", "hotline:events", "*", "event", "order.created", "order_id", bad,
                        "version", "1", "state", "1"})
              .ok());
  // Orders after it are routed all the same.
  v1::WorkOrder good = WaitDispatched(*stub, CreateOrder(*stub));
  CHECK(good.state() == v1::ORDER_STATE_DISPATCHED);

  absl::StatusOr<redis::Reply> dead;
  const absl::Time until = absl::Now() + absl::Seconds(20);
  do {
    absl::SleepFor(absl::Milliseconds(200));
    dead = redis.Execute({"XRANGE", "hotline:events:dead", "-", "+"});
    REQUIRE(dead.ok());
  } while (dead->elements.empty() && absl::Now() < until);
  REQUIRE(dead->elements.size() == 1);
  // Parked with the event's own fields, for a person to look at.
  const redis::Reply& fields = dead->elements[0].elements[1];
  std::vector<std::string> flat;
  for (const redis::Reply& f : fields.elements) flat.push_back(f.str);
  CHECK(std::find(flat.begin(), flat.end(), bad) != flat.end());
  CHECK(std::find(flat.begin(), flat.end(), "source_id") != flat.end());
  // Acknowledged: nothing of it stays pending.
  absl::StatusOr<redis::Reply> pending = redis.Execute({"XPENDING", "hotline:events", "dispatch"});
  REQUIRE(pending.ok());
  CHECK(pending->elements[0].integer == 0);
  const std::string metrics = HttpGet(stack.dispatch_metrics_port(), "/metrics");
  CHECK(absl::StrContains(metrics, "hotline_dispatch_events_total{result=\"dead_lettered\"} 1"));
}

TEST_CASE("supervision marks count on open orders", "[e2e][dispatch]") {
  Stack stack;
  auto stub = stack.NewClient();
  const std::string id = CreateOrder(*stub);
  WaitDispatched(*stub, id);
  Must(
      Act(*stub, kSupervisorToken, id, v1::ACTION_URGE, [](auto& r) { r.set_note("请尽快签收"); }));
  v1::WorkOrder o = Must(Act(*stub, kSupervisorToken, id, v1::ACTION_SUPERVISE));
  CHECK(o.urge_count() == 1);
  CHECK(o.supervise_count() == 1);
  CHECK(o.state() == v1::ORDER_STATE_DISPATCHED);
  CHECK(Act(*stub, kHandlerToken, id, v1::ACTION_URGE).status().code() ==
        absl::StatusCode::kPermissionDenied);
}

TEST_CASE("killing a dispatch replica while 1,000 orders flow routes each exactly once",
          "[e2e][dispatch][slow]") {
  Stack stack(Stack::Options{.dispatch_replicas = 2});
  constexpr int kOrders = 1000, kThreads = 8;
  std::atomic<int> created{0}, failed{0};
  std::vector<std::thread> agents;
  for (int t = 0; t < kThreads; ++t) {
    // No Catch2 assertions in these threads (they are not thread-safe): count.
    agents.emplace_back([&] {
      auto stub = stack.NewClient();
      while (true) {
        int n = created.fetch_add(1);
        if (n >= kOrders) break;
        v1::CreateWorkOrderRequest r = SampleComplaint();
        r.set_category_code(n % 2 ? "010101" : "1201");
        if (n % 2 == 0) {
          r.mutable_location()->set_district_code("440111");
          r.mutable_location()->clear_street_code();
        }
        auto ctx = CallContext(kAgentToken);
        v1::CreateWorkOrderResponse response;
        if (!stub->CreateWorkOrder(ctx.get(), r, &response).ok()) ++failed;
      }
    });
  }
  // Kill one replica (no goodbye: SIGKILL) while orders keep coming.
  while (created < kOrders / 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(stack.dispatch(0).pid(), SIGKILL);
  for (auto& t : agents) t.join();
  REQUIRE(failed == 0);

  // The survivor routes the rest and reclaims what the dead one held.
  auto waiting = [&] {
    absl::StatusOr<redis::Reply> r = stack.redis_client().Execute(
        {"ZCARD", absl::StrCat("hotline:idx:state:", static_cast<int>(v1::ORDER_STATE_CREATED))});
    return r.ok() ? r->integer : -1;
  };
  for (int i = 0; i < 300 && waiting() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(waiting() == 0);
  // Each order has exactly one dispatch step in its history.
  absl::StatusOr<redis::Reply> counts = stack.redis_client().Execute(
      {"EVAL",
       "local once, other = 0, 0 "
       "for _, id in ipairs(redis.call('ZRANGE', 'hotline:idx:all', 0, -1)) do "
       "  local n = 0 "
       "  for _, e in ipairs(redis.call('LRANGE', 'hotline:order:{' .. id .. '}:history', 0, -1)) "
       "do "
       "    if string.find(e, '\"action\":\"dispatch\"', 1, true) then n = n + 1 end "
       "  end "
       "  if n == 1 then once = once + 1 else other = other + 1 end "
       "end return {once, other}",
       "0"});
  REQUIRE(counts.ok());
  REQUIRE(counts->elements.size() == 2);
  CHECK(counts->elements[0].integer == kOrders);
  CHECK(counts->elements[1].integer == 0);
  // Redeliveries of what the dead replica held were moot or routed, never
  // poison: nothing was parked.
  CHECK(stack.redis_client().Execute({"XLEN", "hotline:events:dead"})->integer == 0);
}

}  // namespace hotline::testing
