#include "support/postgres_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/free_port.h"

namespace hotline::testing {
namespace {

constexpr char kBin[] = "/usr/lib/postgresql/15/bin";

// The command line run as the cluster's owner (root may not own a cluster).
std::string AsOwner(const std::string& cmd) {
  if (::geteuid() != 0) return cmd;
  return "runuser -u postgres -- " + cmd;
}

int Run(const std::string& cmd) { return std::system(cmd.c_str()); }

}  // namespace

PostgresServer::PostgresServer() {
  if (!std::filesystem::exists(std::string(kBin) + "/postgres")) {
    throw std::runtime_error("PostgreSQL 15 is missing: apt-get install postgresql-15");
  }
  char tmpl[] = "/tmp/hotline-pg-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  if (::geteuid() == 0) {
    struct passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) throw std::runtime_error("running as root needs the postgres user");
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown failed");
  }
  port_ = FreePort();
  const std::string data = dir_ + "/data";
  if (Run(AsOwner(std::string(kBin) + "/initdb -D " + data +
                  " -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >" + dir_ +
                  "/initdb.log 2>&1")) != 0) {
    throw std::runtime_error("initdb failed; see " + dir_ + "/initdb.log");
  }
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // The server process is postgres itself (so the signals below reach it):
    // as root, drop to the postgres user first.
    if (::geteuid() == 0) {
      struct passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr || ::setgid(pw->pw_gid) != 0 || ::setuid(pw->pw_uid) != 0) ::_exit(126);
    }
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // no orphan when the test dies
    const std::string log = dir_ + "/postgres.log";
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    const std::string bin = std::string(kBin) + "/postgres", port = std::to_string(port_),
                      sockets = "unix_socket_directories=" + dir_;
    ::execl(bin.c_str(), "postgres", "-D", data.c_str(), "-p", port.c_str(), "-c",
            "listen_addresses=127.0.0.1", "-c", sockets.c_str(), "-c", "shared_buffers=32MB",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const std::string ready = std::string(kBin) + "/pg_isready -q -h 127.0.0.1 -p " + std::to_string(port_);
  for (int i = 0; i < 300; ++i) {  // up to 15 s
    if (Run(ready) == 0) {
      // Two roles as in production: hotline_owner owns the database (and so
      // its public schema) and migrates; hotline, the services' role, gets
      // only what the migration grants it.
      const std::string psql = std::string(kBin) + "/psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " +
                               std::to_string(port_) + " -U postgres -d postgres -c ";
      if (Run(psql + "'CREATE ROLE hotline_owner LOGIN' -c 'CREATE ROLE hotline LOGIN' -c " +
              "'CREATE DATABASE hotline OWNER hotline_owner' >>" + dir_ + "/initdb.log 2>&1") != 0) {
        throw std::runtime_error("creating the roles and the database failed; see " + dir_ +
                                 "/initdb.log");
      }
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("postgres exited at start; see " + dir_ + "/postgres.log");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("postgres did not come up on port " + std::to_string(port_));
}

PostgresServer::~PostgresServer() {
  if (pid_ > 0) {
    // SIGINT: fast shutdown (clients are disconnected).
    ::kill(pid_, SIGINT);
    int status = 0;
    for (int i = 0; i < 200 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PostgresServer::conninfo(const std::string& user) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=" + user + " dbname=hotline";
}

}  // namespace hotline::testing
