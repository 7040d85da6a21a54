// The access log's archive tier (libs/archive/audit_archive.h) against a real
// redis-server and a real PostgreSQL 15 cluster on free ports: entries older
// than the retention leave Redis with their order-index ids and read back
// through the same AuditLog::List (city-wide and per order, paged, newest
// first, each entry once); a move stopped between verify and delete, or the
// real `hotline-admin archive run` killed with SIGKILL, and run again loses
// and duplicates nothing; the archive refuses UPDATE and DELETE. Prints the
// access log's Redis bytes before and after a move and an archived page's
// read time.
#include "archive/audit_archive.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "archive/archive_store.h"
#include "archive/legacy_audit.h"
#include "archive/pg.h"
#include "audit/audit_log.h"
#include "redis/client.h"
#include "support/postgres_server.h"
#include "support/redis_server.h"

namespace hotline::archive {
namespace {

struct Tiers {
  testing::RedisServer redis_server;
  testing::PostgresServer pg_server;
  redis::Client redis{
      redis::Options{.host = "127.0.0.1", .port = redis_server.port(), .connections = 4}};
  PgConnection pg{pg_server.conninfo()};
  PgPool pool{pg_server.conninfo(), 2};
  PgAuditArchive archive{pool};
  audit::AuditKeys keys;
  audit::AuditLog live_only{redis, keys};
  audit::AuditLog log{redis, keys, &archive};

  Tiers() {
    PgConnection owner{pg_server.conninfo(testing::PostgresServer::kOwner)};
    if (absl::Status s = MigrateSchema(owner, {testing::PostgresServer::kServices}); !s.ok())
      throw std::runtime_error(s.ToString());
  }

  // Entry i reads order GZ<i % orders>; every 10th lists a page of 5 orders.
  std::vector<std::string> AppendMany(int n, int orders, int from = 0) {
    std::vector<std::promise<absl::StatusOr<std::string>>> done(n);
    for (int i = 0; i < n; ++i) {
      v1::AuditEntry e;
      e.mutable_actor()->set_user_id(absl::StrCat("u", (from + i) % 7));
      e.mutable_actor()->set_role(v1::ROLE_UNIT_HANDLER);
      if ((from + i) % 10 == 9) {
        e.set_action(v1::AUDIT_ACTION_LIST_ORDERS);
        for (int k = 0; k < 5; ++k) e.add_order_ids(absl::StrCat("GZ", (from + i + k) % orders));
      } else {
        e.set_action(v1::AUDIT_ACTION_READ_ORDER);
        e.set_order_id(absl::StrCat("GZ", (from + i) % orders));
      }
      e.set_reason(absl::StrCat("entry ", from + i));
      log.Append(e,
                 [&done, i](absl::StatusOr<std::string> id) { done[i].set_value(std::move(id)); });
    }
    std::vector<std::string> ids;
    for (auto& d : done) {
      absl::StatusOr<std::string> id = d.get_future().get();
      if (!id.ok()) throw std::runtime_error(id.status().ToString());
      ids.push_back(*id);
    }
    return ids;
  }

  absl::StatusOr<v1::ListAuditEntriesResponse> List(audit::AuditLog& l,
                                                    const v1::ListAuditEntriesRequest& r) {
    std::promise<absl::StatusOr<v1::ListAuditEntriesResponse>> p;
    l.List(r, [&](absl::StatusOr<v1::ListAuditEntriesResponse> page) {
      p.set_value(std::move(page));
    });
    return p.get_future().get();
  }

  // Every entry's id through every page (each seen once is checked by the caller).
  std::vector<std::string> ListAll(const std::string& order_id, int page_size,
                                   audit::AuditLog* l = nullptr) {
    v1::ListAuditEntriesRequest r;
    r.set_order_id(order_id);
    r.set_page_size(page_size);
    std::vector<std::string> ids;
    while (true) {
      absl::StatusOr<v1::ListAuditEntriesResponse> page = List(l ? *l : log, r);
      REQUIRE(page.ok());
      for (const auto& e : page->entries()) ids.push_back(e.id());
      if (page->next_page_token().empty()) return ids;
      r.set_page_token(page->next_page_token());
    }
  }

