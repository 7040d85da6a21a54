// The agent's call screen, driven with keys under Xvfb against a real stack.
#include <signal.h>

#include <QLabel>
#include <QListWidget>
#include <QTest>
#include <catch2/catch.hpp>
#include <cstdio>

#include "desktop/desk.h"
#include "e2e/stack.h"
#include "tools/desktop/call_screen.h"
#include "tools/desktop/order_view.h"

namespace hotline::testing {
namespace {

v1::FindOrdersByPhoneResponse OrdersOf(Stack& stack, const std::string& phone) {
  auto stub = stack.NewClient();
  v1::FindOrdersByPhoneRequest r;
  r.set_phone(phone);
  r.set_page_size(50);
  v1::FindOrdersByPhoneResponse found;
  auto ctx = CallContext(kAgentToken);
  REQUIRE(stub->FindOrdersByPhone(ctx.get(), r, &found).ok());
  return found;
}

// A desk signed in as the agent, with the directory loaded.
std::unique_ptr<Desk> AgentDesk(Stack& stack, const char* identity = kAgentToken) {
  auto desk = std::make_unique<Desk>(stack.gateway_address(), TokenFor(identity));
  REQUIRE(desk->WaitFor([&] { return desk->window().call_screen()->directory_loaded(); }));
  return desk;
}

}  // namespace

TEST_CASE("desktop: an agent files a complaint with the keyboard alone", "[desktop]") {
  Stack stack;
  auto desk = AgentDesk(stack);
  desktop::CallScreen& call = *desk->window().call_screen();
  const std::string phone = "13800138001";

  // The form says what is missing as it is typed, with intake's messages.
  CHECK(call.Problem().toStdString() == "caller.phone: is required");
  desk->Type(QString::fromStdString(phone));
  desk->Key(Qt::Key_Tab);
  desk->Type("王女士");
  desk->Key(Qt::Key_Tab);
  desk->Type("2");  // 2 投诉
  desk->Key(Qt::Key_Tab);
  desk->Type("五山路工地夜间施工噪声扰民，凌晨两点仍在打桩。");
  CHECK(call.Problem().toStdString() == "location.district_code: is required");
  desk->Key(Qt::Key_Tab);
  desk->Type("天河");
  desk->Key(Qt::Key_Tab);
  desk->Type("五山");
  desk->Key(Qt::Key_Tab);
  desk->Type("五山路100号");
  desk->Key(Qt::Key_Tab);
  desk->Type("夜间施工");
  desk->Key(Qt::Key_Tab);
  CHECK(call.Problem().isEmpty());
  QTest::qWait(1100);  // a call lasts a second at least: its handling time is reported
  desk->Key(Qt::Key_Return, Qt::ControlModifier);
  REQUIRE(desk->WaitFor([&] { return !call.filed_order().isEmpty(); }));
  std::printf("desktop: complaint filed as %s in %d keystrokes (a Chinese character counted as one)\n",
              call.filed_order().toStdString().c_str(), desk->keystrokes());
  desk->Screenshot("call_screen_complaint");

  auto stub = stack.NewClient();
  const v1::WorkOrder order = GetOrder(*stub, call.filed_order().toStdString());
  CHECK(order.type() == v1::ORDER_TYPE_COMPLAINT);
  CHECK(order.caller().name() == "王女士");
  CHECK(order.location().district_code() == "440106");
  CHECK(order.location().street_code() == "440106001");
  CHECK(order.location().address() == "五山路100号");
  CHECK(order.category_code() == "010101");
  CHECK(order.content() == "五山路工地夜间施工噪声扰民，凌晨两点仍在打桩。");
  CHECK(order.handling_time().seconds() >= 1);
  CHECK(order.created_by().role() == v1::ROLE_AGENT);
  // The number is large on the screen, to read out.
  auto* number = desk->window().findChild<QLabel*>("orderNumber");
  REQUIRE(number != nullptr);
  CHECK(number->text() == call.filed_order());
  CHECK(number->font().pointSize() >= 30);
}

TEST_CASE("desktop: a bad field gets intake's message and nothing is filed", "[desktop]") {
  Stack stack;
  auto desk = AgentDesk(stack);
  desktop::CallScreen& call = *desk->window().call_screen();
  desk->Type("12345");  // not a phone number
  desk->Key(Qt::Key_Tab);
  CHECK(call.Problem().toStdString() == "caller.phone: is not a Chinese mobile or landline number");
  desk->Key(Qt::Key_Return, Qt::ControlModifier);
  QApplication::processEvents();
  CHECK(call.filed_order().isEmpty());
  // The field named is where the cursor goes back to.
  REQUIRE(QApplication::focusWidget() != nullptr);
  CHECK(QApplication::focusWidget()->objectName() == "phone");
  CHECK(call.Problem().toStdString() == "caller.phone: is not a Chinese mobile or landline number");
  CHECK(stack.OrderCount() == 0);
}

TEST_CASE("desktop: a consultation answered by searching and citing, at most 15 keys after the question",
          "[desktop]") {
  Stack stack;
  auto desk = AgentDesk(stack);
  desktop::CallScreen& call = *desk->window().call_screen();
  // Who and where first, as the call goes; then the question.
  desk->Type("13800138002");
  desk->Key(Qt::Key_Tab);
  desk->Key(Qt::Key_Tab);
  desk->Type("1");  // 1 咨询
  desk->Key(Qt::Key_D, Qt::AltModifier);
  desk->Type("天河");
  desk->Key(Qt::Key_Tab);  // takes the first match and closes the popup
  desk->Key(Qt::Key_G, Qt::AltModifier);
  desk->Type("办事指南");
  desk->Key(Qt::Key_Tab);
  desk->Key(Qt::Key_C, Qt::AltModifier);
  desk->Type("外地驾照能在广州换吗");
  desk->ResetKeystrokes();

  // The base is searched from the question as it is typed (debounced): the
  // top hit is selected, F8 cites it and files the call as answered.
  REQUIRE(desk->WaitFor([&] { return call.hit_count() > 0; }));
  auto* hits = desk->window().findChild<QListWidget*>("hits");
  REQUIRE(hits != nullptr);
  CHECK(hits->currentItem()->data(Qt::UserRole).toString() == "KB.20.02.001");
  desk->Screenshot("call_screen_knowledge");
  desk->Key(Qt::Key_F8);
  REQUIRE(desk->WaitFor([&] { return !call.filed_order().isEmpty(); }));
  const int keys = desk->keystrokes();
  std::printf("desktop: consultation answered on the spot as %s, %d keystroke(s) after the question\n",
              call.filed_order().toStdString().c_str(), keys);
  CHECK(keys <= 15);
  desk->Screenshot("call_screen_answered");

  auto stub = stack.NewClient();
  const v1::WorkOrder order = GetOrder(*stub, call.filed_order().toStdString());
  CHECK(order.type() == v1::ORDER_TYPE_CONSULTATION);
  CHECK(order.state() == v1::ORDER_STATE_CLOSED);
  CHECK(order.on_spot_answer().knowledge_code() == "KB.20.02.001");
}

TEST_CASE("desktop: a repeat caller's earlier orders appear as the number is typed", "[desktop]") {
  Stack stack;
  auto stub = stack.NewClient();
  const std::string phone = "13900139003";
  std::vector<std::string> earlier;
  for (int i = 0; i < 2; ++i) {
    v1::CreateWorkOrderRequest r = SampleComplaint();
    r.mutable_caller()->set_phone(phone);
    v1::CreateWorkOrderResponse created;
    auto ctx = CallContext(kAgentToken);
    REQUIRE(stub->CreateWorkOrder(ctx.get(), r, &created).ok());
    earlier.push_back(created.order().id());
  }
  auto desk = AgentDesk(stack);
  desktop::CallScreen& call = *desk->window().call_screen();
  desk->Type(QString::fromStdString(phone));
  REQUIRE(desk->WaitFor([&] { return call.earlier_order_count() == 2; }));
  auto* list = desk->window().findChild<QListWidget*>("earlier");
  REQUIRE(list != nullptr);
  // Newest first.
  CHECK(list->item(0)->data(Qt::UserRole).toString().toStdString() == earlier[1]);
  CHECK(list->item(1)->data(Qt::UserRole).toString().toStdString() == earlier[0]);
  desk->Screenshot("call_screen_repeat_caller");

  // F6 opens the selected one in the order view.
  desk->Key(Qt::Key_H, Qt::AltModifier);
  desk->Key(Qt::Key_F6);
  desktop::OrderView& view = *desk->window().order_view();
  REQUIRE(desk->WaitFor([&] { return view.shown_order().toStdString() == earlier[1]; }));
}

TEST_CASE("desktop: the gateway restarted in the middle of a submit files exactly one order", "[desktop]") {
  Stack stack;
  auto desk = AgentDesk(stack);
  desktop::CallScreen& call = *desk->window().call_screen();
  const std::string phone = "13700137004";
  desk->Type(QString::fromStdString(phone));
  desk->Key(Qt::Key_Tab);
  desk->Key(Qt::Key_Tab);
  desk->Type("3");
  desk->Key(Qt::Key_Tab);
  desk->Type("小区门口占道经营");
  desk->Key(Qt::Key_Tab);
  desk->Type("天河");
  desk->Key(Qt::Key_Tab);
  desk->Key(Qt::Key_G, Qt::AltModifier);
  desk->Type("占道经营");
  desk->Key(Qt::Key_Tab);
  REQUIRE(call.Problem().isEmpty());

  // Intake frozen: the submit reaches the gateway and waits there; the
  // gateway dies with it in flight and comes back.
  REQUIRE(::kill(stack.intake().pid(), SIGSTOP) == 0);
  bool finished = false;
  QObject::connect(&call, &desktop::CallScreen::submitFinished, [&] { finished = true; });
  desk->Key(Qt::Key_Return, Qt::ControlModifier);
  QTest::qWait(500);
  CHECK_FALSE(finished);
  stack.Kill(Stack::Process::kGateway);
  REQUIRE(::kill(stack.intake().pid(), SIGCONT) == 0);
  stack.Start(Stack::Process::kGateway);
  REQUIRE(desk->WaitFor([&] { return finished; }, 30000));
  REQUIRE_FALSE(call.filed_order().isEmpty());
  // The agent presses submit again: the same call, the same order.
  const QString first = call.filed_order();
  finished = false;
  desk->Key(Qt::Key_Return, Qt::ControlModifier);
  REQUIRE(desk->WaitFor([&] { return finished; }));
  CHECK(call.filed_order() == first);
  desk->Screenshot("call_screen_after_restart");

  const v1::FindOrdersByPhoneResponse found = OrdersOf(stack, phone);
  REQUIRE(found.orders_size() == 1);
  CHECK(found.orders(0).id() == first.toStdString());
}

TEST_CASE("desktop: signs in over TLS trusting the deployment's CA, and not over plaintext", "[desktop]") {
  Stack stack;
  // The certificates operators make (tools/make-certs.sh); a second gateway
  // of the stack serving TLS with them.
  const std::string dir = stack.dir() + "/tls";
  REQUIRE(std::system(("bash " HOTLINE_SOURCE_DIR "/tools/make-certs.sh " + stack.dir() + " >/dev/null 2>&1").c_str()) == 0);
  int port = 0;
  auto gateway = stack.StartGateway({"--tls_cert=" + dir + "/gateway.crt", "--tls_key=" + dir + "/gateway.key"},
                                    "gateway-tls.log", &port);
  const std::string address = "127.0.0.1:" + std::to_string(port);
  {
    Desk desk(address, TokenFor(kAgentToken), dir + "/ca.crt");
    REQUIRE(desk.WaitFor([&] { return desk.window().call_screen()->directory_loaded(); }));
  }
  // Plaintext to the TLS port: the directory never loads, the screen says why.
  Desk plain(address, TokenFor(kAgentToken));
  QTest::qWait(2000);
  CHECK_FALSE(plain.window().call_screen()->directory_loaded());
}

}  // namespace hotline::testing
