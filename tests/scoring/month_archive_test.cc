// Scoring's closed months moved to PostgreSQL (services/scoring/month_archive.h)
// against a real redis-server and PostgreSQL 15: six busy months of facts
// (July to December 2026), five of them closed; every score, explanation,
// ranking, hot list and agent figure of each month, of a quarter across
// moved and live months and of a week across the boundary, the same before
// and after the move (compared whole), explanations reading the moved facts;
// the facts of orders settled in moved months gone from Redis; a month held
// by an open order on no unit's list; hotline-admin archive run killed with
// SIGKILL at random points and run again: the same answers, each month's rows
// and each order's facts once; fsck's scoring check clean after the move, and
// still finding an aggregate off by one in the live month and moved facts
// lost; a change to a moved month refused.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <tuple>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "archive/archive_store.h"
#include "archive/pg.h"
#include "clock/clock.h"
#include "orders/order_record.h"
#include "scoring/archived_fact_store.h"
#include "scoring/assessor.h"
#include "scoring/facts.h"
#include "scoring/month_archive.h"
#include "scoring/scoring_fixture.h"
#include "support/postgres_server.h"
#include "support/redis_server.h"

namespace hotline::scoring {
namespace {

using fixture::Dir;

const absl::TimeZone kZone = fixture::Guangzhou();
// Mid-February 2027: with the default 60 days, July to November are closed,
// December is not.
const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2027, 2, 15, 9, 0, 0), kZone);
const std::vector<std::string> kClosed = {"202607", "202608", "202609", "202610", "202611"};

v1::Period PeriodOf(v1::PeriodKind kind, const std::string& date) {
  v1::Period p;
  p.set_kind(kind);
  p.set_date(date);
  return p;
}

using fixture::Centre;

struct Rig {
  hotline::testing::RedisServer redis_server;
  hotline::testing::PostgresServer pg_server;
  redis::Client redis{[this] {
    redis::Options o;
    o.port = redis_server.port();
    o.connections = 4;
    return o;
  }()};
  ScoringKeys keys;  // hotline: as hotline-admin and hotline-fsck use
  RedisFactStore store{redis, keys, kZone, Dir()};
  archive::PgPool pool{pg_server.conninfo(), 2};
  archive::PgConnection pg{pg_server.conninfo()};
  ArchivedFactStore tiers{store, redis, pool, keys, kZone};

  Rig() {
    archive::PgConnection owner(pg_server.conninfo(hotline::testing::PostgresServer::kOwner));
    if (absl::Status s = archive::MigrateSchema(owner, {hotline::testing::PostgresServer::kServices});
        !s.ok())
      throw std::runtime_error(s.ToString());
  }

  int64_t Int(redis::Command c) {
    auto r = redis.Execute(std::move(c));
    REQUIRE(r.ok());
    return r->integer;
  }
  int64_t Rows(const std::string& table, const std::string& where = "true") {
    auto r = pg.Exec(absl::StrCat("SELECT count(*) FROM ", table, " WHERE ", where));
    REQUIRE(r.ok());
    return std::stoll(r->rows[0][0].value_or("0"));
  }
  int64_t FactsInRedis() {
    auto all = redis.Execute({"KEYS", "hotline:scoring:facts:*"});
    REQUIRE(all.ok());
    return static_cast<int64_t>(all->elements.size());
  }
  // Bytes Redis spends on scoring's keys (MEMORY USAGE, summed): the
  // aggregates, address sets and order lists, and the facts.
  std::pair<int64_t, int64_t> ScoringBytes() {
    int64_t aggregates = 0, facts = 0;
    auto all = redis.Execute({"KEYS", "hotline:scoring:*"});
    REQUIRE(all.ok());
    for (const redis::Reply& k : all->elements) {
      auto m = redis.Execute({"MEMORY", "USAGE", k.str, "SAMPLES", "0"});
      REQUIRE(m.ok());
      (absl::StrContains(k.str, "scoring:facts:") ? facts : aggregates) += m->integer;
    }
    return {aggregates, facts};
  }
};

