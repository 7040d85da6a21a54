// The handler's live queue and the order view, driven under Xvfb against a
// real stack.
#include <QElapsedTimer>
#include <QTest>
#include <catch2/catch.hpp>
#include <cstdio>

#include "desktop/desk.h"
#include "e2e/stack.h"
#include "support/service_process.h"
#include "tools/desktop/order_view.h"
#include "tools/desktop/queue_view.h"

namespace hotline::testing {
namespace {

std::string CreateComplaint(v1::Hotline::Stub& stub) {
  v1::CreateWorkOrderResponse created;
  auto ctx = CallContext(kAgentToken);
  REQUIRE(stub.CreateWorkOrder(ctx.get(), SampleComplaint(), &created).ok());
  return created.order().id();
}

void Dispatch(v1::Hotline::Stub& stub, const std::string& id, const std::string& unit) {
  v1::ActRequest r;
  r.set_order_id(id);
  r.set_action(v1::ACTION_DISPATCH);
  r.set_unit_code(unit);
  v1::ActResponse done;
  auto ctx = CallContext(kDispatcherToken);
  grpc::Status s = stub.Act(ctx.get(), r, &done);
  INFO(s.error_message());
  REQUIRE(s.ok());
}

// A stack that dispatches by hand and runs an SLA monitor (deadlines and
// colours), with one order dispatched to 天河区.
struct StackWithOrder {
  static Stack::Options Options() {
    Stack::Options options;
    options.auto_dispatch = false;
    options.sla_replicas = 1;
    return options;
  }
  Stack stack{Options()};
  std::unique_ptr<v1::Hotline::Stub> stub = stack.NewClient();
  std::string id = [this] {
    std::string created = CreateComplaint(*stub);
    Dispatch(*stub, created, "440106");
    return created;
  }();
};

}  // namespace

TEST_CASE("desktop: a handler's queue shows a newly dispatched order within 1 s, with no polling",
          "[desktop]") {
  StackWithOrder setup;
  Stack& stack = setup.stack;
  auto& stub = setup.stub;
  const std::string waiting = setup.id;

  // A unit handler's desk opens on its unit's live queue: the snapshot.
  Desk desk(stack.gateway_address(), TokenFor(kHandlerToken));
  desktop::QueueView& queue = *desk.window().queue_view();
  REQUIRE(desk.WaitFor([&] { return queue.snapshot_done(); }));
  CHECK(queue.Has(QString::fromStdString(waiting)));
  const double reads_before = StartedCalls(stack.gateway_metrics_port(), "ListQueue");

  const std::string fresh = CreateComplaint(*stub);
  QElapsedTimer clock;
  clock.start();
  Dispatch(*stub, fresh, "440106");
  REQUIRE(desk.WaitFor([&] { return queue.Has(QString::fromStdString(fresh)); }, 5000));
  const qint64 ms = clock.elapsed();
  std::printf("desktop: the dispatched order %s was in the handler's queue %lld ms after the dispatch returned\n",
              fresh.c_str(), static_cast<long long>(ms));
  CHECK(ms <= 1000);
  CHECK(queue.ColourOf(QString::fromStdString(fresh)) != v1::SLA_COLOUR_RED);
  desk.Screenshot("queue");

  // Signing with Ctrl+S (the CLI's `act ID sign`): the queue updates itself.
  queue.Select(QString::fromStdString(fresh));
  bool acted = false, ok = false;
  QObject::connect(&queue, &desktop::QueueView::acted, [&](bool success) {
    acted = true;
    ok = success;
  });
  desk.Key(Qt::Key_S, Qt::ControlModifier);
  REQUIRE(desk.WaitFor([&] { return acted; }));
  CHECK(ok);
  REQUIRE(desk.WaitFor([&] { return queue.StateOf(QString::fromStdString(fresh)) == v1::ORDER_STATE_SIGNED; }));
  // No queue reads: everything came down the stream.
  CHECK(StartedCalls(stack.gateway_metrics_port(), "ListQueue") == reads_before);
  CHECK(StartedCalls(stack.gateway_metrics_port(), "WatchQueue") >= 1);

  // The gateway restarts: the desk reconnects by itself (from the last
  // position it saw) and the next dispatched order arrives.
  stack.Kill(Stack::Process::kGateway);
  stack.Start(Stack::Process::kGateway);
  auto again = stack.NewClient();
  const std::string after = CreateComplaint(*again);
  Dispatch(*again, after, "440106");
  REQUIRE(desk.WaitFor([&] { return queue.Has(QString::fromStdString(after)); }, 10000));
  CHECK(queue.Has(QString::fromStdString(fresh)));
  CHECK(StartedCalls(stack.gateway_metrics_port(), "ListQueue") == 0);
}

TEST_CASE("desktop: the order view shows the timeline and reveals the number only with a reason", "[desktop]") {
  StackWithOrder setup;
  Stack& stack = setup.stack;
  const std::string id = setup.id;

  Desk desk(stack.gateway_address(), TokenFor(kDispatcherToken));
  desktop::OrderView& view = *desk.window().order_view();
  desk.Key(Qt::Key_2, Qt::ControlModifier);
  desk.Key(Qt::Key_L, Qt::ControlModifier);
  desk.Type(QString::fromStdString(id));
  bool shown = false;
  QObject::connect(&view, &desktop::OrderView::shown, [&] { shown = true; });
  desk.Key(Qt::Key_Return);
  REQUIRE(desk.WaitFor([&] { return shown; }));
  CHECK(view.timeline_rows() >= 2);  // created, dispatched
  REQUIRE(desk.WaitFor([&] { return view.deadlines_text().contains("办结时限"); }));
  CHECK(view.shown_phone().contains("138****5678"));
  CHECK_FALSE(view.shown_phone().contains("13812345678"));
  desk.Screenshot("order_view");

  bool revealed = false;
  QObject::connect(&view, &desktop::OrderView::revealed, [&] { revealed = true; });
  view.RevealWithReason("");  // no reason: refused by the server, nothing shown
  REQUIRE(desk.WaitFor([&] { return revealed; }));
  CHECK_FALSE(view.shown_phone().contains("13812345678"));
  revealed = false;
  view.RevealWithReason("回访来电人");
  REQUIRE(desk.WaitFor([&] { return revealed; }));
  CHECK(view.shown_phone().contains("13812345678"));
}

}  // namespace hotline::testing
