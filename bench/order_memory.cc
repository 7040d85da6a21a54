// hotline-order-memory: how many bytes of Redis one work order takes, open and
// closed with a typical history, written by the real store and the real
// dispatch core (the same Lua scripts as production).
//
//   hotline-order-memory --redis 127.0.0.1:PORT --data_dir data [--orders 100000] [--closed 10000]
//
// Creates --orders complaints, then takes --closed of them through a typical
// life (dispatch, sign, hand down to the street, sign, reply, approve, callback,
// archive: 10 history entries), and prints Redis's used_memory per order for
// each kind, and per event on the stream (which event retention trims once
// every consumer group has settled it). Use an empty Redis of its own.
//
// With --postgres CONNINFO (an empty database of its own), the closed orders
// then move to the archive tier (libs/archive/mover.h, as `hotline-admin
// archive run` does) and it prints what that frees in Redis per order and
// what PostgreSQL takes per archived order with its history (the table, its
// TOAST and its indexes).
#include <atomic>
#include <cstdio>
#include <future>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clock/clock.h"
#include "config/flags.h"
#include "directory/city.h"
#include "directory/directory.h"
#include "dispatch/catalogue.h"
#include "dispatch/dispatcher.h"
#include "archive/archive_store.h"
#include "archive/mover.h"
#include "orders/order_record.h"
#include "orders/redis_order_store.h"
#include "redis/client.h"