// Six busy months stored as the consumer stores them; each order's record
// in Redis, archived (归档) at the facts' version (its facts derived from
// the archived order, as the consumer derives them), so the months can close.
void Load(Rig& r) {
  int seed = 1;
  for (int month = 7; month <= 12; ++month) {
    for (const v1::WorkOrder& o : fixture::BusyMonth(Dir(), absl::CivilMonth(2026, month), 250, seed++)) {
      v1::WorkOrder archived = o;
      archived.set_state(v1::ORDER_STATE_ARCHIVED);
      REQUIRE(r.store.Put(DeriveFacts(archived).value()).ok());
      redis::Command hset = {"HSET", r.keys.orders().Order(o.id())};
      for (auto& [k, v] : orders::ToRecord(archived)) {
        hset.push_back(k);
        hset.push_back(v);
      }
      REQUIRE(r.redis.Execute(hset).ok());
    }
  }
}

// Every answer scoring gives for a period, as text.
std::string Answers(FactStore& store) {
  const RuleBook book = RuleBook::Load(HOTLINE_SOURCE_DIR "/data/scoring_rules.textproto").value();
  FakeClock clock(kNow);
  Assessor assessor(book, Dir(), store, clock, kZone);
  std::ostringstream out;
  std::vector<v1::Period> periods;
  for (const char* m : {"2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"})
    periods.push_back(PeriodOf(v1::PERIOD_KIND_MONTH, m));
  periods.push_back(PeriodOf(v1::PERIOD_KIND_QUARTER, "2026-10"));  // moved and live months
  periods.push_back(PeriodOf(v1::PERIOD_KIND_WEEK, "2026-11-30"));  // across the boundary
  for (const v1::Period& period : periods) {
    out << "== " << period.ShortDebugString() << "\n";
    int street = 0;
    for (v1::UnitKind kind : {v1::UNIT_KIND_DISTRICT, v1::UNIT_KIND_STREET, v1::UNIT_KIND_DEPARTMENT}) {
      for (const v1::Unit& u : Dir().ListUnits("", kind)) {
        if (kind == v1::UNIT_KIND_STREET && street++ % 7 != 0) continue;  // a sample of streets
        v1::GetUnitScoreRequest req;
        req.set_unit_code(u.code());
        *req.mutable_period() = period;
        out << "score " << assessor.GetUnitScore(Centre(), req).value().ShortDebugString() << "\n";
        v1::ExplainScoreRequest ex;
        ex.set_unit_code(u.code());
        *ex.mutable_period() = period;
        ex.set_limit(5000);
        out << "explain " << assessor.ExplainScore(Centre(), ex).value().ShortDebugString() << "\n";
      }
    }
    for (v1::UnitLevel level : {v1::UNIT_LEVEL_DISTRICT, v1::UNIT_LEVEL_STREET, v1::UNIT_LEVEL_DEPARTMENT}) {
      v1::RankUnitsRequest rank;
      rank.set_level(level);
      *rank.mutable_period() = period;
      out << "rank " << assessor.RankUnits(Centre(), rank).value().ShortDebugString() << "\n";
    }
    for (v1::HotKind kind : {v1::HOT_KIND_MATTERS, v1::HOT_KIND_LOCATIONS, v1::HOT_KIND_DEPARTMENTS,
                             v1::HOT_KIND_ADDRESSES, v1::HOT_KIND_RISING, v1::HOT_KIND_DISTRICT_MATTERS}) {
      v1::GetHotSpotsRequest h;
      h.set_kind(kind);
      if (kind == v1::HOT_KIND_DISTRICT_MATTERS) h.set_district_code("440106");
      *h.mutable_period() = period;
      auto got = assessor.GetHotSpots(h, Centre());
      out << "hot " << kind << " " << (got.ok() ? got->ShortDebugString() : got.status().ToString()) << "\n";
    }
    v1::GetAgentFiguresRequest agents;
    *agents.mutable_period() = period;
    out << "agents " << assessor.GetAgentFigures(Centre(), agents).value().ShortDebugString() << "\n";
  }
  return out.str();
}

// The first line where two answers differ ("" when equal).
std::string FirstDifference(const std::string& a, const std::string& b) {
  std::istringstream x(a), y(b);
  std::string l, m;
  for (int n = 1;; ++n) {
    const bool more_a = static_cast<bool>(std::getline(x, l)), more_b = static_cast<bool>(std::getline(y, m));
    if (!more_a && !more_b) return "";
    if (l != m || more_a != more_b) return absl::StrCat("line ", n, ":\n  before ", l.substr(0, 400), "\n  after  ", m.substr(0, 400));
  }
}

