#include "sla/redis_deadline_store.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "orders/order_codec.h"
#include "orders/script_args.h"
#include "orders/trail.h"
#include "orders/order_record.h"
#include "redis/reply_status.h"

namespace hotline::sla {

namespace scripts {
extern const std::string_view kSettle;
extern const std::string_view kRequeueForCalendar;
}  // namespace scripts

namespace {

const redis::Script& SettleScript() {
  static const redis::Script script(orders::WithOrderCodec(scripts::kSettle));
  return script;
}

const redis::Script& RequeueScript() {
  static const redis::Script script(scripts::kRequeueForCalendar);
  return script;
}

absl::Status ErrorOf(const absl::StatusOr<redis::Reply>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return redis::ErrorReplyToStatus(reply->str);
  return absl::OkStatus();
}

std::string Ms(const std::optional<absl::Time>& t) {
  return t ? absl::StrCat(absl::ToUnixMillis(*t)) : "";
}

}  // namespace

absl::StatusOr<LoadedOrder> RedisDeadlineStore::Load(const std::string& id) {
  // The due score and the calendar version are read in the same snapshot.
  absl::StatusOr<orders::StoredOrder> stored = orders::ReadOrder(
      redis_, keys_.orders(), id, orders::kWholeHistory, {keys_.Due(), keys_.CalendarApplied()});
  if (!stored.ok()) return stored.status();
  if (stored->along.size() != 2) return absl::InternalError("redis: unexpected load reply");
  LoadedOrder out;
  out.order = std::move(stored->order);
  auto value = [&](const char* name) -> std::string {
    auto it = stored->fields.find(name);
    return it == stored->fields.end() ? "" : it->second;
  };
  (void)absl::SimpleAtoi(value(field::kRev), &out.sla.rev);
  out.sla.status = value(field::kStatus);
  out.sla.level = value(field::kLevel);
  out.sla.unit = value(field::kUnit);
  out.sla.district = value(field::kDistrict);
  out.sla.sign_due_ms = value(field::kSignDue);
  out.sla.close_due_ms = value(field::kCloseDue);
  out.sla.close_original_ms = value(field::kCloseOriginal);
  out.sla.provisional = value(field::kProvisional) == "1";
  out.sla.no_deadline = value(field::kNoDeadline) == "1";
  out.sla.next_due_ms = stored->along[0];  // not filed: ""
  (void)absl::SimpleAtoi(stored->along[1], &out.calendar_acted_on);
  return out;
}

absl::StatusOr<std::vector<std::string>> RedisDeadlineStore::Due(absl::Time now, int limit) {
  absl::StatusOr<redis::Reply> reply =
      redis_.Execute({"ZRANGEBYSCORE", keys_.Due(), "-inf", absl::StrCat(absl::ToUnixMillis(now)),
                      "LIMIT", "0", absl::StrCat(limit)});
  if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
  std::vector<std::string> ids;
  for (const redis::Reply& e : reply->elements) ids.push_back(e.str);
  return ids;
}

absl::StatusOr<std::optional<absl::Time>> RedisDeadlineStore::NextDue() {
  absl::StatusOr<redis::Reply> reply = redis_.Execute({"ZRANGE", keys_.Due(), "0", "0", "WITHSCORES"});
  if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
  if (reply->elements.size() < 2) return std::optional<absl::Time>();
  int64_t ms = 0;
  if (!absl::SimpleAtoi(reply->elements[1].str, &ms)) {
    return absl::DataLossError(absl::StrCat("due set: bad score \"", reply->elements[1].str, "\""));
  }
  return std::optional<absl::Time>(absl::FromUnixMillis(ms));
}

absl::Status RedisDeadlineStore::Settle(const Settlement& s) {
  const std::string& id = s.order_id;
  const SlaFields& prev = s.previous;
  const Summary& next = s.summary;
  auto status_key = [&](const std::string& status, const std::string& level) {
    return status.empty() ? std::string() : keys_.Status(status, level);
  };
  std::vector<std::string> keys = {
      keys_.orders().Order(id),
      keys_.orders().History(id),
      keys_.orders().Events(),
      keys_.Due(),
      prev.unit.empty() ? "" : keys_.Unit(prev.unit),
      next.unit.empty() ? "" : keys_.Unit(next.unit),
      status_key(prev.status, prev.level),
      status_key(next.status, next.level),
      prev.district.empty() || prev.status.empty() ? "" : keys_.District(prev.district, prev.status),
      next.district.empty() || next.status.empty() ? "" : keys_.District(next.district, next.status),
      keys_.Districts(),
      keys_.Provisional(),
      keys_.NoDeadline(),
  };
  std::vector<orders::ScriptArgs> steps;
  for (const Settlement::Step& step : s.steps) {
    steps.emplace_back();
    steps.back()
        .Set("entry", orders::HistoryEntryToJson(step.entry))
        .Set("event", step.event)
        .Set("counter", step.counter)
        .Set("mark", step.mark)
        .Set("due_ms", Ms(step.due));
  }
  orders::ScriptArgs args;
  args.Set("order_id", id)
      .Set("expected_version", absl::StrCat(s.expected_version))
      .Set("expected_rev", absl::StrCat(s.expected_rev))
      .Set("now_ms", absl::StrCat(absl::ToUnixMillis(s.now)))
      .Set("next_due_ms", Ms(s.next_due))
      .Set("sign_due_ms", Ms(next.sign_due))
      .Set("close_due_ms", Ms(next.close_due))
      .Set("close_original_ms", Ms(next.close_original))
      .Set("status", next.status)
      .Set("level", next.level)
      .Set("unit", next.unit)
      .Set("district", next.status.empty() ? "" : next.district)
      .Set("provisional", next.provisional ? "1" : "")
      .Set("no_deadline", next.no_deadline ? "1" : "")
      .SetTables("steps", steps);
  absl::StatusOr<redis::Reply> reply = redis_.ExecuteScript(SettleScript(), std::move(keys), {args.Encode()});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) {
    // Redis 7 puts "ERR " before an error without a code of its own.
    if (reply->str == "NOT_FOUND" || reply->str == "ERR NOT_FOUND") return absl::NotFoundError(absl::StrCat("order ", id, " not found"));
    if (absl::StartsWith(reply->str, "CONFLICT")) {
      return absl::AbortedError(absl::StrCat("order ", id, " moved on (", reply->str, ")"));
    }
    return ErrorOf(reply);
  }
  return absl::OkStatus();
}

