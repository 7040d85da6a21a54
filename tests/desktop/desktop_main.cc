// The desktop tests' main: starts an X server of its own (Xvfb, 1920x1080) on
// a display it picks free, then the Qt application on it, then Catch2. Without
// Xvfb the tests fail, loudly: a desktop test that cannot see a screen has not
// passed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QApplication>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "directory/city.h"
#include "tools/desktop/main_window.h"

namespace {

// Xvfb -displayfd writes the display number it took to the pipe.
pid_t StartXvfb(std::string* display) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const std::string fd = std::to_string(fds[1]);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "1920x1080x24", "-nolisten", "tcp",
           static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  // Read through the newline: Xvfb writes the number and the newline apart,
  // and dies (EPIPE) if the pipe is closed between the two.
  std::string number;
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') number += c;
  close(fds[0]);
  if (number.empty()) {
    int status = 0;
    waitpid(pid, &status, 0);
    return -1;
  }
  *display = ":" + number;
  return pid;
}

}  // namespace

int main(int argc, char* argv[]) {
  if (auto city = hotline::directory::AdoptCityFile(HOTLINE_SOURCE_DIR "/data"); !city.ok()) {
    std::fprintf(stderr, "desktop test main: cannot adopt the city of data/: %s\n", city.status().ToString().c_str());
    return 2;
  }
  // Listing the tests (ctest's discovery) needs no screen.
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind("--list", 0) == 0) return Catch::Session().run(argc, argv);
  }
  std::string display;
  const pid_t xvfb = StartXvfb(&display);
  if (xvfb < 0) {
    std::fprintf(stderr,
                 "desktop tests: FAILED to start Xvfb (Debian package xvfb; tools/install-deps.sh installs it)\n");
    return 3;
  }
  setenv("DISPLAY", display.c_str(), 1);
  setenv("QT_QPA_PLATFORM", "xcb", 1);
  int result;
  {
    int qt_argc = 1;
    QApplication app(qt_argc, argv);
    hotline::desktop::ApplyDeskFont(app);
    result = Catch::Session().run(argc, argv);
  }
  kill(xvfb, SIGTERM);
  waitpid(xvfb, nullptr, 0);
  return result;
}
