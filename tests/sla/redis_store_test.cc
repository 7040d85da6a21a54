// The SLA monitor's Redis store and the stream consumer group against a real
// redis-server: orders created by the real order store, deadlines filed in
// the due set, marks written once with their history entry, event and
// counter; the consumer group's ack, reclaim, dead-letter and group re-creation.
#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "calendar/calendar_source.h"
#include "clock/clock.h"
#include "orders/order_record.h"
#include "orders/redis_order_store.h"
#include "sla/loops.h"
#include "sla/monitor.h"
#include "sla/redis_deadline_store.h"
#include "stream/consumer_group.h"
#include "support/redis_server.h"

namespace hotline::sla {
namespace {

using testing::RedisServer;

absl::Time Local(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), CityTimeZone());
}

std::string CreateOrder(orders::RedisOrderStore& store, absl::Time at, v1::OrderType type, bool urgent) {
  orders::NewOrder n;
  v1::WorkOrder& o = n.order;
  o.set_version(1);
  o.set_type(type);
  o.set_urgent(urgent);
  o.set_channel(v1::CHANNEL_PHONE);
  o.mutable_location()->set_district_code("440106");
  o.set_category_code("0101");
  o.set_content("噪声");
  o.set_state(v1::ORDER_STATE_CREATED);
  *o.mutable_created_at() = orders::FromMillis(absl::ToUnixMillis(at));
  *o.mutable_updated_at() = o.created_at();
  n.first_entry.set_seq(1);
  *n.first_entry.mutable_at() = o.created_at();
  n.first_entry.set_action("create");
  n.first_entry.set_to_state(v1::ORDER_STATE_CREATED);
  std::promise<absl::StatusOr<orders::CreateResult>> p;
  store.Create(std::move(n), [&](absl::StatusOr<orders::CreateResult> r) { p.set_value(std::move(r)); });
  absl::StatusOr<orders::CreateResult> r = p.get_future().get();
  REQUIRE(r.ok());
  return r->order.id();
}

redis::Reply Run(redis::Client& redis, redis::Command c) {
  absl::StatusOr<redis::Reply> r = redis.Execute(std::move(c));
  REQUIRE(r.ok());
  return *r;
}

struct RedisWorld {
  RedisServer server;
  redis::Client redis{redis::Options{.port = server.port(), .connections = 4}};
  orders::RedisOrderStore orders{redis};
  RedisDeadlineStore store{redis, SlaKeys()};
  FakeClock clock{Local(2026, 10, 1, 22)};
  calendar::FixedCalendarSource cal{*calendar::WorkingCalendar::LoadDir(HOTLINE_SOURCE_DIR "/data/calendar")};
  Policies policies = *Policies::Load(HOTLINE_SOURCE_DIR "/data/sla_policies.textproto");
  directory::Directory directory = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  Monitor monitor{store, policies, cal, clock, directory};
};