MonthMoveOptions Options() {
  MonthMoveOptions o;
  o.now = kNow;
  o.zone = kZone;
  return o;
}

TEST_CASE("scoring's closed months read from PostgreSQL give the same answers as from Redis") {
  Rig r;
  Load(r);
  const std::string before = Answers(r.store);
  REQUIRE(before.size() > 10000);
  CHECK(Answers(r.tiers) == before);  // nothing moved: the decorator reads Redis
  const auto [agg_before, facts_before] = r.ScoringBytes();

  const int64_t orders = r.FactsInRedis();
  auto moved = MoveClosedMonths(r.redis, r.pg, r.keys, Options());
  REQUIRE(moved.ok());
  CHECK(moved->moved == kClosed);
  CHECK(moved->held.empty());
  const auto [agg_after, facts_after] = r.ScoringBytes();
  std::printf("scoring in Redis, six months of 250 orders, five moved: aggregates %lld -> %lld bytes, "
              "facts %lld -> %lld bytes; %lld keys deleted, %lld rows in PostgreSQL, facts of %lld "
              "orders moved\n",
              static_cast<long long>(agg_before), static_cast<long long>(agg_after),
              static_cast<long long>(facts_before), static_cast<long long>(facts_after),
              static_cast<long long>(moved->keys), static_cast<long long>(moved->rows),
              static_cast<long long>(moved->facts));
  CHECK(agg_after * 3 < agg_before);
  // The facts of orders settled in the moved months left Redis for
  // scoring_facts, each order's in one place; December's stayed.
  CHECK(moved->facts > 1000);
  CHECK(r.Rows("scoring_facts") == moved->facts);
  CHECK(r.FactsInRedis() + moved->facts == orders);
  CHECK(r.Int({"EXISTS", r.keys.FactsPending()}) == 0);  // the facts step done
  CHECK(facts_after * 3 < facts_before);
  const v1::WorkOrder september = fixture::BusyMonth(Dir(), absl::CivilMonth(2026, 9), 250, 3).front();
  CHECK(r.Int({"EXISTS", r.keys.Facts(september.id())}) == 0);
  CHECK(r.Rows("scoring_facts", absl::StrCat("order_id = '", september.id(), "'")) == 1);
  // As `hotline-admin rebuild scoring` stores it again: refused, not re-derived into Redis.
  v1::WorkOrder rebuilt = september;
  rebuilt.set_state(v1::ORDER_STATE_ARCHIVED);
  CHECK(absl::IsFailedPrecondition(r.store.PutMany({DeriveFacts(rebuilt).value()}).at(0).status()));
  CHECK(r.Int({"EXISTS", r.keys.Facts(september.id())}) == 0);
  const v1::WorkOrder december = fixture::BusyMonth(Dir(), absl::CivilMonth(2026, 12), 250, 6).front();
  CHECK(r.Int({"EXISTS", r.keys.Facts(december.id())}) == 1);

  const std::string after = Answers(r.tiers);
  INFO(FirstDifference(before, after));
  CHECK(after == before);
  // Redis alone has lost the moved months: the decorator is what answers.
  CHECK(Answers(r.store) != before);
  // Nothing of a moved month is left in Redis; December's keys are.
  CHECK(r.Int({"EXISTS", r.keys.CityDay("volume", "202611")}) == 0);
  CHECK(r.Int({"EXISTS", r.keys.CityMonth("addr", "202611")}) == 0);
  CHECK(r.Int({"EXISTS", r.keys.CityDay("volume", "202612")}) == 1);

  SECTION("a second run moves nothing and changes nothing") {
    const int64_t rows = r.Rows("scoring_hashes") + r.Rows("scoring_members") + r.Rows("scoring_unit_orders") +
                         r.Rows("scoring_facts");
    auto again = MoveClosedMonths(r.redis, r.pg, r.keys, Options());
    REQUIRE(again.ok());
    CHECK(again->moved.empty());
    CHECK(again->facts == 0);
    CHECK(r.Rows("scoring_hashes") + r.Rows("scoring_members") + r.Rows("scoring_unit_orders") +
              r.Rows("scoring_facts") ==
          rows);
    CHECK(Answers(r.tiers) == before);
  }
  SECTION("a change to a moved month is refused, one to the live month is written") {
    // An order of November, re-derived at a newer version with another category.
    v1::WorkOrder o = fixture::BusyMonth(Dir(), absl::CivilMonth(2026, 11), 250, 5).front();
    v1::OrderFacts f = DeriveFacts(o).value();
    f.set_version(f.version() + 1);
    f.set_category_code("999999");
    auto put = r.store.Put(f);
    CHECK(absl::IsFailedPrecondition(put.status()));
    CHECK(r.Int({"EXISTS", r.keys.Facts(o.id())}) == 0);  // its moved facts do not come back
    CHECK(Answers(r.tiers) == before);
    v1::WorkOrder d = fixture::BusyMonth(Dir(), absl::CivilMonth(2026, 12), 250, 6).front();
    v1::OrderFacts g = DeriveFacts(d).value();
    g.set_version(g.version() + 1);
    g.set_category_code("999999");
    CHECK(r.store.Put(g).value());
  }
}

