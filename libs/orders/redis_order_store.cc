#include "orders/redis_order_store.h"

#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clock/clock.h"
#include "knowledge_points/knowledge_keys.h"
#include "log/log.h"
#include "orders/order_codec.h"
#include "orders/order_record.h"
#include "orders/script_args.h"
#include "redis/reply_status.h"

namespace hotline::orders {

// Lua sources, embedded at build time from scripts/*.lua.
namespace scripts {
extern const std::string_view kCreateOrder;
extern const std::string_view kReserveOrderId;
extern const std::string_view kListOrders;
extern const std::string_view kTransition;
extern const std::string_view kVerifyTrail;
extern const std::string_view kLegacyPhones;
extern const std::string_view kSealPhone;
extern const std::string_view kResealPhone;
}  // namespace scripts

namespace {

const redis::Script& CreateScript() {
  static const redis::Script script(WithOrderCodec(scripts::kCreateOrder));
  return script;
}
const redis::Script& ReserveIdScript() {
  static const redis::Script script(scripts::kReserveOrderId);
  return script;
}
const redis::Script& ListScript() {
  static const redis::Script script(scripts::kListOrders);
  return script;
}
const redis::Script& TransitionScript() {
  static const redis::Script script(WithOrderCodec(scripts::kTransition));
  return script;
}
const redis::Script& LegacyPhonesScript() {
  static const redis::Script script(scripts::kLegacyPhones);
  return script;
}
const redis::Script& SealPhoneScript() {
  static const redis::Script script(WithOrderCodec(scripts::kSealPhone));
  return script;
}
const redis::Script& ResealPhoneScript() {
  static const redis::Script script(WithOrderCodec(scripts::kResealPhone));
  return script;
}
const redis::Script& VerifyTrailScript() {
  static const redis::Script script(WithHistoryChain(scripts::kVerifyTrail));
  return script;
}

// A Redis error reply that is not a domain answer (libs/redis/reply_status.h).
absl::Status RedisErrorToStatus(const std::string& error) { return redis::ErrorReplyToStatus(error); }

absl::StatusOr<std::vector<std::string>> Strings(const redis::Reply& reply) {
  if (reply.type != redis::Reply::Type::kArray) {
    return absl::InternalError("redis: expected an array reply");
  }
  std::vector<std::string> out;
  out.reserve(reply.elements.size());
  for (const redis::Reply& e : reply.elements) out.push_back(e.str);
  return out;
}

// A history entry for several orders at once (duplicates), whose seq each
// order's own new version replaces in the script: the JSON gets the marker
// "__SEQ__" in place of the seq (0 is not printed in JSON).
std::string EntryWithSeqMarker(v1::HistoryEntry entry) {
  entry.clear_seq();
  std::string json = HistoryEntryToJson(entry);
  json.insert(1, json.size() > 2 ? "\"seq\":\"__SEQ__\"," : "\"seq\":\"__SEQ__\"");
  return json;
}

std::string EncodePageToken(const std::string& score, const std::string& member) {
  return absl::StrCat(score, ":", member);
}

// INVALID_ARGUMENT for anything a List call did not hand out.
absl::Status DecodePageToken(const std::string& token, std::string* score, std::string* member) {
  std::vector<std::string> parts = absl::StrSplit(token, absl::MaxSplits(':', 1));
  int64_t ms = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &ms) || parts[1].empty()) {
    return absl::InvalidArgumentError("page_token: not a token from a previous page");
  }
  *score = parts[0];
  *member = parts[1];
  return absl::OkStatus();
}

}  // namespace

RedisOrderStore::RedisOrderStore(redis::Client& redis, RedisOrderStoreOptions options)
    : redis_(redis), options_(std::move(options)), keys_(options_.key_prefix) {}

