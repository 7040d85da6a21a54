#pragma once
// Runs a real PostgreSQL 15 cluster for a test: initdb into a fresh temporary
// directory, postgres on a free loopback port (trust authentication, loopback
// only), never the default 5432, with the roles hotline_owner (owns the
// database "hotline") and hotline (the services'). As root the server runs as the `postgres`
// user (initdb refuses root). The destructor stops it (fast shutdown) and
// removes the directory. Throws std::runtime_error naming the package when
// the binaries are missing (postgresql-15).
#include <string>
#include <sys/types.h>

namespace hotline::testing {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  // A libpq connection string for the database "hotline", by default as the
  // services' role hotline, which may do only what the schema's migration
  // granted it (archive::MigrateSchema); kOwner owns the database and
  // migrates, kSuperuser is postgres.
  static constexpr char kServices[] = "hotline";
  static constexpr char kOwner[] = "hotline_owner";
  static constexpr char kSuperuser[] = "postgres";
  std::string conninfo(const std::string& user = kServices) const;
  const std::string& dir() const { return dir_; }

 private:
  int port_ = 0;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace hotline::testing
