// hotline-desktop: the agent desktop (Qt 6) over the gateway's gRPC API.
#include <QApplication>
#include <QFont>
#include <QFontDatabase>
#include <cstdlib>
#include <iostream>

#include "directory/city.h"
#include "tools/desktop/main_window.h"
#include "tools/desktop/options.h"

int main(int argc, char** argv) {
  // The command line first: --help and usage errors need no display.
  const std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<hotline::desktop::DesktopOptions> options =
      hotline::desktop::ParseOptions(args, [](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        return v == nullptr ? std::nullopt : std::optional<std::string>(v);
      });
  if (!options.ok()) {
    std::cerr << "error: " << options.status().message() << "\n" << hotline::desktop::kUsage;
    return 2;
  }
  if (options->help) {
    std::cout << hotline::desktop::kUsage;
    return 0;
  }
  QApplication app(argc, argv);
  hotline::directory::AdoptToolCity("hotline-desktop");
  auto gateway = hotline::desktop::Gateway::Open(options->gateway);
  if (!gateway.ok()) {
    std::cerr << "error: --tls-ca: " << gateway.status().message() << "\n";
    return 2;
  }
  hotline::desktop::ApplyDeskFont(app);
  hotline::desktop::MainWindow window(**gateway);
  window.resize(1920, 1080);
  window.show();
  return app.exec();
}