TEST_CASE("two archive runs never move scoring months at once, and an empty read never replaces a copy") {
  Rig r;
  Load(r);
  const std::string before = Answers(r.store);
  const auto copied = [&r] {
    return r.Rows("scoring_hashes") + r.Rows("scoring_members") + r.Rows("scoring_unit_orders");
  };
  // A second run (its own connection, as a manual run beside the nightly
  // job) while the first is between its copy and its delete: refused.
  archive::PgConnection other(r.pg_server.conninfo());
  int refused = 0;
  MonthMoveOptions first = Options();
  first.before_delete = [&](const std::string&) {
    absl::StatusOr<MonthMoveResult> second = MoveClosedMonths(r.redis, other, r.keys, Options());
    if (absl::IsFailedPrecondition(second.status()) &&
        absl::StrContains(second.status().message(), "another archive run")) {
      ++refused;
    }
    return absl::OkStatus();
  };
  auto moved = MoveClosedMonths(r.redis, r.pg, r.keys, first);
  REQUIRE(moved.ok());
  CHECK(moved->moved.size() == static_cast<size_t>(kClosed.size()));
  CHECK(refused == static_cast<int>(kClosed.size()));
  const int64_t rows = copied();
  REQUIRE(rows > 0);
  CHECK(Answers(r.tiers) == before);
  // The lock went with the run: the other connection may run now (nothing left to move).
  auto after = MoveClosedMonths(r.redis, other, r.keys, Options());
  REQUIRE(after.ok());
  CHECK(after->moved.empty());

  // A month fenced again with nothing left of it in Redis (what a run that
  // read it after another's delete would see): its copy is kept.
  REQUIRE(r.redis.Execute({"HSET", r.keys.Months(), "202611", "moving"}).ok());
  auto empty = MoveClosedMonths(r.redis, r.pg, r.keys, Options());
  CHECK(absl::IsAborted(empty.status()));
  CHECK(copied() == rows);
  REQUIRE(r.redis.Execute({"HSET", r.keys.Months(), "202611", "moved"}).ok());
  CHECK(Answers(r.tiers) == before);

  // A bulk rebuild under way (its mark): no month moves.
  REQUIRE(r.redis.Execute({"SET", r.keys.RebuildMark(), "x"}).ok());
  auto rebuilding = MoveClosedMonths(r.redis, r.pg, r.keys, Options());
  CHECK(absl::IsFailedPrecondition(rebuilding.status()));
}

TEST_CASE("a closed month with an order that may still change stays in Redis") {
  Rig r;
  Load(r);
  // A September order not archived yet: September, and every later month, wait.
  const v1::WorkOrder o = fixture::BusyMonth(Dir(), absl::CivilMonth(2026, 9), 250, 3).back();
  REQUIRE(r.redis.Execute({"HSET", r.keys.orders().Order(o.id()), "state",
                           absl::StrCat(v1::ORDER_STATE_SIGNED)}).ok());
  auto moved = MoveClosedMonths(r.redis, r.pg, r.keys, Options());
  REQUIRE(moved.ok());
  CHECK(moved->moved == std::vector<std::string>{"202607", "202608"});
  REQUIRE(moved->held.size() == 1);
  CHECK(moved->held[0].first == "202609");
  CHECK(absl::StrContains(moved->held[0].second, o.id()));
  CHECK(r.Int({"EXISTS", r.keys.CityDay("volume", "202609")}) == 1);
}

