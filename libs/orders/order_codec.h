#pragma once
// The one way to read an order with its history (scripts/get_order.lua and
// the decoding of its answer), used by the order store and by every service
// that reads orders from Redis (sla, scoring). A reader that needs further
// keys from the same snapshot names them as "read along" keys.
// Thread-safe.
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "hotline/v1/work_order.pb.h"
#include "orders/order_keys.h"
#include "orders/order_store.h"
#include "redis/client.h"

namespace hotline::orders {

// The whole history (HistoryWindow's default is one page).
inline constexpr HistoryWindow kWholeHistory{0, 1 << 30};

// An order as read: the proto, its record's raw fields (for fields a service
// keeps on the record beside the proto's, e.g. sla_rev) and the read-along
// values in the order they were asked for ("" for none).
struct StoredOrder {
  v1::WorkOrder order;
  absl::flat_hash_map<std::string, std::string> fields;
  std::vector<std::string> along;
};

// The script call reading order `id`: keys and arguments for the read script.
struct OrderRead {
  std::vector<std::string> keys;
  std::vector<std::string> args;
};
OrderRead ReadOrderCall(const OrderKeys& keys, const std::string& id, HistoryWindow window,
                        std::vector<std::string> along = {});
const redis::Script& ReadOrderScript();

// The script's answer decoded; NOT_FOUND when there is no such order,
// DATA_LOSS when the record or an entry is unreadable.
absl::StatusOr<StoredOrder> DecodeOrder(const std::string& id, const absl::StatusOr<redis::Reply>& reply);

// The same from the parts of a longer answer (a writer that answers with the
// order as it is afterwards): record, history page, history length, along...
absl::StatusOr<StoredOrder> DecodeOrderParts(const std::string& id, const redis::Reply* parts, size_t n);

// `script` with the codec's Lua in front: the history chain (trail.h), the
// tables ORDER_EVENT_FIELDS and ORDER_WRITABLE, and scripts/order_codec.lua
// (order_read, order_event, order_writer). Every script that writes an order
// or its events is loaded through this. The tables hold only what `script`
// uses: the rows of the writers it names as order_writer("name") (a literal
// name), and the event's fields if it calls order_event.
std::string WithOrderCodec(std::string_view script);

// Blocking read (for services that read on their own threads).
absl::StatusOr<StoredOrder> ReadOrder(redis::Client& redis, const OrderKeys& keys, const std::string& id,
                                      HistoryWindow window, std::vector<std::string> along = {});

}  // namespace hotline::orders
