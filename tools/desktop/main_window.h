#pragma once
// The desktop's window: the call screen and the order view as tabs, who is
// signed in, and the shortcut list (F1).
#include <QMainWindow>

#include "tools/desktop/gateway.h"

class QApplication;
class QTabWidget;

namespace hotline::desktop {

class CallScreen;
class OrderView;
class QueueView;

// Noto Sans CJK SC (Debian fonts-noto-cjk) at a size readable at 1920x1080,
// when installed; else Qt's default.
void ApplyDeskFont(QApplication& app);

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(Gateway& gateway, QWidget* parent = nullptr);
  CallScreen* call_screen() const { return call_; }
  OrderView* order_view() const { return order_; }
  QueueView* queue_view() const { return queue_; }
  QTabWidget* tabs() const { return tabs_; }

 private:
  void ShowShortcuts();

  Gateway& gateway_;
  QTabWidget* tabs_;
  CallScreen* call_;
  OrderView* order_;
  QueueView* queue_;
};

}  // namespace hotline::desktop
