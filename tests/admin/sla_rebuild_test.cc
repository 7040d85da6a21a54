// `hotline-admin rebuild sla` (admin/rebuild.h) against a real redis-server:
// a recreated "sla" group finds the stream trimmed and never sees the orders
// taken before it; the rebuild settles every one of them through
// sla::Monitor::Settle, the same compare-and-set write the consumer makes;
// running it again, or beside the consumer, writes no deadline twice.
#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "admin/rebuild.h"
#include "calendar/calendar_source.h"
#include "clock/clock.h"
#include "orders/order_record.h"
#include "orders/redis_order_store.h"
#include "prometheus/registry.h"
#include "sla/loops.h"
#include "sla/monitor.h"
#include "sla/redis_deadline_store.h"
#include "stream/consumer_group.h"
#include "support/redis_server.h"

namespace hotline::rebuild {
namespace {

absl::Time Local(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), CityTimeZone());
}

redis::Reply Run(redis::Client& redis, redis::Command c) {
  absl::StatusOr<redis::Reply> r = redis.Execute(std::move(c));
  REQUIRE(r.ok());
  REQUIRE(!r->is_error());
  return *r;
}

std::string CreateOrder(orders::RedisOrderStore& store, absl::Time at, bool urgent) {
  orders::NewOrder n;
  v1::WorkOrder& o = n.order;
  o.set_version(1);
  o.set_type(v1::ORDER_TYPE_COMPLAINT);
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
  store.Create(std::move(n),
               [&](absl::StatusOr<orders::CreateResult> r) { p.set_value(std::move(r)); });
  absl::StatusOr<orders::CreateResult> r = p.get_future().get();
  REQUIRE(r.ok());
  return r->order.id();
}

struct World {
  hotline::testing::RedisServer server;
  redis::Client redis{redis::Options{.port = server.port(), .connections = 4}};
  redis::Client stream_redis{
      redis::Options{.port = server.port(), .connections = 1}};  // the group's XREADGROUP
  orders::RedisOrderStore orders{redis};
  sla::SlaKeys keys;
  sla::RedisDeadlineStore store{redis, keys};
  FakeClock clock{Local(2026, 10, 12, 10)};
  calendar::FixedCalendarSource cal{
      *calendar::WorkingCalendar::LoadDir(HOTLINE_SOURCE_DIR "/data/calendar")};
  sla::Policies policies = *sla::Policies::Load(HOTLINE_SOURCE_DIR "/data/sla_policies.textproto");
  directory::Directory directory = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  sla::Monitor monitor{store, policies, cal, clock, directory};
  std::vector<std::string> ids;

  // `n` orders taken in the morning of 2026-10-12, a few in each minute.
  explicit World(int n) {
    for (int i = 0; i < n; ++i)
      ids.push_back(CreateOrder(orders, Local(2026, 10, 12, 9, i / 4), i % 5 == 0));
  }

  // How many "sla_deadline" entries each order's history holds.
  std::vector<int> DeadlineEntries() {
    std::vector<int> out;
    for (const std::string& id : ids) {
      int n = 0;
      for (const redis::Reply& e :
           Run(redis, {"LRANGE", keys.orders().History(id), "0", "-1"}).elements) {
        if (e.str.find("\"sla_deadline\"") != std::string::npos) ++n;
      }
      out.push_back(n);
    }
    return out;
  }
  // Every SLA key and every order's SLA fields and version, as text.
  std::string Dump() {
    std::string out;
    for (const std::string& id : ids) {
      redis::Reply f = Run(redis, {"HMGET", keys.orders().Order(id), "version", "sla_rev",
                                   "sla_close_due_ms", "sla_status", "sla_unit"});
      absl::StrAppend(&out, id);
      for (const redis::Reply& e : f.elements) absl::StrAppend(&out, " ", e.str);
      absl::StrAppend(&out, " due=", Run(redis, {"ZSCORE", keys.Due(), id}).str, "\n");
    }
    return out;
  }
};

