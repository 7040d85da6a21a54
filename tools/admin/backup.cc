#include "admin/backup.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "orders/order_keys.h"
#include "redis/reply_status.h"

extern char** environ;

namespace hotline::backup {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Struct;
using google::protobuf::Value;

constexpr char kFormat[] = "hotline-backup/1";
constexpr char kRdbFile[] = "redis.rdb";
constexpr char kPgFile[] = "postgres.dump";
constexpr char kManifest[] = "manifest.json";

absl::StatusOr<redis::Reply> Run(redis::Client& redis, redis::Command c) {
  absl::StatusOr<redis::Reply> r = redis.Execute(std::move(c));
  if (!r.ok()) return r.status();
  if (r->is_error()) return redis::ErrorReplyToStatus(r->str);
  return r;
}

// "field:value" lines of an INFO section.
std::map<std::string, std::string> InfoOf(const std::string& text) {
  std::map<std::string, std::string> out;
  for (absl::string_view line : absl::StrSplit(text, absl::ByAnyChar("\r\n"), absl::SkipEmpty())) {
    const size_t colon = line.find(':');
    if (colon != absl::string_view::npos)
      out[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 1));
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> Info(redis::Client& redis,
                                                        const std::string& section) {
  absl::StatusOr<redis::Reply> r = Run(redis, {"INFO", section});
  if (!r.ok()) return r.status();
  return InfoOf(r->str);
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

void Say(const std::function<void(const std::string&)>& progress, const std::string& line) {
  if (progress) {
    progress(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

// Runs argv[0] (looked up on PATH) and waits; its output goes to ours.
absl::Status RunTool(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  if (int e = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ); e != 0) {
    return absl::InternalError(absl::StrCat(argv[0], ": cannot start (", std::strerror(e), ")"));
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0)
    return absl::InternalError(absl::StrCat(argv[0], ": wait failed"));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat(argv[0], " failed (exit ", WIFEXITED(status) ? WEXITSTATUS(status) : -1, ")"));
  }
  return absl::OkStatus();
}

// Runs argv[0] and answers its standard output (trimmed).
absl::StatusOr<std::string> CaptureTool(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe(fds) != 0) return absl::InternalError("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int e = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (e != 0) {
    close(fds[0]);
    return absl::InternalError(absl::StrCat(argv[0], ": cannot start (", std::strerror(e), ")"));
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;)
    out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return absl::InternalError(absl::StrCat(argv[0], " failed"));
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// Copies `from` to `to`, hashing on the way; the file's size.
absl::StatusOr<int64_t> CopyHashing(const std::string& from, const std::string& to,
                                    std::string* sha256) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read ", from));
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  if (!out) return absl::FailedPreconditionError(absl::StrCat("cannot write ", to));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  int64_t size = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const std::streamsize n = in.gcount();
    if (n <= 0) break;
    EVP_DigestUpdate(ctx, buf.data(), static_cast<size_t>(n));
    out.write(buf.data(), n);
    size += n;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  out.flush();
  if (!out) return absl::InternalError(absl::StrCat("writing ", to, " failed"));
  out.close();
  // On disk before the manifest names it.
  if (FILE* f = std::fopen(to.c_str(), "rb")) {
    fsync(fileno(f));
    std::fclose(f);
  }
  static const char* kHex = "0123456789abcdef";
  sha256->clear();
  for (unsigned int i = 0; i < len; ++i) {
    sha256->push_back(kHex[md[i] >> 4]);
    sha256->push_back(kHex[md[i] & 15]);
  }
  return size;
}

// A URL with its password replaced, for the manifest.
std::string Redacted(const std::string& url) {
  const size_t at = url.find('@'), scheme = url.find("://");
  if (at == std::string::npos || scheme == std::string::npos) return url;
  const size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return absl::StrCat(url.substr(0, colon + 1), "***", url.substr(at));
}

Value Str(const std::string& s) {
  Value v;
  v.set_string_value(s);
  return v;
}
Value Num(double n) {
  Value v;
  v.set_number_value(n);
  return v;
}

absl::Status WriteManifest(const std::string& dir, const Struct& manifest) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(manifest, &json, options).ok()) {
    return absl::InternalError("manifest: cannot write JSON");
  }
  const std::string tmp = absl::StrCat(dir, "/", kManifest, ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json;
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  std::error_code ec;
  fs::rename(tmp, absl::StrCat(dir, "/", kManifest), ec);
  if (ec) return absl::InternalError(absl::StrCat("manifest: ", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<Struct> ReadManifest(const std::string& dir) {
  std::ifstream in(absl::StrCat(dir, "/", kManifest));
  if (!in)
    return absl::FailedPreconditionError(absl::StrCat(dir, ": no ", kManifest, " (not a backup?)"));
  std::stringstream ss;
  ss << in.rdbuf();
  Struct m;
  if (!google::protobuf::util::JsonStringToMessage(ss.str(), &m).ok()) {
    return absl::FailedPreconditionError(absl::StrCat(dir, "/", kManifest, ": not valid JSON"));
  }
  if (m.fields().count("format") == 0 || m.fields().at("format").string_value() != kFormat) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, "/", kManifest, ": not a ", kFormat, " manifest"));
  }
  return m;
}

}  // namespace