TEST_CASE("an urgent order's marks are filed by due time and written once with entry, event and counter") {
  RedisWorld w;
  const std::string id = CreateOrder(w.orders, Local(2026, 10, 1, 23), v1::ORDER_TYPE_HELP, true);
  w.clock.Set(Local(2026, 10, 1, 23));
  REQUIRE(w.monitor.Settle(id).ok());
  // The next mark (50% at 00:00) is the order's score in the due set.
  redis::Reply score = Run(w.redis, {"ZSCORE", "hotline:sla:due", id});
  CHECK(score.str == absl::StrCat(absl::ToUnixMillis(Local(2026, 10, 2, 0))));
  CHECK(Run(w.redis, {"HGET", "hotline:order:{" + id + "}", "sla_close_due_ms"}).str ==
        absl::StrCat(absl::ToUnixMillis(Local(2026, 10, 2, 1))));
  CHECK(Run(w.redis, {"SISMEMBER", "hotline:sla:status:on_time:none", id}).integer == 1);
  CHECK(Run(w.redis, {"SISMEMBER", "hotline:sla:district:440106:on_time", id}).integer == 1);

  w.clock.Set(Local(2026, 10, 2, 1));
  REQUIRE(*w.monitor.DuePass(100) == 4);  // 50%, 15 min before, breach, urge
  CHECK(*w.monitor.DuePass(100) == 0);
  CHECK(Run(w.redis, {"SISMEMBER", "hotline:sla:status:breached:urge", id}).integer == 1);
  CHECK(Run(w.redis, {"SISMEMBER", "hotline:sla:status:on_time:none", id}).integer == 0);
  CHECK(Run(w.redis, {"HGET", "hotline:order:{" + id + "}", "urges"}).str == "1");
  // create, the closing deadline as fixed, then the four marks.
  CHECK(Run(w.redis, {"HGET", "hotline:order:{" + id + "}", "version"}).str == "6");
  redis::Reply history = Run(w.redis, {"LRANGE", "hotline:order:{" + id + "}:history", "0", "-1"});
  REQUIRE(history.elements.size() == 6);
  absl::StatusOr<v1::HistoryEntry> fixed = orders::HistoryEntryFromJson(history.elements[1].str);
  REQUIRE(fixed.ok());
  CHECK(fixed->action() == "sla_deadline");
  REQUIRE(fixed->sla_record().deadlines_size() == 1);
  CHECK(fixed->sla_record().deadlines(0).key() == "closing.0");
  CHECK(fixed->sla_record().deadlines(0).wall_clock());
  CHECK_FALSE(fixed->sla_record().deadlines(0).provisional());
  CHECK(fixed->sla_record().policy() == "urgent");
  absl::StatusOr<v1::HistoryEntry> breach = orders::HistoryEntryFromJson(history.elements[4].str);
  REQUIRE(breach.ok());
  CHECK(breach->action() == "sla_breach");
  CHECK(breach->actor().user_id() == "system:sla");
  CHECK(breach->sla_mark() == "closing.0.breach");
  CHECK(breach->seq() == 5);
  redis::Reply events = Run(w.redis, {"XRANGE", "hotline:events", "-", "+"});
  int sla_events = 0;
  for (const redis::Reply& e : events.elements) {
    for (size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2) {
      if (e.elements[1].elements[i].str == "event" &&
          e.elements[1].elements[i + 1].str.rfind("order.sla_", 0) == 0) {
        ++sla_events;
      }
    }
  }
  CHECK(sla_events == 4 + 1);  // the marks and order.sla_deadline

  w.clock.Set(Local(2026, 10, 2, 5));
  CHECK(*w.monitor.DuePass(100) == 2);  // supervise, notice
  CHECK(Run(w.redis, {"HGET", "hotline:order:{" + id + "}", "notices"}).str == "1");
  CHECK(Run(w.redis, {"ZSCORE", "hotline:sla:due", id}).is_nil());
  auto counts = w.store.CountByStatus();
  REQUIRE(counts.ok());
  for (const auto& [k, n] : *counts) CHECK(n == (k == "escalated:notice" ? 1 : 0));
  auto by_district = w.store.CountByDistrict();
  REQUIRE(by_district.ok());
  for (const auto& [k, n] : *by_district) CHECK(n == (k == "440106:escalated" ? 1 : 0));
  CHECK(by_district->size() == 5);
}

TEST_CASE("a write decided on an old version is refused and changes nothing") {
  RedisWorld w;
  const std::string id = CreateOrder(w.orders, Local(2026, 10, 1, 23), v1::ORDER_TYPE_HELP, true);
  Settlement s;
  s.order_id = id;
  s.expected_version = 7;
  s.now = Local(2026, 10, 1, 23);
  Settlement::Step step;
  step.entry.set_seq(8);
  step.event = "order.sla_breach";
  s.steps.push_back(step);
  CHECK(absl::IsAborted(w.store.Settle(s)));
  CHECK(Run(w.redis, {"LLEN", "hotline:order:{" + id + "}:history"}).integer == 1);
  s.order_id = "GZ20261001999999";
  absl::Status missing = w.store.Settle(s);
  INFO(missing.ToString());
  CHECK(absl::IsNotFound(missing));
}

