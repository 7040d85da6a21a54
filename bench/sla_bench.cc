// hotline-sla-bench: what the SLA monitor's due pass costs.
//
// 1. One due pass with 100 orders due, beside 10,000 and then 1,000,000 open
//    orders that are not due: the pass reads only what is due (a range of the
//    due set), so the two should cost about the same. Prints both medians and
//    their ratio.
// 2. The fire lag (from a mark's due moment to its write) under a steady
//    1,000 due per second, with the service's own due loop on the wall clock.
//    Prints p50, p99 and max; then the Redis commands per second the loop
//    sends while nothing is due (its idle cost).
//
// Runs against the Redis at --redis (bench/run_sla_bench.sh starts one) and
// flushes it first. Open orders that are not due are entries of the due set
// only: the pass never reads their records, and a million full records would
// not fit this machine's memory beside the rest.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "calendar/calendar_source.h"
#include "calendar/working_calendar.h"
#include "clock/clock.h"
#include "config/flags.h"
#include "directory/city.h"
#include "directory/directory.h"
#include "orders/order_record.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "sla/loops.h"
#include "sla/monitor.h"
#include "sla/redis_deadline_store.h"

namespace hotline::sla {
namespace {

redis::Reply Must(absl::StatusOr<redis::Reply> r) {
  if (!r.ok() || r->is_error()) {
    std::fprintf(stderr, "redis: %s\n", r.ok() ? r->str.c_str() : r.status().ToString().c_str());
    std::exit(1);
  }
  return *r;
}

// An urgent order created at `created`, written as intake would (record,
// first history entry), and filed in the due set as the monitor would.
void WriteOrder(redis::Client& redis, const SlaKeys& keys, const std::string& id, absl::Time created,
                absl::Time next_due) {
  v1::WorkOrder o;
  o.set_id(id);
  o.set_version(1);
  o.set_type(v1::ORDER_TYPE_HELP);
  o.set_urgent(true);
  o.set_category_code("0401");
  o.set_state(v1::ORDER_STATE_CREATED);
  *o.mutable_created_at() = orders::FromMillis(absl::ToUnixMillis(created));
  *o.mutable_updated_at() = o.created_at();
  v1::HistoryEntry e;
  e.set_seq(1);
  *e.mutable_at() = o.created_at();
  e.set_action("create");
  e.set_to_state(v1::ORDER_STATE_CREATED);
  const std::string key = keys.orders().Order(id);
  Must(redis.Execute({"DEL", key, keys.orders().History(id)}));
  redis::Command hset = {"HSET", key, "id", id};
  for (auto& [f, v] : orders::ToRecord(o)) {
    hset.push_back(f);
    hset.push_back(v);
  }
  Must(redis.Execute(std::move(hset)));
  Must(redis.Execute({"RPUSH", keys.orders().History(id), orders::HistoryEntryToJson(e)}));
  Must(redis.Execute({"ZADD", keys.Due(), absl::StrCat(absl::ToUnixMillis(next_due)), id}));
}

// Adds `n` open orders not due (due a year from `now`), 1,000 per command.
void FillNotDue(redis::Client& redis, const SlaKeys& keys, int from, int n, absl::Time now) {
  const int64_t later = absl::ToUnixMillis(now + absl::Hours(24 * 365));
  for (int i = from; i < from + n; i += 1000) {
    redis::Command zadd = {"ZADD", keys.Due()};
    for (int j = i; j < std::min(i + 1000, from + n); ++j) {
      zadd.push_back(absl::StrCat(later + j));
      zadd.push_back(absl::StrFormat("GZ20260901%06d", j % 1000000) + absl::StrCat("x", j / 1000000));
    }
    Must(redis.Execute(std::move(zadd)));
  }
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The server's count of commands run (scripts' own included).
int64_t CommandsProcessed(redis::Client& redis) {
  const std::string info = Must(redis.Execute({"INFO", "stats"})).str;
  const std::string kField = "total_commands_processed:";
  const size_t at = info.find(kField);
  int64_t n = 0;
  if (at == std::string::npos ||
      !absl::SimpleAtoi(info.substr(at + kField.size(), info.find('\r', at) - at - kField.size()), &n)) {
    std::fprintf(stderr, "INFO stats: no %s\n", kField.c_str());
    std::exit(1);
  }
  return n;
}

// One due pass that finds 100 orders due (each with five marks to fire):
// its wall time in ms.
double DuePassMillis(redis::Client& redis, const SlaKeys& keys, Monitor& monitor, absl::Time now) {
  for (int i = 0; i < 100; ++i) {
    WriteOrder(redis, keys, absl::StrFormat("GZ20261001%06d", i + 1), now - absl::Hours(3) - absl::Seconds(i),
               now - absl::Hours(2));
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<int> fired = monitor.DuePass(1000);
  const double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  if (!fired.ok() || *fired != 500) {
    std::fprintf(stderr, "unexpected pass: %s\n",
                 fired.ok() ? absl::StrCat(*fired).c_str() : fired.status().ToString().c_str());
    std::exit(1);
  }
  return ms;
}

}  // namespace
}  // namespace hotline::sla

int main(int argc, char** argv) {
  using namespace hotline;
  redis::RedisFlags redis_flags;
  std::string data_dir = "data";
  int rounds = 15, big = 1000000, small = 10000, rate = 1000, seconds = 10;
  absl::Duration pass_interval = absl::Milliseconds(100);
  config::Flags flags("hotline-sla-bench", "cost of the SLA monitor's due pass and its fire lag");
  redis::AddRedisFlags(flags, &redis_flags);
  flags.String("data_dir", "HOTLINE_DATA_DIR", "folder with sla_policies.textproto and calendar/", &data_dir);
  flags.Int("rounds", "", "due passes measured per size", &rounds);
  flags.Int("small", "", "open orders in the small run", &small);
  flags.Int("big", "", "open orders in the big run", &big);
  flags.Int("rate", "", "marks due per second in the lag run", &rate);
  flags.Int("seconds", "", "length of the lag run", &seconds);
  flags.Duration("pass_interval", "", "the due loop's interval (the service's default)", &pass_interval);
  flags.ParseOrExit(argc, argv);

  absl::StatusOr<redis::Options> options = redis::ToOptions(redis_flags);
  if (!options.ok()) return 2;
  redis::Client redis(*options);
  sla::SlaKeys keys;
  sla::RedisDeadlineStore store(redis, keys);
  absl::StatusOr<calendar::WorkingCalendar> cal = calendar::WorkingCalendar::LoadDir(data_dir + "/calendar");
  absl::StatusOr<sla::Policies> policies = sla::Policies::Load(data_dir + "/sla_policies.textproto");
  absl::StatusOr<directory::Directory> dir = directory::Directory::LoadDataDir(data_dir);
  (void)directory::AdoptCityFile(data_dir);  // the city's zone, prefix, centre (clock/city.h)
  if (!cal.ok() || !policies.ok() || !dir.ok()) {
    std::fprintf(stderr, "cannot load data from %s\n", data_dir.c_str());
    return 1;
  }
  sla::Must(redis.Execute({"FLUSHALL"}));

  // 1. Cost of a due pass against the size of what is open. Two cities side
  // by side (key prefixes), the small and the big one, measured in turns so
  // that whatever else the machine does weighs on both alike.
  FakeClock clock(absl::FromCivil(absl::CivilHour(2026, 10, 1, 12), CityTimeZone()));
  sla::SlaKeys small_keys("bench-small:"), big_keys("bench-big:");
  sla::RedisDeadlineStore small_store(redis, small_keys), big_store(redis, big_keys);
  calendar::FixedCalendarSource calendar_source(*cal);
  sla::Monitor small_monitor(small_store, *policies, calendar_source, clock, *dir),
      big_monitor(big_store, *policies, calendar_source, clock, *dir);
  sla::FillNotDue(redis, small_keys, 0, small, clock.Now());
  sla::FillNotDue(redis, big_keys, 0, big, clock.Now());
  std::vector<double> small_ms, big_ms;
  for (int r = 0; r < rounds; ++r) {
    small_ms.push_back(sla::DuePassMillis(redis, small_keys, small_monitor, clock.Now()));
    big_ms.push_back(sla::DuePassMillis(redis, big_keys, big_monitor, clock.Now()));
  }
  const long long big_open = sla::Must(redis.Execute({"ZCARD", big_keys.Due()})).integer;
  const long long small_open = sla::Must(redis.Execute({"ZCARD", small_keys.Due()})).integer;
  const double small_median = sla::Median(small_ms), big_median = sla::Median(big_ms);
  std::printf("due pass, 100 due (500 marks), %lld open: median %.2f ms over %d passes\n", small_open - 100,
              small_median, rounds);
  std::printf("due pass, 100 due (500 marks), %lld open: median %.2f ms over %d passes\n", big_open - 100,
              big_median, rounds);
  std::printf("ratio big/small: %.3f (target <= 1.2)\n", big_median / small_median);

  // 2. Fire lag under a steady stream of due marks, on the wall clock.
  sla::Must(redis.Execute({"FLUSHALL"}));
  // Loading takes a few seconds (more on a busy machine); the stream starts after.
  const absl::Time t0 = absl::Now() + absl::Seconds(20);
  const int total = rate * seconds;
  for (int i = 0; i < total; ++i) {
    // Created an hour before its 50% warning falls due: one mark each, due
    // evenly `rate` per second from t0.
    const absl::Time due = t0 + absl::Seconds(1) * i / rate;
    sla::WriteOrder(redis, keys, absl::StrFormat("GZ20261002%06d", i + 1), due - absl::Hours(1), due);
  }
  if (absl::Now() > t0) {
    std::fprintf(stderr, "loading %d orders took longer than 20 s; lower --rate or --seconds\n", total);
    return 1;
  }
  sla::Monitor live(store, *policies, calendar_source, SystemClock::Get(), *dir);
  std::mutex mu;
  std::vector<double> lag_ms;
  live.OnFire([&](const sla::Mark&, absl::Duration lag) {
    std::lock_guard<std::mutex> lock(mu);
    lag_ms.push_back(absl::ToDoubleMilliseconds(lag));
  });
  prometheus::Registry registry;
  sla::SlaMetrics metrics(registry);
  sla::DueLoop loop(live, store, metrics, pass_interval, 200);
  loop.Start();
  // The last 4 s nothing is due: what the loop costs when idle.
  absl::SleepFor(t0 + absl::Seconds(seconds + 1) - absl::Now());
  const int64_t idle_from = sla::CommandsProcessed(redis);
  absl::SleepFor(absl::Seconds(4));
  const int64_t idle_commands = sla::CommandsProcessed(redis) - idle_from - 1;  // less the INFO itself
  loop.Stop();
  std::sort(lag_ms.begin(), lag_ms.end());
  if (lag_ms.empty()) return 1;
  auto pct = [&](double p) { return lag_ms[std::min(lag_ms.size() - 1, static_cast<size_t>(p * lag_ms.size()))]; };
  std::printf("fire lag, %d due/s for %d s (loop interval %s): %zu fired of %d; p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              rate, seconds, absl::FormatDuration(pass_interval).c_str(), lag_ms.size(), total, pct(0.5), pct(0.99),
              lag_ms.back());
  std::printf("idle (nothing due) for 4 s: %.1f Redis commands/s from the due loop\n", idle_commands / 4.0);
  return lag_ms.size() == static_cast<size_t>(total) ? 0 : 1;
}
