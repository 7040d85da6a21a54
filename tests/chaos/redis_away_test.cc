// Redis away for 10 s (issue 20, item 2): for every service, a call through
// the gateway that needs it fails fast with UNAVAILABLE (no hang up to its
// deadline), the service's grpc.health.v1 turns NOT_SERVING, and once Redis is
// back (same port, same append-only file) it serves again within 5 s; the
// consumer groups resume where they stopped. Prints per service: time to
// fail, health during, time to serve again.
#include <catch2/catch.hpp>
#include <cstdio>
#include <functional>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "e2e/stack.h"

namespace hotline::testing {
namespace {

using Process = Stack::Process;

std::unique_ptr<grpc::ClientContext> Context(const std::string& token, absl::Duration deadline) {
  auto ctx = CallContext(token);
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  return ctx;
}

// One call through the gateway that needs the service and its Redis.
using Probe = std::function<grpc::Status(v1::Hotline::Stub&, absl::Duration deadline)>;

struct Row {
  std::string name;
  Process process = Process::kRedis;
  Probe probe;
  // Measured:
  grpc::Status failed;
  absl::Duration time_to_fail;
  std::string health_during;
  absl::Duration time_to_not_serving = absl::InfiniteDuration();
  absl::Duration time_to_serve = absl::InfiniteDuration();
  std::string liveness_during;
};

std::string Created(v1::Hotline::Stub& stub, const std::string& key) {
  v1::CreateWorkOrderRequest r = SampleComplaint();
  r.set_category_code("010101");
  r.set_idempotency_key(key);
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto ctx = Context(kAgentToken, absl::Seconds(3));
    v1::CreateWorkOrderResponse response;
    if (stub.CreateWorkOrder(ctx.get(), r, &response).ok()) return response.order().id();
    absl::SleepFor(absl::Milliseconds(50));
  }
  FAIL("cannot create " << key);
  return "";
}

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    default:
      return absl::StrCat("code ", static_cast<int>(code));
  }
}

std::string Ms(absl::Duration d) {
  return d == absl::InfiniteDuration() ? "never"
                                       : absl::StrCat(absl::ToInt64Milliseconds(d), " ms");
}