TEST_CASE("the monitor's events do not trim the stream past what a lagging group has not acknowledged") {
  // The stream is trimmed by what every group settled (orders/event_retention.h);
  // an append that caps the stream (MAXLEN ~1,000,000 until issue 17) would
  // drop a lagging group's events once the stream is that long.
  RedisWorld w;
  const std::string id = CreateOrder(w.orders, Local(2026, 10, 1, 23), v1::ORDER_TYPE_HELP, true);
  Run(w.redis, {"XGROUP", "CREATE", "hotline:events", "lagging", "0"});
  // The lagging group took the order's first event and has not acknowledged it.
  redis::Reply taken = Run(w.redis, {"XREADGROUP", "GROUP", "lagging", "c1", "COUNT", "1", "STREAMS",
                                     "hotline:events", ">"});
  REQUIRE(taken.elements.size() == 1);
  REQUIRE(taken.elements[0].elements[1].elements.size() == 1);
  const std::string first_id = taken.elements[0].elements[1].elements[0].elements[0].str;
  // More events than the old cap, none delivered to the lagging group yet.
  constexpr long long kFill = 1000200;
  for (int chunk = 0; chunk < 50; ++chunk) {  // each well within the client's command timeout
    Run(w.redis, {"EVAL",
                  "for i = 1, tonumber(ARGV[1]) do redis.call('XADD', KEYS[1], '*', 'event', 'order.created', "
                  "'order_id', 'GZ20261001999999') end return 1",
                  "1", "hotline:events", absl::StrCat(kFill / 50)});
  }
  w.clock.Set(Local(2026, 10, 1, 23));
  absl::StatusOr<int> settled = w.monitor.Settle(id);  // appends order.sla_deadline
  INFO(settled.status().ToString());
  REQUIRE(settled.ok());
  CHECK(Run(w.redis, {"XLEN", "hotline:events"}).integer == 1 + kFill + 1);
  redis::Reply oldest = Run(w.redis, {"XRANGE", "hotline:events", "-", "+", "COUNT", "1"});
  REQUIRE(oldest.elements.size() == 1);
  CHECK(oldest.elements[0].elements[0].str == first_id);
  // The pending event is still readable by the group that owes it.
  redis::Reply pending = Run(w.redis, {"XREADGROUP", "GROUP", "lagging", "c1", "STREAMS", "hotline:events", "0"});
  REQUIRE(pending.elements.size() == 1);
  REQUIRE(pending.elements[0].elements[1].elements.size() == 1);
  CHECK(pending.elements[0].elements[1].elements[0].elements[0].str == first_id);
  CHECK(pending.elements[0].elements[1].elements[0].elements[1].type == redis::Reply::Type::kArray);
  CHECK(!pending.elements[0].elements[1].elements[0].elements[1].elements.empty());
}

TEST_CASE("a due pass reads only what is due") {
  RedisWorld w;
  // 300 orders filed far ahead, 5 due now: the pass takes exactly those 5.
  for (int i = 0; i < 300; ++i) {
    Run(w.redis, {"ZADD", "hotline:sla:due", absl::StrCat(absl::ToUnixMillis(Local(2026, 12, 1)) + i),
                  absl::StrCat("GZ20261001", 100000 + i)});
  }
  for (int i = 0; i < 5; ++i) {
    Run(w.redis, {"ZADD", "hotline:sla:due", absl::StrCat(absl::ToUnixMillis(Local(2026, 10, 1)) + i),
                  absl::StrCat("GZ20261001", 200000 + i)});
  }
  absl::StatusOr<std::vector<std::string>> due = w.store.Due(Local(2026, 10, 2), 100);
  REQUIRE(due.ok());
  CHECK(due->size() == 5);
  CHECK(due->front() == "GZ20261001200000");
  // Those five have no order behind them: a pass takes them out, and only them.
  w.clock.Set(Local(2026, 10, 2));
  REQUIRE(w.monitor.DuePass(100).ok());
  CHECK(Run(w.redis, {"ZCARD", "hotline:sla:due"}).integer == 300);
}

