#include "archive/pg.h"

#include <libpq-fe.h>

#include "absl/strings/str_cat.h"

namespace hotline::archive {

PgConnection::PgConnection(std::string conninfo) : conninfo_(std::move(conninfo)) {}

PgConnection::~PgConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

absl::Status PgConnection::Connect() {
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
  if (conn_ != nullptr) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
  conn_ = PQconnectdb(conninfo_.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string error = PQerrorMessage(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    while (!error.empty() && error.back() == '\n') error.pop_back();
    return absl::UnavailableError(absl::StrCat("postgres: ", error));
  }
  // NOTICEs (e.g. "relation already exists, skipping") are not for stderr.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  return absl::OkStatus();
}

absl::StatusOr<PgRows> PgConnection::Exec(const std::string& sql, const PgParams& params) {
  if (absl::Status s = Connect(); !s.ok()) return s;
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  // Without parameters: the simple protocol, which takes several statements.
  PGresult* res = params.empty()
                      ? PQexec(conn_, sql.c_str())
                      : PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                     values.data(), nullptr, nullptr, 0);
  const ExecStatusType status = PQresultStatus(res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string error = PQresultErrorMessage(res);
    PQclear(res);
    while (!error.empty() && error.back() == '\n') error.pop_back();
    if (PQstatus(conn_) != CONNECTION_OK) {
      return absl::UnavailableError(absl::StrCat("postgres: connection lost: ", error));
    }
    return absl::InternalError(absl::StrCat("postgres: ", error));
  }
  PgRows out;
  const int rows = PQntuples(res), cols = PQnfields(res);
  out.rows.resize(rows);
  for (int r = 0; r < rows; ++r) {
    out.rows[r].reserve(cols);
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(res, r, c)) {
        out.rows[r].emplace_back(std::nullopt);
      } else {
        out.rows[r].emplace_back(std::string(PQgetvalue(res, r, c), PQgetlength(res, r, c)));
      }
    }
  }
  const char* affected = PQcmdTuples(res);
  if (affected != nullptr && *affected != '\0') out.affected = std::atoll(affected);
  PQclear(res);
  return out;
}

std::string TextArrayLiteral(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

absl::StatusOr<std::vector<std::string>> ParseTextArray(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  // A lower bound other than 1 is printed in front: "[0:2]={...}".
  if (!s.empty() && s[0] == '[') {
    i = s.find('=');
    if (i == std::string::npos) return absl::DataLossError("postgres: bad array");
    ++i;
  }
  if (i >= s.size() || s[i] != '{') return absl::DataLossError("postgres: bad array");
  ++i;
  if (i < s.size() && s[i] == '}') return out;
  while (i < s.size()) {
    std::string value;
    if (s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value.push_back(s[i++]);
      }
      if (i >= s.size()) return absl::DataLossError("postgres: unterminated array element");
      ++i;  // closing quote
    } else {
      while (i < s.size() && s[i] != ',' && s[i] != '}') value.push_back(s[i++]);
      if (value == "NULL") value.clear();
    }
    out.push_back(std::move(value));
    if (i >= s.size()) return absl::DataLossError("postgres: unterminated array");
    if (s[i] == '}') return out;
    if (s[i] != ',') return absl::DataLossError("postgres: bad array separator");
    ++i;
  }
  return absl::DataLossError("postgres: unterminated array");
}

PgPool::PgPool(std::string conninfo, int connections) {
  for (int i = 0; i < connections; ++i) {
    connections_.push_back(std::make_unique<PgConnection>(conninfo));
  }
  for (int i = 0; i < connections; ++i) {
    threads_.push_back(std::make_unique<std::thread>([this, i] { Run(i); }));
  }
}

PgPool::~PgPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& t : threads_) t->join();
}

void PgPool::Submit(std::function<void(PgConnection&)> work) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(work));
}

void PgPool::Run(int index) {
  PgConnection& conn = *connections_[index];
  while (true) {
    std::function<void(PgConnection&)> work;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || head_ < queue_.size();
      };
      mu_.Await(absl::Condition(&ready));
      if (head_ >= queue_.size()) return;  // stopping and drained
      work = std::move(queue_[head_++]);
      if (head_ == queue_.size()) {
        queue_.clear();
        head_ = 0;
      }
    }
    work(conn);
  }
}

}  // namespace hotline::archive