absl::Status RedisDeadlineStore::Reschedule(const std::string& id, std::optional<absl::Time> due) {
  redis::Command c = due ? redis::Command{"ZADD", keys_.Due(), "XX", Ms(due), id}
                         : redis::Command{"ZREM", keys_.Due(), id};
  return ErrorOf(redis_.Execute(std::move(c)));
}

absl::StatusOr<std::vector<std::string>> RedisDeadlineStore::ListUnit(const UnitListQuery& q) {
  const std::string from = q.due_from ? absl::StrCat("(", absl::ToUnixMillis(*q.due_from)) : "-inf";
  absl::StatusOr<redis::Reply> reply = redis_.Execute(
      {"ZRANGEBYSCORE", keys_.Unit(q.unit_code), from, absl::StrCat(absl::ToUnixMillis(q.due_until)),
       "LIMIT", absl::StrCat(q.offset), absl::StrCat(q.page_size)});
  if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
  std::vector<std::string> ids;
  for (const redis::Reply& e : reply->elements) ids.push_back(e.str);
  return ids;
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> RedisDeadlineStore::CountByStatus() {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const char* status : kStatuses) {
    for (const char* level : kLevels) {
      absl::StatusOr<redis::Reply> reply = redis_.Execute({"SCARD", keys_.Status(status, level)});
      if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
      out.emplace_back(absl::StrCat(status, ":", level), reply->integer);
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> RedisDeadlineStore::CountByDistrict() {
  absl::StatusOr<redis::Reply> districts = redis_.Execute({"SMEMBERS", keys_.Districts()});
  if (absl::Status s = ErrorOf(districts); !s.ok()) return s;
  std::vector<std::pair<std::string, int64_t>> out;
  for (const redis::Reply& d : districts->elements) {
    for (const char* status : kStatuses) {
      absl::StatusOr<redis::Reply> reply = redis_.Execute({"SCARD", keys_.District(d.str, status)});
      if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
      out.emplace_back(absl::StrCat(d.str, ":", status), reply->integer);
    }
  }
  return out;
}

absl::StatusOr<DeadlineStore::Gaps> RedisDeadlineStore::CountGaps() {
  Gaps out;
  for (auto [key, count] : {std::pair{keys_.Provisional(), &out.provisional},
                            std::pair{keys_.NoDeadline(), &out.no_deadline}}) {
    absl::StatusOr<redis::Reply> reply = redis_.Execute({"SCARD", key});
    if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
    *count = reply->integer;
  }
  return out;
}

absl::StatusOr<int64_t> RedisDeadlineStore::RequeueForCalendar(int64_t version, absl::Time now) {
  std::vector<std::string> sets = {keys_.NoDeadline()};
  if (version > 0) {
    absl::StatusOr<redis::Reply> claimed =
        redis_.ExecuteScript(RequeueScript(), {keys_.CalendarApplied()}, {absl::StrCat(version)});
    if (absl::Status s = ErrorOf(claimed); !s.ok()) return s;
    if (claimed->integer == 0) return -1;  // another replica acts on this version
    sets.push_back(keys_.Provisional());
  }
  // In batches: in December the provisional set holds every complaint of the
  // last weeks (10^5 and more at a city's volume). An order seen twice by
  // SSCAN is only made due twice; LT never makes one later than filed.
  const std::string now_ms = absl::StrCat(absl::ToUnixMillis(now));
  int64_t queued = 0;
  for (const std::string& set : sets) {
    std::string cursor = "0";
    do {
      absl::StatusOr<redis::Reply> page = redis_.Execute({"SSCAN", set, cursor, "COUNT", "1000"});
      if (absl::Status s = ErrorOf(page); !s.ok()) return s;
      if (page->elements.size() != 2) return absl::InternalError("redis: unexpected SSCAN reply");
      cursor = page->elements[0].str;
      redis::Command zadd = {"ZADD", keys_.Due(), "LT"};
      for (const redis::Reply& id : page->elements[1].elements) {
        zadd.push_back(now_ms);
        zadd.push_back(id.str);
      }
      if (zadd.size() > 3) {
        if (absl::Status s = ErrorOf(redis_.Execute(std::move(zadd))); !s.ok()) return s;
        queued += static_cast<int64_t>(page->elements[1].elements.size());
      }
    } while (cursor != "0");
  }
  return queued;
}

absl::Status RedisDeadlineStore::PublishPolicies(const std::string& version, const std::string& serialized) {
  return ErrorOf(redis_.Execute({"HSETNX", keys_.Policies(), version, serialized}));
}

absl::StatusOr<std::string> RedisDeadlineStore::LoadPolicies(const std::string& version) {
  absl::StatusOr<redis::Reply> reply = redis_.Execute({"HGET", keys_.Policies(), version});
  if (absl::Status s = ErrorOf(reply); !s.ok()) return s;
  if (reply->type != redis::Reply::Type::kString) {
    return absl::NotFoundError(absl::StrCat("SLA policies version ", version, " was never published"));
  }
  return reply->str;
}

}  // namespace hotline::sla
