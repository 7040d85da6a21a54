#include "admin/rebuild.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "redis/reply_status.h"
#include "scoring/bulk_aggregates.h"
#include "scoring/facts.h"

namespace hotline::rebuild {
namespace {

constexpr size_t kNamedFailures = 20;

absl::StatusOr<redis::Reply> Checked(absl::StatusOr<redis::Reply> reply) {
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return redis::ErrorReplyToStatus(reply->str);
  return reply;
}

// Counts one order's outcome. UNAVAILABLE (Redis down) is the caller's to
// stop on; NOT_FOUND is an order indexed but gone.
void Count(const std::string& id, const absl::Status& status, bool written, Result& r) {
  ++r.scanned;
  if (status.ok()) {
    if (written) ++r.written;
  } else if (absl::IsNotFound(status)) {
    ++r.missing;
  } else {
    ++r.failed;
    if (r.failed_ids.size() < kNamedFailures)
      r.failed_ids.push_back(absl::StrCat(id, ": ", status.ToString()));
  }
}

// The first Redis outage among `statuses`, else OK.
absl::Status FirstUnavailable(const std::vector<absl::Status>& statuses) {
  for (const absl::Status& s : statuses) {
    if (absl::IsUnavailable(s)) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ForEachOrderPage(
    redis::Client& redis, const orders::OrderKeys& keys, int page,
    const std::function<absl::Status(const std::vector<std::string>&)>& visit, int64_t* total) {
  if (page <= 0) return absl::InvalidArgumentError("batch: must be positive");
  const std::string index = keys.IndexAll();
  absl::StatusOr<redis::Reply> card = Checked(redis.Execute({"ZCARD", index}));
  if (!card.ok()) return card.status();
  if (total != nullptr) *total = card->integer;
  // The last order when we start: later ones come with events the consumers
  // handle. idx:all is scored by creation time (ms); ties are ordered by id,
  // so (score, how many of that score were seen) is a cursor that neither
  // skips nor repeats while orders are added.
  absl::StatusOr<redis::Reply> last =
      Checked(redis.Execute({"ZRANGE", index, "-1", "-1", "WITHSCORES"}));
  if (!last.ok()) return last.status();
  if (last->elements.size() < 2) return absl::OkStatus();
  const std::string end = last->elements[1].str;
  std::string from = "-inf";
  int64_t seen_at_from = 0;
  for (;;) {
    absl::StatusOr<redis::Reply> got =
        Checked(redis.Execute({"ZRANGE", index, from, end, "BYSCORE", "LIMIT",
                               absl::StrCat(seen_at_from), absl::StrCat(page), "WITHSCORES"}));
    if (!got.ok()) return got.status();
    if (got->elements.size() < 2) return absl::OkStatus();
    std::vector<std::string> ids;
    ids.reserve(got->elements.size() / 2);
    for (size_t i = 0; i + 1 < got->elements.size(); i += 2) {
      ids.push_back(got->elements[i].str);
      const std::string& score = got->elements[i + 1].str;
      if (score == from) {
        ++seen_at_from;
      } else {
        from = score;
        seen_at_from = 1;
      }
    }
    if (absl::Status s = visit(ids); !s.ok()) return s;
  }
}

absl::StatusOr<Result> RebuildSla(redis::Client& redis, const orders::OrderKeys& keys,
                                  sla::Monitor& monitor, const Options& options) {
  if (options.parallel <= 0) return absl::InvalidArgumentError("parallel: must be positive");
  const absl::Time start = absl::Now();
  Result result;
  absl::Status walked = ForEachOrderPage(
      redis, keys, options.batch,
      [&](const std::vector<std::string>& ids) {
        std::vector<absl::Status> statuses(ids.size());
        std::atomic<size_t> next{0};
        // Settle blocks on its store calls: `parallel` orders in flight.
        std::vector<std::thread> workers;
        const int n = std::min<int>(options.parallel, static_cast<int>(ids.size()));
        for (int w = 0; w < n; ++w) {
          workers.emplace_back([&] {
            for (size_t i = next++; i < ids.size(); i = next++)
              statuses[i] = monitor.Settle(ids[i]).status();
          });
        }
        for (std::thread& t : workers) t.join();
        for (size_t i = 0; i < ids.size(); ++i)
          Count(ids[i], statuses[i], statuses[i].ok(), result);
        result.elapsed = absl::Now() - start;
        if (options.progress) options.progress(result);
        return FirstUnavailable(statuses);
      },
      &result.total);
  result.elapsed = absl::Now() - start;
  if (!walked.ok()) return walked;
  return result;
}

namespace {

// The derived facts of the orders of ids[from, to), loaded pipelined
// (LoadWholeMany); an order that cannot be loaded or derived gets its
// status in `statuses` and is left out. place[j]: facts[j] is of ids[place[j]].
struct Derived {
  std::vector<v1::OrderFacts> facts;
  std::vector<size_t> place;
};
Derived LoadAndDerive(scoring::RedisFactStore& store, const std::vector<std::string>& ids, size_t from,
                      size_t to, std::vector<absl::Status>& statuses) {
  const std::vector<std::string> part(ids.begin() + from, ids.begin() + to);
  std::vector<absl::StatusOr<v1::WorkOrder>> orders = store.LoadWholeMany(part);
  Derived out;
  for (size_t i = 0; i < part.size(); ++i) {
    if (!orders[i].ok()) {
      statuses[from + i] = orders[i].status();
      continue;
    }
    absl::StatusOr<v1::OrderFacts> f = scoring::DeriveFacts(*orders[i]);
    if (!f.ok()) {
      statuses[from + i] = f.status();
      continue;
    }
    out.facts.push_back(std::move(*f));
    out.place.push_back(from + i);
  }
  return out;
}

// Walks idx:all as scoring's rebuilds do: each page cut in `options.slices`
// slices run at once by `slice(ids, from, to, statuses, written)`, then
// counted and reported. A slice's error (not an order's) stops the walk, as
// does Redis being down.
using Slice = std::function<absl::Status(const std::vector<std::string>& ids, size_t from, size_t to,
                                 std::vector<absl::Status>& statuses, std::vector<char>& written)>;
absl::Status WalkInSlices(redis::Client& redis, const orders::OrderKeys& keys, const Options& options,
                          absl::Time start, const Slice& slice, Result& result) {
  return ForEachOrderPage(
      redis, keys, options.batch,
      [&](const std::vector<std::string>& ids) {
        std::vector<absl::Status> statuses(ids.size());
        std::vector<char> written(ids.size(), 0);
        const size_t slices = std::clamp<size_t>(options.slices, 1, ids.size());
        std::vector<absl::Status> errors(slices);
        std::vector<std::thread> threads;
        for (size_t k = 0; k < slices; ++k) {
          threads.emplace_back([&, k] {
            errors[k] = slice(ids, ids.size() * k / slices, ids.size() * (k + 1) / slices, statuses, written);
          });
        }
        for (std::thread& t : threads) t.join();
        for (const absl::Status& e : errors) {
          if (!e.ok()) return e;
        }
        for (size_t i = 0; i < ids.size(); ++i) Count(ids[i], statuses[i], written[i] != 0, result);
        result.elapsed = absl::Now() - start;
        if (options.progress) options.progress(result);
        return FirstUnavailable(statuses);
      },
      &result.total);
}

// Calls `visit` with each SCAN page of scoring's keys but month_rules (not
// derived from the orders), the months moved to PostgreSQL and the bulk
// rebuild's mark.
absl::Status ForEachScoringKey(redis::Client& redis, const scoring::ScoringKeys& keys,
                               const std::function<absl::Status(std::vector<std::string>)>& visit) {
  std::string cursor = "0";
  do {
    absl::StatusOr<redis::Reply> page =
        Checked(redis.Execute({"SCAN", cursor, "MATCH", keys.Pattern(), "COUNT", "1000"}));
    if (!page.ok()) return page.status();
    if (page->elements.size() != 2) return absl::InternalError("redis: unexpected SCAN reply");
    cursor = page->elements[0].str;
    std::vector<std::string> found;
    for (const redis::Reply& k : page->elements[1].elements) {
      if (k.str != keys.MonthRules() && k.str != keys.Months() && k.str != keys.RebuildMark()) {
        found.push_back(k.str);
      }
    }
    if (!found.empty()) {
      if (absl::Status s = visit(std::move(found)); !s.ok()) return s;
    }
  } while (cursor != "0");
  return absl::OkStatus();
}

// The scoring service's consumer group (services/scoring/main.cc) and how
// recently one of its consumers must have read to count as running (they
// block 500 ms a read, libs/stream/consumer_group.h).
constexpr char kScoringGroup[] = "scoring";
constexpr int64_t kRunningIdleMs = 10000;

// FAILED_PRECONDITION when a consumer of scoring's group read the events
// lately: hotline-scoring is running, and its writes would be counted twice.
absl::Status ScoringStopped(redis::Client& redis, const orders::OrderKeys& keys) {
  absl::StatusOr<redis::Reply> consumers = redis.Execute({"XINFO", "CONSUMERS", keys.Events(), kScoringGroup});
  if (!consumers.ok()) return consumers.status();
  if (consumers->is_error()) return absl::OkStatus();  // no stream or no group: nobody consumes
  for (const redis::Reply& c : consumers->elements) {
    std::string name;
    int64_t idle = -1;
    for (size_t i = 0; i + 1 < c.elements.size(); i += 2) {
      if (c.elements[i].str == "name") name = c.elements[i + 1].str;
      if (c.elements[i].str == "idle") idle = c.elements[i + 1].integer;
    }
    if (idle >= 0 && idle < kRunningIdleMs) {
      return absl::FailedPreconditionError(absl::StrCat(
          "hotline-scoring is running (consumer ", name, " of group ", kScoringGroup, " read ", idle,
          " ms ago): stop it for a bulk rebuild"));
    }
  }
  return absl::OkStatus();
}

// Refuses a keyspace with scoring keys unless an interrupted bulk rebuild
// left them (its mark): then deletes them, counted in `cleared`. Then marks
// the rebuild. FAILED_PRECONDITION: not empty, or another bulk rebuild
// marked meanwhile.
absl::Status StartBulk(redis::Client& redis, const scoring::ScoringKeys& keys, int64_t& cleared) {
  // A moved month's aggregates are in PostgreSQL: summed again into Redis
  // they would be counted twice (put_facts.lua refuses such writes; --bulk
  // does not go through it).
  absl::StatusOr<redis::Reply> months = Checked(redis.Execute({"HLEN", keys.Months()}));
  if (!months.ok()) return months.status();
  if (months->integer > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        months->integer, " scoring month(s) moved or moving to PostgreSQL (", keys.Months(),
        "): --bulk would write them into Redis again; rebuild without --bulk"));
  }
  absl::StatusOr<redis::Reply> marked = Checked(redis.Execute({"EXISTS", keys.RebuildMark()}));
  if (!marked.ok()) return marked.status();
  if (marked->integer == 1) {
    return ForEachScoringKey(redis, keys, [&](std::vector<std::string> found) {
      cleared += static_cast<int64_t>(found.size());
      found.insert(found.begin(), "UNLINK");
      return Checked(redis.Execute(std::move(found))).status();
    });
  }
  absl::Status empty = ForEachScoringKey(redis, keys, [](std::vector<std::string> found) {
    return absl::FailedPreconditionError(absl::StrCat(
        "scoring's keyspace is not empty (", found.front(),
        "): --bulk writes only into an empty one; rebuild without --bulk, or delete scoring's keys "
        "(hotline-scoring stopped) first"));
  });
  if (!empty.ok()) return empty;
  absl::StatusOr<redis::Reply> set = Checked(
      redis.Execute({"SET", keys.RebuildMark(), absl::FormatTime(absl::Now()), "NX"}));
  if (!set.ok()) return set.status();
  if (set->is_nil()) return absl::FailedPreconditionError("another bulk rebuild of scoring started meanwhile");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Result> RebuildScoring(redis::Client& redis, const orders::OrderKeys& keys,
                                      scoring::RedisFactStore& store, const Options& options) {
  const absl::Time start = absl::Now();
  // Over a bulk rebuild's half-written keys Put would skip the orders whose
  // facts are there and leave their aggregates unwritten.
  const scoring::ScoringKeys scoring_keys(keys.prefix());
  absl::StatusOr<redis::Reply> marked = Checked(redis.Execute({"EXISTS", scoring_keys.RebuildMark()}));
  if (!marked.ok()) return marked.status();
  if (marked->integer == 1) {
    return absl::FailedPreconditionError(
        "a bulk rebuild of scoring is running or was interrupted (scoring:rebuild_bulk): run "
        "`rebuild scoring --bulk` again");
  }
  Result result;
  absl::Status walked = WalkInSlices(
      redis, keys, options, start,
      [&](const std::vector<std::string>& ids, size_t from, size_t to, std::vector<absl::Status>& statuses,
          std::vector<char>& written) {
        Derived d = LoadAndDerive(store, ids, from, to, statuses);
        std::vector<absl::StatusOr<bool>> put = store.PutMany(d.facts);
        for (size_t j = 0; j < put.size(); ++j) {
          statuses[d.place[j]] = put[j].status();
          written[d.place[j]] = put[j].ok() && *put[j];
        }
        return absl::OkStatus();
      },
      result);
  result.elapsed = absl::Now() - start;
  if (!walked.ok()) return walked;
  return result;
}

absl::StatusOr<Result> RebuildScoringBulk(redis::Client& redis, const scoring::ScoringKeys& keys,
                                          scoring::RedisFactStore& store,
                                          const directory::Directory& directory, absl::TimeZone zone,
                                          const Options& options) {
  const absl::Time start = absl::Now();
  Result result;
  if (absl::Status s = ScoringStopped(redis, keys.orders()); !s.ok()) return s;
  if (absl::Status s = StartBulk(redis, keys, result.cleared); !s.ok()) return s;
  scoring::BulkAggregates bulk(redis, keys, zone, directory);
  absl::Status walked = WalkInSlices(
      redis, keys.orders(), options, start,
      [&](const std::vector<std::string>& ids, size_t from, size_t to, std::vector<absl::Status>& statuses,
          std::vector<char>& written) {
        // Checked again each slice: a service started meanwhile stops the rebuild.
        if (absl::Status s = ScoringStopped(redis, keys.orders()); !s.ok()) return s;
        Derived d = LoadAndDerive(store, ids, from, to, statuses);
        // A failed write stops the rebuild (its sums would count facts
        // perhaps not written); the mark stays for the next run.
        if (absl::Status s = bulk.Add(std::move(d.facts)); !s.ok()) return s;
        for (size_t i : d.place) written[i] = 1;
        return absl::OkStatus();
      },
      result);
  // Once more before the sums are written: hotline-scoring started since the
  // last page would have its increments overwritten.
  if (walked.ok()) walked = ScoringStopped(redis, keys.orders());
  if (walked.ok()) walked = bulk.Finish();
  // Only a rebuild that wrote everything lifts the mark: an interrupted one
  // leaves it, and the next starts clean.
  if (walked.ok()) walked = Checked(redis.Execute({"DEL", keys.RebuildMark()})).status();
  result.elapsed = absl::Now() - start;
  if (!walked.ok()) return walked;
  return result;
}

}  // namespace hotline::rebuild
