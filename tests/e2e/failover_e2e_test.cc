// Redis that survives losing its primary (issue 19, item 3), with the real
// processes: a primary, two replicas and three Sentinels, every service and
// the gateway finding the master through the Sentinels. Several clients
// create orders and move them on (dispatch, sign) while the primary is
// SIGKILLed, and again once it is back as a replica. Printed: what was
// acknowledged before, during and after, and each outage from the first
// refused call to the first accepted one. Checked afterwards: every
// acknowledged order and transition is there, none twice, and the SLA and
// scoring consumers carried on with no mark raised twice.
//
// The same run with WAIT off shows how many acknowledged writes are lost.
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "e2e/stack.h"
#include "orders/order_record.h"

namespace hotline::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Outcome {
  SteadyClock::time_point at;
  bool ok;
};

// What every client did, shared.
struct Ledger {
  std::mutex mu;
  std::vector<Outcome> outcomes;                     // every call, in end order
  std::map<std::string, std::string> created;        // acknowledged: idempotency key -> order id
  std::set<std::string> attempted_keys;              // every create key tried
  std::map<std::string, std::vector<std::string>> acted;  // acknowledged: order id -> actions
  std::atomic<int> phase{0};                         // 0 before, 1 during, 2 after
  int acked[3] = {0, 0, 0};
  int other_errors = 0;
  std::string last_other;

  void Record(bool ok) {
    std::lock_guard<std::mutex> lock(mu);
    outcomes.push_back({SteadyClock::now(), ok});
    if (ok) ++acked[phase.load()];
  }
};

bool Retryable(grpc::StatusCode c) {
  return c == grpc::StatusCode::UNAVAILABLE || c == grpc::StatusCode::DEADLINE_EXCEEDED ||
         c == grpc::StatusCode::UNKNOWN || c == grpc::StatusCode::ABORTED || c == grpc::StatusCode::INTERNAL;
}

