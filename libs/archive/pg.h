#pragma once
// A thin owner of one libpq connection: statements with text parameters,
// results copied out as strings, text[] literals both ways. Not thread-safe:
// one connection per thread (PgPool gives each worker its own).
//
// Errors: UNAVAILABLE when the server cannot be reached or the connection
// broke (retryable: the next Exec reconnects), INTERNAL for a statement the
// server refused (with its message), DATA_LOSS for a value that cannot be read.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

struct pg_conn;

namespace hotline::archive {

struct PgRows {
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt: SQL NULL
  long long affected = 0;                                      // INSERT/UPDATE/DELETE
};

using PgParams = std::vector<std::optional<std::string>>;

class PgConnection {
 public:
  explicit PgConnection(std::string conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Connects if needed (again after a broken connection).
  absl::Status Connect();
  absl::StatusOr<PgRows> Exec(const std::string& sql, const PgParams& params = {});

 private:
  std::string conninfo_;
  pg_conn* conn_ = nullptr;
};

// A one-dimensional text[] literal ({"a","b\"c"}) and back. ParseTextArray
// accepts what PostgreSQL prints for text[] (quoted or bare elements); a NULL
// element reads as "".
std::string TextArrayLiteral(const std::vector<std::string>& values);
absl::StatusOr<std::vector<std::string>> ParseTextArray(const std::string& literal);

// A fixed pool of worker threads, each with its own connection, running
// submitted work in order of arrival. Work runs on a worker thread; the pool
// joins its workers on destruction after the queue drains. Thread-safe.
class PgPool {
 public:
  PgPool(std::string conninfo, int connections);
  ~PgPool();
  void Submit(std::function<void(PgConnection&)> work);

 private:
  void Run(int index);
  std::vector<std::unique_ptr<PgConnection>> connections_;
  absl::Mutex mu_;
  std::vector<std::function<void(PgConnection&)>> queue_ ABSL_GUARDED_BY(mu_);
  size_t head_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<std::thread>> threads_;
};

}  // namespace hotline::archive
