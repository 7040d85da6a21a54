#include "admin/rebuild.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "redis/reply_status.h"
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

absl::StatusOr<Result> RebuildScoring(redis::Client& redis, const orders::OrderKeys& keys,
                                      scoring::RedisFactStore& store, const Options& options) {
  const absl::Time start = absl::Now();
  Result result;
  absl::Status walked = ForEachOrderPage(
      redis, keys, options.batch,
      [&](const std::vector<std::string>& ids) {
        std::vector<absl::Status> statuses(ids.size());
        std::vector<char> written(ids.size(), 0);
        // One slice [from, to): its loads pipelined, then its puts.
        auto slice = [&](size_t from, size_t to) {
          const std::vector<std::string> part(ids.begin() + from, ids.begin() + to);
          std::vector<absl::StatusOr<v1::WorkOrder>> orders = store.LoadWholeMany(part);
          std::vector<v1::OrderFacts> facts;
          std::vector<size_t> place;  // facts[j] is of ids[place[j]]
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
            facts.push_back(std::move(*f));
            place.push_back(from + i);
          }
          std::vector<absl::StatusOr<bool>> put = store.PutMany(facts);
          for (size_t j = 0; j < put.size(); ++j) {
            statuses[place[j]] = put[j].status();
            written[place[j]] = put[j].ok() && *put[j];
          }
        };
        const size_t slices = std::clamp<size_t>(options.slices, 1, ids.size());
        std::vector<std::thread> threads;
        for (size_t k = 0; k < slices; ++k) {
          threads.emplace_back(slice, ids.size() * k / slices, ids.size() * (k + 1) / slices);
        }
        for (std::thread& t : threads) t.join();
        for (size_t i = 0; i < ids.size(); ++i) Count(ids[i], statuses[i], written[i] != 0, result);
        result.elapsed = absl::Now() - start;
        if (options.progress) options.progress(result);
        return FirstUnavailable(statuses);
      },
      &result.total);
  result.elapsed = absl::Now() - start;
  if (!walked.ok()) return walked;
  return result;
}

}  // namespace hotline::rebuild