namespace {

// The domain answers of reserve_order_id.lua and create_order.lua; other
// error replies are Redis's.
absl::Status CreateRefusal(const std::string& error, const v1::WorkOrder& order) {
  if (absl::StartsWith(error, "IDEMPOTENCY_MISMATCH")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "idempotency_key: already used for a different request (order ",
        error.substr(error.find(' ') + 1), ")"));
  }
  if (absl::StartsWith(error, "KNOWLEDGE_NOT_PUBLISHED")) {
    const std::string status = error.substr(error.find(' ') + 1);
    return absl::InvalidArgumentError(absl::StrCat(
        "on_spot_answer.knowledge_code: ", order.on_spot_answer().knowledge_code(),
        status == "missing" ? " is not a knowledge point" : absl::StrCat(" is ", status, ", not published")));
  }
  if (absl::StartsWith(error, "NUMBERS_EXHAUSTED")) {
    return absl::ResourceExhaustedError("the day's order numbers (999,999) are used up; nothing was written");
  }
  if (absl::StartsWith(error, "ORDER_EXISTS")) {
    return absl::AbortedError(absl::StrCat("order number ", error.substr(error.find(' ') + 1),
                                           " was taken meanwhile; nothing was written, try again"));
  }
  return RedisErrorToStatus(error);
}

}  // namespace

// Two steps: the order's number is taken first (reserve_order_id.lua), so
// the caller's phone is sealed bound to it; then the whole order is written
// in one atomic step (create_order.lua). Every check that refuses a create
// runs in the first step too, so a refused create takes no number.
void RedisOrderStore::Create(NewOrder in, Done<CreateResult> done) {
  const v1::WorkOrder& o = in.order;
  // One city snapshot for the prefix and the day (`city load` may change it
  // meanwhile).
  const CityConstants& city = City();
  const std::string& prefix = options_.city_prefix.empty() ? city.order_prefix : options_.city_prefix;
  if (prefix.empty()) {
    return done(absl::FailedPreconditionError("no order prefix: the process has not adopted its city profile"));
  }
  const std::string day =
      absl::FormatTime("%Y%m%d", absl::FromUnixMillis(ToMillis(o.created_at())), city.time_zone);
  std::vector<std::string> keys;
  const std::string& cited = o.on_spot_answer().knowledge_code();
  if (!cited.empty()) keys.push_back(knowledge::KnowledgeKeys(keys_.prefix()).Point(cited));
  std::vector<std::string> reserve_args = {
      keys_.prefix(),
      absl::StrCat(prefix, day),
      keys_.Sequence(day),
      in.idempotency_key.empty() ? "" : keys_.CreateIdempotency(in.idempotency_key),
      in.fingerprint,
  };
  redis_.SubmitScript(
      ReserveIdScript(), keys, std::move(reserve_args),
      [this, keys, in = std::move(in), done = std::move(done)](absl::StatusOr<redis::Reply> reply) mutable {
        if (!reply.ok()) return done(reply.status());
        if (reply->is_error()) return done(CreateRefusal(reply->str, in.order));
        absl::StatusOr<std::vector<std::string>> result = Strings(*reply);
        if (!result.ok() || result->size() < 2) {
          return done(absl::InternalError("reserve script: unexpected reply"));
        }
        if ((*result)[0] == "replayed") return Replay((*result)[1], std::move(done));
        if (reply->elements.size() == 3 && reply->elements[2].integer > 0) {
          // Numbers were already taken: the counter had gone back (Redis
          // restored from an older backup?). Nothing was overwritten.
          log::Warning("order counter was behind; skipped numbers already in use",
                       {{"order_id", (*result)[1]}, {"skipped", absl::StrCat(reply->elements[2].integer)}});
        }
        WriteReserved((*result)[1], std::move(keys), std::move(in), std::move(done));
      });
}

void RedisOrderStore::Replay(const std::string& id, Done<CreateResult> done) {
  // Answer with the order as stored by the first request.
  Get(id, [done = std::move(done)](absl::StatusOr<v1::WorkOrder> stored) mutable {
    if (!stored.ok()) return done(stored.status());
    stored->clear_history();
    done(CreateResult{std::move(*stored), true});
  });
}