TEST_CASE("a closed month with an open order of city-day facts only stays in Redis") {
  Rig r;
  Load(r);
  // A September consultation never dispatched: no fact for any unit, so on
  // no unit's order list; still open, so its category or agent may change.
  v1::WorkOrder o = fixture::BusyMonth(Dir(), absl::CivilMonth(2026, 9), 250, 3).back();
  o.set_id("city-only-1");
  v1::OrderFacts f = DeriveFacts(o).value();
  f.clear_facts();
  REQUIRE(r.store.Put(f).value());
  REQUIRE(r.redis.Execute({"HSET", r.keys.orders().Order(o.id()), "state", absl::StrCat(v1::ORDER_STATE_SIGNED),
                           "version", absl::StrCat(f.version())}).ok());
  REQUIRE(r.redis.Execute({"ZADD", r.keys.orders().IndexAll(), absl::StrCat(f.created_ms()), o.id()}).ok());
  auto moved = MoveClosedMonths(r.redis, r.pg, r.keys, Options());
  REQUIRE(moved.ok());
  CHECK(moved->moved == std::vector<std::string>{"202607", "202608"});
  REQUIRE(moved->held.size() == 1);
  CHECK(moved->held[0].first == "202609");
  CHECK(absl::StrContains(moved->held[0].second, "city-only-1 (not archived)"));
  CHECK(r.Int({"EXISTS", r.keys.Facts(o.id())}) == 1);

  SECTION("once it is archived the month moves, and its facts with it") {
    o.set_state(v1::ORDER_STATE_ARCHIVED);
    v1::OrderFacts archived = DeriveFacts(o).value();
    archived.clear_facts();
    archived.set_version(f.version() + 1);
    REQUIRE(r.store.Put(archived).value());
    REQUIRE(r.redis.Execute({"HSET", r.keys.orders().Order(o.id()), "state",
                             absl::StrCat(v1::ORDER_STATE_ARCHIVED), "version",
                             absl::StrCat(archived.version())}).ok());
    auto again = MoveClosedMonths(r.redis, r.pg, r.keys, Options());
    REQUIRE(again.ok());
    CHECK(again->moved == std::vector<std::string>{"202609", "202610", "202611"});
    CHECK(r.Int({"EXISTS", r.keys.Facts(o.id())}) == 0);
    CHECK(r.Rows("scoring_facts", "order_id = 'city-only-1'") == 1);
  }
}