absl::StatusOr<std::string> FileSha256(const std::string& path, int64_t* size) {
  std::string sha;
  const std::string tmp = "/dev/null";
  absl::StatusOr<int64_t> n = CopyHashing(path, tmp, &sha);
  if (!n.ok()) return n.status();
  if (size != nullptr) *size = *n;
  return sha;
}

absl::StatusOr<BackupResult> Backup(redis::Client& redis, const BackupOptions& o) {
  const absl::Time start = absl::Now();
  const orders::OrderKeys keys;
  BackupResult result;
  std::error_code ec;
  fs::create_directories(o.dir, ec);
  if (ec) return absl::FailedPreconditionError(absl::StrCat(o.dir, ": ", ec.message()));
  if (!fs::is_empty(o.dir, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat(o.dir, ": not empty (a backup goes into a new folder)"));
  }

  absl::StatusOr<std::map<std::string, std::string>> server = Info(redis, "server");
  if (!server.ok()) return server.status();
  absl::StatusOr<redis::Reply> orders = Run(redis, {"ZCARD", keys.IndexAll()});
  if (!orders.ok()) return orders.status();
  absl::StatusOr<redis::Reply> dbsize = Run(redis, {"DBSIZE"});
  if (!dbsize.ok()) return dbsize.status();
  result.orders_before = orders->integer;

  // The RDB's place: where Redis says, unless told where its disk is seen here.
  std::string rdb_dir = o.redis_dir, rdb_name;
  {
    absl::StatusOr<redis::Reply> name = Run(redis, {"CONFIG", "GET", "dbfilename"});
    if (!name.ok()) return name.status();
    if (name->elements.size() == 2) rdb_name = name->elements[1].str;
    if (rdb_dir.empty()) {
      absl::StatusOr<redis::Reply> d = Run(redis, {"CONFIG", "GET", "dir"});
      if (!d.ok()) return d.status();
      if (d->elements.size() == 2) rdb_dir = d->elements[1].str;
    }
    if (rdb_name.empty() || rdb_dir.empty())
      return absl::FailedPreconditionError("cannot tell where Redis writes its RDB");
  }

  // A save already running forked before we began: it may miss writes
  // acknowledged since. Wait until none runs, then ask for our own; any save
  // that completes after that point forked after the backup began. Which
  // save is ours: rdb_saves (a counter, Redis 7) moves past its value read
  // in the same INFO reply that said none was running; without it, LASTSAVE
  // (whole seconds of Redis's clock) moves past a second that had begun
  // before the request.
  const absl::Time give_up = absl::Now() + o.timeout;
  const absl::Time save_start = absl::Now();
  int64_t saves_before = -1, lastsave_before = 0;
  for (bool requested = false; !requested;) {
    absl::StatusOr<std::map<std::string, std::string>> p = Info(redis, "persistence");
    if (!p.ok()) return p.status();
    if ((*p)["rdb_bgsave_in_progress"] == "1") {
      if (absl::Now() > give_up)
        return absl::DeadlineExceededError("a save already running did not end in time");
      absl::SleepFor(absl::Milliseconds(100));
      continue;
    }
    if (!absl::SimpleAtoi((*p)["rdb_saves"], &saves_before)) saves_before = -1;
    absl::StatusOr<redis::Reply> last = Run(redis, {"LASTSAVE"});
    if (!last.ok()) return last.status();
    lastsave_before = last->integer;
    if (saves_before < 0) {
      for (;;) {  // Redis's own clock, into a second after the last save
        absl::StatusOr<redis::Reply> t = Run(redis, {"TIME"});
        if (!t.ok()) return t.status();
        int64_t now_s = 0;
        if (t->elements.empty() || !absl::SimpleAtoi(t->elements[0].str, &now_s)) {
          return absl::InternalError("TIME: unexpected reply");
        }
        if (now_s > lastsave_before) break;
        absl::SleepFor(absl::Milliseconds(50));
      }
    }
    Say(o.progress, absl::StrCat("backup: BGSAVE requested (", result.orders_before, " orders, ",
                                 dbsize->integer, " keys; last save ", lastsave_before, ")"));
    absl::StatusOr<redis::Reply> bg = redis.Execute({"BGSAVE", "SCHEDULE"});
    if (!bg.ok()) return bg.status();
    if (bg->is_error() && absl::StrContains(bg->str, "already in progress"))
      continue;  // raced: wait again
    if (bg->is_error()) return redis::ErrorReplyToStatus(bg->str);
    requested = true;
  }
  int64_t lastsave = lastsave_before;
  for (absl::Time last_said = absl::Now();;) {
    absl::StatusOr<std::map<std::string, std::string>> p = Info(redis, "persistence");
    if (!p.ok()) return p.status();
    absl::StatusOr<redis::Reply> now_save = Run(redis, {"LASTSAVE"});
    if (!now_save.ok()) return now_save.status();
    const bool running = (*p)["rdb_bgsave_in_progress"] == "1";
    int64_t saves = -1;
    const bool done = saves_before >= 0
                          ? absl::SimpleAtoi((*p)["rdb_saves"], &saves) && saves > saves_before
                          : now_save->integer > lastsave_before;
    if (!running && done) {
      if ((*p)["rdb_last_bgsave_status"] != "ok") {
        return absl::FailedPreconditionError(
            "Redis reports its background save failed (rdb_last_bgsave_status)");
      }
      lastsave = now_save->integer;
      break;
    }
    if (absl::Now() > give_up)
      return absl::DeadlineExceededError("the background save did not finish in time");
    if (absl::Now() - last_said > absl::Seconds(2)) {
      last_said = absl::Now();
      Say(o.progress, absl::StrCat("backup: waiting for the save (",
                                   running ? "in progress" : "scheduled", ")"));
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  result.save_time = absl::Now() - save_start;
  result.lastsave = lastsave;

  std::string rdb_sha;
  const std::string rdb_path = absl::StrCat(rdb_dir, "/", rdb_name);
  absl::StatusOr<int64_t> copied =
      CopyHashing(rdb_path, absl::StrCat(o.dir, "/", kRdbFile), &rdb_sha);
  if (!copied.ok()) return copied.status();
  result.rdb_bytes = *copied;
  absl::StatusOr<redis::Reply> after_copy = Run(redis, {"LASTSAVE"});
  if (!after_copy.ok()) return after_copy.status();
  absl::StatusOr<redis::Reply> orders_after = Run(redis, {"ZCARD", keys.IndexAll()});
  if (!orders_after.ok()) return orders_after.status();
  Say(o.progress, absl::StrCat("backup: ", rdb_path, " copied, ", result.rdb_bytes,
                               " bytes, sha256 ", rdb_sha));

  Struct manifest;
  auto& f = *manifest.mutable_fields();
  f["format"] = Str(kFormat);
  f["started_at"] = Str(Rfc3339(start));
  Struct rs;
  auto& r = *rs.mutable_fields();
  r["file"] = Str(kRdbFile);
  r["bytes"] = Num(static_cast<double>(result.rdb_bytes));
  r["sha256"] = Str(rdb_sha);
  r["lastsave"] = Num(static_cast<double>(lastsave));
  r["lastsave_at"] = Str(Rfc3339(absl::FromUnixSeconds(lastsave)));
  // Another save finished while the file was copied: the copy is of that
  // one (as consistent, and later).
  r["saved_again_during_copy"] = Value();
  r["saved_again_during_copy"].set_bool_value(after_copy->integer != lastsave);
  r["save_seconds"] = Num(absl::ToDoubleSeconds(result.save_time));
  r["source"] = Str(o.redis_address);
  r["source_file"] = Str(rdb_path);
  r["redis_version"] = Str((*server)["redis_version"]);
  r["keys_when_begun"] = Num(static_cast<double>(dbsize->integer));
  // Every order acknowledged before the backup began is in the copy; those
  // created while it saved may be.
  r["orders_when_begun"] = Num(static_cast<double>(result.orders_before));
  r["orders_when_saved"] = Num(static_cast<double>(orders_after->integer));
  *f["redis"].mutable_struct_value() = rs;

  // PostgreSQL after Redis: an order the archive tier moves out of Redis
  // between the two copies is in both of them, never in neither.
  if (!o.pg_url.empty()) {
    const std::string pg_path = absl::StrCat(o.dir, "/", kPgFile);
    const absl::Time pg_start = absl::Now();
    Say(o.progress, "backup: pg_dump ...");
    if (absl::Status s =
            RunTool({o.pg_dump, "--format=custom", "--no-password", "--file", pg_path, o.pg_url});
        !s.ok())
      return s;
    int64_t pg_bytes = 0;
    absl::StatusOr<std::string> pg_sha = FileSha256(pg_path, &pg_bytes);
    if (!pg_sha.ok()) return pg_sha.status();
    Struct ps;
    auto& p = *ps.mutable_fields();
    p["file"] = Str(kPgFile);
    p["bytes"] = Num(static_cast<double>(pg_bytes));
    p["sha256"] = Str(*pg_sha);
    p["url"] = Str(Redacted(o.pg_url));
    p["dump_seconds"] = Num(absl::ToDoubleSeconds(absl::Now() - pg_start));
    *f["postgres"].mutable_struct_value() = ps;
  }
  f["finished_at"] = Str(Rfc3339(absl::Now()));
  if (absl::Status s = WriteManifest(o.dir, manifest); !s.ok()) return s;
  result.manifest_path = absl::StrCat(o.dir, "/", kManifest);
  result.total_time = absl::Now() - start;
  return result;
}

namespace {

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

// Whether something accepts connections on the loopback port (a client made
// before would log the server unreachable while it starts).
bool Listening(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

// A private redis-server on the backup's RDB: loopback, no persistence.
class Loader {
 public:
  ~Loader() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  absl::Status Start(const std::string& binary, const std::string& rdb) {
    char tmpl[] = "/tmp/hotline-restore-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return absl::InternalError("cannot make a temporary folder");
    dir_ = tmpl;
    std::error_code ec;
    // A hard link when the backup is on the same disk, else a copy.
    fs::create_hard_link(rdb, dir_ + "/dump.rdb", ec);
    if (ec) fs::copy_file(rdb, dir_ + "/dump.rdb", ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot place the RDB: ", ec.message()));
    port_ = FreeLoopbackPort();
    std::vector<std::string> argv = {binary,
                                     "--port",
                                     absl::StrCat(port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--dir",
                                     dir_,
                                     "--dbfilename",
                                     "dump.rdb",
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--daemonize",
                                     "no",
                                     "--logfile",
                                     dir_ + "/redis.log",
                                     "--protected-mode",
                                     "yes"};
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (int e = posix_spawnp(&pid_, args[0], nullptr, nullptr, args.data(), environ); e != 0) {
      pid_ = 0;
      return absl::FailedPreconditionError(absl::StrCat(
          binary, ": cannot start (", std::strerror(e), "); restore needs redis-server here"));
    }
    return absl::OkStatus();
  }
  int port() const { return port_; }
  bool Alive() {
    int status = 0;
    return pid_ > 0 && waitpid(pid_, &status, WNOHANG) == 0;
  }
  std::string Log() const {
    std::ifstream in(dir_ + "/redis.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
  std::string dir_;
};

absl::Status Verify(const std::string& dir, const Struct& section, std::string* path,
                    int64_t* bytes) {
  const auto& f = section.fields();
  *path = absl::StrCat(dir, "/", f.at("file").string_value());
  absl::StatusOr<std::string> sha = FileSha256(*path, bytes);
  if (!sha.ok()) return sha.status();
  if (*sha != f.at("sha256").string_value() ||
      *bytes != static_cast<int64_t>(f.at("bytes").number_value())) {
    return absl::FailedPreconditionError(
        absl::StrCat(*path, ": does not match the manifest (sha256 ", *sha, ", ", *bytes,
                     " bytes): refusing a damaged backup"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RestoreResult> Restore(redis::Client& target, const RestoreOptions& o) {
  const absl::Time start = absl::Now();
  RestoreResult result;
  absl::StatusOr<Struct> manifest = ReadManifest(o.dir);
  if (!manifest.ok()) return manifest.status();
  const auto& mf = manifest->fields();
  if (mf.count("redis") == 0) return absl::FailedPreconditionError("manifest: no redis section");
  std::string rdb;
  if (absl::Status s = Verify(o.dir, mf.at("redis").struct_value(), &rdb, &result.bytes); !s.ok())
    return s;
  std::string pg_dump_path;
  int64_t pg_bytes = 0;
  const bool has_pg = mf.count("postgres") > 0;
  if (has_pg) {
    if (absl::Status s = Verify(o.dir, mf.at("postgres").struct_value(), &pg_dump_path, &pg_bytes);
        !s.ok())
      return s;
  }

  if (has_pg && !o.pg_url.empty()) {
    absl::StatusOr<std::string> tables =
        CaptureTool({o.psql, "--no-psqlrc", "--no-password", "-At", "-c",
                     "select count(*) from information_schema.tables where table_schema not in "
                     "('pg_catalog', 'information_schema')",
                     o.pg_url});
    if (!tables.ok()) return tables.status();
    if (*tables != "0") {
      return absl::FailedPreconditionError(
          absl::StrCat("refusing to restore: the target PostgreSQL database holds ", *tables,
                       " tables; restore only into an empty database"));
    }
  }
  absl::StatusOr<redis::Reply> size = Run(target, {"DBSIZE"});
  if (!size.ok()) return size.status();
  if (size->integer != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("refusing to restore: the target Redis holds ", size->integer,
                     " keys; restore only onto an empty Redis (a new instance, or FLUSHALL it "
                     "yourself if you mean to replace it)"));
  }

  Loader loader;
  if (absl::Status s = loader.Start(o.redis_server, rdb); !s.ok()) return s;
  redis::Options source_options;
  source_options.host = "127.0.0.1";
  source_options.port = loader.port();
  source_options.connections = 2;
  // Wait for it to load the file (LOADING until then).
  const absl::Time load_start = absl::Now();
  std::unique_ptr<redis::Client> source;
  for (;;) {
    if (!loader.Alive()) {
      return absl::InternalError(
          absl::StrCat("the private redis-server could not load the backup: ", loader.Log()));
    }
    if (source == nullptr && !Listening(loader.port())) {
      absl::SleepFor(absl::Milliseconds(20));
      continue;
    }
    if (source == nullptr) source = std::make_unique<redis::Client>(source_options);
    absl::StatusOr<redis::Reply> ping = source->Execute({"PING"});
    if (ping.ok() && !ping->is_error()) break;
    if (absl::Now() - load_start > absl::Hours(2))
      return absl::DeadlineExceededError("loading the backup took too long");
    absl::SleepFor(absl::Milliseconds(50));
  }
  result.load_time = absl::Now() - load_start;
  absl::StatusOr<redis::Reply> source_size = Run(*source, {"DBSIZE"});
  if (!source_size.ok()) return source_size.status();
  Say(o.progress, absl::StrCat("restore: backup loaded (", source_size->integer, " keys) in ",
                               absl::ToDoubleSeconds(result.load_time), " s; copying"));

  // SCAN may hand a key out twice: each is restored once.
  const absl::Time copy_start = absl::Now();
  std::set<std::string> done;
  std::string cursor = "0";
  absl::Time last_said = absl::Now();
  do {
    absl::StatusOr<redis::Reply> page =
        Run(*source, {"SCAN", cursor, "COUNT", absl::StrCat(o.batch)});
    if (!page.ok()) return page.status();
    cursor = page->elements.at(0).str;
    std::vector<std::string> keys;
    for (const redis::Reply& k : page->elements.at(1).elements) {
      if (done.insert(k.str).second) keys.push_back(k.str);
    }
    if (keys.empty()) continue;
    // Pipelined: every DUMP and PTTL of the page, then every RESTORE.
    std::vector<absl::StatusOr<redis::Reply>> dumps(2 * keys.size(),
                                                    absl::UnknownError("no reply"));
    std::mutex mu;
    std::condition_variable cv;
    size_t left = dumps.size();
    auto collect = [&](std::vector<absl::StatusOr<redis::Reply>>& into, size_t i) {
      return [&, i](absl::StatusOr<redis::Reply> r) {
        std::lock_guard<std::mutex> lock(mu);
        into[i] = std::move(r);
        if (--left == 0) cv.notify_all();
      };
    };
    for (size_t i = 0; i < keys.size(); ++i) {
      source->Submit({"DUMP", keys[i]}, collect(dumps, 2 * i));
      source->Submit({"PTTL", keys[i]}, collect(dumps, 2 * i + 1));
    }
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return left == 0; });
    }
    std::vector<absl::StatusOr<redis::Reply>> restored(keys.size(), absl::UnknownError("no reply"));
    left = 0;
    std::vector<redis::Command> commands;
    std::vector<size_t> which;
    for (size_t i = 0; i < keys.size(); ++i) {
      const auto& d = dumps[2 * i];
      const auto& t = dumps[2 * i + 1];
      if (!d.ok()) return d.status();
      if (!t.ok()) return t.status();
      if (d->type == redis::Reply::Type::kNil || t->integer == -2) continue;  // expired meanwhile
      commands.push_back(
          {"RESTORE", keys[i], absl::StrCat(t->integer < 0 ? 0 : t->integer), d->str});
      which.push_back(i);
    }
    left = commands.size();
    for (size_t j = 0; j < commands.size(); ++j)
      target.Submit(std::move(commands[j]), collect(restored, which[j]));
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return left == 0; });
    }
    for (size_t i : which) {
      if (!restored[i].ok()) return restored[i].status();
      if (restored[i]->is_error()) {
        return absl::FailedPreconditionError(
            absl::StrCat("RESTORE ", keys[i], ": ", restored[i]->str,
                         " (was the target written to during the restore?)"));
      }
      ++result.keys;
    }
    if (absl::Now() - last_said > absl::Seconds(1)) {
      last_said = absl::Now();
      Say(o.progress, absl::StrCat("restore: ", result.keys, " / ", source_size->integer, " keys"));
    }
  } while (cursor != "0");
  result.copy_time = absl::Now() - copy_start;

  const orders::OrderKeys order_keys;
  absl::StatusOr<redis::Reply> src_orders = Run(*source, {"ZCARD", order_keys.IndexAll()});
  absl::StatusOr<redis::Reply> dst_orders = Run(target, {"ZCARD", order_keys.IndexAll()});
  absl::StatusOr<redis::Reply> dst_size = Run(target, {"DBSIZE"});
  if (!src_orders.ok()) return src_orders.status();
  if (!dst_orders.ok()) return dst_orders.status();
  if (!dst_size.ok()) return dst_size.status();
  if (dst_orders->integer != src_orders->integer || dst_size->integer != result.keys) {
    return absl::InternalError(absl::StrCat(
        "restore incomplete: ", dst_size->integer, " keys and ", dst_orders->integer,
        " orders on the target, the backup has ", result.keys, " and ", src_orders->integer));
  }
  result.orders = dst_orders->integer;

  if (has_pg) {
    if (o.pg_url.empty()) {
      Say(o.progress, "restore: the backup holds a PostgreSQL dump; not restored (no --pg_url)");
    } else {
      Say(o.progress, "restore: pg_restore ...");
      if (absl::Status s = RunTool(
              {o.pg_restore, "--exit-on-error", "--no-owner", "--dbname", o.pg_url, pg_dump_path});
          !s.ok()) {
        return s;
      }
      result.postgres_restored = true;
    }
  }
  result.total_time = absl::Now() - start;
  return result;
}

}  // namespace hotline::backup
