// The order codec against a real redis-server: the one reader (with keys read
// along), the event message and its one Lua writer, the writers' field table,
// and what the code before the codec wrote (orders and events) still reads.
#include <catch2/catch.hpp>
#include <future>

#include "absl/strings/str_cat.h"
#include "clock/clock.h"
#include "orders/order_codec.h"
#include "orders/order_event.h"
#include "orders/order_record.h"
#include "orders/redis_order_store.h"
#include "orders/script_args.h"
#include "support/redis_server.h"

namespace hotline::orders {
namespace {

using testing::RedisServer;

const absl::Time kMorning = absl::FromCivil(absl::CivilSecond(2026, 11, 28, 10, 0, 0), CityTimeZone());

NewOrder MakeOrder() {
  NewOrder n;
  v1::WorkOrder& o = n.order;
  o.set_version(1);
  o.set_type(v1::ORDER_TYPE_COMPLAINT);
  o.set_channel(v1::CHANNEL_PHONE);
  o.mutable_location()->set_district_code("440106");
  o.set_category_code("0101");
  o.set_content("噪声 \"引号\" \\ \n 换行");
  o.set_state(v1::ORDER_STATE_CREATED);
  *o.mutable_created_at() = FromMillis(absl::ToUnixMillis(kMorning));
  *o.mutable_updated_at() = o.created_at();
  n.first_entry.set_seq(1);
  n.first_entry.set_action("create");
  n.first_entry.set_to_state(v1::ORDER_STATE_CREATED);
  n.fingerprint = "f1";
  return n;
}

std::string CreateOne(RedisOrderStore& store) {
  std::promise<absl::StatusOr<CreateResult>> p;
  store.Create(MakeOrder(), [&](absl::StatusOr<CreateResult> r) { p.set_value(std::move(r)); });
  absl::StatusOr<CreateResult> r = p.get_future().get();
  REQUIRE(r.ok());
  return r->order.id();
}

// The events stream's entries as field lists, oldest first.
std::vector<StreamFields> Events(redis::Client& redis, const OrderKeys& keys) {
  absl::StatusOr<redis::Reply> r = redis.Execute({"XRANGE", keys.Events(), "-", "+"});
  REQUIRE(r.ok());
  std::vector<StreamFields> out;
  for (const redis::Reply& e : r->elements) {
    StreamFields f;
    for (size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2) {
      f.emplace_back(e.elements[1].elements[i].str, e.elements[1].elements[i + 1].str);
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<std::string> Names(const StreamFields& fields) {
  std::vector<std::string> out;
  for (const auto& [name, value] : fields) out.push_back(name);
  return out;
}

}  // namespace

TEST_CASE("events written before the message existed decode as the message", "[codec]") {
  // The three shapes the scripts' own XADDs wrote (create, transition, settle).
  StreamFields created = {{"event", "order.created"}, {"order_id", "GZ20261128000001"}, {"version", "1"},
                          {"at_ms", "1700000000000"}, {"state", "1"}, {"type", "2"}, {"district", "440106"},
                          {"channel", "1"}, {"category", "0101"}, {"urgent", "1"}};
  absl::StatusOr<v1::OrderEvent> e = DecodeOrderEvent(created);
  REQUIRE(e.ok());
  CHECK(e->event() == "order.created");
  CHECK(e->order_id() == "GZ20261128000001");
  CHECK(e->version() == 1);
  CHECK(e->at_ms() == 1700000000000);
  CHECK(e->state() == v1::ORDER_STATE_CREATED);
  CHECK(e->type() == v1::ORDER_TYPE_COMPLAINT);
  CHECK(e->channel() == v1::CHANNEL_PHONE);
  CHECK(e->urgent());
  CHECK(EncodeOrderEvent(*e) == created);

  StreamFields settled = {{"event", "order.sla_warned"}, {"order_id", "GZ20261128000001"}, {"version", "7"},
                          {"at_ms", "1700000000000"}, {"state", "3"}, {"unit", "U1"}, {"mark", ""},
                          {"due_ms", ""}, {"from_a_newer_writer", "x"}};
  e = DecodeOrderEvent(settled);
  REQUIRE(e.ok());
  CHECK(e->unit() == "U1");
  CHECK(e->due_ms() == 0);

  absl::StatusOr<v1::OrderEvent> bad = DecodeOrderEvent({{"order_id", "X"}, {"version", "seven"}});
  REQUIRE(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(bad.status().message().find("version") != absl::string_view::npos);
}

TEST_CASE("the scripts write events in the message's layout, the one the consumers read", "[codec]") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 2});
  RedisOrderStore store(redis);
  const std::string id = CreateOne(store);
  std::promise<absl::StatusOr<ApplyResult>> p;
  Change c;
  c.order_id = id;
  c.expected_version = 1;
  c.from_state = v1::ORDER_STATE_CREATED;
  c.to_state = v1::ORDER_STATE_DISPATCHED;
  c.to_unit = "U1";
  c.at = kMorning + absl::Minutes(1);
  c.event = "order.dispatched";
  c.entry.set_seq(2);
  c.entry.set_action("dispatch");
  store.Apply(std::move(c), [&](absl::StatusOr<ApplyResult> r) { p.set_value(std::move(r)); });
  REQUIRE(p.get_future().get().ok());

  std::vector<StreamFields> events = Events(redis, store.keys());
  REQUIRE(events.size() == 2);
  // Exactly the fields, in the order, of the XADDs before the codec.
  CHECK(Names(events[0]) == std::vector<std::string>{"event", "order_id", "version", "at_ms", "state", "type",
                                                     "district", "channel", "category", "urgent"});
  CHECK(Names(events[1]) ==
        std::vector<std::string>{"event", "order_id", "version", "at_ms", "state", "unit"});
  absl::StatusOr<v1::OrderEvent> moved = DecodeOrderEvent(events[1]);
  REQUIRE(moved.ok());
  CHECK(moved->order_id() == id);
  CHECK(moved->version() == 2);
  CHECK(moved->state() == v1::ORDER_STATE_DISPATCHED);
  CHECK(moved->unit() == "U1");
}

TEST_CASE("the one reader reads an order with its history and keys read along", "[codec]") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 2});
  RedisOrderStore store(redis);
  const OrderKeys& keys = store.keys();
  const std::string id = CreateOne(store);
  REQUIRE(redis.Execute({"ZADD", "due", "1234", id}).ok());
  REQUIRE(redis.Execute({"SET", "version", "7"}).ok());

  absl::StatusOr<StoredOrder> read = ReadOrder(redis, keys, id, kWholeHistory, {"due", "version", "missing"});
  REQUIRE(read.ok());
  CHECK(read->order.id() == id);
  CHECK(read->order.content() == "噪声 \"引号\" \\ \n 换行");  // through the named table and back
  CHECK(read->order.history_size() == 1);
  CHECK(read->order.history_total() == 1);
  CHECK(read->fields.at("category") == "0101");
  CHECK(read->along == std::vector<std::string>{"1234", "7", ""});

  CHECK(ReadOrder(redis, keys, "GZ20261128999999", kWholeHistory).status().code() == absl::StatusCode::kNotFound);
  REQUIRE(redis.Execute({"HSET", "a-hash", "f", "v"}).ok());
  CHECK(!ReadOrder(redis, keys, id, kWholeHistory, {"a-hash"}).ok());
}

