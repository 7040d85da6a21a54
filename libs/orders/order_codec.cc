#include "orders/order_codec.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "orders/order_event.h"
#include "orders/order_record.h"
#include "orders/trail.h"
#include "redis/reply_status.h"

namespace hotline::orders {

namespace scripts {
extern const std::string_view kGetOrder;
extern const std::string_view kOrderCodec;
}  // namespace scripts

namespace {

// The writers `script` names as order_writer("name"), each once.
std::vector<std::string> NamedWriters(std::string_view script) {
  constexpr std::string_view kCall = "order_writer(\"";
  std::vector<std::string> out;
  for (size_t at = script.find(kCall); at != std::string_view::npos; at = script.find(kCall, at + 1)) {
    const size_t start = at + kCall.size();
    const size_t end = script.find('"', start);
    if (end == std::string_view::npos) break;
    std::string name(script.substr(start, end - start));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
  return out;
}

}  // namespace

// The tables are built on every call of the script: each script carries only
// the writer rows it names, and the event's fields only if it writes one.
std::string WithOrderCodec(std::string_view script) {
  std::string out = script.find("order_event(") != std::string_view::npos
                        ? OrderEventFieldsLua()
                        : "local ORDER_EVENT_FIELDS = {}\n";
  out += WritersLua(NamedWriters(script));
  out.append(scripts::kOrderCodec);
  out += '\n';
  out.append(script);
  return WithHistoryChain(out);
}

const redis::Script& ReadOrderScript() {
  static const redis::Script script(WithOrderCodec(scripts::kGetOrder));
  return script;
}

OrderRead ReadOrderCall(const OrderKeys& keys, const std::string& id, HistoryWindow window,
                        std::vector<std::string> along) {
  OrderRead call;
  call.keys = {keys.Order(id), keys.History(id)};
  call.keys.insert(call.keys.end(), std::make_move_iterator(along.begin()),
                   std::make_move_iterator(along.end()));
  call.args = {absl::StrCat(window.offset), absl::StrCat(window.limit), id};
  return call;
}

absl::StatusOr<StoredOrder> DecodeOrderParts(const std::string& id, const redis::Reply* parts, size_t n) {
  if (n < 3) return absl::InternalError("redis: unexpected answer of an order read");
  std::vector<std::string> flat;
  flat.reserve(parts[0].elements.size());
  for (const redis::Reply& e : parts[0].elements) flat.push_back(e.str);
  if (flat.empty()) return absl::NotFoundError(absl::StrCat("order ", id, " not found"));
  absl::StatusOr<v1::WorkOrder> order = FromRecord(flat);
  if (!order.ok()) return order.status();
  StoredOrder out;
  out.order = std::move(*order);
  for (const redis::Reply& json : parts[1].elements) {
    absl::StatusOr<v1::HistoryEntry> entry = HistoryEntryFromJson(json.str);
    if (!entry.ok()) return entry.status();
    *out.order.add_history() = std::move(*entry);
  }
  out.order.set_history_total(static_cast<int32_t>(parts[2].integer));
  for (size_t i = 0; i + 1 < flat.size(); i += 2) out.fields[flat[i]] = flat[i + 1];
  for (size_t i = 3; i < n; ++i) out.along.push_back(parts[i].str);
  return out;
}

absl::StatusOr<StoredOrder> DecodeOrder(const std::string& id, const absl::StatusOr<redis::Reply>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return redis::ErrorReplyToStatus(reply->str);
  if (reply->type != redis::Reply::Type::kArray) {
    return absl::InternalError("redis: unexpected answer of the order read script");
  }
  return DecodeOrderParts(id, reply->elements.data(), reply->elements.size());
}

absl::StatusOr<StoredOrder> ReadOrder(redis::Client& redis, const OrderKeys& keys, const std::string& id,
                                      HistoryWindow window, std::vector<std::string> along) {
  OrderRead call = ReadOrderCall(keys, id, window, std::move(along));
  return DecodeOrder(id, redis.ExecuteScript(ReadOrderScript(), std::move(call.keys), std::move(call.args)));
}

}  // namespace hotline::orders
