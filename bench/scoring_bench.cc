// hotline-scoring-bench: what scoring costs, in process against a real Redis.
//
// 1. The consumer: --orders orders in each of --months months ending with
//    2026-11 (tests/scoring's BusyMonth: random lives over the whole unit
//    directory) are written as the order store keeps them, with one event
//    per history entry; the scoring event handler then takes every event in
//    batches of 64, as the consumer group does. Prints events/s beside the
//    peak-hour event rate of a city of ten million contacts a year.
// 2. The queries: the month's (and with --months > 1 the year 2026's) top 10
//    matters, top 10 streets, top 10 departments, the district and street
//    rankings, one district's score and its explanation, and the wall
//    screen, --runs times each through the Assessor (the same code the gRPC
//    service runs, without the network). Prints p50 and p99 and the cost per
//    order of the month.
//
// With --city_contacts N (bench/run_scoring_city_bench.sh) it measures a
// city instead: the consumer as in 1 on --orders orders of a 12345 centre's
// mix (85 % consultations, fixture::CityMix), then a year of that city - N
// contacts, N/12 a month from 2025-12 to 2026-11 - whose facts are derived
// and stored by the consumer's own store call (RedisFactStore::Put: the facts
// and every aggregate in one script call) from --writers threads, without
// the orders themselves (ten million orders would not fit this machine's
// memory; scoring never reads an order again once its facts are stored).
// Prints the rate and Redis's memory, and leaves the year in Redis for the
// scoring service and the gateway that the script starts next.
//
// Runs against the Redis at --redis (bench/run_scoring_bench.sh starts one)
// and flushes it first.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "clock/clock.h"
#include "config/flags.h"
#include "orders/order_record.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "scoring/assessor.h"
#include "scoring/consumer.h"
#include "scoring/facts.h"
#include "scoring/redis_fact_store.h"
#include "scoring/scoring_fixture.h"

