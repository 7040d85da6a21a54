// hotline-rebuild-gen: the rebuild benchmark's orders (bench/run_rebuild_bench.sh).
// Writes --orders orders with their whole history into the Redis at --redis,
// as intake keeps them (record, history, idx:all; libs/orders/order_keys.h):
// tests/scoring's BusyMonth (random lives over the whole unit directory:
// dispatches, returns, late sign-offs, escalations, callbacks, redo ...),
// spread over the five months up to 2026-11. Pipelined; prints what it stored.
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "config/flags.h"
#include "directory/directory.h"
#include "orders/order_keys.h"
#include "orders/order_record.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "scoring/scoring_fixture.h"

namespace hotline {
namespace {

// Counts the replies of what was submitted; Wait() returns the first failure.
class Pending {
 public:
  redis::Callback Track() {
    std::lock_guard<std::mutex> lock(mu_);
    ++left_;
    return [this](absl::StatusOr<redis::Reply> r) {
      std::lock_guard<std::mutex> lock(mu_);
      if (error_.ok() && !r.ok()) error_ = r.status();
      if (error_.ok() && r->is_error()) error_ = absl::InternalError(r->str);
      if (--left_ == 0) cv_.notify_all();
    };
  }
  absl::Status Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return left_ == 0; });
    return error_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t left_ = 0;
  absl::Status error_;
};

int Main(int argc, char** argv) {
  redis::RedisFlags redis_flags;
  std::string data_dir = "data";
  int orders = 100000;
  config::Flags flags("hotline-rebuild-gen",
                      "writes orders with their history for the rebuild benchmark");
  redis::AddRedisFlags(flags, &redis_flags);
  flags.String("data_dir", "", "folder with units and categories", &data_dir);
  flags.Int("orders", "", "orders to write", &orders);
  flags.ParseOrExit(argc, argv);
  absl::StatusOr<redis::Options> options = redis::ToOptions(redis_flags);
  absl::StatusOr<directory::Directory> dir = directory::Directory::LoadDataDir(data_dir);
  if (!options.ok() || !dir.ok() || orders <= 0) {
    std::fprintf(stderr, "bad flags or data: %s %s\n", options.status().ToString().c_str(),
                 dir.status().ToString().c_str());
    return 2;
  }
  redis::Client redis(*options);
  const orders::OrderKeys keys;
  const absl::Time start = absl::Now();
  int64_t written = 0, entries = 0;
  constexpr int kMonths = 5;
  for (int m = 0; m < kMonths; ++m) {
    const int n = orders / kMonths + (m < orders % kMonths ? 1 : 0);
    const absl::CivilMonth month(2026, 7 + m);
    std::vector<v1::WorkOrder> batch = scoring::fixture::BusyMonth(*dir, month, n, 1000 + m);
    for (size_t i = 0; i < batch.size(); i += 2000) {
      Pending pending;
      for (size_t j = i; j < std::min(batch.size(), i + 2000); ++j) {
        const v1::WorkOrder& o = batch[j];
        redis::Command hset = {"HSET", keys.Order(o.id()), "id", o.id()};
        for (auto& [field, value] : orders::ToRecord(o)) {
          hset.push_back(field);
          hset.push_back(value);
        }
        redis.Submit(std::move(hset), pending.Track());
        redis::Command rpush = {"RPUSH", keys.History(o.id())};
        for (const v1::HistoryEntry& e : o.history())
          rpush.push_back(orders::HistoryEntryToJson(e));
        entries += o.history_size();
        redis.Submit(std::move(rpush), pending.Track());
        redis.Submit(
            {"ZADD", keys.IndexAll(), absl::StrCat(orders::ToMillis(o.created_at())), o.id()},
            pending.Track());
      }
      if (absl::Status s = pending.Wait(); !s.ok()) {
        std::fprintf(stderr, "redis: %s\n", s.ToString().c_str());
        return 1;
      }
    }
    written += static_cast<int64_t>(batch.size());
  }
  std::printf("stored %lld orders (%lld history entries, 2026-07..2026-11) in %.1f s\n",
              static_cast<long long>(written), static_cast<long long>(entries),
              absl::ToDoubleSeconds(absl::Now() - start));
  return 0;
}

}  // namespace
}  // namespace hotline

int main(int argc, char** argv) { return hotline::Main(argc, argv); }
