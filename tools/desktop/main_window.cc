#include "tools/desktop/main_window.h"

#include <QApplication>
#include <QFontDatabase>
#include <QLabel>
#include <QMessageBox>
#include <QShortcut>
#include <QStatusBar>
#include <QTabWidget>

#include "enums/enum_names.h"
#include "tools/desktop/call_screen.h"
#include "tools/desktop/order_view.h"
#include "tools/desktop/queue_view.h"
#include "tools/desktop/text.h"

namespace hotline::desktop {

void ApplyDeskFont(QApplication& app) {
  QFont font = app.font();
  if (QFontDatabase::families().contains("Noto Sans CJK SC")) font.setFamily("Noto Sans CJK SC");
  font.setPointSize(12);
  app.setFont(font);
}

MainWindow::MainWindow(Gateway& gateway, QWidget* parent) : QMainWindow(parent), gateway_(gateway) {
  setWindowTitle("12345 热线 · 坐席桌面 — " + Q(gateway.options().address));
  tabs_ = new QTabWidget;
  call_ = new CallScreen(gateway);
  order_ = new OrderView(gateway);
  tabs_->addTab(call_, "受理 Ctrl+1");
  queue_ = new QueueView(gateway);
  tabs_->addTab(order_, "工单 Ctrl+2");
  tabs_->addTab(queue_, "队列 Ctrl+3");
  tabs_->setFocusPolicy(Qt::NoFocus);
  setCentralWidget(tabs_);

  connect(call_, &CallScreen::openOrder, this, [this](const QString& id) {
    order_->Open(id);
    tabs_->setCurrentWidget(order_);
  });
  connect(queue_, &QueueView::openOrder, this, [this](const QString& id) {
    order_->Open(id);
    tabs_->setCurrentWidget(order_);
  });
  auto key = [this](QKeySequence keys, auto slot) {
    connect(new QShortcut(keys, this), &QShortcut::activated, this, slot);
  };
  key(QKeySequence(Qt::CTRL | Qt::Key_1), [this] { tabs_->setCurrentWidget(call_); });
  key(QKeySequence(Qt::CTRL | Qt::Key_2), [this] { tabs_->setCurrentWidget(order_); });
  key(QKeySequence(Qt::CTRL | Qt::Key_3), [this] { tabs_->setCurrentWidget(queue_); });
  key(QKeySequence(Qt::CTRL | Qt::Key_O), [this] {
    if (!call_->filed_order().isEmpty()) {
      order_->Open(call_->filed_order());
      tabs_->setCurrentWidget(order_);
    }
  });
  key(QKeySequence(Qt::Key_F1), &MainWindow::ShowShortcuts);

  auto* who = new QLabel("登录中 …");
  statusBar()->addPermanentWidget(who);
  statusBar()->showMessage("F1 快捷键一览");
  gateway_.Call(&v1::Hotline::Stub::WhoAmI, v1::WhoAmIRequest(), this,
                std::function([this, who](const grpc::Status& s, const v1::WhoAmIResponse& me) {
    if (!s.ok()) {
      who->setText(CallError("登录", s));
      return;
    }
    who->setText("坐席: " + Q(me.display_name().empty() ? me.actor().user_id() : me.display_name()) + " (" +
                 Q(enums::ShortName(me.actor().role())) +
                 (me.actor().unit_code().empty() ? "" : ", " + Q(me.actor().unit_code())) + ")");
    // A unit handler's desk opens on its unit's live queue.
    if (me.actor().role() == v1::ROLE_UNIT_HANDLER) {
      queue_->Watch(Q(me.actor().unit_code()));
      tabs_->setCurrentWidget(queue_);
    }
  }));
}

void MainWindow::ShowShortcuts() {
  QMessageBox::information(this, "快捷键",
                           "受理 (Ctrl+1)\n"
                           "  Tab / Shift+Tab  按来电顺序：号码 → 姓名 → 类型 → 内容 → 区 → 街镇 → 地址 → 分类\n"
                           "  Alt+P/N/T/C/D/J/A/G  跳到该栏\n"
                           "  类型：键入 1 咨询 2 投诉 3 举报 4 求助 5 建议 6 表扬\n"
                           "  区/街镇/分类：键入中文或代码，Tab 取第一个匹配\n"
                           "  Ctrl+Enter  提交（同一来电只立一单）   Ctrl+N  下一个来电\n"
                           "  Alt+K  知识库搜索   Alt+↑/↓  选择知识点   F8  引用并直接答复立单\n"
                           "  Alt+H  历史工单   F6  打开所选历史工单   Ctrl+O  打开刚立的工单\n"
                           "工单 (Ctrl+2)\n"
                           "  Ctrl+L  输入工单号   Ctrl+R  查看完整号码（须填原因，留痕）\n"
                           "队列 (Ctrl+3，实时)\n"
                           "  Ctrl+U  单位代码   ↑/↓  选择工单   Enter  打开\n"
                           "  Ctrl+S 签收   Ctrl+T 退回   Ctrl+D 下派   Ctrl+P 办结   Ctrl+E 延期");
}

}  // namespace hotline::desktop