namespace hotline::scoring {
namespace {

void Must(const absl::StatusOr<redis::Reply>& r) {
  if (!r.ok() || r->is_error()) {
    std::fprintf(stderr, "redis: %s\n", r.ok() ? r->str.c_str() : r.status().ToString().c_str());
    std::exit(1);
  }
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

// Redis's used_memory, in bytes.
int64_t UsedMemory(redis::Client& redis) {
  absl::StatusOr<redis::Reply> info = redis.Execute({"INFO", "memory"});
  Must(info);
  for (absl::string_view line : absl::StrSplit(info->str, "\r\n")) {
    int64_t n = 0;
    if (absl::ConsumePrefix(&line, "used_memory:") && absl::SimpleAtoi(line, &n)) return n;
  }
  return 0;
}

// Writes `orders` as the order store keeps them (record and history), runs
// the scoring event handler over one event per history entry, in batches of
// 64 as the consumer group does, and prints events/s beside the peak-hour
// event rate of a city of ten million contacts a year making orders like these.
int MeasureConsumer(redis::Client& redis, const ScoringKeys& keys, RedisFactStore& store,
                    const std::vector<v1::WorkOrder>& orders) {
  std::vector<stream::Entry> events;
  for (const v1::WorkOrder& o : orders) {
    redis::Command hset = {"HSET", keys.orders().Order(o.id()), "id", o.id()};
    for (auto& [k, v] : orders::ToRecord(o)) {
      hset.push_back(k);
      hset.push_back(v);
    }
    Must(redis.Execute(hset));
    redis::Command rpush = {"RPUSH", keys.orders().History(o.id())};
    for (const v1::HistoryEntry& e : o.history()) {
      rpush.push_back(orders::HistoryEntryToJson(e));
      stream::Entry ev;
      ev.fields = {{"event", "order." + e.action()}, {"order_id", o.id()}};
      events.push_back(ev);
    }
    Must(redis.Execute(rpush));
  }
  // In the stream the events of many orders interleave (a batch seldom holds
  // two of one order); the handler reads the whole order each time, so the
  // order of events does not change the facts.
  std::shuffle(events.begin(), events.end(), std::mt19937(7));

  stream::BatchHandler handle = EventHandler(store, store);
  const absl::Time start = absl::Now();
  for (size_t i = 0; i < events.size(); i += 64) {
    std::vector<stream::Entry> batch(events.begin() + i, events.begin() + std::min(events.size(), i + 64));
    for (const absl::Status& s : handle(batch)) {
      if (!s.ok()) {
        std::fprintf(stderr, "handler: %s\n", s.ToString().c_str());
        return 1;
      }
    }
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  // Ten million contacts a year, ~27,400 a day; the busiest hour of a day
  // carries about 12 % of it (a call centre's usual morning peak), and an
  // order makes about events/order events in its life.
  const double per_order = static_cast<double>(events.size()) / orders.size();
  const double peak = 1e7 / 365 * 0.12 / 3600 * per_order;
  std::printf("consumer: %zu events (%.1f per order) in %.2f s = %.0f events/s; "
              "peak hour of a 10 M contacts/year city ~ %.1f events/s (x%.0f headroom)\n",
              events.size(), per_order, seconds, events.size() / seconds, peak, events.size() / seconds / peak);
  return 0;
}

// A year of a city of `contacts` contacts: 12 months up to 2026-11 of the
// city's mix, each order's facts stored by `writers` threads through the
// store's Put (what the consumer does after reading an order).
int StoreCityYear(redis::Client& redis, RedisFactStore& store, const directory::Directory& dir, int contacts,
                  int writers) {
  const fixture::Mix mix = fixture::CityMix(contacts);
  const int per_month = static_cast<int>(contacts / 12);
  std::printf("a year of %lld contacts: %d a month from 2025-12 to 2026-11, %d agents, %d writers ...\n",
              static_cast<long long>(contacts), per_month, mix.agents, writers);
  std::fflush(stdout);
  const int64_t memory_before = UsedMemory(redis);
  const absl::Time start = absl::Now();
  absl::Duration generating;
  int64_t stored = 0;
  for (absl::CivilMonth m(2025, 12); m <= absl::CivilMonth(2026, 11); ++m) {
    const absl::Time t = absl::Now();
    const std::vector<v1::WorkOrder> month =
        fixture::BusyMonth(dir, m, per_month, static_cast<uint32_t>(m.year() * 100 + m.month()), mix);
    generating += absl::Now() - t;
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&] {
        for (size_t i = next++; i < month.size() && !failed; i = next++) {
          absl::StatusOr<v1::OrderFacts> facts = DeriveFacts(month[i]);
          absl::StatusOr<bool> put = facts.ok() ? store.Put(*facts) : facts.status();
          if (!put.ok()) {
            std::fprintf(stderr, "order %s: %s\n", month[i].id().c_str(), put.status().ToString().c_str());
            failed = true;
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    if (failed) return 1;
    stored += static_cast<int64_t>(month.size());
    const double s = absl::ToDoubleSeconds(absl::Now() - start);
    std::printf("  %04d-%02d stored: %lld orders in %.0f s (%.0f orders/s, %.0f s of it generating)\n",
                static_cast<int>(m.year()), m.month(), static_cast<long long>(stored), s, stored / s,
                absl::ToDoubleSeconds(generating));
    std::fflush(stdout);
  }
  const int64_t memory = UsedMemory(redis) - memory_before;
  std::printf("city year stored: %lld orders' facts and aggregates, Redis +%.2f GB = %.0f bytes/order\n",
              static_cast<long long>(stored), memory / 1e9, static_cast<double>(memory) / stored);
  return 0;
}

int Run(int argc, char** argv) {
  redis::RedisFlags redis_flags;
  int orders = 20000;
  int months = 1;
  int runs = 30;
  int city_contacts = 0;
  int writers = 4;
  std::string data_dir = "data";
  config::Flags flags("hotline-scoring-bench", "the scoring consumer's throughput and the queries' latency");
  redis::AddRedisFlags(flags, &redis_flags);
  flags.Int("orders", "", "orders in each benchmark month (with --city_contacts: the consumer's sample)", &orders);
  flags.Int("months", "", "months of orders, ending with 2026-11 (1..11)", &months);
  flags.Int("runs", "", "runs of each query", &runs);
  flags.Int("city_contacts", "", "store a year of a city of this many contacts a year instead (0: no)",
              &city_contacts);
  flags.Int("writers", "", "with --city_contacts: threads storing facts", &writers);
  flags.String("data_dir", "", "folder with units, categories and scoring_rules", &data_dir);
  flags.ParseOrExit(argc, argv);
  absl::StatusOr<redis::Options> options = redis::ToOptions(redis_flags);
  if (!options.ok()) return 2;
  if (months < 1 || months > 11 || orders < 1 || city_contacts < 0 || writers < 1) {
    std::fprintf(stderr, "need --months 1..11 (months of 2026 up to November), --orders >= 1, "
                         "--city_contacts >= 0, --writers >= 1\n");
    return 2;
  }
  redis::Client redis(*options);
  Must(redis.Execute({"FLUSHALL"}));
  const directory::Directory dir = directory::Directory::LoadDataDir(data_dir).value();
  const RuleBook book = RuleBook::Load(data_dir + "/scoring_rules.textproto").value();
  const absl::TimeZone zone = fixture::Guangzhou();
  ScoringKeys keys;
  RedisFactStore store(redis, keys, zone, dir);

  if (city_contacts > 0) {
    std::printf("the consumer on %d orders of the city's mix ...\n", orders);
    const std::vector<v1::WorkOrder> sample =
        fixture::BusyMonth(dir, absl::CivilMonth(2026, 11), orders, 42, fixture::CityMix(city_contacts));
    if (int rc = MeasureConsumer(redis, keys, store, sample); rc != 0) return rc;
    Must(redis.Execute({"FLUSHALL"}));
    return StoreCityYear(redis, store, dir, city_contacts, writers);
  }

  std::printf("generating %d orders a month for %d month(s) up to 2026-11 ...\n", orders, months);
  std::vector<v1::WorkOrder> month;
  for (int m = 12 - months; m <= 11; ++m) {
    for (v1::WorkOrder& o : fixture::BusyMonth(dir, absl::CivilMonth(2026, m), orders, 42 + m)) {
      month.push_back(std::move(o));
    }
  }
  if (int rc = MeasureConsumer(redis, keys, store, month); rc != 0) return rc;

  FakeClock clock(absl::FromCivil(absl::CivilSecond(2026, 11, 30, 12, 0, 0), zone));
  Assessor assessor(book, dir, store, clock, zone);
  v1::Actor centre;
  centre.set_user_id("bench");
  centre.set_role(v1::ROLE_DISPATCHER);
  auto time_it = [&](const char* name, auto call) {
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
      const absl::Time t = absl::Now();
      call();
      ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t));
    }
    std::printf("%-28s p50 %8.1f ms  p99 %8.1f ms  (%.2f us per order of the month)\n", name, Percentile(ms, 0.5),
                Percentile(ms, 0.99), Percentile(ms, 0.5) * 1000 / orders);
  };
  v1::GetHotSpotsRequest matters;
  matters.set_kind(v1::HOT_KIND_MATTERS);
  v1::GetHotSpotsRequest streets;
  streets.set_kind(v1::HOT_KIND_LOCATIONS);
  v1::GetHotSpotsRequest departments;
  departments.set_kind(v1::HOT_KIND_DEPARTMENTS);
  v1::RankUnitsRequest rank;
  v1::RankUnitsRequest street_rank;
  street_rank.set_level(v1::UNIT_LEVEL_STREET);
  v1::GetUnitScoreRequest score;
  score.set_unit_code("440106");
  v1::ExplainScoreRequest explain;
  explain.set_unit_code("440106");
  time_it("top 10 matters (month)", [&] { (void)assessor.GetHotSpots(matters).value(); });
  time_it("top 10 streets (month)", [&] { (void)assessor.GetHotSpots(streets).value(); });
  time_it("top 10 departments (month)", [&] { (void)assessor.GetHotSpots(departments).value(); });
  time_it("district ranking (month)", [&] { (void)assessor.RankUnits(centre, rank).value(); });
  time_it("street ranking (month)", [&] { (void)assessor.RankUnits(centre, street_rank).value(); });
  time_it("district score (month)", [&] { (void)assessor.GetUnitScore(centre, score).value(); });
  time_it("district explanation (month)", [&] { (void)assessor.ExplainScore(centre, explain).value(); });
  time_it("wall screen", [&] { (void)assessor.GetScreen().value(); });
  if (months > 1) {
    v1::Period year;
    year.set_kind(v1::PERIOD_KIND_YEAR);
    for (auto* r : {&matters, &streets, &departments}) *r->mutable_period() = year;
    for (auto* r : {&rank, &street_rank}) *r->mutable_period() = year;
    *score.mutable_period() = year;
    time_it("top 10 matters (year)", [&] { (void)assessor.GetHotSpots(matters).value(); });
    time_it("top 10 streets (year)", [&] { (void)assessor.GetHotSpots(streets).value(); });
    time_it("top 10 departments (year)", [&] { (void)assessor.GetHotSpots(departments).value(); });
    time_it("district ranking (year)", [&] { (void)assessor.RankUnits(centre, rank).value(); });
    time_it("street ranking (year)", [&] { (void)assessor.RankUnits(centre, street_rank).value(); });
    time_it("district score (year)", [&] { (void)assessor.GetUnitScore(centre, score).value(); });
  }
  return 0;
}

}  // namespace
}  // namespace hotline::scoring

int main(int argc, char** argv) { return hotline::scoring::Run(argc, argv); }