  int64_t Int(const redis::Command& c) {
    auto r = redis.Execute(c);
    REQUIRE(r.ok());
    return r->integer;
  }
  int64_t Rows(const std::string& table) {
    auto r = pg.Exec("SELECT count(*) FROM " + table);
    REQUIRE(r.ok());
    return std::atoll(r->rows[0][0]->c_str());
  }
  // The access log's Redis bytes: the stream and every order index.
  int64_t RedisBytes(int orders) {
    int64_t bytes = Int({"MEMORY", "USAGE", keys.Log(), "SAMPLES", "0"});
    for (int i = 0; i < orders; ++i) {
      bytes += Int({"MEMORY", "USAGE", keys.OrderIndex(absl::StrCat("GZ", i)), "SAMPLES", "0"});
    }
    return bytes;
  }
};

std::pair<uint64_t, uint64_t> IdKey(const std::string& id) {
  const size_t dash = id.find('-');
  return {std::stoull(id.substr(0, dash)), std::stoull(id.substr(dash + 1))};
}

// Ids newest first, as List answers (appends on several connections may
// get their ids in another order than they were submitted).
std::vector<std::string> NewestFirst(std::vector<std::string> v) {
  std::sort(v.begin(), v.end(),
            [](const std::string& a, const std::string& b) { return IdKey(a) > IdKey(b); });
  return v;
}

// The ids naming `order` among entries appended by AppendMany (entry i is
// ids[i]), newest first.
std::vector<std::string> Expected(const std::vector<std::string>& ids, int orders, int order) {
  std::vector<std::string> out;
  for (int i = 0; i < static_cast<int>(ids.size()); ++i) {
    bool names = false;
    if (i % 10 == 9) {
      for (int k = 0; k < 5; ++k) names = names || (i + k) % orders == order;
    } else {
      names = i % orders == order;
    }
    if (names) out.push_back(ids[i]);
  }
  return NewestFirst(out);
}

TEST_CASE("old access-log entries move to PostgreSQL and read back through the same List") {
  Tiers t;
  constexpr int kOrders = 13;
  std::vector<std::string> old_ids = t.AppendMany(300, kOrders);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const absl::Time cutoff = absl::Now();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::vector<std::string> new_ids = t.AppendMany(120, kOrders, 300);
  std::vector<std::string> all = old_ids;
  all.insert(all.end(), new_ids.begin(), new_ids.end());

  AuditMoveOptions o;
  o.now = cutoff;
  o.min_age = absl::ZeroDuration();
  o.batch = 64;
  absl::StatusOr<AuditMoveResult> moved = MoveOldAuditEntries(t.redis, t.pg, t.keys, o);
  REQUIRE(moved.ok());
  CHECK(moved->moved == 300);
  CHECK(t.Int({"XLEN", t.keys.Log()}) == 120);
  CHECK(t.Rows("audit_entries") == 300);

  // Redis holds only the new entries, in the log and in the order indexes.
  std::vector<std::string> live = t.ListAll("", 500, &t.live_only);
  CHECK(live == NewestFirst(new_ids));
  auto index = t.redis.Execute({"LRANGE", t.keys.OrderIndex("GZ0"), "0", "-1"});
  REQUIRE(index.ok());
  const std::set<std::string> new_set(new_ids.begin(), new_ids.end());
  for (const auto& id : index->elements) CHECK(new_set.count(id.str) == 1);

  // Both tiers through the tiered List: every entry once, newest first, at
  // page sizes that cut inside each tier and across the boundary.
  for (int page : {1, 7, 100, 500}) {
    CHECK(t.ListAll("", page) == NewestFirst(all));
  }
  for (int order : {0, 5, 12}) {
    CHECK(t.ListAll(absl::StrCat("GZ", order), 9) == Expected(all, kOrders, order));
  }
  // The moved entries are whole.
  v1::ListAuditEntriesRequest r;
  r.set_page_token(NewestFirst(new_ids).back());
  r.set_page_size(1);
  auto page = t.List(t.log, r);
  REQUIRE(page.ok());
  REQUIRE(page->entries_size() == 1);
  const std::string newest_old = NewestFirst(old_ids).front();
  CHECK(page->entries(0).id() == newest_old);
  const int i =
      static_cast<int>(std::find(old_ids.begin(), old_ids.end(), newest_old) - old_ids.begin());
  CHECK(page->entries(0).reason() == absl::StrCat("entry ", i));
  CHECK(page->entries(0).order_ids_size() == (i % 10 == 9 ? 5 : 0));

  // A second run finds nothing more due.
  moved = MoveOldAuditEntries(t.redis, t.pg, t.keys, o);
  REQUIRE(moved.ok());
  CHECK(moved->moved == 0);
}

TEST_CASE(
    "an access-log move stopped between verify and delete and run again loses and duplicates "
    "nothing") {
  Tiers t;
  constexpr int kOrders = 11;
  std::vector<std::string> ids = t.AppendMany(500, kOrders);
  AuditMoveOptions o;
  o.now = absl::Now() + absl::Seconds(1);
  o.min_age = absl::ZeroDuration();
  o.batch = 100;
  int batches = 0;
  o.before_delete = [&]() -> absl::Status {
    if (++batches == 3) return absl::UnavailableError("injected: stopped before the delete");
    return absl::OkStatus();
  };
  absl::StatusOr<AuditMoveResult> moved = MoveOldAuditEntries(t.redis, t.pg, t.keys, o);
  REQUIRE_FALSE(moved.ok());
  // Two batches moved; the third is in both tiers.
  CHECK(t.Int({"XLEN", t.keys.Log()}) == 300);
  CHECK(t.Rows("audit_entries") == 300);
  // In both tiers, still listed once.
  CHECK(t.ListAll("", 33) == NewestFirst(ids));
  CHECK(t.ListAll("GZ3", 4) == Expected(ids, kOrders, 3));

  o.before_delete = nullptr;
  moved = MoveOldAuditEntries(t.redis, t.pg, t.keys, o);
  REQUIRE(moved.ok());
  CHECK(moved->moved == 300);
  CHECK(t.Int({"XLEN", t.keys.Log()}) == 0);
  CHECK(t.Int({"EXISTS", t.keys.OrderIndex("GZ3")}) == 0);
  CHECK(t.Rows("audit_entries") == 500);
  CHECK(t.Rows("audit_entry_orders") == 450 + 50 * 5);
  CHECK(t.ListAll("", 500) == NewestFirst(ids));
  for (int order = 0; order < kOrders; ++order) {
    CHECK(t.ListAll(absl::StrCat("GZ", order), 50) == Expected(ids, kOrders, order));
  }
}

TEST_CASE("the archived access log is append-only: the services' role has no UPDATE or DELETE") {
  Tiers t;
  t.AppendMany(10, 3);
  AuditMoveOptions o;
  o.now = absl::Now() + absl::Seconds(1);
  o.min_age = absl::ZeroDuration();
  REQUIRE(MoveOldAuditEntries(t.redis, t.pg, t.keys, o).ok());  // as the services' role
  REQUIRE(t.Rows("audit_entries") == 10);
  // The services' role (t.pg) is refused by the grants, before any trigger.
  for (const char* sql :
       {"UPDATE audit_entries SET entry = '\\x00'", "DELETE FROM audit_entries",
        "UPDATE audit_entry_orders SET order_id = 'x'", "DELETE FROM audit_entry_orders",
        "TRUNCATE audit_entries", "TRUNCATE audit_entry_orders"}) {
    INFO(sql);
    auto refused = t.pg.Exec(sql);
    REQUIRE_FALSE(refused.ok());
    CHECK(std::string(refused.status().message()).find("permission denied for table") !=
          std::string::npos);
  }
  // It may still append and read (the services' writes and reads).
  CHECK(t.pg.Exec("INSERT INTO audit_entry_orders VALUES ('GZX', 1, 1)").ok());
  CHECK(t.pg.Exec("SELECT count(*) FROM audit_entries").ok());
  // The owner is stopped by the trigger.
  PgConnection owner{t.pg_server.conninfo(testing::PostgresServer::kOwner)};
  auto update = owner.Exec("UPDATE audit_entries SET entry = '\\x00'");
  REQUIRE_FALSE(update.ok());
  CHECK(std::string(update.status().message()).find("append-only") != std::string::npos);
  CHECK_FALSE(owner.Exec("DELETE FROM audit_entries").ok());
  CHECK_FALSE(owner.Exec("DELETE FROM audit_entry_orders").ok());
  CHECK(t.Rows("audit_entries") == 10);
  CHECK(t.Rows("audit_entry_orders") == 9 + 3 + 1);  // entry 9 lists GZ0..GZ2; GZX above
}

// `hotline-admin archive ready` as the services' role: its exit code.
int AdminReady(testing::PostgresServer& server) {
  const std::string cmd = absl::StrCat(HOTLINE_ADMIN_BIN, " archive ready --postgres '",
                                       server.conninfo(), "' >/dev/null 2>&1");
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_CASE("the schema's migration is the owner's: the services' role cannot make or widen it") {
  testing::PostgresServer server;
  PgConnection services{server.conninfo()};
  PgConnection owner{server.conninfo(testing::PostgresServer::kOwner)};
  // Before the migration the mover, as the services' role, is told what to run.
  absl::Status s = EnsureSchema(services);
  CHECK(absl::IsFailedPrecondition(s));
  CHECK(std::string(s.message()).find("hotline-admin archive migrate") != std::string::npos);
  // Bad role names and the owner granting to itself are refused; nothing is made.
  CHECK(absl::IsInvalidArgument(MigrateSchema(owner, {"hotline; DROP TABLE x"})));
  CHECK(absl::IsInvalidArgument(MigrateSchema(owner, {"hotline_owner"})));
  CHECK_FALSE(owner.Exec("SELECT 1 FROM archive_schema").ok());
  // What the services' initContainers wait for (hotline-admin archive ready):
  // not before the tables exist, nor while they are not granted.
  CHECK(absl::IsFailedPrecondition(CheckGranted(services)));
  CHECK(AdminReady(server) == 1);
  REQUIRE(MigrateSchema(owner, {}).ok());
  s = CheckGranted(services);
  CHECK(absl::IsFailedPrecondition(s));
  CHECK(std::string(s.message()).find("not migrated or not granted") != std::string::npos);
  REQUIRE(MigrateSchema(owner, {"hotline"}).ok());
  REQUIRE(MigrateSchema(owner, {"hotline"}).ok());  // idempotent
  CHECK(EnsureSchema(services).ok());
  CHECK(CheckGranted(services).ok());
  CHECK(AdminReady(server) == 0);
  // The services' role cannot grant itself more (not the owner).
  (void)services.Exec("GRANT UPDATE, DELETE ON audit_entries TO hotline");  // grants nothing
  CHECK_FALSE(services.Exec("DELETE FROM audit_entries").ok());
  // A services' role that owns a table is refused: no grant would narrow it.
  PgConnection superuser{server.conninfo(testing::PostgresServer::kSuperuser)};
  REQUIRE(superuser.Exec("ALTER TABLE audit_entries OWNER TO hotline").ok());
  s = MigrateSchema(owner, {"hotline"});
  INFO(s.ToString());
  CHECK(absl::IsFailedPrecondition(s));
  CHECK(std::string(s.message()).find("REASSIGN OWNED BY hotline") != std::string::npos);
}

// Entries as the version before the index wrote them: the whole entry in the
// log and again, under the same id, in the stream of each order it names.
// Entry i names GZ(i % 4); every 5th also GZ((i + 1) % 4) and GZ((i + 2) % 4).
struct Legacy {
  std::vector<std::string> ids;
  int64_t order_rows = 0;
};
Legacy PlantLegacy(Tiers& t, int n) {
  Legacy out;
  for (int i = 0; i < n; ++i) {
    v1::AuditEntry e;
    e.mutable_actor()->set_user_id(absl::StrCat("old", i));
    std::vector<std::string> named = {absl::StrCat("GZ", i % 4)};
    if (i % 5 == 4) {
      e.set_action(v1::AUDIT_ACTION_LIST_ORDERS);
      for (int k = 0; k < 3; ++k) e.add_order_ids(absl::StrCat("GZ", (i + k) % 4));
      named = {e.order_ids().begin(), e.order_ids().end()};
    } else {
      e.set_action(v1::AUDIT_ACTION_READ_ORDER);
      e.set_order_id(named[0]);
    }
    const std::string bytes = e.SerializeAsString();
    auto id = t.redis.Execute({"XADD", t.keys.Log(), "*", "e", bytes});
    REQUIRE(id.ok());
    for (const std::string& order : named) {
      REQUIRE(t.redis.Execute({"XADD", t.keys.LegacyOrderLog(order), id->str, "e", bytes}).ok());
    }
    out.ids.push_back(id->str);
    out.order_rows += static_cast<int64_t>(named.size());
  }
  return out;
}

TEST_CASE("old per-order audit streams move into PostgreSQL's access log and list as before") {
  Tiers t;
  const Legacy legacy = PlantLegacy(t, 60);
  t.AppendMany(40, 4);  // indexed entries, newer
  std::map<std::string, std::vector<std::string>> before;
  for (int order = 0; order < 4; ++order) {
    before[absl::StrCat("GZ", order)] = t.ListAll(absl::StrCat("GZ", order), 7);
  }
  auto count = CountLegacyAudit(t.redis, t.keys);
  REQUIRE(count.ok());
  CHECK(count->streams == 4);
  CHECK(count->entries == legacy.order_rows);

  // Stopped after the second batch's verify, as a kill would: nothing of
  // that batch leaves Redis.
  LegacyCompactOptions o;
  o.batch = 7;
  int batches = 0;
  o.before_delete = [&]() {
    return ++batches == 2 ? absl::AbortedError("killed") : absl::OkStatus();
  };
  CHECK(absl::IsAborted(CompactLegacyAudit(t.redis, t.pg, t.keys, o).status()));
  count = CountLegacyAudit(t.redis, t.keys);
  REQUIRE(count.ok());
  CHECK(count->entries == legacy.order_rows - 7);
  o.before_delete = nullptr;
  auto done = CompactLegacyAudit(t.redis, t.pg, t.keys, o);
  REQUIRE(done.ok());
  CHECK(done->streams == 4);
  CHECK(done->entries == legacy.order_rows - 7);
  count = CountLegacyAudit(t.redis, t.keys);
  REQUIRE(count.ok());
  CHECK(count->streams == 0);
  CHECK(count->entries == 0);
  for (int order = 0; order < 4; ++order) {
    CHECK(t.Int({"EXISTS", t.keys.LegacyOrderLog(absl::StrCat("GZ", order))}) == 0);
  }
  // Each entry once, with a row for each order it names.
  CHECK(t.Rows("audit_entries") == 60);
  CHECK(t.Rows("audit_entry_orders") == legacy.order_rows);
  // The same pages, read from both tiers.
  for (const auto& [order, ids] : before) CHECK(t.ListAll(order, 7) == ids);
  // Again: nothing to do.
  done = CompactLegacyAudit(t.redis, t.pg, t.keys, o);
  REQUIRE(done.ok());
  CHECK(done->entries == 0);
  // The log's own move later takes the same entries from the log stream:
  // already there, byte for byte, so nothing is doubled.
  AuditMoveOptions move;
  move.now = absl::Now() + absl::Seconds(1);
  move.min_age = absl::ZeroDuration();
  REQUIRE(MoveOldAuditEntries(t.redis, t.pg, t.keys, move).ok());
  CHECK(t.Rows("audit_entries") == 100);
  for (const auto& [order, ids] : before) CHECK(t.ListAll(order, 7) == ids);

  // An entry that does not parse stops the run and stays in Redis.
  REQUIRE(t.redis.Execute({"XADD", t.keys.LegacyOrderLog("GZ9"), "1-1", "e", "\xff\xff"}).ok());
  auto bad = CompactLegacyAudit(t.redis, t.pg, t.keys, o);
  CHECK(absl::IsDataLoss(bad.status()));
  CHECK(t.Int({"XLEN", t.keys.LegacyOrderLog("GZ9")}) == 1);
  REQUIRE(t.redis.Execute({"DEL", t.keys.LegacyOrderLog("GZ9")}).ok());

  // The command as an operator runs it, on a stream planted afresh.
  Tiers fresh;
  PlantLegacy(fresh, 12);
  const std::string cmd = absl::StrCat(
      HOTLINE_ADMIN_BIN, " archive compact-audit --redis ", fresh.redis_server.address(),
      " --postgres '", fresh.pg_server.conninfo(), "' 2>&1");
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  INFO(out);
  CHECK(status == 0);
  CHECK(out.find("of 4 per-order streams moved to PostgreSQL") != std::string::npos);
  CHECK(out.find("0 per-order streams (audit:order:{ID}) remain, 0 entries") != std::string::npos);
  CHECK(fresh.Rows("audit_entries") == 12);
}

pid_t StartMover(const Tiers& t) {
  const std::string redis = t.redis_server.address();
  const std::string pg = t.pg_server.conninfo();
  const std::string policy = std::string(HOTLINE_SOURCE_DIR) + "/data/archive_policy.textproto";
  pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execl(HOTLINE_ADMIN_BIN, "hotline-admin", "archive", "run", "--redis", redis.c_str(),
            "--postgres", pg.c_str(), "--policy", policy.c_str(), "--access_log_min_age", "1ms",
            "--batch", "50", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

TEST_CASE(
    "hotline-admin archive run killed with SIGKILL mid-move of the access log and run again loses "
    "and duplicates nothing") {
  Tiers t;
  constexpr int kOrders = 97;
  constexpr int kEntries = 20000;
  std::vector<std::string> ids;
  for (int from = 0; from < kEntries; from += 2000) {
    std::vector<std::string> part = t.AppendMany(2000, kOrders, from);
    ids.insert(ids.end(), part.begin(), part.end());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const int64_t bytes_before = t.RedisBytes(kOrders);

  std::mt19937 rng(18);
  int killed = 0, mid_move = 0, in_both = 0;
  std::vector<std::string> at_kill;
  for (int round = 0; round < 10; ++round) {
    const int64_t rows_before = t.Rows("audit_entries");
    const pid_t pid = StartMover(t);
    REQUIRE(pid > 0);
    // Kill only once this mover has committed a batch of its own (on a loaded
    // machine starting it and connecting can take longer than any fixed
    // sleep), then a random few ms on, so the kill falls anywhere in a batch.
    int status = 0;
    bool exited = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (t.Rows("audit_entries") == rows_before && std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!exited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 20));
      if (::kill(pid, SIGKILL) == 0) ++killed;
      ::waitpid(pid, &status, 0);
    }
    // Where the kill fell: entries copied, entries still in Redis.
    const int64_t rows = t.Rows("audit_entries"), live = t.Int({"XLEN", t.keys.Log()});
    if (rows > 0 && live > 0) ++mid_move;
    if (rows + live > kEntries) ++in_both;  // killed between commit and delete
    CHECK(rows + live >= kEntries);         // nothing lost at any kill
    at_kill.push_back(absl::StrCat(rows, "/", live));
  }
  std::printf("at each kill, entries in PostgreSQL/Redis: %s\n",
              absl::StrJoin(at_kill, " ").c_str());
  CHECK(mid_move >= 5);
  const pid_t pid = StartMover(t);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  CHECK(killed >= 5);
  CHECK(t.Int({"XLEN", t.keys.Log()}) == 0);
  CHECK(t.Rows("audit_entries") == kEntries);
  CHECK(t.Rows("audit_entry_orders") == kEntries / 10 * 9 + kEntries / 10 * 5);
  std::vector<std::string> listed = t.ListAll("", 500);
  CHECK(listed.size() == ids.size());
  CHECK(std::set<std::string>(listed.begin(), listed.end()).size() == listed.size());
  CHECK(listed == NewestFirst(ids));
  for (int order : {0, 41, 96}) {
    CHECK(t.ListAll(absl::StrCat("GZ", order), 100) == Expected(ids, kOrders, order));
  }
  const int64_t bytes_after = t.RedisBytes(kOrders);

  // An archived page's read time through AuditLog::List (Redis empty, so
  // every entry comes from PostgreSQL): a city-wide page of 100 deep in the
  // log, and one order's page of 100.
  auto time_page = [&](const std::string& order, const std::string& token) {
    v1::ListAuditEntriesRequest r;
    r.set_order_id(order);
    r.set_page_size(100);
    r.set_page_token(token);
    std::vector<double> ms;
    for (int i = 0; i < 200; ++i) {
      const auto a = std::chrono::steady_clock::now();
      auto page = t.List(t.log, r);
      REQUIRE(page.ok());
      REQUIRE(page->entries_size() == 100);
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
    }
    std::sort(ms.begin(), ms.end());
    return std::make_pair(ms[ms.size() / 2], ms[ms.size() * 99 / 100]);
  };
  const auto city = time_page("", ids[kEntries / 2]);
  const auto order = time_page("GZ41", "");
  AuditArchiveSize size;
  {
    auto s = MeasureAuditArchive(t.pg);
    REQUIRE(s.ok());
    size = *s;
  }
  std::printf(
      "access log, %d entries (%d orders; 1 in 10 lists 5 orders): Redis %lld bytes before the "
      "move, %lld after; PostgreSQL %lld bytes (%.0f per entry); mover killed %d times "
      "(%d of them between a commit and its delete)\n"
      "archived page of 100, through AuditLog::List: city-wide median %.2f ms p99 %.2f ms; one "
      "order median %.2f ms p99 %.2f ms\n",
      kEntries, kOrders, static_cast<long long>(bytes_before), static_cast<long long>(bytes_after),
      static_cast<long long>(size.bytes), static_cast<double>(size.bytes) / kEntries, killed,
      in_both, city.first, city.second, order.first, order.second);
  CHECK(bytes_after < bytes_before / 10);
}

}  // namespace
}  // namespace hotline::archive