TEST_CASE("an order written before the codec (plain record and entries) is read", "[codec]") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 2});
  OrderKeys keys("hotline:");
  const std::string id = "GZ20261128000042";
  // As the old create_order.lua wrote it, and an entry from before the chain.
  redis::Command hset = {"HSET", keys.Order(id), "id", id};
  for (auto& [name, value] : ToRecord(MakeOrder().order)) {
    hset.push_back(name);
    hset.push_back(value);
  }
  REQUIRE(redis.Execute(hset).ok());
  REQUIRE(redis.Execute({"RPUSH", keys.History(id), R"({"seq":"1","action":"create"})"}).ok());
  absl::StatusOr<StoredOrder> read = ReadOrder(redis, keys, id, kWholeHistory);
  REQUIRE(read.ok());
  CHECK(read->order.state() == v1::ORDER_STATE_CREATED);
  REQUIRE(read->order.history_size() == 1);
  CHECK(read->order.history(0).action() == "create");
}

TEST_CASE("a writer may touch only its own fields, and events only the message's", "[codec]") {
  RedisServer server;
  redis::Client redis(redis::Options{.port = server.port(), .connections = 2});
  REQUIRE(redis.Execute({"HSET", "o", "state", "1", "caller_name", "张三"}).ok());
  // The script names the writers it uses; it carries only their rows.
  const redis::Script script(WithOrderCodec(R"(
    local a = cjson.decode(ARGV[1])
    local named = {transition = order_writer("transition"), settle = order_writer("settle")}
    if a.what == "record" then
      (named[a.writer] or order_writer(a.writer)).set(KEYS[1], {a.field, "x"})
    else
      order_event(KEYS[2], {event = "order.x", order_id = "1", [a.field] = "x"})
    end
    return "ok")"));
  auto run = [&](ScriptArgs args) {
    absl::StatusOr<redis::Reply> r = redis.ExecuteScript(script, {"o", "events"}, {args.Encode()});
    REQUIRE(r.ok());
    return *r;
  };
  CHECK(run(ScriptArgs().Set("what", "record").Set("writer", "transition").Set("field", "state")).str == "ok");
  redis::Reply refused = run(ScriptArgs().Set("what", "record").Set("writer", "transition").Set("field", "caller_name"));
  CHECK(refused.is_error());
  CHECK(refused.str.find("transition may not write field caller_name") != std::string::npos);
  CHECK(run(ScriptArgs().Set("what", "record").Set("writer", "settle").Set("field", "state")).is_error());
  CHECK(run(ScriptArgs().Set("what", "record").Set("writer", "nobody").Set("field", "state")).is_error());
  // create may write state, but this script does not name it.
  redis::Reply unnamed = run(ScriptArgs().Set("what", "record").Set("writer", "create").Set("field", "state"));
  CHECK(unnamed.is_error());
  CHECK(unnamed.str.find("no writer create in this script") != std::string::npos);
  CHECK(redis.Execute({"HGET", "o", "caller_name"})->str == "张三");

  CHECK(run(ScriptArgs().Set("what", "event").Set("field", "unit")).str == "ok");
  CHECK(run(ScriptArgs().Set("what", "event").Set("field", "colour")).is_error());
  CHECK(redis.Execute({"XLEN", "events"})->integer == 1);
}

TEST_CASE("a script carries only the writer rows it names, and the event's fields only if it writes one",
          "[codec]") {
  const std::string reader = WithOrderCodec("return order_read(KEYS[1], KEYS[2], 0, 1)");
  CHECK(reader.find("local ORDER_WRITABLE = {\n}") != std::string::npos);
  CHECK(reader.find("local ORDER_EVENT_FIELDS = {}") != std::string::npos);
  const std::string phone =
      WithOrderCodec(R"(order_writer("phone").set(KEYS[1], {"caller_phone_enc", ARGV[1]}))");
  CHECK(phone.find("  phone = {") != std::string::npos);
  CHECK(phone.find("  create = {") == std::string::npos);
  CHECK(phone.find("  transition = {") == std::string::npos);
  const std::string writes = WithOrderCodec(
      R"(order_writer("transition").incr(KEYS[1], "version") order_event(KEYS[2], {event = "x"}))");
  CHECK(writes.find("  transition = {") != std::string::npos);
  CHECK(writes.find("\"order_id\"") != std::string::npos);
}

}  // namespace hotline::orders