void RedisOrderStore::WriteReserved(const std::string& id, std::vector<std::string> keys, NewOrder in,
                                    Done<CreateResult> done) {
  const v1::WorkOrder& o = in.order;
  std::vector<std::string> indexes = {keys_.IndexAll(), keys_.IndexState(o.state()),
                                      keys_.IndexType(o.type()),
                                      keys_.IndexDistrict(o.location().district_code())};
  if (!o.assigned_unit_code().empty()) indexes.push_back(keys_.IndexUnit(o.assigned_unit_code()));
  if (!in.phone_hash.empty()) indexes.push_back(keys_.IndexPhone(in.phone_hash));
  std::vector<std::string> record;
  for (auto& [name, value] : ToRecord(o)) {
    record.push_back(name);
    record.push_back(std::move(value));
  }
  if (in.seal_phone) {
    absl::StatusOr<std::string> sealed = in.seal_phone(id);
    if (!sealed.ok()) return done(sealed.status());
    record.insert(record.end(), {field::kCallerPhoneSealed, *std::move(sealed), field::kCallerPhoneHash,
                                 in.phone_hash});
  }
  ScriptArgs args;
  args.Set("prefix", keys_.prefix())
      .Set("order_id", id)
      .Set("idempotency_key", in.idempotency_key.empty() ? "" : keys_.CreateIdempotency(in.idempotency_key))
      .Set("fingerprint", in.fingerprint)
      .Set("idempotency_ttl", absl::StrCat(absl::ToInt64Seconds(options_.idempotency_ttl)))
      .Set("events", keys_.Events())
      .Set("entry", HistoryEntryToJson(in.first_entry))
      .Set("created_ms", absl::StrCat(ToMillis(o.created_at())))
      .Set("state", absl::StrCat(o.state()))
      .Set("type", absl::StrCat(o.type()))
      .Set("district", o.location().district_code())
      .Set("channel", absl::StrCat(o.channel()))
      .Set("category", o.category_code())
      .Set("urgent", o.urgent() ? "1" : "0")
      .SetList("indexes", indexes)
      .SetList("record", record);
  // An on-spot answer must cite a published knowledge point: the script
  // checks it again in the same atomic step and counts the use.
  redis_.SubmitScript(
      CreateScript(), std::move(keys), {args.Encode()},
      [this, order = std::move(in.order), done = std::move(done)](absl::StatusOr<redis::Reply> reply) mutable {
        if (!reply.ok()) return done(reply.status());
        if (reply->is_error()) return done(CreateRefusal(reply->str, order));
        absl::StatusOr<std::vector<std::string>> result = Strings(*reply);
        if (!result.ok() || result->size() < 2) {
          return done(absl::InternalError("create script: unexpected reply"));
        }
        if ((*result)[0] == "created") {
          order.set_id((*result)[1]);
          return done(CreateResult{std::move(order), false});
        }
        Replay((*result)[1], std::move(done));
      });
}

void RedisOrderStore::GetPage(std::string id, HistoryWindow window, Done<v1::WorkOrder> done) {
  OrderRead call = ReadOrderCall(keys_, id, window);
  redis_.SubmitScript(
      ReadOrderScript(), std::move(call.keys), std::move(call.args),
      [id, done = std::move(done)](absl::StatusOr<redis::Reply> reply) mutable {
        absl::StatusOr<StoredOrder> stored = DecodeOrder(id, reply);
        if (!stored.ok()) return done(stored.status());
        done(std::move(stored->order));
      });
}

void RedisOrderStore::List(ListQuery q, Done<ListPage> done) {
  // Scan the most selective index; check the other filters on each record.
  std::string index;
  std::vector<std::string> filters;
  auto filter = [&](const char* field_name, const std::string& value, std::string key) {
    if (index.empty()) {
      index = std::move(key);
    } else {
      filters.push_back(field_name);
      filters.push_back(value);
    }
  };
  if (!q.phone_hash.empty()) {
    filter(field::kCallerPhoneHash, q.phone_hash, keys_.IndexPhone(q.phone_hash));
  }
  if (!q.unit_code.empty()) filter(field::kUnit, q.unit_code, keys_.IndexUnit(q.unit_code));
  if (!q.district_code.empty()) {
    filter(field::kDistrict, q.district_code, keys_.IndexDistrict(q.district_code));
  }
  if (q.state != v1::ORDER_STATE_UNSPECIFIED) {
    filter(field::kState, absl::StrCat(q.state), keys_.IndexState(q.state));
  }
  if (q.type != v1::ORDER_TYPE_UNSPECIFIED) {
    filter(field::kType, absl::StrCat(q.type), keys_.IndexType(q.type));
  }
  if (index.empty()) index = keys_.IndexAll();
  Scan(std::move(index), std::move(filters),
       q.created_from ? absl::StrCat(absl::ToUnixMillis(*q.created_from)) : "-inf",
       q.created_until ? absl::StrCat("(", absl::ToUnixMillis(*q.created_until)) : "+inf",
       q.page_size, q.page_token, q.oldest_first, std::move(done));
}