// Calls `call` until it succeeds or 30 s pass; every retry carries the same
// idempotency key (inside the request), so a retried write is done once.
bool UntilDone(Ledger& ledger, const std::function<grpc::Status()>& call) {
  const auto until = SteadyClock::now() + std::chrono::seconds(30);
  while (SteadyClock::now() < until) {
    grpc::Status s = call();
    ledger.Record(s.ok());
    if (s.ok()) return true;
    if (!Retryable(s.error_code())) {
      std::lock_guard<std::mutex> lock(ledger.mu);
      ++ledger.other_errors;
      ledger.last_other = absl::StrCat(s.error_code(), " ", s.error_message());
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void Client(const Stack& stack, Ledger& ledger, int client, std::atomic<bool>& stop) {
  auto stub = stack.NewClient();
  for (int n = 0; !stop; ++n) {
    const std::string key = absl::StrCat("failover-", client, "-", n);
    {
      std::lock_guard<std::mutex> lock(ledger.mu);
      ledger.attempted_keys.insert(key);
    }
    v1::CreateWorkOrderRequest create = SampleComplaint();
    create.set_category_code("010101");
    create.set_urgent(true);
    create.set_idempotency_key(key);
    std::string id;
    if (!UntilDone(ledger, [&] {
          auto ctx = CallContext(kAgentToken);
          v1::CreateWorkOrderResponse r;
          grpc::Status s = stub->CreateWorkOrder(ctx.get(), create, &r);
          id = r.order().id();
          return s;
        })) {
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(ledger.mu);
      ledger.created[key] = id;
    }
    for (auto [action, token] : {std::pair{v1::ACTION_DISPATCH, kDispatcherToken},
                                 std::pair{v1::ACTION_SIGN, kHandlerToken}}) {
      if (stop) break;
      v1::ActRequest act;
      act.set_order_id(id);
      act.set_action(action);
      if (action == v1::ACTION_DISPATCH) act.set_unit_code("440106");
      act.set_idempotency_key(absl::StrCat(key, "-", v1::Action_Name(action)));
      if (!UntilDone(ledger, [&] {
            auto ctx = CallContext(token);
            v1::ActResponse r;
            return stub->Act(ctx.get(), act, &r);
          })) {
        break;
      }
      std::lock_guard<std::mutex> lock(ledger.mu);
      ledger.acted[id].push_back(action == v1::ACTION_DISPATCH ? "dispatch" : "sign");
    }
  }
}

// ms from the first refused call at or after `from` to the first accepted
// call after that; -1 when nothing was refused.
long long OutageMs(const Ledger& ledger, SteadyClock::time_point from) {
  std::optional<SteadyClock::time_point> refused;
  for (const Outcome& o : ledger.outcomes) {
    if (o.at < from) continue;
    if (!refused && !o.ok) refused = o.at;
    if (refused && o.ok) return std::chrono::duration_cast<std::chrono::milliseconds>(o.at - *refused).count();
  }
  return -1;
}

struct Result {
  int lost_orders = 0, lost_actions = 0, duplicated_orders = 0, twice_actions = 0, twice_marks = 0;
  int acknowledged_orders = 0, acknowledged_actions = 0, marks = 0;
  // Calls that failed for good (not UNAVAILABLE and the like): with WAIT
  // off, a step on an order that was lost answers NOT_FOUND.
  int other_errors = 0;
  std::string last_other;
};

Result RunFailover(int wait_replicas) {
  Stack stack(Stack::Options{.auto_dispatch = false,
                             .sla_replicas = 1,
                             .clock_start = "2026-10-01T20:00:00+08:00",
                             .clock_rate = "600",
                             .scoring_replicas = 1,
                             .redis_ha = true,
                             .redis_wait_replicas = wait_replicas,
                             .redis_wait_timeout = "1s"});
  RedisHa& ha = stack.redis_ha();
  Ledger ledger;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) clients.emplace_back([&, c] { Client(stack, ledger, c, stop); });

  std::this_thread::sleep_for(std::chrono::seconds(4));
  std::vector<long long> outages;
  for (int kill = 0; kill < 2; ++kill) {
    const int old_port = ha.MasterPort();
    const auto killed_at = SteadyClock::now();
    ledger.phase = 1;
    const int killed = ha.KillMaster();
    const int new_port = ha.WaitForNewMaster(old_port);
    WARN("kill " << kill + 1 << ": master :" << old_port << " SIGKILLed, Sentinels promoted :" << new_port
                 << " after "
                 << std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - killed_at).count()
                 << " ms");
    std::this_thread::sleep_for(std::chrono::seconds(2));
    ha.Rejoin(killed);  // back, as a replica of the new master
    std::this_thread::sleep_for(std::chrono::seconds(2));
    {
      std::lock_guard<std::mutex> lock(ledger.mu);
      outages.push_back(OutageMs(ledger, killed_at));
    }
  }
  ledger.phase = 2;
  const long long recovered_ms = absl::ToUnixMillis(absl::Now());
  std::this_thread::sleep_for(std::chrono::seconds(4));
  stop = true;
  for (std::thread& t : clients) t.join();

  std::lock_guard<std::mutex> lock(ledger.mu);
  WARN("WAIT " << (wait_replicas ? absl::StrCat("on (", wait_replicas, " replica, 1s)") : std::string("off"))
               << ": acknowledged before " << ledger.acked[0] << ", during " << ledger.acked[1] << ", after "
               << ledger.acked[2] << " (creates and transitions); outage 1: " << outages[0]
               << " ms, outage 2: " << outages[1] << " ms (first refused call to first accepted)");
  CHECK(ledger.acked[0] > 0);
  CHECK(ledger.acked[2] > 0);

  // The consumers keep going (SLA marks keep falling due on the fast city
  // clock, and scoring follows them): a group has carried on when nothing of
  // it has been pending for more than 3 s and it has read events written
  // after both failovers (it may still be behind: two shared cores).
  redis::Client& redis = stack.redis_client();
  auto carried_on = [&](const std::string& group, std::string* state) {
    absl::StatusOr<redis::Reply> stuck =
        redis.Execute({"XPENDING", "hotline:events", group, "IDLE", "3000", "-", "+", "1"});
    absl::StatusOr<redis::Reply> groups = redis.Execute({"XINFO", "GROUPS", "hotline:events"});
    if (!stuck.ok() || stuck->is_error() || !groups.ok() || groups->is_error()) return false;
    long long last_ms = 0, pending = -1;
    for (const redis::Reply& g : groups->elements) {
      std::map<std::string, const redis::Reply*> f;
      for (size_t i = 0; i + 1 < g.elements.size(); i += 2) f[g.elements[i].str] = &g.elements[i + 1];
      if (!f.count("name") || f["name"]->str != group) continue;
      if (f.count("last-delivered-id")) last_ms = std::stoll(f["last-delivered-id"]->str);
      if (f.count("pending")) pending = f["pending"]->integer;
    }
    *state = absl::StrCat(group, ": pending ", pending, ", pending over 3 s ", stuck->elements.size(),
                          ", has read up to ", last_ms - recovered_ms, " ms after the second recovery");
    return stuck->elements.empty() && last_ms >= recovered_ms;
  };
  std::string sla_state, scoring_state;
  for (int i = 0; i < 300; ++i) {  // up to 30 s
    if (carried_on("sla", &sla_state) && carried_on("scoring", &scoring_state)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Result result;
  result.other_errors = ledger.other_errors;
  result.last_other = ledger.last_other;
  result.acknowledged_orders = static_cast<int>(ledger.created.size());
  auto stub = stack.NewClient();
  std::map<std::string, int> marks;
  for (const auto& [key, id] : ledger.created) {
    absl::StatusOr<redis::Reply> history = redis.Execute({"LRANGE", "hotline:order:{" + id + "}:history", "0", "-1"});
    REQUIRE(history.ok());
    if (history->elements.empty()) {
      ++result.lost_orders;
      continue;
    }
    std::map<std::string, int> actions;
    for (const redis::Reply& json : history->elements) {
      absl::StatusOr<v1::HistoryEntry> e = orders::HistoryEntryFromJson(json.str);
      REQUIRE(e.ok());
      ++actions[e->action()];
      if (!e->sla_mark().empty()) ++marks[id + "/" + e->sla_mark()];
    }
    result.twice_actions += (actions["create"] > 1) + (actions["dispatch"] > 1) + (actions["sign"] > 1);
    for (const std::string& a : ledger.acted[id]) {
      ++result.acknowledged_actions;
      result.lost_actions += actions[a] == 0;
    }
  }
  // None twice: every order in the index came from exactly one key.
  std::set<std::string> from_keys;
  for (const std::string& key : ledger.attempted_keys) {
    absl::StatusOr<redis::Reply> idem = redis.Execute({"GET", "hotline:idem:create:8:agent-t1:" + key});
    REQUIRE(idem.ok());
    if (!idem->is_nil()) from_keys.insert(idem->str.substr(idem->str.rfind('|') + 1));
  }
  absl::StatusOr<redis::Reply> all = redis.Execute({"ZRANGE", "hotline:idx:all", "0", "-1"});
  REQUIRE(all.ok());
  for (const redis::Reply& id : all->elements) result.duplicated_orders += from_keys.count(id.str) == 0;
  for (const auto& [k, n] : marks) result.twice_marks += n > 1;
  result.marks = static_cast<int>(marks.size());
  // The SLA monitor and scoring carried on.
  std::set<std::string> settled;
  if (carried_on("sla", &sla_state)) settled.insert("sla");
  if (carried_on("scoring", &scoring_state)) settled.insert("scoring");
  INFO(sla_state << "; " << scoring_state);
  CHECK(settled.count("sla") == 1);
  CHECK(settled.count("scoring") == 1);
  WARN("afterwards: " << result.acknowledged_orders << " acknowledged orders, " << result.acknowledged_actions
                      << " acknowledged transitions; lost: " << result.lost_orders << " orders, "
                      << result.lost_actions << " transitions; orders made twice: " << result.duplicated_orders
                      << ", steps recorded twice: " << result.twice_actions << "; SLA marks: " << result.marks
                      << ", raised twice: " << result.twice_marks << "; consumer groups settled: "
                      << absl::StrJoin(settled, ",") << "; calls failed for good: " << result.other_errors);
  return result;
}

TEST_CASE("the primary SIGKILLed twice under load: nothing acknowledged is lost, nothing done twice",
          "[e2e][failover]") {
  Result r = RunFailover(/*wait_replicas=*/1);
  INFO(r.last_other);
  CHECK(r.other_errors == 0);
  CHECK(r.acknowledged_orders > 0);
  CHECK(r.acknowledged_actions > 0);
  CHECK(r.lost_orders == 0);
  CHECK(r.lost_actions == 0);
  CHECK(r.duplicated_orders == 0);
  CHECK(r.twice_actions == 0);
  CHECK(r.marks > 0);
  CHECK(r.twice_marks == 0);
}

TEST_CASE("the same with WAIT off: how many acknowledged writes are lost", "[e2e][failover]") {
  Result r = RunFailover(/*wait_replicas=*/0);
  // Asynchronous replication may lose acknowledged writes, and a consumer
  // whose own writes were lost does its work again. How much depends on how
  // far the replicas were behind at the kill (on one loaded machine: from
  // nothing to hundreds), so it is printed, not asserted.
  WARN("WAIT off: acknowledged writes lost: " << r.lost_orders << " orders, " << r.lost_actions
                                              << " transitions; orders made twice: " << r.duplicated_orders
                                              << "; steps recorded twice: " << r.twice_actions
                                              << "; SLA marks raised twice: " << r.twice_marks
                                              << "; calls failed for good: " << r.other_errors << " ("
                                              << r.last_other << ")");
  CHECK(r.acknowledged_orders > 0);
  CHECK(r.acknowledged_actions > 0);
}

}  // namespace
}  // namespace hotline::testing
