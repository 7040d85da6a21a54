#include "scoring/redis_fact_store.h"

#include <condition_variable>
#include <mutex>
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "orders/order_record.h"
#include "redis/reply_status.h"

namespace hotline::scoring {

namespace scripts {
extern const std::string_view kPutFacts;
extern const std::string_view kLoadOrder;
extern const std::string_view kGetFacts;
}  // namespace scripts

namespace {

const redis::Script& PutScript() {
  static const redis::Script script(scripts::kPutFacts);
  return script;
}
const redis::Script& GetFactsScript() {
  static const redis::Script script(scripts::kGetFacts);
  return script;
}
const redis::Script& LoadOrderScript() {
  static const redis::Script script(scripts::kLoadOrder);
  return script;
}

absl::Status ErrorOf(const absl::StatusOr<redis::Reply>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return redis::ErrorReplyToStatus(reply->str);
  return absl::OkStatus();
}

// Runs `commands` pipelined (all submitted, then all awaited): a period's
// thousands of reads cost a few round trips, not one each.
std::vector<absl::StatusOr<redis::Reply>> ExecuteAll(redis::Client& redis, std::vector<redis::Command> commands) {
  std::vector<absl::StatusOr<redis::Reply>> out(commands.size(), absl::UnknownError("no reply"));
  std::mutex mu;
  std::condition_variable cv;
  size_t left = commands.size();
  for (size_t i = 0; i < commands.size(); ++i) {
    redis.Submit(std::move(commands[i]), [&, i](absl::StatusOr<redis::Reply> reply) {
      std::lock_guard<std::mutex> lock(mu);
      out[i] = std::move(reply);
      if (--left == 0) cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return left == 0; });
  return out;
}

}  // namespace

std::vector<std::string> DaysOf(const v1::OrderFacts& facts, absl::TimeZone zone) {
  std::set<std::string> days;
  auto add = [&](int64_t ms) { days.insert(absl::FormatTime("%Y%m%d", absl::FromUnixMillis(ms), zone)); };
  add(facts.created_ms());
  for (const v1::Fact& f : facts.facts()) add(f.at_ms());
  return {days.begin(), days.end()};
}

absl::StatusOr<bool> RedisFactStore::Put(const v1::OrderFacts& facts) {
  std::vector<std::string> keys = {keys_.Facts(facts.order_id()), keys_.Open()};
  for (const std::string& day : DaysOf(facts, zone_)) keys.push_back(keys_.Day(day));
  absl::StatusOr<redis::Reply> reply =
      redis_.ExecuteScript(PutScript(), std::move(keys),
                           {facts.order_id(), absl::StrCat(facts.version()), facts.SerializeAsString(),
                            facts.open() ? "1" : "0"});
  if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
  return reply->integer == 1;
}

absl::StatusOr<std::vector<v1::OrderFacts>> RedisFactStore::LoadIds(const std::vector<std::string>& ids) {
  // Chunks of kChunk orders, one script call each, all in flight at once.
  constexpr size_t kChunk = 500;
  std::vector<std::vector<std::string>> chunks;
  for (size_t i = 0; i < ids.size(); i += kChunk) {
    std::vector<std::string> keys;
    for (size_t j = i; j < std::min(ids.size(), i + kChunk); ++j) keys.push_back(keys_.Facts(ids[j]));
    chunks.push_back(std::move(keys));
  }
  std::vector<absl::StatusOr<redis::Reply>> replies(chunks.size(), absl::UnknownError("no reply"));
  std::mutex mu;
  std::condition_variable cv;
  size_t left = chunks.size();
  for (size_t i = 0; i < chunks.size(); ++i) {
    redis_.SubmitScript(GetFactsScript(), std::move(chunks[i]), {}, [&, i](absl::StatusOr<redis::Reply> reply) {
      std::lock_guard<std::mutex> lock(mu);
      replies[i] = std::move(reply);
      if (--left == 0) cv.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return left == 0; });
  }
  std::vector<v1::OrderFacts> out;
  out.reserve(ids.size());
  for (absl::StatusOr<redis::Reply>& reply : replies) {
    if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
    for (const redis::Reply& e : reply->elements) {
      if (e.type != redis::Reply::Type::kString) continue;  // indexed a moment before its facts were written
      v1::OrderFacts f;
      if (!f.ParseFromString(e.str)) return absl::DataLossError("scoring: unreadable facts record");
      out.push_back(std::move(f));
    }
  }
  return out;
}

absl::StatusOr<std::vector<v1::OrderFacts>> RedisFactStore::Load(absl::Time start, absl::Time end) {
  std::vector<redis::Command> days;
  for (absl::CivilDay d = absl::ToCivilDay(start, zone_); absl::FromCivil(d, zone_) < end; ++d) {
    days.push_back({"SMEMBERS", keys_.Day(absl::FormatTime("%Y%m%d", absl::FromCivil(d, zone_), zone_))});
  }
  std::set<std::string> ids;
  for (absl::StatusOr<redis::Reply>& reply : ExecuteAll(redis_, std::move(days))) {
    if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
    for (const redis::Reply& e : reply->elements) ids.insert(e.str);
  }
  return LoadIds({ids.begin(), ids.end()});
}

absl::StatusOr<std::vector<v1::OrderFacts>> RedisFactStore::LoadOpen() {
  absl::StatusOr<redis::Reply> reply = redis_.Execute({"SMEMBERS", keys_.Open()});
  if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
  std::vector<std::string> ids;
  for (const redis::Reply& e : reply->elements) ids.push_back(e.str);
  return LoadIds(ids);
}

absl::StatusOr<v1::WorkOrder> RedisFactStore::LoadWhole(const std::string& id) {
  absl::StatusOr<redis::Reply> reply =
      redis_.ExecuteScript(LoadOrderScript(), {keys_.orders().Order(id), keys_.orders().History(id)}, {});
  if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
  if (reply->elements.size() != 2) return absl::InternalError("redis: unexpected load reply");
  std::vector<std::string> flat;
  for (const redis::Reply& e : reply->elements[0].elements) flat.push_back(e.str);
  if (flat.empty()) return absl::NotFoundError(absl::StrCat("order ", id, " not found"));
  absl::StatusOr<v1::WorkOrder> order = orders::FromRecord(flat);
  if (!order.ok()) return order.status();
  order->set_id(id);
  for (const redis::Reply& json : reply->elements[1].elements) {
    absl::StatusOr<v1::HistoryEntry> entry = orders::HistoryEntryFromJson(json.str);
    if (!entry.ok()) return entry.status();
    *order->add_history() = std::move(*entry);
  }
  order->set_history_total(order->history_size());
  return order;
}

}  // namespace hotline::scoring