struct Ran {
  int exit_code = -1;
  std::string out;
};
Ran Shell(const std::string& cmd) {
  Ran r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const char kClockStart[] = "2027-02-15T09:00:00+08:00";

pid_t StartMover(Rig& r) {
  const std::string redis = r.redis_server.address(), pg = r.pg_server.conninfo();
  const std::string policy = std::string(HOTLINE_SOURCE_DIR) + "/data/archive_policy.textproto";
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execl(HOTLINE_ADMIN_BIN, "hotline-admin", "archive", "run", "--redis", redis.c_str(), "--postgres",
            pg.c_str(), "--policy", policy.c_str(), "--clock_start", kClockStart,
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

TEST_CASE("hotline-admin archive run killed with SIGKILL while moving scoring months loses and doubles nothing") {
  Rig r;
  Load(r);
  const std::string before = Answers(r.store);
  std::mt19937 rng(18);
  std::vector<std::string> at_kill;
  int killed = 0;
  bool finished = false;
  const int64_t orders = r.FactsInRedis();
  for (int round = 0; round < 12; ++round) {
    auto states = MonthStates(r.redis, r.keys);
    REQUIRE(states.ok());
    int done = 0;
    for (const auto& [m, s] : *states) done += s == "moved";
    // Done once every month moved and a run then got through the facts.
    if (done == static_cast<int>(kClosed.size()) && finished) break;
    const pid_t pid = StartMover(r);
    REQUIRE(pid > 0);
    // Once this run has fenced or copied something, a random few ms on.
    const int64_t fenced = static_cast<int64_t>(states->size()), rows = r.Rows("scoring_months"),
                  fact_rows = r.Rows("scoring_facts");
    int status = 0;
    bool exited = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      auto now_states = MonthStates(r.redis, r.keys);
      if (static_cast<int64_t>(now_states->size()) > fenced || r.Rows("scoring_months") > rows ||
          r.Rows("scoring_facts") > fact_rows)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!exited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
      if (::kill(pid, SIGKILL) == 0) ++killed;
      ::waitpid(pid, &status, 0);
    }
    finished = WIFEXITED(status);
    // Each order's facts in Redis or PostgreSQL (both only until a rerun).
    CHECK(r.FactsInRedis() + r.Rows("scoring_facts") >= orders);
    // At each kill every month is whole on one side at least.
    auto now_states = MonthStates(r.redis, r.keys);
    std::vector<std::string> where;
    for (const std::string& m : kClosed) {
      const std::string s = now_states->count(m) ? now_states->at(m) : "live";
      where.push_back(absl::StrCat(m.substr(4), ":", s));
      if (s == "moved") CHECK(r.Int({"EXISTS", r.keys.CityDay("volume", m)}) == 0);
      if (s != "moved") CHECK(r.Int({"EXISTS", r.keys.CityDay("volume", m)}) == 1);
    }
    where.push_back(absl::StrCat("facts:", r.FactsInRedis(), "+", r.Rows("scoring_facts")));
    at_kill.push_back(absl::StrJoin(where, ","));
  }
  std::printf("scoring months at each kill: %s\n", absl::StrJoin(at_kill, " | ").c_str());
  CHECK(killed >= 3);
  const Ran last = Shell(absl::StrCat(HOTLINE_ADMIN_BIN, " archive run --redis ", r.redis_server.address(),
                                      " --postgres '", r.pg_server.conninfo(), "' --policy ", HOTLINE_SOURCE_DIR,
                                      "/data/archive_policy.textproto --clock_start ", kClockStart));
  INFO(last.out);
  REQUIRE(last.exit_code == 0);
  auto states = MonthStates(r.redis, r.keys);
  for (const std::string& m : kClosed) CHECK(states->at(m) == "moved");
  CHECK(r.Int({"EXISTS", r.keys.FactsPending()}) == 0);
  // Each month's rows once: as many as the month's copy counted.
  auto counted = r.pg.Exec("SELECT sum(rows) FROM scoring_months");
  REQUIRE(counted.ok());
  CHECK(r.Rows("scoring_months") == static_cast<int64_t>(kClosed.size()));
  CHECK(std::stoll(counted->rows[0][0].value_or("0")) ==
        r.Rows("scoring_hashes") + r.Rows("scoring_members") + r.Rows("scoring_unit_orders"));
  // Each order's facts once: in Redis or in PostgreSQL.
  CHECK(r.Rows("scoring_facts") > 1000);
  CHECK(r.FactsInRedis() + r.Rows("scoring_facts") == orders);
  const std::string after = Answers(r.tiers);
  INFO(FirstDifference(before, after));
  CHECK(after == before);

  // fsck: clean after the move, and still finding a fault planted in the live month.
  const std::string fsck = absl::StrCat(HOTLINE_FSCK_BIN, " --redis=", r.redis_server.address(),
                                        " --postgres='", r.pg_server.conninfo(), "'",
                                        " --data_dir=", HOTLINE_SOURCE_DIR, "/data --checks=scoring",
                                        " --grace=0s --recheck_after=10ms --clock_start ", kClockStart);
  const Ran clean = Shell(fsck);
  INFO(clean.out);
  CHECK(clean.exit_code == 0);
  CHECK(absl::StrContains(clean.out, "scoring months moved to PostgreSQL 5"));
  CHECK(absl::StrContains(clean.out, absl::StrCat("scoring facts moved to PostgreSQL ", r.Rows("scoring_facts"))));
  // An archived order in Redis whose moved facts are lost is found.
  const v1::WorkOrder lost = fixture::BusyMonth(Dir(), absl::CivilMonth(2026, 9), 250, 3).front();
  REQUIRE(r.pg.Exec("DELETE FROM scoring_facts WHERE order_id = $1", {lost.id()}).ok());
  const Ran missing = Shell(fsck);
  INFO(missing.out);
  CHECK(missing.exit_code == 1);
  CHECK(absl::StrContains(missing.out, absl::StrCat("FINDING scoring_facts_missing ", lost.id())));
  REQUIRE(r.redis.Execute({"HINCRBY", r.keys.CityDay("volume", "202612"), "type:1", "1"}).ok());
  const Ran found = Shell(fsck);
  INFO(found.out);
  CHECK(found.exit_code == 1);
  CHECK(absl::StrContains(found.out, "FINDING scoring_aggregate - hotline:scoring:cityday:volume:202612"));
}

// Not run by ctest ([.bench]; bench/run_scoring_month_archive_bench.sh): the
// Redis bytes of one busy month of scoring before and after its move, and
// the PostgreSQL bytes it takes, its orders' facts included; HOTLINE_MONTH_ORDERS orders (default 40,000)
// created in November, a few in December (left live).
TEST_CASE("scoring month archive: Redis bytes of a month before and after the move", "[.bench]") {
  const char* env = std::getenv("HOTLINE_MONTH_ORDERS");
  const int n = env != nullptr ? std::atoi(env) : 40000;
  REQUIRE(n > 0);
  Rig r;
  for (const auto& [month, count, seed] : {std::tuple{11, n, 1}, std::tuple{12, 500, 2}}) {
    std::vector<v1::OrderFacts> batch;
    for (v1::WorkOrder o : fixture::BusyMonth(Dir(), absl::CivilMonth(2026, month), count, seed)) {
      o.set_state(v1::ORDER_STATE_ARCHIVED);  // its facts as the consumer derives them once archived
      batch.push_back(DeriveFacts(o).value());
      REQUIRE(r.redis.Execute({"HSET", r.keys.orders().Order(o.id()), "state",
                               absl::StrCat(v1::ORDER_STATE_ARCHIVED), "version",
                               absl::StrCat(o.version())}).ok());
      if (batch.size() == 500) {
        for (const auto& w : r.store.PutMany(batch)) REQUIRE(w.ok());
        batch.clear();
      }
    }
    for (const auto& w : r.store.PutMany(batch)) REQUIRE(w.ok());
  }
  const auto [agg_before, facts_before] = r.ScoringBytes();
  const absl::Time start = absl::Now();
  auto moved = MoveClosedMonths(r.redis, r.pg, r.keys, Options());
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  REQUIRE(moved.ok());
  REQUIRE(moved->moved == std::vector<std::string>{"202611"});
  const auto [agg_after, facts_after] = r.ScoringBytes();
  auto pg_bytes = r.pg.Exec(
      "SELECT sum(pg_total_relation_size(t)) FROM unnest(ARRAY['scoring_hashes', 'scoring_members', "
      "'scoring_unit_orders', 'scoring_months', 'scoring_facts']::regclass[]) AS t");
  REQUIRE(pg_bytes.ok());
  const double per_order = static_cast<double>(agg_before - agg_after) / n;
  const double facts_per_order = static_cast<double>(facts_before - facts_after) / n;
  std::printf(
      "one month of %d orders (and 500 in the next, live): Redis bytes of scoring's aggregates, "
      "address sets and order lists %lld before the move, %lld after (%.0f bytes an order moved); "
      "facts %lld before, %lld after (%.0f bytes an order; %lld orders' facts moved); together %.0f "
      "bytes an order freed; PostgreSQL %s bytes; %zu keys, %lld rows moved in %.1f s. The demo "
      "city's month (43,200 orders a day x 30) at this rate: %.0f MiB of Redis moved\n",
      n, static_cast<long long>(agg_before), static_cast<long long>(agg_after), per_order,
      static_cast<long long>(facts_before), static_cast<long long>(facts_after), facts_per_order,
      static_cast<long long>(moved->facts), per_order + facts_per_order,
      pg_bytes->rows[0][0].value_or("?").c_str(), static_cast<size_t>(moved->keys),
      static_cast<long long>(moved->rows), seconds, (per_order + facts_per_order) * 43200 * 30 / 1048576);
  CHECK(facts_after < facts_before);
}

}  // namespace
}  // namespace hotline::scoring
