#include "desktop/desk.h"

#include <QDir>
#include <QKeyEvent>
#include <QTest>
#include <stdexcept>

namespace hotline::testing {

Desk::Desk(const std::string& gateway_address, const std::string& token, const std::string& tls_ca) {
  desktop::GatewayOptions options;
  options.address = gateway_address;
  options.token = token;
  options.tls_ca = tls_ca;
  auto gateway = desktop::Gateway::Open(options);
  if (!gateway.ok()) throw std::runtime_error(std::string(gateway.status().message()));
  gateway_ = std::move(*gateway);
  window_ = std::make_unique<desktop::MainWindow>(*gateway_);
  window_->resize(1920, 1080);
  window_->show();
  window_->activateWindow();
  if (!QTest::qWaitForWindowActive(window_.get())) throw std::runtime_error("the window never became active");
}

Desk::~Desk() {
  window_.reset();
  gateway_.reset();
}

QWidget* Desk::Target() const {
  if (QWidget* popup = QApplication::activePopupWidget()) return popup;
  if (QWidget* focus = QApplication::focusWidget()) return focus;
  return window_.get();
}

void Desk::Type(const QString& text) {
  for (const QChar c : text) {
    ++keystrokes_;
    if (c.unicode() < 0x80) {
      QTest::keyClick(Target(), c.toLatin1());
    } else {
      // QTest's keyClicks drops what Latin-1 cannot hold; send the text itself.
      QKeyEvent press(QEvent::KeyPress, Qt::Key_unknown, Qt::NoModifier, QString(c));
      QApplication::sendEvent(Target(), &press);
      QKeyEvent release(QEvent::KeyRelease, Qt::Key_unknown, Qt::NoModifier, QString(c));
      QApplication::sendEvent(Target(), &release);
    }
    QApplication::processEvents();
  }
}

void Desk::Key(Qt::Key key, Qt::KeyboardModifiers modifiers) {
  ++keystrokes_;
  QTest::keyClick(Target(), key, modifiers);
  QApplication::processEvents();
}

bool Desk::WaitFor(const std::function<bool()>& done, int timeout_ms) {
  return QTest::qWaitFor(done, timeout_ms);
}

std::string Desk::Screenshot(const std::string& name) {
  QDir().mkpath(HOTLINE_DESKTOP_SHOTS);
  const std::string path = std::string(HOTLINE_DESKTOP_SHOTS) + "/" + name + ".png";
  QApplication::processEvents();
  if (!window_->grab().save(QString::fromStdString(path))) throw std::runtime_error("cannot save " + path);
  return path;
}

}  // namespace hotline::testing
