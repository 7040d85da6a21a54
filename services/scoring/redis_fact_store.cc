#include "scoring/redis_fact_store.h"

#include <condition_variable>
#include <mutex>
#include <algorithm>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "orders/order_codec.h"
#include "orders/order_record.h"
#include "redis/reply_status.h"
#include "scoring/bulk_aggregates.h"

namespace hotline::scoring {

namespace scripts {
extern const std::string_view kPutFacts;
extern const std::string_view kGetFacts;
extern const std::string_view kSumHashes;
extern const std::string_view kTopOfMonth;
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
const redis::Script& SumHashesScript() {
  static const redis::Script script(scripts::kSumHashes);
  return script;
}
const redis::Script& TopOfMonthScript() {
  static const redis::Script script(scripts::kTopOfMonth);
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

// Runs `script` once per key list (with the same index's arguments, if
// any), all calls in flight at once.
std::vector<absl::StatusOr<redis::Reply>> RunScripts(redis::Client& redis, const redis::Script& script,
                                                     std::vector<std::vector<std::string>> key_lists,
                                                     std::vector<std::vector<std::string>> arg_lists = {}) {
  std::vector<absl::StatusOr<redis::Reply>> out(key_lists.size(), absl::UnknownError("no reply"));
  std::mutex mu;
  std::condition_variable cv;
  size_t left = key_lists.size();
  for (size_t i = 0; i < key_lists.size(); ++i) {
    std::vector<std::string> args = i < arg_lists.size() ? std::move(arg_lists[i]) : std::vector<std::string>();
    redis.SubmitScript(script, std::move(key_lists[i]), std::move(args), [&, i](absl::StatusOr<redis::Reply> reply) {
      std::lock_guard<std::mutex> lock(mu);
      out[i] = std::move(reply);
      if (--left == 0) cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return left == 0; });
  return out;
}

// A flat field, value, field, value ... reply as counts.
absl::StatusOr<Counts> CountsOf(const redis::Reply& reply) {
  Counts out;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    int64_t n = 0;
    if (!absl::SimpleAtoi(reply.elements[i + 1].str, &n)) {
      return absl::DataLossError(absl::StrCat("scoring: aggregate ", reply.elements[i].str, " is not a count"));
    }
    out[reply.elements[i].str] += n;
  }
  return out;
}

}  // namespace

std::string RedisFactStore::KeyOf(const Bucket& b) const { return BucketKey(keys_, b); }

absl::StatusOr<std::optional<RedisFactStore::PutCall>> RedisFactStore::PreparePut(
    const v1::OrderFacts& derived, const absl::StatusOr<redis::Reply>& read) {
  if (absl::Status s = ErrorOf(read); !s.ok()) return s;
  if (read->elements.size() != 2) return absl::InternalError("redis: unexpected HMGET reply");
  int64_t stored = 0;
  v1::OrderFacts before;
  if (read->elements[0].type == redis::Reply::Type::kString) {
    if (!absl::SimpleAtoi(read->elements[0].str, &stored) || !before.ParseFromString(read->elements[1].str)) {
      return absl::DataLossError(absl::StrCat("scoring: unreadable facts of order ", derived.order_id()));
    }
  }
  if (stored >= derived.version()) return std::optional<PutCall>();

  // The aggregates move by (new contribution - old contribution); each fact
  // counts under the units above it as first stored (a street moved to
  // another district leaves its past facts where they counted).
  const std::shared_ptr<const directory::Directory> directory = directory_.Current();
  v1::OrderFacts facts = derived;
  RecordUnitsAbove(before, *directory, &facts);
  const Contribution now = ContributionOf(facts, *directory, zone_);
  const Contribution old = stored == 0 ? Contribution{} : ContributionOf(before, *directory, zone_);
  std::map<Bucket, Counts> delta = now.counts;
  for (const auto& [bucket, counts] : old.counts) {
    for (const auto& [field, n] : counts) delta[bucket][field] -= n;
  }
  PutCall call;
  std::vector<std::string>& keys = call.keys;
  std::vector<std::string>& args = call.args;
  keys = {keys_.Facts(facts.order_id())};
  args = {absl::StrCat(facts.version()), facts.SerializeAsString(), absl::StrCat(stored)};
  std::map<std::string, size_t> index;  // key -> its 1-based place in KEYS
  auto key_index = [&](const std::string& key) {
    auto [it, added] = index.emplace(key, keys.size() + 1);
    if (added) keys.push_back(key);
    return absl::StrCat(it->second);
  };
  for (const auto& [bucket, counts] : delta) {
    const char* op = bucket.kind == BucketKind::kCityMonth ? "z" : "h";  // sorted set or hash
    for (const auto& [field, n] : counts) {
      if (n != 0) args.insert(args.end(), {op, key_index(KeyOf(bucket)), field, absl::StrCat(n)});
    }
  }
  for (const auto& [unit, member] : old.unit_days) {
    if (!now.unit_days.contains({unit, member})) {
      args.insert(args.end(), {"r", key_index(keys_.UnitOrders(unit)), member, "-"});
    }
  }
  for (const auto& [unit, member] : now.unit_days) {
    if (!old.unit_days.contains({unit, member})) {
      args.insert(args.end(), {"a", key_index(keys_.UnitOrders(unit)), member, member.substr(0, 8)});
    }
  }
  if (rules_ != nullptr) {
    const std::string month = absl::FormatTime("%Y%m", clock_->Now(), zone_);
    args.insert(args.end(), {"s", key_index(keys_.MonthRules()), month, rules_->Current()->current().version()});
  }
  return std::optional<PutCall>(std::move(call));
}

absl::StatusOr<int64_t> RedisFactStore::TryPut(const v1::OrderFacts& facts) {
  absl::StatusOr<std::optional<PutCall>> call = PreparePut(
      facts, redis_.Execute({"HMGET", keys_.Facts(facts.order_id()), "version", "facts"}));
  if (!call.ok()) return call.status();
  if (!call->has_value()) return 0;
  absl::StatusOr<redis::Reply> reply =
      redis_.ExecuteScript(PutScript(), std::move((*call)->keys), std::move((*call)->args));
  if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
  return reply->integer;
}

std::vector<absl::StatusOr<bool>> RedisFactStore::PutMany(
    const std::vector<v1::OrderFacts>& facts) {
  std::vector<absl::StatusOr<bool>> out(facts.size(), false);
  std::vector<redis::Command> reads;
  reads.reserve(facts.size());
  for (const v1::OrderFacts& f : facts)
    reads.push_back({"HMGET", keys_.Facts(f.order_id()), "version", "facts"});
  std::vector<absl::StatusOr<redis::Reply>> stored = ExecuteAll(redis_, std::move(reads));
  // The writes of the batch, all in flight at once.
  std::vector<size_t> writing;
  std::vector<PutCall> calls;
  for (size_t i = 0; i < facts.size(); ++i) {
    absl::StatusOr<std::optional<PutCall>> call = PreparePut(facts[i], stored[i]);
    if (!call.ok()) {
      out[i] = call.status();
    } else if (call->has_value()) {
      writing.push_back(i);
      calls.push_back(std::move(**call));
    }
  }
  std::vector<absl::StatusOr<redis::Reply>> replies(calls.size(), absl::UnknownError("no reply"));
  {
    std::mutex mu;
    std::condition_variable cv;
    size_t left = calls.size();
    for (size_t j = 0; j < calls.size(); ++j) {
      redis_.SubmitScript(PutScript(), std::move(calls[j].keys), std::move(calls[j].args),
                          [&, j](absl::StatusOr<redis::Reply> reply) {
                            std::lock_guard<std::mutex> lock(mu);
                            replies[j] = std::move(reply);
                            if (--left == 0) cv.notify_all();
                          });
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return left == 0; });
  }
  for (size_t j = 0; j < writing.size(); ++j) {
    const size_t i = writing[j];
    if (absl::Status s = ErrorOf(replies[j]); !s.ok()) {
      out[i] = s;
    } else if (replies[j]->integer >= 0) {
      out[i] = replies[j]->integer == 1;
    } else {
      out[i] = Put(facts[i]);  // another writer came between our read and write: alone, as Put does
    }
  }
  return out;
}

absl::StatusOr<bool> RedisFactStore::Put(const v1::OrderFacts& facts) {
  // Another writer may store the same order between our read and our
  // write (two consumers, one reclaiming); then we read again.
  for (int attempt = 0; attempt < 8; ++attempt) {
    absl::StatusOr<int64_t> r = TryPut(facts);
    if (!r.ok()) return r.status();
    if (*r >= 0) return *r == 1;
  }
  return absl::AbortedError(absl::StrCat("scoring: order ", facts.order_id(), " kept changing while stored"));
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
  std::vector<absl::StatusOr<redis::Reply>> replies = RunScripts(redis_, GetFactsScript(), std::move(chunks));
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

std::vector<std::string> RedisFactStore::DaysIn(absl::Time start, absl::Time end) const {
  std::vector<std::string> out;
  for (absl::CivilDay d = absl::ToCivilDay(start, zone_); absl::FromCivil(d, zone_) < end; ++d) {
    out.push_back(CityDay(absl::FromCivil(d, zone_), zone_));
  }
  return out;
}

absl::StatusOr<std::vector<Counts>> RedisFactStore::SumUnitDays(const std::vector<std::string>& units,
                                                                absl::Time start, absl::Time end) {
  const std::vector<std::string> days = BucketDaysCovering(start, end, zone_);
  std::vector<std::vector<std::string>> key_lists;
  for (const std::string& unit : units) {
    std::vector<std::string>& keys = key_lists.emplace_back();
    for (const std::string& day : days) keys.push_back(keys_.UnitDay(unit, day));
  }
  std::vector<Counts> out;
  for (absl::StatusOr<redis::Reply>& reply : RunScripts(redis_, SumHashesScript(), std::move(key_lists))) {
    if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
    absl::StatusOr<Counts> counts = CountsOf(*reply);
    if (!counts.ok()) return counts.status();
    out.push_back(std::move(*counts));
  }
  return out;
}

absl::StatusOr<Counts> RedisFactStore::SumCityDays(const std::string& list, absl::Time start, absl::Time end) {
  std::vector<std::string> keys;
  for (const std::string& day : BucketDaysCovering(start, end, zone_)) keys.push_back(keys_.CityDay(list, day));
  absl::StatusOr<redis::Reply> reply = redis_.ExecuteScript(SumHashesScript(), std::move(keys), {});
  if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
  return CountsOf(*reply);
}

absl::StatusOr<std::vector<Counts>> RedisFactStore::CityDays(const std::string& list, absl::Time start,
                                                             absl::Time end) {
  std::vector<redis::Command> reads;
  for (const std::string& day : DaysIn(start, end)) reads.push_back({"HGETALL", keys_.CityDay(list, day)});
  std::vector<Counts> out;
  for (absl::StatusOr<redis::Reply>& reply : ExecuteAll(redis_, std::move(reads))) {
    if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
    absl::StatusOr<Counts> counts = CountsOf(*reply);
    if (!counts.ok()) return counts.status();
    out.push_back(std::move(*counts));
  }
  return out;
}

absl::StatusOr<Counts> RedisFactStore::OpenLoad() {
  absl::StatusOr<redis::Reply> reply = redis_.Execute({"HGETALL", keys_.Load()});
  if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
  return CountsOf(*reply);
}

absl::StatusOr<std::string> RedisFactStore::MonthRules(const std::string& month, const std::string& current,
                                                      bool closed) {
  if (!closed) {
    absl::StatusOr<redis::Reply> set = redis_.Execute({"HSET", keys_.MonthRules(), month, current});
    if (absl::Status s = ErrorOf(set); !s.ok()) return s;
    return current;
  }
  // HSETNX then HGET: replicas reading a closed month for the first time at
  // once agree on whichever wrote first.
  absl::StatusOr<redis::Reply> pin = redis_.Execute({"HSETNX", keys_.MonthRules(), month, current});
  if (absl::Status s = ErrorOf(pin); !s.ok()) return s;
  absl::StatusOr<redis::Reply> got = redis_.Execute({"HGET", keys_.MonthRules(), month});
  if (absl::Status s = ErrorOf(got); !s.ok()) return s;
  return got->is_nil() ? current : got->str;
}

absl::StatusOr<Counts> RedisFactStore::TopOfMonth(const std::string& list, const std::string& month,
                                                  int n, int64_t min_count) {
  absl::StatusOr<redis::Reply> reply =
      redis_.ExecuteScript(TopOfMonthScript(), {keys_.CityMonth(list, month)},
                           {absl::StrCat(n), absl::StrCat(min_count)});
  if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
  return CountsOf(*reply);
}

absl::StatusOr<std::vector<v1::OrderFacts>> RedisFactStore::LoadUnit(const std::string& unit, absl::Time start,
                                                                     absl::Time end) {
  absl::StatusOr<redis::Reply> reply =
      redis_.Execute({"ZRANGEBYSCORE", keys_.UnitOrders(unit), CityDay(start, zone_),
                      absl::StrCat("(", CityDay(end, zone_))});
  if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
  std::set<std::string> ids;
  for (const redis::Reply& e : reply->elements) ids.insert(e.str.substr(e.str.find(':') + 1));
  return LoadIds({ids.begin(), ids.end()});
}

absl::StatusOr<v1::WorkOrder> RedisFactStore::LoadWhole(const std::string& id) {
  absl::StatusOr<orders::StoredOrder> stored = orders::ReadOrder(redis_, keys_.orders(), id, orders::kWholeHistory);
  if (!stored.ok()) return stored.status();
  return std::move(stored->order);
}

std::vector<absl::StatusOr<v1::WorkOrder>> RedisFactStore::LoadWholeMany(
    const std::vector<std::string>& ids) {
  std::vector<std::vector<std::string>> key_lists, arg_lists;
  key_lists.reserve(ids.size());
  arg_lists.reserve(ids.size());
  for (const std::string& id : ids) {
    orders::OrderRead call = orders::ReadOrderCall(keys_.orders(), id, orders::kWholeHistory);
    key_lists.push_back(std::move(call.keys));
    arg_lists.push_back(std::move(call.args));
  }
  std::vector<absl::StatusOr<redis::Reply>> replies =
      RunScripts(redis_, orders::ReadOrderScript(), std::move(key_lists), std::move(arg_lists));
  std::vector<absl::StatusOr<v1::WorkOrder>> out;
  out.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    absl::StatusOr<orders::StoredOrder> stored = orders::DecodeOrder(ids[i], replies[i]);
    if (!stored.ok()) {
      out.push_back(stored.status());
    } else {
      out.push_back(std::move(stored->order));
    }
  }
  return out;
}

}  // namespace hotline::scoring