namespace {

using namespace hotline;

long long UsedMemory(redis::Client& redis) {
  absl::StatusOr<redis::Reply> info = redis.Execute({"INFO", "memory"});
  if (!info.ok()) return -1;
  for (absl::string_view line : absl::StrSplit(info->str, "\r\n")) {
    if (absl::ConsumePrefix(&line, "used_memory:")) {
      long long v = 0;
      if (absl::SimpleAtoi(line, &v)) return v;
    }
  }
  return -1;
}

v1::Actor Actor(const std::string& user, v1::Role role, const std::string& unit) {
  v1::Actor a;
  a.set_user_id(user);
  a.set_role(role);
  a.set_unit_code(unit);
  return a;
}

template <typename T>
absl::StatusOr<T> Wait(std::function<void(orders::Done<T>)> call) {
  std::promise<absl::StatusOr<T>> p;
  call([&p](absl::StatusOr<T> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

}  // namespace

int main(int argc, char** argv) {
  std::string address = "127.0.0.1:6379", data_dir = "data";
  int orders_n = 100000, closed_n = 10000, threads_n = 16;
  config::Flags flags("hotline-order-memory", "Redis bytes per work order, open and closed");
  flags.String("redis", "HOTLINE_REDIS", "an empty Redis of the benchmark's own", &address);
  flags.String("data_dir", "HOTLINE_DATA_DIR", "the demo city's data", &data_dir);
  flags.Int("orders", "HOTLINE_BENCH_ORDERS", "orders to create", &orders_n);
  flags.Int("closed", "HOTLINE_BENCH_CLOSED", "of them, taken through a whole life", &closed_n);
  flags.Int("threads", "HOTLINE_BENCH_THREADS", "orders worked at once", &threads_n);
  std::string postgres;
  flags.String("postgres", "HOTLINE_POSTGRES",
               "an empty PostgreSQL database: also move the closed orders to the archive tier",
               &postgres);
  flags.ParseOrExit(argc, argv);

  auto dir = directory::Directory::LoadDataDir(data_dir);
  (void)directory::AdoptCityFile(data_dir);  // the city's zone, prefix, centre (clock/city.h)
  auto catalogue = dir.ok() ? dispatch::Catalogue::Load(data_dir + "/dispatch_catalogue.textproto", *dir)
                            : absl::StatusOr<dispatch::Catalogue>(dir.status());
  auto parsed = redis::ParseAddress(address);
  if (!dir.ok() || !catalogue.ok() || !parsed.ok() || closed_n > orders_n) {
    std::fprintf(stderr, "hotline-order-memory: bad data dir, Redis address or counts\n");
    return 2;
  }
  redis::Client redis(redis::Options{.host = parsed->first, .port = parsed->second, .connections = 8});
  orders::RedisOrderStore store(redis);
  dispatch::Dispatcher dispatcher(store, *dir, *catalogue, SystemClock::Get());

  const long long empty = UsedMemory(redis);
  std::vector<std::string> ids(orders_n);
  std::atomic<int> next{0}, failed{0};
  auto in_parallel = [&](auto work) {
    next = 0;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads_n; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  };
  const std::string content(60, 'x');  // a typical complaint: ~60 characters
  in_parallel([&] {
    for (int i; (i = next++) < orders_n;) {
      orders::NewOrder n;
      v1::WorkOrder& o = n.order;
      o.set_version(1);
      o.set_type(v1::ORDER_TYPE_COMPLAINT);
      o.set_channel(v1::CHANNEL_PHONE);
      o.mutable_caller()->set_name("陈先生");
      o.mutable_caller()->set_phone("13812345678");
      o.mutable_location()->set_district_code("440106");
      o.mutable_location()->set_street_code("440106001");
      o.mutable_location()->set_address("天河区五山街道建设路12号附近");
      o.set_category_code("010101");
      o.set_content("夜间施工噪声扰民，晚上十一点以后仍在打桩，严重影响附近居民休息，请尽快处理。");
      o.set_state(v1::ORDER_STATE_CREATED);
      *o.mutable_created_at() = ToTimestamp(absl::Now());
      *o.mutable_updated_at() = o.created_at();
      *o.mutable_created_by() = Actor("agent-1", v1::ROLE_AGENT, dir->centre_code());
      n.first_entry.set_seq(1);
      *n.first_entry.mutable_at() = o.created_at();
      *n.first_entry.mutable_actor() = o.created_by();
      n.first_entry.set_action("create");
      n.first_entry.set_to_state(v1::ORDER_STATE_CREATED);
      n.idempotency_key = absl::StrCat("mem-", i);
      n.fingerprint = "f";
      auto r = Wait<orders::CreateResult>(
          [&](orders::Done<orders::CreateResult> d) { store.Create(std::move(n), std::move(d)); });
      if (r.ok()) ids[i] = r->order.id(); else ++failed;
    }
  });
  // Idempotency records expire after a day; they are not the order's.
  (void)redis.Execute({"EVAL",
                       "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end",
                       "0", "hotline:idem:*"});
  const long long with_open = UsedMemory(redis);

  const v1::Actor centre = Actor("dispatcher-1", v1::ROLE_DISPATCHER, dir->centre_code());
  const v1::Actor district = Actor("handler-tianhe", v1::ROLE_UNIT_HANDLER, "440106");
  const v1::Actor street = Actor("handler-wushan", v1::ROLE_UNIT_HANDLER, "440106001");
  struct Step {
    const v1::Actor* who;
    v1::Action action;
    const char* unit;
    const char* note;
  };
  const std::vector<Step> life = {
      {&centre, v1::ACTION_DISPATCH, "440106", ""},
      {&district, v1::ACTION_SIGN, "", ""},
      {&district, v1::ACTION_REQUEST_HAND_DOWN, "440106001", "属地管理，请五山街道处理"},
      {&centre, v1::ACTION_APPROVE_HAND_DOWN, "", ""},
      {&street, v1::ACTION_SIGN, "", ""},
      {&street, v1::ACTION_REPLY, "", "已安排工作人员到现场核查，已责令工地夜间停工，并将持续跟踪。"},
      {&centre, v1::ACTION_APPROVE_REPLY, "", ""},
      {&centre, v1::ACTION_CALLBACK, "", ""},
      {&centre, v1::ACTION_ARCHIVE, "", ""},
  };
  in_parallel([&] {
    for (int i; (i = next++) < closed_n;) {
      if (ids[i].empty()) continue;
      for (const Step& s : life) {
        v1::ActRequest r;
        r.set_order_id(ids[i]);
        r.set_action(s.action);
        r.set_unit_code(s.unit);
        r.set_note(s.note);
        if (s.action == v1::ACTION_CALLBACK) r.set_rating(v1::RATING_SATISFIED);
        auto a = Wait<v1::ActResponse>([&](orders::Done<v1::ActResponse> d) {
          dispatcher.Act(*s.who, r, std::move(d));
        });
        if (!a.ok()) {
          ++failed;
          std::fprintf(stderr, "%s %d: %s\n", ids[i].c_str(), s.action, a.status().ToString().c_str());
          break;
        }
      }
    }
  });
  const long long with_closed = UsedMemory(redis);
  const long long events = redis.Execute({"XLEN", "hotline:events"})->integer;
  (void)redis.Execute({"DEL", "hotline:events"});
  const long long without_events = UsedMemory(redis);

  const double stream_bytes = with_closed - without_events;
  // Open orders' share, measured before any was closed; closed orders add
  // what their history and changed fields take on top.
  const double per_open = (with_open - empty - stream_bytes * orders_n / events) / orders_n;
  const double per_closed =
      per_open + (without_events - (with_open - stream_bytes * orders_n / events)) /
                     static_cast<double>(closed_n);
  std::printf(
      "orders=%d closed=%d failed=%d used_memory: empty=%lld open=%lld closed=%lld "
      "without_stream=%lld\n",
      orders_n, closed_n, failed.load(), empty, with_open, with_closed, without_events);
  std::printf("redis_bytes_per_open_order=%.0f redis_bytes_per_closed_order=%.0f "
              "(10 history entries) redis_bytes_per_event=%.0f (events=%lld, trimmed once "
              "every consumer group has them)\n",
              per_open, per_closed, stream_bytes / events, events);
  if (!postgres.empty()) {
    archive::PgConnection pg(postgres);
    archive::MoveOptions move;
    move.min_age = absl::ZeroDuration();
    move.now = absl::Now() + absl::Hours(1);
    const absl::Time start = absl::Now();
    absl::StatusOr<archive::MoveResult> moved =
        archive::MoveDueOrders(redis, pg, store.keys(), move);
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    absl::StatusOr<archive::ArchiveSize> size =
        moved.ok() ? archive::MeasureArchive(pg) : absl::StatusOr<archive::ArchiveSize>(moved.status());
    if (!size.ok() || moved->moved == 0) {
      std::fprintf(stderr, "archive move failed: %s\n",
                   size.ok() ? "nothing moved" : size.status().ToString().c_str());
      return 1;
    }
    const long long after_move = UsedMemory(redis);
    const double freed = static_cast<double>(without_events - after_move) / moved->moved;
    std::printf(
        "archive: moved=%lld in %.1f s (%.0f orders/s) used_memory after=%lld "
        "redis_bytes_freed_per_archived_order=%.0f redis_bytes_left_per_archived_order=%.0f "
        "pg_bytes_per_archived_order=%.0f (table+toast+indexes %lld bytes, %lld orders, "
        "%lld history entries)\n",
        static_cast<long long>(moved->moved), seconds, moved->moved / seconds, after_move, freed,
        per_closed - freed, static_cast<double>(size->table_bytes) / size->orders,
        static_cast<long long>(size->table_bytes), static_cast<long long>(size->orders),
        static_cast<long long>(size->history_entries));
  }
  return failed == 0 ? 0 : 1;
}