void RedisOrderStore::ListQueue(QueueQuery q, Done<ListPage> done) {
  Scan(keys_.Queue(q.unit_code, q.state), {}, "-inf", "+inf", q.page_size, q.page_token,
       q.oldest_first, std::move(done));
}

void RedisOrderStore::Scan(std::string index, std::vector<std::string> filters, std::string from,
                           std::string until, int page_size, const std::string& page_token,
                           bool oldest_first, Done<ListPage> done) {
  std::string cursor_score, cursor_member;
  if (!page_token.empty()) {
    if (absl::Status s = DecodePageToken(page_token, &cursor_score, &cursor_member); !s.ok()) {
      return done(s);
    }
  }
  std::vector<std::string> args = {
      keys_.prefix(), std::move(index), oldest_first ? "asc" : "desc", std::move(from),
      std::move(until), absl::StrCat(options_.list_scan_limit), absl::StrCat(page_size),
      cursor_score, cursor_member,
  };
  args.insert(args.end(), filters.begin(), filters.end());
  redis_.SubmitScript(
      ListScript(), {}, std::move(args),
      [done = std::move(done)](absl::StatusOr<redis::Reply> reply) mutable {
        if (!reply.ok()) return done(reply.status());
        if (reply->is_error()) return done(RedisErrorToStatus(reply->str));
        if (reply->type != redis::Reply::Type::kArray || reply->elements.size() < 2) {
          return done(absl::InternalError("list script: bad reply"));
        }
        ListPage page;
        const std::string& next_score = reply->elements[0].str;
        if (!next_score.empty()) {
          page.next_page_token = EncodePageToken(next_score, reply->elements[1].str);
        }
        for (size_t i = 2; i < reply->elements.size(); ++i) {
          absl::StatusOr<std::vector<std::string>> record = Strings(reply->elements[i]);
          if (!record.ok()) return done(record.status());
          absl::StatusOr<v1::WorkOrder> order = FromRecord(*record);
          if (!order.ok()) return done(order.status());
          page.orders.push_back(std::move(*order));
        }
        done(std::move(page));
      });
}

void RedisOrderStore::FindAction(std::string idempotency_key, std::string fingerprint,
                                 Done<std::optional<int64_t>> done) {
  redis_.Submit(
      {"GET", keys_.ActionIdempotency(idempotency_key)},
      [fingerprint = std::move(fingerprint),
       done = std::move(done)](absl::StatusOr<redis::Reply> reply) mutable {
        if (!reply.ok()) return done(reply.status());
        if (reply->is_error()) return done(RedisErrorToStatus(reply->str));
        if (reply->is_nil()) return done(std::optional<int64_t>());
        // "fingerprint|version", as the transition script writes it.
        std::vector<std::string> parts = absl::StrSplit(reply->str, absl::MaxSplits('|', 1));
        int64_t version = 0;
        if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &version)) {
          return done(absl::DataLossError("malformed idempotency record"));
        }
        if (parts[0] != fingerprint) {
          return done(absl::InvalidArgumentError(
              "idempotency_key: already used for a different request"));
        }
        done(std::optional<int64_t>(version));
      });
}

