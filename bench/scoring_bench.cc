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
// Runs against the Redis at --redis (bench/run_scoring_bench.sh starts one)
// and flushes it first.
#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clock/clock.h"
#include "config/flags.h"
#include "orders/order_record.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "scoring/assessor.h"
#include "scoring/consumer.h"
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

int Run(int argc, char** argv) {
  redis::RedisFlags redis_flags;
  int orders = 20000;
  int months = 1;
  int runs = 30;
  std::string data_dir = "data";
  config::Flags flags("hotline-scoring-bench", "the scoring consumer's throughput and the queries' latency");
  redis::AddRedisFlags(flags, &redis_flags);
  flags.Int("orders", "", "orders in each benchmark month", &orders);
  flags.Int("months", "", "months of orders, ending with 2026-11 (1..11)", &months);
  flags.Int("runs", "", "runs of each query", &runs);
  flags.String("data_dir", "", "folder with units, categories and scoring_rules", &data_dir);
  flags.ParseOrExit(argc, argv);
  absl::StatusOr<redis::Options> options = redis::ToOptions(redis_flags);
  if (!options.ok()) return 2;
  redis::Client redis(*options);
  Must(redis.Execute({"FLUSHALL"}));
  const directory::Directory dir = directory::Directory::LoadDataDir(data_dir).value();
  const RuleBook book = RuleBook::Load(data_dir + "/scoring_rules.textproto").value();
  const absl::TimeZone zone = fixture::Guangzhou();
  ScoringKeys keys;
  RedisFactStore store(redis, keys, zone, dir);

  if (months < 1 || months > 11) {
    std::fprintf(stderr, "--months: 1..11 (months of 2026 up to November)\n");
    return 2;
  }
  std::printf("generating %d orders a month for %d month(s) up to 2026-11 ...\n", orders, months);
  std::vector<v1::WorkOrder> month;
  for (int m = 12 - months; m <= 11; ++m) {
    for (v1::WorkOrder& o : fixture::BusyMonth(dir, absl::CivilMonth(2026, m), orders, 42 + m)) {
      month.push_back(std::move(o));
    }
  }
  std::vector<stream::Entry> events;
  for (const v1::WorkOrder& o : month) {
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
  const double per_order = static_cast<double>(events.size()) / month.size();
  const double peak = 1e7 / 365 * 0.12 / 3600 * per_order;
  std::printf("consumer: %zu events (%.1f per order) in %.2f s = %.0f events/s; "
              "peak hour of a 10 M contacts/year city ~ %.1f events/s (x%.0f headroom)\n",
              events.size(), per_order, seconds, events.size() / seconds, peak, events.size() / seconds / peak);

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
