// The crash harness (issue 20, item 1): steady mixed load through the gateway
// while every process of the system - gateway, intake, dispatch, both SLA
// replicas, knowledge, scoring and Redis - is killed with SIGKILL at a random
// moment, in turn, and started again on its own ports (Stack::Kill / Start).
// Afterwards it checks that nothing acknowledged was lost or done twice and
// that every derived state (indexes, deadlines, scoring's aggregates, the
// knowledge index) agrees with the orders, and prints per process: kills,
// recovery time (kill -> serving again and a call through the gateway that
// needs it succeeding), calls refused meanwhile.
//
// CHAOS_ROUNDS (default 3) and CHAOS_SEED (default: from the clock, printed)
// change the run.
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "e2e/stack.h"
#include "orders/order_keys.h"

namespace hotline::testing {
namespace {

using Process = Stack::Process;

bool Definitive(grpc::StatusCode code) {
  // The answer to the request itself, not to an outage: retrying the same
  // request cannot change it.
  return code == grpc::StatusCode::FAILED_PRECONDITION ||
         code == grpc::StatusCode::INVALID_ARGUMENT || code == grpc::StatusCode::NOT_FOUND ||
         code == grpc::StatusCode::PERMISSION_DENIED || code == grpc::StatusCode::ALREADY_EXISTS;
}

std::unique_ptr<grpc::ClientContext> ShortContext(const std::string& token,
                                                  absl::Duration deadline) {
  auto ctx = CallContext(token);
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  return ctx;
}

// What the load was told succeeded, and how many calls failed.
struct Ledger {
  absl::Mutex mu;
  std::map<std::string, std::string> created;  // idempotency key -> order id (acknowledged)
  std::deque<std::string> to_work;             // acknowledged orders not yet taken by a worker
  std::vector<std::string> ids;                // every acknowledged order
  struct Act {
    std::string order, action, user, key;
    int64_t version;  // the order's version after it = its history entry's seq
  };
  std::vector<Act> acts;             // acknowledged transitions and marks
  std::vector<std::string> refused;  // intents answered definitively no (with why)
  std::vector<std::string> abandoned;
  std::atomic<long> ok{0}, failed{0};
};

const char* UserOf(const std::string& token) {
  if (token == kHandlerToken) return "handler-t1";
  if (token == kDispatcherToken) return "dispatcher-t1";
  if (token == kSupervisorToken) return "supervisor-t1";
  return "?";
}

std::string ActionName(v1::Action a) {
  std::string name = v1::Action_Name(a).substr(7);  // "ACTION_"
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  return name;
}

// One act, retried with the same idempotency key until it is acknowledged or
// answered definitively; ABORTED (a mark bumped the version) is retried too.
// An intent once sent is followed through, also after the load stops.
// Returns true when acknowledged (and records it).
bool ActUntilDone(v1::Hotline::Stub& stub, Ledger& ledger, const std::string& token,
                  const std::string& id, v1::Action action, const std::string& key) {
  v1::ActRequest r;
  r.set_order_id(id);
  r.set_action(action);
  r.set_idempotency_key(key);
  if (action == v1::ACTION_REPLY) r.set_note("已到现场处理完毕");
  if (action == v1::ACTION_CALLBACK) r.set_rating(v1::RATING_SATISFIED);
  const absl::Time give_up = absl::Now() + absl::Seconds(90);
  while (absl::Now() < give_up) {
    auto ctx = ShortContext(token, absl::Seconds(3));
    v1::ActResponse response;
    grpc::Status s = stub.Act(ctx.get(), r, &response);
    if (s.ok()) {
      ++ledger.ok;
      absl::MutexLock lock(&ledger.mu);
      ledger.acts.push_back(
          {id, ActionName(action), UserOf(token), key, response.order().version()});
      return true;
    }
    if (Definitive(s.error_code())) {
      absl::MutexLock lock(&ledger.mu);
      ledger.refused.push_back(absl::StrCat(id, " ", ActionName(action), ": ", s.error_message()));
      return false;
    }
    ++ledger.failed;
    absl::SleepFor(absl::Milliseconds(s.error_code() == grpc::StatusCode::ABORTED ? 5 : 50));
  }
  absl::MutexLock lock(&ledger.mu);
  ledger.abandoned.push_back(absl::StrCat(id, " ", ActionName(action), " key ", key));
  return false;
}

void Creator(const Stack& stack, Ledger& ledger, int thread, const std::atomic<bool>& stop) {
  auto stub = stack.NewClient();
  for (int n = 0; !stop; ++n) {
    const std::string key = absl::StrCat("chaos-", thread, "-", n);
    v1::CreateWorkOrderRequest r = SampleComplaint();
    r.set_category_code("010101");  // auto-dispatched to the district, 440106
    r.set_urgent(n % 3 == 0);       // urgent: its marks fall due within seconds at 600x
    r.set_idempotency_key(key);
    const absl::Time give_up = absl::Now() + absl::Seconds(90);
    bool acked = false;
    while (!acked && absl::Now() < give_up) {
      auto ctx = ShortContext(kAgentToken, absl::Seconds(3));
      v1::CreateWorkOrderResponse response;
      grpc::Status s = stub->CreateWorkOrder(ctx.get(), r, &response);
      if (s.ok()) {
        ++ledger.ok;
        acked = true;
        absl::MutexLock lock(&ledger.mu);
        ledger.created[key] = response.order().id();
        ledger.ids.push_back(response.order().id());
        ledger.to_work.push_back(response.order().id());
      } else {
        ++ledger.failed;
        absl::SleepFor(absl::Milliseconds(50));
      }
    }
    if (!acked) {
      absl::MutexLock lock(&ledger.mu);
      ledger.abandoned.push_back("create " + key);
    }
    absl::SleepFor(absl::Milliseconds(150));
  }
}

// Works orders through their life: each order gets a plan by its number, so
// that some stay dispatched, signed or replied (open, with deadlines running)
// and the rest are closed and archived.
void Worker(const Stack& stack, Ledger& ledger, int thread, const std::atomic<bool>& stop) {
  auto stub = stack.NewClient();
  struct Step {
    const char* token;
    v1::Action action;
  };
  const std::vector<Step> life = {{kHandlerToken, v1::ACTION_SIGN},
                                  {kHandlerToken, v1::ACTION_REPLY},
                                  {kDispatcherToken, v1::ACTION_APPROVE_REPLY},
                                  {kDispatcherToken, v1::ACTION_CALLBACK},
                                  {kDispatcherToken, v1::ACTION_ARCHIVE}};
  const std::vector<size_t> plans = {0, 1, 2, 5, 5};  // steps taken, by order number
  int taken = 0;
  while (!stop) {
    std::string id;
    {
      absl::MutexLock lock(&ledger.mu);
      if (!ledger.to_work.empty()) {
        id = ledger.to_work.front();
        ledger.to_work.pop_front();
      }
    }
    if (id.empty()) {
      absl::SleepFor(absl::Milliseconds(50));
      continue;
    }
    const size_t steps = plans[(taken++ * 2 + thread) % plans.size()];
    if (steps == 0) continue;
    // Auto-dispatch first (dispatch or Redis may be down: wait for it).
    bool dispatched = false;
    for (const absl::Time until = absl::Now() + absl::Seconds(60);
         !dispatched && absl::Now() < until && !stop;) {
      auto ctx = ShortContext(kAgentToken, absl::Seconds(3));
      v1::GetWorkOrderRequest g;
      g.set_id(id);
      g.set_history_limit(1);
      v1::GetWorkOrderResponse response;
      grpc::Status s = stub->GetWorkOrder(ctx.get(), g, &response);
      if (s.ok()) {
        ++ledger.ok;
        dispatched = response.order().state() == v1::ORDER_STATE_DISPATCHED;
      } else {
        ++ledger.failed;
      }
      if (!dispatched) absl::SleepFor(absl::Milliseconds(100));
    }
    if (!dispatched) continue;
    for (size_t i = 0; i < steps; ++i) {
      const std::string key = absl::StrCat("act-", id, "-", i);
      if (!ActUntilDone(*stub, ledger, life[i].token, id, life[i].action, key)) break;
    }
  }
}

// Urges and supervises random orders (open ones take it; closed ones refuse).
void Supervisor(const Stack& stack, Ledger& ledger, std::mt19937 rng,
                const std::atomic<bool>& stop) {
  auto stub = stack.NewClient();
  for (int n = 0; !stop; ++n) {
    absl::SleepFor(absl::Milliseconds(300));
    std::string id;
    {
      absl::MutexLock lock(&ledger.mu);
      if (ledger.ids.empty()) continue;
      id = ledger.ids[rng() % ledger.ids.size()];
    }
    ActUntilDone(*stub, ledger, kSupervisorToken, id,
                 n % 2 ? v1::ACTION_URGE : v1::ACTION_SUPERVISE, absl::StrCat("mark-", n));
  }
}

// Reads that each need another backend: knowledge search, scores, deadlines, a queue.
void Reader(const Stack& stack, Ledger& ledger, std::mt19937 rng, const std::atomic<bool>& stop) {
  auto stub = stack.NewClient();
  const char* queries[] = {"噪声扰民", "社保缴费", "驾照", "公积金提取", "垃圾分类"};
  for (int n = 0; !stop; ++n) {
    absl::SleepFor(absl::Milliseconds(50));
    grpc::Status s;
    switch (n % 4) {
      case 0: {
        auto ctx = ShortContext(kAgentToken, absl::Seconds(3));
        v1::SearchKnowledgeRequest r;
        r.set_query(queries[rng() % 5]);
        v1::SearchKnowledgeResponse response;
        s = stub->SearchKnowledge(ctx.get(), r, &response);
        break;
      }
      case 1: {
        auto ctx = ShortContext(kDispatcherToken, absl::Seconds(3));
        v1::GetUnitScoreRequest r;
        r.set_unit_code("440106");
        r.mutable_period()->set_kind(v1::PERIOD_KIND_MONTH);
        v1::GetUnitScoreResponse response;
        s = stub->GetUnitScore(ctx.get(), r, &response);
        break;
      }
      case 2: {
        std::string id;
        {
          absl::MutexLock lock(&ledger.mu);
          if (ledger.ids.empty()) continue;
          id = ledger.ids[rng() % ledger.ids.size()];
        }
        auto ctx = ShortContext(kAgentToken, absl::Seconds(3));
        v1::GetOrderSlaRequest r;
        r.set_order_id(id);
        v1::GetOrderSlaResponse response;
        s = stub->GetOrderSla(ctx.get(), r, &response);
        break;
      }
      default: {
        auto ctx = ShortContext(kHandlerToken, absl::Seconds(3));
        v1::ListQueueRequest r;
        r.set_unit_code("440106");
        r.set_state(v1::ORDER_STATE_DISPATCHED);
        v1::ListQueueResponse response;
        s = stub->ListQueue(ctx.get(), r, &response);
        break;
      }
    }
    if (s.ok()) {
      ++ledger.ok;
    } else {
      ++ledger.failed;
    }
  }
}

// One call through the gateway that needs `process` (for sla-1, which the
// gateway does not call, one that needs the SLA service at all).
bool ProbeThroughGateway(v1::Hotline::Stub& stub, Process process, const std::string& order_id) {
  grpc::Status s;
  switch (process) {
    case Process::kDispatch: {
      auto ctx = ShortContext(kHandlerToken, absl::Seconds(1));
      v1::ListQueueRequest r;
      r.set_unit_code("440106");
      r.set_state(v1::ORDER_STATE_DISPATCHED);
      v1::ListQueueResponse response;
      s = stub.ListQueue(ctx.get(), r, &response);
      break;
    }
    case Process::kSla: {
      auto ctx = ShortContext(kAgentToken, absl::Seconds(1));
      v1::GetOrderSlaRequest r;
      r.set_order_id(order_id);
      v1::GetOrderSlaResponse response;
      s = stub.GetOrderSla(ctx.get(), r, &response);
      break;
    }
    case Process::kKnowledge: {
      auto ctx = ShortContext(kAgentToken, absl::Seconds(1));
      v1::SearchKnowledgeRequest r;
      r.set_query("噪声扰民");
      v1::SearchKnowledgeResponse response;
      s = stub.SearchKnowledge(ctx.get(), r, &response);
      break;
    }
    case Process::kScoring: {
      auto ctx = ShortContext(kDispatcherToken, absl::Seconds(1));
      v1::GetUnitScoreRequest r;
      r.set_unit_code("440106");
      v1::GetUnitScoreResponse response;
      s = stub.GetUnitScore(ctx.get(), r, &response);
      break;
    }
    default: {  // gateway, intake, Redis: read an order (intake, Redis, the access log)
      auto ctx = ShortContext(kAgentToken, absl::Seconds(1));
      v1::GetWorkOrderRequest r;
      r.set_id(order_id);
      r.set_history_limit(1);
      v1::GetWorkOrderResponse response;
      s = stub.GetWorkOrder(ctx.get(), r, &response);
      break;
    }
  }
  return s.ok();
}

struct Outage {
  std::string name;
  absl::Duration recovery;
  long refused;
};

absl::Duration Percentile(std::vector<absl::Duration> v, double p) {
  if (v.empty()) return absl::ZeroDuration();
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1,
                    static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

std::string Ms(absl::Duration d) { return absl::StrCat(absl::ToInt64Milliseconds(d), " ms"); }

// Waits until every consumer group on the event stream has read and settled
// everything (one moment with lag 0 and nothing pending in all of them).
bool ConsumersCaughtUp(Stack& stack, absl::Duration timeout, std::string* last) {
  const absl::Time until = absl::Now() + timeout;
  while (absl::Now() < until) {
    absl::StatusOr<redis::Reply> r =
        stack.redis_client().Execute({"XINFO", "GROUPS", "hotline:events"});
    bool all = r.ok() && !r->elements.empty();
    *last = "";
    if (r.ok()) {
      for (const redis::Reply& group : r->elements) {
        std::string name;
        long long pending = -1, lag = -1;
        for (size_t i = 0; i + 1 < group.elements.size(); i += 2) {
          const std::string& f = group.elements[i].str;
          if (f == "name") name = group.elements[i + 1].str;
          if (f == "pending") pending = group.elements[i + 1].integer;
          if (f == "lag") lag = group.elements[i + 1].is_nil() ? -1 : group.elements[i + 1].integer;
        }
        absl::StrAppend(last, name, ": pending ", pending, " lag ", lag, "; ");
        if (pending != 0 || lag != 0) all = false;
      }
    }
    if (all) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

// Scoring's rankings of the year at every level, for comparing.
std::vector<v1::RankUnitsResponse> Rankings(v1::Hotline::Stub& stub) {
  std::vector<v1::RankUnitsResponse> out;
  for (v1::UnitLevel level :
       {v1::UNIT_LEVEL_DISTRICT, v1::UNIT_LEVEL_STREET, v1::UNIT_LEVEL_DEPARTMENT}) {
    for (int attempt = 0;; ++attempt) {
      auto ctx = ShortContext(kDispatcherToken, absl::Seconds(10));
      v1::RankUnitsRequest r;
      r.set_level(level);
      r.mutable_period()->set_kind(v1::PERIOD_KIND_YEAR);
      r.mutable_period()->set_date("2026");
      v1::RankUnitsResponse response;
      grpc::Status s = stub.RankUnits(ctx.get(), r, &response);
      if (s.ok()) {
        out.push_back(response);
        break;
      }
      INFO("RankUnits: " << s.error_message());
      REQUIRE(attempt < 50);
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
  return out;
}

long long MetricValue(const std::string& body, const std::string& name) {
  const size_t at = body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  double v = -1;
  const size_t start = at + name.size() + 2;
  (void)absl::SimpleAtod(body.substr(start, body.find('\n', start) - start), &v);
  return static_cast<long long>(v);
}

// hotline-fsck (tools/fsck) with these checks, when it is built (or
// HOTLINE_FSCK_BIN names a binary); it must find the stack clean. Scoring's
// check runs only once the SLA monitors are stopped and scoring has caught
// up: on the fast city clock the monitors keep firing marks that scoring
// counts, and fsck's reads of an aggregate and of its facts are not one
// snapshot (tools/fsck/README.md). The SLA check runs while the monitors run:
// stopped, their due marks would read as late.
void RunFsck(Stack& stack, const std::string& checks) {
  std::string fsck_bin;
#ifdef HOTLINE_FSCK_BIN
  fsck_bin = HOTLINE_FSCK_BIN;
#endif
  if (const char* env = std::getenv("HOTLINE_FSCK_BIN")) fsck_bin = env;
  if (fsck_bin.empty()) {
    std::printf("chaos checks: hotline-fsck not built yet: skipped\n");
    return;
  }
  std::string command = absl::StrCat(fsck_bin, " --redis=", stack.redis().address(), " --data_dir=",
                                     HOTLINE_SOURCE_DIR, "/data --checks=", checks);
  for (const std::string& a : stack.ClockArgs()) absl::StrAppend(&command, " ", a);
  const ShellResult fsck = RunShell(command);
  std::printf("chaos checks: hotline-fsck --checks=%s: exit %d\n%s", checks.c_str(), fsck.exit_code,
              fsck.output.c_str());
  INFO(fsck.output);
  CHECK(fsck.exit_code == 0);
}

TEST_CASE(
    "chaos: every process is killed at random moments under load, and nothing is lost or done "
    "twice",
    "[chaos]") {
  int rounds = 3;
  if (const char* env = std::getenv("CHAOS_ROUNDS")) REQUIRE(absl::SimpleAtoi(env, &rounds));
  unsigned seed = static_cast<unsigned>(absl::ToUnixNanos(absl::Now()));
  if (const char* env = std::getenv("CHAOS_SEED")) REQUIRE(absl::SimpleAtoi(env, &seed));
  std::printf("chaos: seed %u (CHAOS_SEED=%u repeats the kill order and moments), %d rounds\n",
              seed, seed, rounds);
  std::mt19937 rng(seed);

  // 600 city seconds a second: an urgent order warns after 6 s, breaches
  // after 12 s and is escalated after 18 s and 36 s, so marks fall due all
  // through the run. A Monday morning, so that working time runs at once.
  Stack stack(Stack::Options{.sla_replicas = 2,
                             .clock_start = "2026-03-02T09:00:00+08:00",
                             .clock_rate = "600",
                             .scoring_replicas = 1});
  Ledger ledger;
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  for (int t = 0; t < 2; ++t)
    load.emplace_back(Creator, std::cref(stack), std::ref(ledger), t, std::cref(stop));
  for (int t = 0; t < 2; ++t)
    load.emplace_back(Worker, std::cref(stack), std::ref(ledger), t, std::cref(stop));
  load.emplace_back(Supervisor, std::cref(stack), std::ref(ledger), std::mt19937(rng()),
                    std::cref(stop));
  load.emplace_back(Reader, std::cref(stack), std::ref(ledger), std::mt19937(rng()),
                    std::cref(stop));

  // A first acknowledged order, for the probes.
  std::string probe_order;
  for (const absl::Time until = absl::Now() + absl::Seconds(30);
       probe_order.empty() && absl::Now() < until;) {
    absl::SleepFor(absl::Milliseconds(50));
    absl::MutexLock lock(&ledger.mu);
    if (!ledger.ids.empty()) probe_order = ledger.ids.front();
  }
  REQUIRE_FALSE(probe_order.empty());

  struct Target {
    Process process;
    int replica;
  };
  const std::vector<Target> targets = {{Process::kGateway, 0},  {Process::kIntake, 0},
                                       {Process::kDispatch, 0}, {Process::kSla, 0},
                                       {Process::kSla, 1},      {Process::kKnowledge, 0},
                                       {Process::kScoring, 0},  {Process::kRedis, 0}};
  std::map<std::string, std::vector<Outage>> outages;
  auto probe_stub = stack.NewClient();
  const absl::Time chaos_start = absl::Now();
  for (int round = 1; round <= rounds; ++round) {
    std::vector<Target> order = targets;
    std::shuffle(order.begin(), order.end(), rng);
    for (const Target& t : order) {
      const std::string name = Stack::ProcessName(t.process, t.replica);
      // A random moment: 0.3 to 2.5 s of load since the last recovery.
      absl::SleepFor(absl::Milliseconds(300 + rng() % 2200));
      const long failed_before = ledger.failed;
      const absl::Time killed = absl::Now();
      stack.Kill(t.process, t.replica);
      absl::SleepFor(
          absl::Milliseconds(rng() % 300));  // down a moment, as a supervisor's restart takes
      stack.Start(t.process, t.replica);
      // Serving again: its health (Start waits for it) and a call through the
      // gateway that needs it. The gateway rebuilt after a kill is a fresh
      // channel: probe with a fresh stub too.
      if (t.process == Process::kGateway) probe_stub = stack.NewClient();
      bool served = false;
      while (!(served = ProbeThroughGateway(*probe_stub, t.process, probe_order)) &&
             absl::Now() - killed < absl::Seconds(30)) {
        absl::SleepFor(absl::Milliseconds(10));
      }
      INFO(name << " did not serve through the gateway within 30 s of its kill");
      REQUIRE(served);
      const absl::Duration recovery = absl::Now() - killed;
      outages[name].push_back({name, recovery, ledger.failed - failed_before});
      std::printf("chaos: round %d: killed %-12s recovered in %6s, %ld calls refused meanwhile\n",
                  round, name.c_str(), Ms(recovery).c_str(), ledger.failed - failed_before);
      std::fflush(stdout);
    }
  }
  const absl::Duration chaos_took = absl::Now() - chaos_start;
  // A little more load with everything up, then stop; every intent in flight
  // is followed through to its acknowledgement.
  absl::SleepFor(absl::Seconds(1));
  stop = true;
  for (std::thread& t : load) t.join();

  // ---- The summary ----
  std::printf(
      "\nchaos summary: %d rounds in %s; load: %ld calls succeeded, %ld failed (retried or "
      "counted)\n",
      rounds, absl::FormatDuration(absl::Trunc(chaos_took, absl::Seconds(1))).c_str(),
      ledger.ok.load(), ledger.failed.load());
  std::printf("%-13s %5s %14s %14s %16s\n", "process", "kills", "recovery p50", "recovery max",
              "refused (total)");
  for (const Target& t : targets) {
    const std::string name = Stack::ProcessName(t.process, t.replica);
    std::vector<absl::Duration> recoveries;
    long refused = 0;
    for (const Outage& o : outages[name]) {
      recoveries.push_back(o.recovery);
      refused += o.refused;
    }
    std::printf("%-13s %5zu %14s %14s %16ld\n", name.c_str(), recoveries.size(),
                Ms(Percentile(recoveries, 0.5)).c_str(), Ms(Percentile(recoveries, 1.0)).c_str(),
                refused);
  }
  std::printf(
      "(recovery: from the SIGKILL to the process serving again and a call through the gateway "
      "that\n"
      " needs it succeeding; the gateway calls sla-0 only, so sla-1's call is its health and a "
      "GetOrderSla.\n"
      " refused: load calls that failed, all clients, between the kill and the recovery; each was "
      "retried\n"
      " with its idempotency key or was a read)\n");
  std::fflush(stdout);

  // ---- The checks ----
  absl::MutexLock lock(&ledger.mu);  // the load is over: no contention
  INFO("abandoned intents: " << absl::StrJoin(ledger.abandoned, "; "));
  CHECK(ledger.abandoned.empty());
  std::string groups;
  INFO("consumer groups: " << groups);
  REQUIRE(ConsumersCaughtUp(stack, absl::Seconds(90), &groups));

  redis::Client& redis = stack.redis_client();
  // Every acknowledged create is there, once; no order without a key of ours.
  absl::StatusOr<redis::Reply> all = redis.Execute({"ZRANGE", "hotline:idx:all", "0", "-1"});
  REQUIRE(all.ok());
  std::set<std::string> stored;
  for (const redis::Reply& e : all->elements) stored.insert(e.str);
  std::set<std::string> acked_ids;
  for (const auto& [key, id] : ledger.created) acked_ids.insert(id);
  const size_t creates = ledger.created.size();
  CHECK(acked_ids.size() == creates);  // no two keys answered with one order
  CHECK(stored == acked_ids);          // none lost, none extra
  long idem_mismatch = 0;
  for (const auto& [key, id] : ledger.created) {
    absl::StatusOr<redis::Reply> idem =
        redis.Execute({"GET", orders::OrderKeys().prefix() +
                                  "idem:create:" + orders::CallerScopedKey("agent-t1", key)});
    if (!idem.ok() || !absl::EndsWith(idem->str, "|" + id)) ++idem_mismatch;
  }
  CHECK(idem_mismatch == 0);

  // The state indexes: each order in exactly the one of its state.
  std::map<std::string, std::vector<int>> indexed_states;
  for (int state = 1; state <= 11; ++state) {
    absl::StatusOr<redis::Reply> members =
        redis.Execute({"ZRANGE", absl::StrCat("hotline:idx:state:", state), "0", "-1"});
    REQUIRE(members.ok());
    for (const redis::Reply& m : members->elements) indexed_states[m.str].push_back(state);
  }
  // The units' work queues: each entry names the order's unit and state.
  std::map<std::string, std::set<std::pair<std::string, int>>> queued;
  {
    std::string cursor = "0";
    do {
      absl::StatusOr<redis::Reply> page =
          redis.Execute({"SCAN", cursor, "MATCH", "hotline:idx:queue:*", "COUNT", "1000"});
      REQUIRE(page.ok());
      cursor = page->elements[0].str;
      for (const redis::Reply& key : page->elements[1].elements) {
        const std::string rest = key.str.substr(std::string("hotline:idx:queue:").size());
        const size_t colon = rest.rfind(':');
        int state = 0;
        REQUIRE(absl::SimpleAtoi(rest.substr(colon + 1), &state));
        absl::StatusOr<redis::Reply> members = redis.Execute({"ZRANGE", key.str, "0", "-1"});
        REQUIRE(members.ok());
        for (const redis::Reply& m : members->elements)
          queued[m.str].insert({rest.substr(0, colon), state});
      }
    } while (cursor != "0");
  }
  absl::StatusOr<redis::Reply> no_deadline = redis.Execute({"SCARD", "hotline:sla:no_deadline"});
  REQUIRE(no_deadline.ok());
  CHECK(no_deadline->integer == 0);

  std::map<std::string, std::vector<const Ledger::Act*>> acts_by_order;
  for (const Ledger::Act& a : ledger.acts) acts_by_order[a.order].push_back(&a);
  auto stub = stack.NewClient();
  long lost_acts = 0, doubled_acts = 0, broken_histories = 0, stuck = 0, bad_index = 0,
       doubled_marks = 0, without_deadlines = 0, marks = 0, open = 0;
  std::vector<std::string> findings;
  auto finding = [&](const std::string& what) {
    if (findings.size() < 20) findings.push_back(what);
  };
  for (const std::string& id : acked_ids) {
    v1::WorkOrder o;
    {
      auto ctx = ShortContext(kAgentToken, absl::Seconds(10));
      v1::GetWorkOrderRequest r;
      r.set_id(id);
      r.set_history_limit(500);
      v1::GetWorkOrderResponse response;
      grpc::Status s = stub->GetWorkOrder(ctx.get(), r, &response);
      INFO(id << ": " << s.error_message());
      REQUIRE(s.ok());
      o = response.order();
    }
    // The trail: seq 1..n, each step from where the last ended, the state its end.
    v1::OrderState at = v1::ORDER_STATE_UNSPECIFIED;
    bool whole = o.history_size() == o.history_total() && o.version() == o.history_total();
    std::map<std::string, int> mark_count;
    std::map<std::pair<std::string, std::string>, int> by_action_user;
    bool has_deadline_record = false;
    for (int i = 0; i < o.history_size(); ++i) {
      const v1::HistoryEntry& h = o.history(i);
      whole = whole && h.seq() == i + 1 && h.from_state() == at;
      at = h.to_state();
      if (!h.sla_mark().empty()) {
        ++marks;
        if (++mark_count[h.sla_mark()] == 2) {
          ++doubled_marks;
          finding(absl::StrCat(id, ": mark ", h.sla_mark(), " twice"));
        }
      }
      if (h.action() == "sla_deadline") has_deadline_record = true;
      ++by_action_user[{h.action(), h.actor().user_id()}];
    }
    if (!whole) {
      ++broken_histories;
      finding(absl::StrCat(id, ": history not whole"));
    }
    if (at != o.state()) {
      ++stuck;
      finding(absl::StrCat(id, ": state ", v1::OrderState_Name(o.state()),
                           " but the last entry ends in ", v1::OrderState_Name(at)));
    }
    // Queued only where it is; a dispatched or signed order in its unit's queue.
    const std::pair<std::string, int> here = {o.assigned_unit_code(), static_cast<int>(o.state())};
    const bool held =
        o.state() == v1::ORDER_STATE_DISPATCHED || o.state() == v1::ORDER_STATE_SIGNED;
    if (queued[id].size() > 1 || (!queued[id].empty() && *queued[id].begin() != here) ||
        (held && queued[id].empty())) {
      ++bad_index;
      std::string where;
      for (const auto& [unit, state] : queued[id]) absl::StrAppend(&where, unit, "/", state, " ");
      finding(absl::StrCat(id, ": queued at ", where, "while ", here.first, "/", here.second));
    }
    if (indexed_states[id] != std::vector<int>{static_cast<int>(o.state())}) {
      ++bad_index;
      finding(absl::StrCat(id, ": in state indexes ", absl::StrJoin(indexed_states[id], ","),
                           ", state ", static_cast<int>(o.state())));
    }
    // Every acknowledged act is the entry at its version, and is there once.
    std::map<std::pair<std::string, std::string>, int> acked_count;
    for (const Ledger::Act* a : acts_by_order[id]) {
      ++acked_count[{a->action, a->user}];
      if (a->version < 1 || a->version > o.history_size() ||
          o.history(a->version - 1).action() != a->action ||
          o.history(a->version - 1).actor().user_id() != a->user) {
        ++lost_acts;
        finding(absl::StrCat(id, ": acknowledged ", a->action, " (key ", a->key, ") not at seq ",
                             a->version));
      }
    }
    for (const auto& [what, n] : by_action_user) {
      if (what.second != "handler-t1" && what.second != "dispatcher-t1" &&
          what.second != "supervisor-t1")
        continue;
      if (n != acked_count[what]) {
        ++doubled_acts;
        finding(absl::StrCat(id, ": ", n, " entries ", what.first, " by ", what.second, ", ",
                             acked_count[what], " acknowledged"));
      }
    }
    // Every open order has its deadlines; a running closing clock its due.
    const v1::OrderState s = o.state();
    if (s != v1::ORDER_STATE_CLOSED && s != v1::ORDER_STATE_ARCHIVED &&
        s != v1::ORDER_STATE_MERGED) {
      ++open;
      const bool running = s == v1::ORDER_STATE_CREATED || s == v1::ORDER_STATE_DISPATCHED ||
                           s == v1::ORDER_STATE_SIGNED || s == v1::ORDER_STATE_SENT_BACK;
      if (!has_deadline_record || (running && !o.deadlines().has_closing_due())) {
        ++without_deadlines;
        finding(absl::StrCat(id, ": open (", v1::OrderState_Name(s), ") without its deadlines"));
      }
    }
  }
  std::printf(
      "chaos checks: %zu creates acknowledged, %zu orders stored, %zu transitions and marks "
      "acknowledged, "
      "%zu refused by the state machine (not counted), %ld open orders, %ld SLA marks\n"
      "chaos checks: lost creates %zu, extra orders %zu, lost transitions %ld, doubled transitions "
      "%ld, "
      "broken histories %ld, stuck states %ld, bad state or queue indexes %ld, open without "
      "deadlines %ld, "
      "doubled SLA marks %ld\n",
      creates, stored.size(), ledger.acts.size(), ledger.refused.size(), open, marks,
      static_cast<size_t>(std::count_if(acked_ids.begin(), acked_ids.end(),
                                        [&](const std::string& id) { return !stored.count(id); })),
      static_cast<size_t>(
          std::count_if(stored.begin(), stored.end(),
                        [&](const std::string& id) { return !acked_ids.count(id); })),
      lost_acts, doubled_acts, broken_histories, stuck, bad_index, without_deadlines,
      doubled_marks);
  std::fflush(stdout);
  std::map<std::string, int> refused_by_action;
  for (const std::string& r : ledger.refused) {
    const size_t space = r.find(' ');
    ++refused_by_action[r.substr(space + 1, r.find(':', space) - space - 1)];
  }
  std::printf("chaos checks: refused by the state machine, by action: %s\n",
              absl::StrJoin(refused_by_action, ", ", absl::PairFormatter(" ")).c_str());
  for (const Target& t : targets) {
    INFO(Stack::ProcessName(t.process, t.replica));
    CHECK(outages[Stack::ProcessName(t.process, t.replica)].size() == static_cast<size_t>(rounds));
  }
  INFO("first findings:\n" << absl::StrJoin(findings, "\n"));
  CHECK(creates > 100);
  CHECK(ledger.acts.size() > 100);
  CHECK(marks > 0);
  CHECK(lost_acts == 0);
  CHECK(doubled_acts == 0);
  CHECK(broken_histories == 0);
  CHECK(stuck == 0);
  CHECK(bad_index == 0);
  CHECK(without_deadlines == 0);
  CHECK(doubled_marks == 0);

  // The knowledge index equals the store: every point's code indexed.
  {
    absl::StatusOr<redis::Reply> codes = redis.Execute({"ZCARD", "hotline:kb:codes"});
    REQUIRE(codes.ok());
    long long indexed = -1;
    for (int i = 0; i < 50 && indexed != codes->integer; ++i) {
      indexed = MetricValue(HttpGet(stack.knowledge_metrics_port(), "/metrics"),
                            "hotline_knowledge_index_points");
      if (indexed != codes->integer) absl::SleepFor(absl::Milliseconds(100));
    }
    std::printf("chaos checks: knowledge: %lld points stored, %lld indexed\n", codes->integer,
                indexed);
    CHECK(codes->integer > 0);
    CHECK(indexed == codes->integer);
  }

  // hotline-fsck on the settled stack, everything running: orders, trails,
  // deadlines and the event groups (scoring's aggregates below).
  RunFsck(stack, "orders,trails,sla,events");

  // Scoring's aggregates equal its facts: the rankings as served, then
  // scoring's keys deleted and rebuilt from the orders by hotline-admin, must
  // be the same. The SLA monitors stop first (no mark may move a score in
  // between) and scoring settles what they wrote.
  {
    for (int i = 0; i < stack.Replicas(Process::kSla); ++i) stack.sla(i).Terminate();
    REQUIRE(ConsumersCaughtUp(stack, absl::Seconds(60), &groups));
    // fsck's scoring check here, with the monitors stopped and every
    // consumer caught up (see RunFsck).
    RunFsck(stack, "scoring");
    const std::vector<v1::RankUnitsResponse> before = Rankings(*stub);
    stack.Kill(Process::kScoring);
    long deleted = 0;
    std::string cursor = "0";
    do {
      absl::StatusOr<redis::Reply> page =
          redis.Execute({"SCAN", cursor, "MATCH", "hotline:scoring:*", "COUNT", "1000"});
      REQUIRE(page.ok());
      cursor = page->elements[0].str;
      for (const redis::Reply& key : page->elements[1].elements) {
        REQUIRE(redis.Execute({"DEL", key.str}).ok());
        ++deleted;
      }
    } while (cursor != "0");
    std::string command =
        absl::StrCat(HOTLINE_ADMIN_BIN, " rebuild scoring --redis=", stack.redis().address(),
                     " --data_dir=", HOTLINE_SOURCE_DIR, "/data");
    for (const std::string& a : stack.ClockArgs()) absl::StrAppend(&command, " ", a);
    const ShellResult rebuilt = RunShell(command);
    INFO(rebuilt.output);
    REQUIRE(rebuilt.exit_code == 0);
    stack.Start(Process::kScoring);
    const std::vector<v1::RankUnitsResponse> after = Rankings(*stub);
    REQUIRE(before.size() == after.size());
    int same = 0, units = 0;
    for (size_t i = 0; i < before.size(); ++i) {
      std::string diff;
      google::protobuf::util::MessageDifferencer d;
      d.ReportDifferencesToString(&diff);
      INFO("level " << i + 1 << ": the rankings served vs rebuilt from the orders:\n" << diff);
      const bool equal = d.Compare(before[i], after[i]);
      CHECK(equal);
      same += equal;
      units += before[i].ranking_size();
    }
    int assessed = 0;
    for (const v1::UnitScore& u : before[0].ranking()) assessed += u.orders();
    std::printf(
        "chaos checks: scoring: %ld keys deleted and rebuilt; rankings at %zu levels (%d units, %d "
        "district orders assessed): %d of %zu unchanged\n",
        deleted, before.size(), units, assessed, same, before.size());
    CHECK(assessed > 0);
  }

  std::fflush(stdout);
}

}  // namespace
}  // namespace hotline::testing