TEST_CASE("rebuild sla: a recreated group misses the earlier orders, the rebuild settles each once") {
  World w(120);
  // Every group settled the orders' events and the stream was trimmed
  // (orders/event_retention.h); then the sla group is lost and made again.
  Run(w.redis, {"XTRIM", w.keys.orders().Events(), "MAXLEN", "0"});
  stream::GroupOptions group{.stream = w.keys.orders().Events(),
                             .dead_letter = w.keys.orders().DeadEvents(),
                             .group = "sla",
                             .consumer = "sla-1",
                             .metric_prefix = "test_sla",
                             .block = absl::Milliseconds(20)};
  {
    prometheus::Registry registry;
    stream::ConsumerGroup events(w.stream_redis, group, sla::EventHandler(w.monitor), registry);
    events.Start();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    events.Stop();
  }
  // The group read nothing: no order got a deadline.
  CHECK(Run(w.redis, {"ZCARD", w.keys.Due()}).integer == 0);
  for (int n : w.DeadlineEntries()) CHECK(n == 0);

  Options options;
  options.batch = 25;
  options.parallel = 8;
  int steps = 0;
  options.progress = [&](const Progress&) { ++steps; };
  absl::StatusOr<Result> rebuilt = RebuildSla(w.redis, w.keys.orders(), w.monitor, options);
  REQUIRE(rebuilt.ok());
  CHECK(rebuilt->total == 120);
  CHECK(rebuilt->scanned == 120);
  CHECK(rebuilt->written == 120);
  CHECK(rebuilt->failed == 0);
  CHECK(steps == 5);
  CHECK(Run(w.redis, {"ZCARD", w.keys.Due()}).integer == 120);
  for (int n : w.DeadlineEntries()) CHECK(n == 1);
  for (const std::string& id : w.ids) {
    INFO(id);
    CHECK(!Run(w.redis, {"HGET", w.keys.orders().Order(id), "sla_close_due_ms"}).str.empty());
  }

  // Again: every order is up to date, nothing is written.
  const std::string before = w.Dump();
  absl::StatusOr<Result> again = RebuildSla(w.redis, w.keys.orders(), w.monitor, options);
  REQUIRE(again.ok());
  CHECK(again->scanned == 120);
  CHECK(w.Dump() == before);
  for (int n : w.DeadlineEntries()) CHECK(n == 1);
}

TEST_CASE(
    "rebuild sla: beside the consumer settling the same orders, each deadline is written once") {
  World w(150);
  // The group reads the stream from its start (every order's event) while
  // the rebuild walks the same orders.
  stream::GroupOptions group{.stream = w.keys.orders().Events(),
                             .dead_letter = w.keys.orders().DeadEvents(),
                             .group = "sla",
                             .consumer = "sla-1",
                             .metric_prefix = "test_sla",
                             .block = absl::Milliseconds(20)};
  prometheus::Registry registry;
  stream::ConsumerGroup events(w.stream_redis, group, sla::EventHandler(w.monitor), registry);
  events.Start();
  Options options;
  options.batch = 20;
  options.parallel = 8;
  absl::StatusOr<Result> rebuilt = RebuildSla(w.redis, w.keys.orders(), w.monitor, options);
  // Until the group has settled every event.
  for (int i = 0; i < 500; ++i) {
    redis::Reply info = Run(w.redis, {"XINFO", "GROUPS", w.keys.orders().Events()});
    bool done = false;
    for (const redis::Reply& g : info.elements) {
      for (size_t f = 0; f + 1 < g.elements.size(); f += 2) {
        if (g.elements[f].str == "lag") done = g.elements[f + 1].integer == 0;
      }
    }
    if (done &&
        Run(w.redis, {"XPENDING", w.keys.orders().Events(), "sla"}).elements[0].integer == 0)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  events.Stop();
  REQUIRE(rebuilt.ok());
  CHECK(rebuilt->scanned == 150);
  CHECK(rebuilt->failed == 0);
  CHECK(Run(w.redis, {"ZCARD", w.keys.Due()}).integer == 150);
  for (int n : w.DeadlineEntries()) CHECK(n == 1);
}

}  // namespace
}  // namespace hotline::rebuild
