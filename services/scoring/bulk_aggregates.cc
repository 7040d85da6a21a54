#include "scoring/bulk_aggregates.h"

#include <algorithm>
#include <condition_variable>
#include <map>

#include "absl/strings/str_cat.h"
#include "redis/reply_status.h"

namespace hotline::scoring {
namespace {

// Fields (or members) per HSET / ZADD: a hash of a city year's addresses is
// written in parts, each a moderate command.
constexpr size_t kFieldsPerCommand = 512;

}  // namespace

std::string BucketKey(const ScoringKeys& keys, const Bucket& b) {
  switch (b.kind) {
    case BucketKind::kUnitDay: return keys.UnitDay(b.unit, b.day);
    case BucketKind::kCityDay: return keys.CityDay(b.list, b.day);
    case BucketKind::kLoad: return keys.Load();
    case BucketKind::kCityMonth: return keys.CityMonth(b.list, b.day);
  }
  return "";
}

absl::Status SendPipelined(redis::Client& redis, std::vector<redis::Command> commands, size_t wave) {
  wave = std::max<size_t>(wave, 1);
  for (size_t from = 0; from < commands.size(); from += wave) {
    const size_t to = std::min(commands.size(), from + wave);
    std::mutex mu;
    std::condition_variable cv;
    size_t left = to - from;
    absl::Status first;
    for (size_t i = from; i < to; ++i) {
      redis.Submit(std::move(commands[i]), [&](absl::StatusOr<redis::Reply> reply) {
        absl::Status s = reply.ok() ? (reply->is_error() ? redis::ErrorReplyToStatus(reply->str)
                                                         : absl::OkStatus())
                                    : reply.status();
        std::lock_guard<std::mutex> lock(mu);
        if (first.ok()) first = std::move(s);
        if (--left == 0) cv.notify_all();
      });
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return left == 0; });
    if (!first.ok()) return first;
  }
  return absl::OkStatus();
}

absl::Status BulkAggregates::Add(std::vector<v1::OrderFacts> facts) {
  std::vector<redis::Command> writes;
  writes.reserve(facts.size() + 64);
  // Summed by bucket first: the orders of a call share most buckets, so each
  // bucket's key is made once a call, not once an order.
  std::map<Bucket, Counts> sums;
  std::map<std::string, redis::Command> unit_orders;  // unit -> its ZADD
  const v1::OrderFacts none;  // nothing stored before: every Fact.above from the directory
  for (v1::OrderFacts& f : facts) {
    RecordUnitsAbove(none, directory_, &f);
    Contribution c = ContributionOf(f, directory_, zone_);
    for (auto& [bucket, counts] : c.counts) {
      auto [at, added] = sums.try_emplace(bucket);
      if (added) {
        at->second = std::move(counts);
        continue;
      }
      for (const auto& [field, n] : counts) at->second[field] += n;
    }
    for (const auto& [unit, member] : c.unit_days) {
      redis::Command& zadd = unit_orders[unit];
      if (zadd.empty()) zadd = {"ZADD", keys_.UnitOrders(unit)};
      zadd.push_back(member.substr(0, 8));  // scored by its day, as put_facts.lua's "a"
      zadd.push_back(member);
    }
    writes.push_back({"HSET", keys_.Facts(f.order_id()), "version", absl::StrCat(f.version()), "facts",
                      f.SerializeAsString()});
  }
  for (auto& [unit, zadd] : unit_orders) writes.push_back(std::move(zadd));
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [bucket, counts] : sums) {
      Sums& into = sums_[BucketKey(keys_, bucket)];
      into.sorted_set = bucket.kind == BucketKind::kCityMonth;
      for (const auto& [field, n] : counts) into.counts[field] += n;
    }
  }
  return SendPipelined(redis_, std::move(writes));
}

absl::Status BulkAggregates::Finish() {
  absl::flat_hash_map<std::string, Sums> sums;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sums.swap(sums_);
  }
  std::vector<redis::Command> writes;
  for (const auto& [key, s] : sums) {
    redis::Command command;
    auto flush = [&] {
      if (command.size() > 2) writes.push_back(std::move(command));
      command = {s.sorted_set ? "ZADD" : "HSET", key};
    };
    flush();
    for (const auto& [field, n] : s.counts) {
      if (n == 0) continue;  // put_facts.lua deletes a field back at 0
      if (s.sorted_set) {
        command.insert(command.end(), {absl::StrCat(n), field});
      } else {
        command.insert(command.end(), {field, absl::StrCat(n)});
      }
      if (command.size() >= 2 + 2 * kFieldsPerCommand) flush();
    }
    flush();
  }
  return SendPipelined(redis_, std::move(writes));
}

int64_t BulkAggregates::fields() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t n = 0;
  for (const auto& [key, s] : sums_) n += static_cast<int64_t>(s.counts.size());
  return n;
}

}  // namespace hotline::scoring