TEST_CASE("the sla consumer group settles new orders from the event stream") {
  RedisWorld w;
  prometheus::Registry registry;
  redis::Client stream_redis(redis::Options{.port = w.server.port(), .connections = 1});
  stream::GroupOptions options;
  options.stream = "hotline:events";
  options.dead_letter = "hotline:events:dead";
  options.group = "sla";
  options.consumer = "sla-test";
  options.metric_prefix = "hotline_sla";
  options.block = absl::Milliseconds(50);
  // Orders taken in before the monitor first ran get deadlines too.
  const std::string before = CreateOrder(w.orders, Local(2026, 10, 1, 23), v1::ORDER_TYPE_COMPLAINT, false);
  stream::ConsumerGroup group(stream_redis, options, EventHandler(w.monitor), registry);
  group.Start();
  const std::string after = CreateOrder(w.orders, Local(2026, 10, 1, 23), v1::ORDER_TYPE_COMPLAINT, false);
  for (int i = 0; i < 200; ++i) {
    if (!Run(w.redis, {"ZSCORE", "hotline:sla:due", after}).is_nil()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK_FALSE(Run(w.redis, {"ZSCORE", "hotline:sla:due", before}).is_nil());
  CHECK_FALSE(Run(w.redis, {"ZSCORE", "hotline:sla:due", after}).is_nil());
  // Everything was acknowledged.
  for (int i = 0; i < 100 && Run(w.redis, {"XPENDING", "hotline:events", "sla"}).elements[0].integer != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(Run(w.redis, {"XPENDING", "hotline:events", "sla"}).elements[0].integer == 0);
  group.Stop();
}

TEST_CASE("consumer group: failures stay pending, are reclaimed, then dead-lettered, a lost group is made again") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 2});
  redis::Client stream_redis(redis::Options{.port = server.port(), .connections = 1});
  prometheus::Registry registry;
  stream::GroupOptions options;
  options.stream = "s";
  options.dead_letter = "s:dead";
  options.group = "g";
  options.consumer = "c1";
  options.metric_prefix = "test_group";
  options.block = absl::Milliseconds(20);
  options.reclaim_idle = absl::Milliseconds(1);
  options.max_deliveries = 3;
  std::atomic<int> poison_seen{0}, good_seen{0};
  stream::ConsumerGroup group(
      stream_redis, options,
      [&](const std::vector<stream::Entry>& entries) {
        std::vector<absl::Status> out;
        for (const stream::Entry& e : entries) {
          if (e.Field("kind") == "poison") {
            ++poison_seen;
            out.push_back(absl::UnavailableError("cannot"));
          } else {
            ++good_seen;
            out.push_back(absl::OkStatus());
          }
        }
        return out;
      },
      registry);
  group.Start();
  Run(redis, {"XADD", "s", "*", "kind", "poison"});
  Run(redis, {"XADD", "s", "*", "kind", "good"});
  // Parked, then acknowledged: two steps, so wait for both (a loaded machine
  // can fall between them).
  for (int i = 0; i < 300 && (Run(redis, {"XLEN", "s:dead"}).integer == 0 ||
                              Run(redis, {"XPENDING", "s", "g"}).elements[0].integer != 0);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(Run(redis, {"XLEN", "s:dead"}).integer == 1);
  CHECK(poison_seen >= 3);
  CHECK(good_seen == 1);
  CHECK(Run(redis, {"XPENDING", "s", "g"}).elements[0].integer == 0);
  redis::Reply dead = Run(redis, {"XRANGE", "s:dead", "-", "+"});
  REQUIRE(dead.elements.size() == 1);
  CHECK(dead.elements[0].elements[1].elements[5].str == "poison");

  // Redis lost the group: the consumer makes it again and goes on.
  Run(redis, {"XGROUP", "DESTROY", "s", "g"});
  Run(redis, {"XADD", "s", "*", "kind", "good"});
  for (int i = 0; i < 300 && good_seen < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(good_seen >= 2);
  group.Stop();
}

}  // namespace
}  // namespace hotline::sla