void RedisOrderStore::Apply(Change c, Done<ApplyResult> done) {
  // The duplicates' entry has no seq yet (0 is not printed in JSON): the
  // script puts each duplicate's own new version in place of the marker.
  std::string duplicate_entry = EntryWithSeqMarker(std::move(c.duplicate_entry));
  std::string relinked_entry = EntryWithSeqMarker(std::move(c.relinked_entry));
  ScriptArgs args;
  args.Set("prefix", keys_.prefix())
      .Set("order_id", c.order_id)
      .Set("expected_version", absl::StrCat(c.expected_version))
      .Set("idempotency_key", c.idempotency_key.empty() ? "" : keys_.ActionIdempotency(c.idempotency_key))
      .Set("fingerprint", c.fingerprint)
      .Set("idempotency_ttl", absl::StrCat(absl::ToInt64Seconds(options_.idempotency_ttl)))
      .Set("now_ms", absl::StrCat(absl::ToUnixMillis(c.at)))
      .Set("from_state", absl::StrCat(c.from_state))
      .Set("to_state", absl::StrCat(c.to_state))
      .Set("to_unit", c.to_unit)
      .Set("pending_unit", c.pending_unit)
      .Set("last_rating", absl::StrCat(c.last_rating))
      .Set("bounce", c.bounce ? "1" : "0")
      .Set("redo", c.redo ? "1" : "0")
      .Set("closes", c.closes ? "1" : "0")
      .Set("counter", c.supervision_field)
      .Set("master", c.master_order_id)
      .Set("dispatch_rule", c.dispatch_rule)
      .Set("entry", c.decided_on ? EntryWithSeqMarker(std::move(c.entry)) : HistoryEntryToJson(c.entry))
      .Set("event", c.event)
      .Set("events", keys_.Events())
      .Set("duplicate_entry", duplicate_entry)
      .Set("closed", absl::StrCat(v1::ORDER_STATE_CLOSED))
      .Set("archived", absl::StrCat(v1::ORDER_STATE_ARCHIVED))
      .Set("merged", absl::StrCat(v1::ORDER_STATE_MERGED))
      .Set("relinked_entry", relinked_entry)
      .Set("answer_entries", absl::StrCat(kAnswerHistoryEntries))
      .Set("handed_down_by", c.handed_down_by);
  if (c.decided_on) {
    args.Set("decided_on", "1")
        .Set("from_unit", c.decided_on->unit)
        .Set("from_pending", c.decided_on->pending_unit)
        .Set("from_rating", absl::StrCat(c.decided_on->last_rating))
        .Set("from_handed", c.decided_on->handed_down_by);
  }
  redis_.SubmitScript(
      TransitionScript(), {}, {args.Encode()},
      [id = c.order_id, done = std::move(done)](absl::StatusOr<redis::Reply> reply) mutable {
        if (!reply.ok()) return done(reply.status());
        if (reply->is_error()) {
          const std::string& e = reply->str;
          if (absl::StartsWith(e, "NOT_FOUND ")) return done(absl::NotFoundError(absl::StrCat("order ", id, " not found")));
          if (absl::StartsWith(e, "VERSION_CONFLICT")) {
            return done(absl::AbortedError(absl::StrCat(
                "order ", id, " changed meanwhile (now version ",
                e.substr(17, e.find(' ', 17) - 17), "); reload it and try again")));
          }
          if (absl::StartsWith(e, "IDEMPOTENCY_MISMATCH ")) {
            return done(absl::InvalidArgumentError(
                "idempotency_key: already used for a different request"));
          }
          if (absl::StartsWith(e, "MASTER_INVALID")) {
            return done(absl::InvalidArgumentError(absl::StrCat("master_order_id: ", e.substr(15))));
          }
          return done(RedisErrorToStatus(e));
        }
        if (reply->type != redis::Reply::Type::kArray || reply->elements.size() != 5) {
          return done(absl::InternalError("transition script: unexpected reply"));
        }
        absl::StatusOr<StoredOrder> stored = DecodeOrderParts(id, &reply->elements[2], 3);
        if (!stored.ok()) return done(stored.status());
        const std::string& outcome = reply->elements[0].str;
        done(ApplyResult{reply->elements[1].integer, outcome == "replayed", std::move(stored->order),
                         outcome == "moved"});
      });
}

void RedisOrderStore::LoadPhone(std::string id, Done<StoredPhone> done) {
  redis_.Submit({"HMGET", keys_.Order(id), field::kId, field::kCallerPhoneSealed,
                 field::kCallerPhoneLegacy},
                [id, done = std::move(done)](absl::StatusOr<redis::Reply> reply) mutable {
                  if (!reply.ok()) return done(reply.status());
                  if (reply->is_error()) return done(RedisErrorToStatus(reply->str));
                  if (reply->elements.size() != 3) {
                    return done(absl::InternalError("HMGET: unexpected reply"));
                  }
                  if (reply->elements[0].is_nil()) {
                    return done(absl::NotFoundError(absl::StrCat("order ", id, " not found")));
                  }
                  done(StoredPhone{reply->elements[1].str, reply->elements[2].str});
                });
}

