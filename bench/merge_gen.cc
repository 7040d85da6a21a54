// hotline-merge-gen: the merge benchmark's orders (bench/run_merge_bench.sh).
// Writes --orders open orders held by --unit, each dispatched to it and in
// its work queue, as the order store keeps them (record, history, idx:all,
// idx:unit, idx:queue; libs/orders/order_keys.h). Pipelined; prints what it
// stored.
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "clock/proto_time.h"
#include "config/flags.h"
#include "orders/order_keys.h"
#include "orders/order_record.h"
#include "redis/client.h"
#include "redis/flags.h"

namespace hotline {
namespace {

// Sends every command at once and waits for the replies: the first error.
absl::Status Pipelined(redis::Client& redis, std::vector<redis::Command> commands) {
  std::mutex mu;
  std::condition_variable cv;
  size_t left = commands.size();
  absl::Status error;
  for (redis::Command& c : commands) {
    redis.Submit(std::move(c), [&](absl::StatusOr<redis::Reply> r) {
      std::lock_guard<std::mutex> lock(mu);
      if (error.ok() && !r.ok()) error = r.status();
      if (error.ok() && r.ok() && r->is_error()) error = absl::InternalError(r->str);
      if (--left == 0) cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return left == 0; });
  return error;
}

v1::WorkOrder OpenOrder(int n, const std::string& unit, const std::string& district, absl::Time created) {
  v1::WorkOrder o;
  o.set_id(absl::StrFormat("GZ20261105%06d", n));
  o.set_version(2);
  o.set_type(v1::ORDER_TYPE_COMPLAINT);
  o.set_channel(v1::CHANNEL_PHONE);
  o.set_category_code("010101");
  o.set_content("merge benchmark order");
  o.mutable_location()->set_district_code(district);
  o.mutable_location()->set_street_code(unit);
  o.mutable_location()->set_address("bench road 1");
  o.set_state(v1::ORDER_STATE_DISPATCHED);
  o.set_assigned_unit_code(unit);
  *o.mutable_created_at() = ToTimestamp(created);
  *o.mutable_updated_at() = ToTimestamp(created + absl::Minutes(5));
  v1::HistoryEntry* c = o.add_history();
  c->set_seq(1);
  *c->mutable_at() = ToTimestamp(created);
  c->set_action("create");
  c->set_to_state(v1::ORDER_STATE_CREATED);
  v1::HistoryEntry* d = o.add_history();
  d->set_seq(2);
  *d->mutable_at() = ToTimestamp(created + absl::Minutes(5));
  d->set_action("dispatch");
  d->set_from_state(v1::ORDER_STATE_CREATED);
  d->set_to_state(v1::ORDER_STATE_DISPATCHED);
  d->set_unit_code(unit);
  return o;
}

int Main(int argc, char** argv) {
  redis::RedisFlags redis_flags;
  std::string unit = "440106001", district = "440106";
  int orders = 5000;
  config::Flags flags("hotline-merge-gen", "writes open orders held by one unit for the merge benchmark");
  redis::AddRedisFlags(flags, &redis_flags);
  flags.String("unit", "", "the unit holding them (a street)", &unit);
  flags.String("district", "", "its district", &district);
  flags.Int("orders", "", "orders to write", &orders);
  flags.ParseOrExit(argc, argv);
  absl::StatusOr<redis::Options> options = redis::ToOptions(redis_flags);
  if (!options.ok() || orders <= 0) {
    std::fprintf(stderr, "bad flags: %s\n", options.status().ToString().c_str());
    return 2;
  }
  redis::Client redis(*options);
  const orders::OrderKeys keys;
  const absl::Time start = absl::Now();
  const absl::Time created = absl::FromCivil(absl::CivilMinute(2026, 11, 5, 9, 0), absl::UTCTimeZone());
  for (int i = 0; i < orders; i += 1000) {
    std::vector<redis::Command> batch;
    for (int n = i; n < std::min(orders, i + 1000); ++n) {
      const v1::WorkOrder o = OpenOrder(n + 1, unit, district, created + absl::Seconds(n));
      redis::Command hset = {"HSET", keys.Order(o.id()), "id", o.id()};
      for (auto& [field, value] : orders::ToRecord(o)) {
        hset.push_back(field);
        hset.push_back(value);
      }
      batch.push_back(std::move(hset));
      redis::Command rpush = {"RPUSH", keys.History(o.id())};
      for (const v1::HistoryEntry& e : o.history()) rpush.push_back(orders::HistoryEntryToJson(e));
      batch.push_back(std::move(rpush));
      const std::string ms = absl::StrCat(orders::ToMillis(o.created_at()));
      batch.push_back({"ZADD", keys.IndexAll(), ms, o.id()});
      batch.push_back({"ZADD", keys.IndexUnit(unit), ms, o.id()});
      batch.push_back({"ZADD", keys.Queue(unit, v1::ORDER_STATE_DISPATCHED), ms, o.id()});
    }
    if (absl::Status s = Pipelined(redis, std::move(batch)); !s.ok()) {
      std::fprintf(stderr, "redis: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  std::printf("stored %d open orders held by %s in %.1f s\n", orders, unit.c_str(),
              absl::ToDoubleSeconds(absl::Now() - start));
  return 0;
}

}  // namespace
}  // namespace hotline

int main(int argc, char** argv) { return hotline::Main(argc, argv); }