TEST_CASE(
    "Redis away for 10 s: every service fails fast, reports NOT_SERVING and serves within 5 s of "
    "its return",
    "[chaos][redis]") {
  Stack stack(Stack::Options{.sla_replicas = 1,
                             .clock_start = "2026-03-02T09:00:00+08:00",
                             .clock_rate = "60",
                             .scoring_replicas = 1});
  auto stub = stack.NewClient();
  const std::string before = Created(*stub, "away-before-0");

  std::vector<Row> rows;
  auto add = [&rows](std::string name, Process process, Probe probe) {
    Row row;
    row.name = std::move(name);
    row.process = process;
    row.probe = std::move(probe);
    rows.push_back(std::move(row));
  };
  add("gateway", Process::kGateway, [&](v1::Hotline::Stub& s, absl::Duration d) {
    // The gateway's own use of Redis is the revocation list; a
    // read of an order is its most common call.
    auto ctx = Context(kAgentToken, d);
    v1::GetWorkOrderRequest r;
    r.set_id(before);
    v1::GetWorkOrderResponse response;
    return s.GetWorkOrder(ctx.get(), r, &response);
  });
  add("intake", Process::kIntake, [&](v1::Hotline::Stub& s, absl::Duration d) {
    auto ctx = Context(kAgentToken, d);
    v1::CreateWorkOrderResponse response;
    v1::CreateWorkOrderRequest r = SampleComplaint();
    r.set_idempotency_key(absl::StrCat("away-probe-", absl::ToUnixNanos(absl::Now())));
    return s.CreateWorkOrder(ctx.get(), r, &response);
  });
  add("dispatch", Process::kDispatch, [&](v1::Hotline::Stub& s, absl::Duration d) {
    auto ctx = Context(kHandlerToken, d);
    v1::ListQueueRequest r;
    r.set_unit_code("440106");
    r.set_state(v1::ORDER_STATE_DISPATCHED);
    v1::ListQueueResponse response;
    return s.ListQueue(ctx.get(), r, &response);
  });
  add("sla", Process::kSla, [&](v1::Hotline::Stub& s, absl::Duration d) {
    auto ctx = Context(kAgentToken, d);
    v1::GetOrderSlaRequest r;
    r.set_order_id(before);
    v1::GetOrderSlaResponse response;
    return s.GetOrderSla(ctx.get(), r, &response);
  });
  add("knowledge", Process::kKnowledge, [&](v1::Hotline::Stub& s, absl::Duration d) {
    // A point is read from Redis (searches are answered from
    // the replica's own index).
    auto ctx = Context(kAgentToken, d);
    v1::GetKnowledgePointRequest r;
    r.set_code("KB.06.01.003");
    v1::GetKnowledgePointResponse response;
    return s.GetKnowledgePoint(ctx.get(), r, &response);
  });
  add("scoring", Process::kScoring, [&](v1::Hotline::Stub& s, absl::Duration d) {
    auto ctx = Context(kDispatcherToken, d);
    v1::GetUnitScoreRequest r;
    r.set_unit_code("440106");
    v1::GetUnitScoreResponse response;
    return s.GetUnitScore(ctx.get(), r, &response);
  });
  // Everything works before.
  for (Row& row : rows) {
    grpc::Status s = row.probe(*stub, absl::Seconds(5));
    INFO(row.name << ": " << s.error_message());
    REQUIRE(s.ok());
  }
  // Orders whose events are still being consumed when Redis goes.
  std::vector<std::string> ids = {before};
  for (int i = 1; i <= 3; ++i) ids.push_back(Created(*stub, absl::StrCat("away-before-", i)));

  stack.Kill(Process::kRedis);
  const absl::Time gone = absl::Now();
  constexpr absl::Duration kDeadline = absl::Seconds(5);
  for (Row& row : rows) {
    const absl::Time start = absl::Now();
    row.failed = row.probe(*stub, kDeadline);
    row.time_to_fail = absl::Now() - start;
  }
  // Health: every service NOT_SERVING within 2 s and all through the outage.
  while (absl::Now() - gone < absl::Seconds(9)) {
    for (Row& row : rows) {
      const std::string health = HealthStatus(stack.AddressOf(row.process));
      if (health == "NOT_SERVING" && row.time_to_not_serving == absl::InfiniteDuration()) {
        row.time_to_not_serving = absl::Now() - gone;
      }
      if (absl::Now() - gone > absl::Seconds(3)) {  // the latest, after 3 s
        row.health_during = health;
        row.liveness_during = HealthStatus(stack.AddressOf(row.process), "liveness");
      }
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  absl::SleepFor(absl::Seconds(10) - (absl::Now() - gone));
  // From the moment Redis is started again (its own start-up, reading its
  // append-only file, counts against the 5 s).
  const absl::Time back = absl::Now();
  stack.Start(Process::kRedis);
  const absl::Duration redis_start = absl::Now() - back;
  for (bool all = false; !all && absl::Now() - back < absl::Seconds(15);) {
    all = true;
    for (Row& row : rows) {
      if (row.time_to_serve != absl::InfiniteDuration()) continue;
      if (HealthStatus(stack.AddressOf(row.process)) == "SERVING" &&
          row.probe(*stub, absl::Seconds(1)).ok()) {
        row.time_to_serve = absl::Now() - back;
      } else {
        all = false;
      }
    }
    if (!all) absl::SleepFor(absl::Milliseconds(20));
  }

  std::printf(
      "\nRedis away for 10 s (killed, then started on its port with its append-only file; it "
      "answered "
      "PING %s after its start):\n",
      Ms(redis_start).c_str());
  std::printf("%-10s %-13s %-13s %-26s %-14s %-14s\n", "service", "call during", "time to fail",
              "health during (after)", "liveness", "serving again");
  for (const Row& row : rows) {
    const std::string call = CodeName(row.failed.error_code());
    std::printf("%-10s %-13s %-13s %-26s %-14s %-14s\n", row.name.c_str(), call.c_str(),
                Ms(row.time_to_fail).c_str(),
                absl::StrCat(row.health_during, " (", Ms(row.time_to_not_serving), ")").c_str(),
                row.liveness_during.c_str(), Ms(row.time_to_serve).c_str());
  }
  std::fflush(stdout);
  for (const Row& row : rows) {
    INFO(row.name << ": " << row.failed.error_message());
    CHECK(row.failed.error_code() == grpc::StatusCode::UNAVAILABLE);
    CHECK(row.time_to_fail < absl::Seconds(3));  // fast: well inside the 5 s deadline
    CHECK(row.health_during == "NOT_SERVING");
    CHECK(row.liveness_during == "SERVING");  // the process is alive: no restart asked for
    CHECK(row.time_to_not_serving < absl::Seconds(2));
    CHECK(row.time_to_serve < absl::Seconds(5));
  }

  // The consumers resume where they stopped: the orders taken before the
  // outage and one after it are dispatched, get their deadlines, and are scored.
  ids.push_back(Created(*stub, "away-after-0"));
  for (const std::string& id : ids) {
    bool done = false;
    for (const absl::Time until = absl::Now() + absl::Seconds(20); !done && absl::Now() < until;) {
      const v1::WorkOrder o = GetOrder(*stub, id);
      bool deadline = false;
      for (const v1::HistoryEntry& h : o.history())
        deadline = deadline || h.action() == "sla_deadline";
      absl::StatusOr<redis::Reply> facts = stack.redis_client().Execute(
          {"HGET", absl::StrCat("hotline:scoring:facts:{", id, "}"), "version"});
      done = o.state() == v1::ORDER_STATE_DISPATCHED && deadline &&
             o.deadlines().has_closing_due() && facts.ok() && !facts->is_nil();
      if (!done) absl::SleepFor(absl::Milliseconds(100));
    }
    INFO(id << " was not dispatched, given its deadlines and scored after Redis came back");
    CHECK(done);
  }
  // Every consumer group is back at the head of the stream with nothing
  // pending, nothing went to the dead letters, and each knowledge replica's
  // change follower polls again.
  bool caught_up = false;
  std::string groups;
  for (const absl::Time until = absl::Now() + absl::Seconds(20);
       !caught_up && absl::Now() < until;) {
    absl::StatusOr<redis::Reply> r =
        stack.redis_client().Execute({"XINFO", "GROUPS", "hotline:events"});
    REQUIRE(r.ok());
    caught_up = r->elements.size() == 3;  // dispatch, sla, scoring
    groups.clear();
    for (const redis::Reply& group : r->elements) {
      for (size_t i = 0; i + 1 < group.elements.size(); i += 2) {
        const std::string& f = group.elements[i].str;
        if (f == "name") absl::StrAppend(&groups, group.elements[i + 1].str, ":");
        if (f == "pending" || f == "lag") {
          absl::StrAppend(&groups, " ", f, " ", group.elements[i + 1].integer);
          if (group.elements[i + 1].is_nil() || group.elements[i + 1].integer != 0)
            caught_up = false;
        }
      }
      absl::StrAppend(&groups, "; ");
    }
    if (!caught_up) absl::SleepFor(absl::Milliseconds(100));
  }
  INFO("consumer groups: " << groups);
  CHECK(caught_up);
  CHECK(stack.redis_client().Execute({"XLEN", "hotline:events:dead"})->integer == 0);
  const std::string metrics = HttpGet(stack.knowledge_metrics_port(), "/metrics");
  const std::string gauge = "\nhotline_knowledge_follower_last_poll_timestamp_seconds ";
  const size_t at = metrics.find(gauge);
  REQUIRE(at != std::string::npos);
  const double last_poll = std::stod(metrics.substr(at + gauge.size()));
  CHECK(last_poll > absl::ToDoubleSeconds(back - absl::UnixEpoch()));
  std::printf("consumers: groups %s knowledge's follower polled %.1f s after Redis was back\n",
              groups.c_str(), last_poll - absl::ToDoubleSeconds(back - absl::UnixEpoch()));
  std::printf(
      "consumers: %zu orders (%zu taken before the outage) dispatched, with deadlines, scored\n",
      ids.size(), ids.size() - 1);
}

}  // namespace
}  // namespace hotline::testing
