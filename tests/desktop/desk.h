#pragma once
// Drives the real desktop window under Xvfb as an agent would: key events
// (QTest) into whatever has the keyboard (a completion popup, else the focused
// widget), each one counted; waits on the window's own signals; saves
// screenshots. The window talks to a Stack started by the test.
#include <QApplication>
#include <QString>
#include <functional>
#include <memory>
#include <string>

#include "tools/desktop/gateway.h"
#include "tools/desktop/main_window.h"

namespace hotline::testing {

class Desk {
 public:
  // A window signed in with `token`; TLS trusting `tls_ca` when given.
  Desk(const std::string& gateway_address, const std::string& token, const std::string& tls_ca = "");
  ~Desk();

  desktop::MainWindow& window() { return *window_; }
  desktop::Gateway& gateway() { return *gateway_; }

  // Types `text`: one key event per character (a Chinese character counts as
  // one keystroke, as a committed IME candidate would).
  void Type(const QString& text);
  void Key(Qt::Key key, Qt::KeyboardModifiers modifiers = Qt::NoModifier);
  int keystrokes() const { return keystrokes_; }
  void ResetKeystrokes() { keystrokes_ = 0; }

  // Processes events until `done()` or `timeout_ms`; false on timeout.
  bool WaitFor(const std::function<bool()>& done, int timeout_ms = 10000);
  // Saves the window as PNG into the tests' screenshot folder; returns its path.
  std::string Screenshot(const std::string& name);

 private:
  QWidget* Target() const;
  std::unique_ptr<desktop::Gateway> gateway_;
  std::unique_ptr<desktop::MainWindow> window_;
  int keystrokes_ = 0;
};

}  // namespace hotline::testing