void RedisOrderStore::LoadTrail(std::string id, absl::Time now, Done<StoredTrail> done) {
  redis_.SubmitScript(
      VerifyTrailScript(), {keys_.Order(id), keys_.History(id)},
      {id, absl::StrCat(absl::ToUnixMillis(now))},
      [id, done = std::move(done)](absl::StatusOr<redis::Reply> reply) mutable {
        if (!reply.ok()) return done(reply.status());
        if (reply->is_error()) {
          if (absl::StartsWith(reply->str, "NOT_FOUND ")) {
            return done(absl::NotFoundError(absl::StrCat("order ", id, " not found")));
          }
          return done(RedisErrorToStatus(reply->str));
        }
        if (reply->type != redis::Reply::Type::kArray || reply->elements.size() != 4) {
          return done(absl::InternalError("verify script: unexpected reply"));
        }
        StoredTrail trail;
        trail.order_id = id;
        for (const redis::Reply& e : reply->elements[0].elements) trail.entries.push_back(e.str);
        trail.head = reply->elements[1].str;
        trail.legacy = reply->elements[2].str;
        trail.chained_now = reply->elements[3].integer == 1;
        done(std::move(trail));
      });
}

void RedisOrderStore::ListOrderIds(int64_t offset, int count,
                                   Done<std::vector<std::string>> done) {
  redis_.Submit({"ZRANGE", keys_.IndexAll(), absl::StrCat(offset), absl::StrCat(offset + count - 1)},
                [done = std::move(done)](absl::StatusOr<redis::Reply> reply) mutable {
                  if (!reply.ok()) return done(reply.status());
                  if (reply->is_error()) return done(RedisErrorToStatus(reply->str));
                  done(Strings(*reply));
                });
}

void RedisOrderStore::CountOrders(Done<int64_t> done) {
  redis_.Submit({"ZCARD", keys_.IndexAll()}, [done = std::move(done)](absl::StatusOr<redis::Reply> reply) mutable {
    if (!reply.ok()) return done(reply.status());
    if (reply->is_error()) return done(RedisErrorToStatus(reply->str));
    done(reply->integer);
  });
}

absl::StatusOr<LegacyPhones> RedisOrderStore::FindLegacyPhones(int64_t offset, int count) {
  absl::StatusOr<redis::Reply> reply = redis_.ExecuteScript(
      LegacyPhonesScript(), {keys_.IndexAll()},
      {keys_.prefix(), absl::StrCat(offset), absl::StrCat(count)});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return RedisErrorToStatus(reply->str);
  if (reply->type != redis::Reply::Type::kArray || reply->elements.empty()) {
    return absl::InternalError("legacy phones script: unexpected reply");
  }
  LegacyPhones out;
  out.scanned = static_cast<int>(reply->elements[0].integer);
  auto pairs = [](const redis::Reply& list, std::vector<std::pair<std::string, std::string>>* to) {
    for (size_t i = 0; i + 1 < list.elements.size(); i += 2) {
      to->emplace_back(list.elements[i].str, list.elements[i + 1].str);
    }
  };
  if (reply->elements.size() >= 3) {
    pairs(reply->elements[1], &out.plain);
    pairs(reply->elements[2], &out.unbound);
  }
  return out;
}

absl::StatusOr<bool> RedisOrderStore::SealLegacyPhone(const std::string& id,
                                                      const std::string& plain,
                                                      const std::string& sealed,
                                                      const std::string& hash,
                                                      const std::string& masked) {
  absl::StatusOr<redis::Reply> reply = redis_.ExecuteScript(
      SealPhoneScript(), {keys_.Order(id), keys_.IndexPhone(hash)}, {plain, sealed, hash, masked});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return RedisErrorToStatus(reply->str);
  return reply->integer == 1;
}

absl::StatusOr<bool> RedisOrderStore::ResealPhone(const std::string& id, const std::string& old_sealed,
                                                  const std::string& new_sealed) {
  absl::StatusOr<redis::Reply> reply =
      redis_.ExecuteScript(ResealPhoneScript(), {keys_.Order(id)}, {old_sealed, new_sealed});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return RedisErrorToStatus(reply->str);
  return reply->integer == 1;
}

}  // namespace hotline::orders
