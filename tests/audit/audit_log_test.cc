// The access log against a real redis-server: entries come back newest first,
// whole and paged, for the city and per order (also those an older version
// stored whole per order); bad requests are refused; and a read of a 200-order
// page costs Redis kilobytes, not the entry once per order.
#include "audit/audit_log.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <future>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

#include "audit/read_recorder.h"
#include "clock/clock.h"
#include "support/redis_server.h"

namespace hotline::audit {
namespace {

redis::Options OptionsFor(const testing::RedisServer& server) {
  redis::Options options;
  options.port = server.port();
  options.connections = 1;
  return options;
}

std::string Append(AuditLog& log, const v1::AuditEntry& entry) {
  std::promise<absl::StatusOr<std::string>> done;
  log.Append(entry, [&](absl::StatusOr<std::string> id) { done.set_value(std::move(id)); });
  absl::StatusOr<std::string> id = done.get_future().get();
  REQUIRE(id.ok());
  return *id;
}

absl::StatusOr<v1::ListAuditEntriesResponse> List(AuditLog& log,
                                                  const v1::ListAuditEntriesRequest& request) {
  std::promise<absl::StatusOr<v1::ListAuditEntriesResponse>> done;
  log.List(request, [&](absl::StatusOr<v1::ListAuditEntriesResponse> page) {
    done.set_value(std::move(page));
  });
  return done.get_future().get();
}

v1::AuditEntry Read(const std::string& user, const std::string& order) {
  v1::AuditEntry entry;
  entry.mutable_actor()->set_user_id(user);
  entry.mutable_actor()->set_role(v1::ROLE_UNIT_HANDLER);
  entry.set_action(v1::AUDIT_ACTION_READ_ORDER);
  entry.set_order_id(order);
  return entry;
}

TEST_CASE("the access log lists what was appended, newest first, across pages") {
  testing::RedisServer server;
  redis::Client redis(OptionsFor(server));
  AuditLog log(redis);
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(Append(log, Read("u" + std::to_string(i), "GZ1")));
  v1::AuditEntry listed;
  listed.set_action(v1::AUDIT_ACTION_LIST_ORDERS);
  listed.add_order_ids("GZ1");
  listed.add_order_ids("GZ2");
  ids.push_back(Append(log, listed));
  Append(log, Read("other", "GZ3"));

  v1::ListAuditEntriesRequest request;
  request.set_order_id("GZ1");
  request.set_page_size(3);
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    absl::StatusOr<v1::ListAuditEntriesResponse> page = List(log, request);
    REQUIRE(page.ok());
    for (const v1::AuditEntry& entry : page->entries()) seen.push_back(entry.id());
    if (page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  std::vector<std::string> expected(ids.rbegin(), ids.rend());
  CHECK(seen == expected);

  v1::ListAuditEntriesRequest gz2;
  gz2.set_order_id("GZ2");
  absl::StatusOr<v1::ListAuditEntriesResponse> page = List(log, gz2);
  REQUIRE(page.ok());
  REQUIRE(page->entries_size() == 1);
  CHECK(page->entries(0).action() == v1::AUDIT_ACTION_LIST_ORDERS);
  CHECK(page->entries(0).id() == ids.back());

  absl::StatusOr<v1::ListAuditEntriesResponse> all = List(log, {});
  REQUIRE(all.ok());
  CHECK(all->entries_size() == 9);
  CHECK(all->entries(0).actor().user_id() == "other");
  CHECK(all->next_page_token().empty());
}

TEST_CASE("the access log refuses a bad page size or token, naming the field") {
  testing::RedisServer server;
  redis::Client redis(OptionsFor(server));
  AuditLog log(redis);
  v1::ListAuditEntriesRequest request;
  request.set_page_size(501);
  absl::StatusOr<v1::ListAuditEntriesResponse> page = List(log, request);
  CHECK(page.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(page.status().message().find("page_size") == 0);
  request.set_page_size(10);
  request.set_page_token("12-x");
  page = List(log, request);
  CHECK(page.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(page.status().message().find("page_token") == 0);
}


absl::Status Record(ReadRecorder& reads, v1::AuditAction action, std::vector<std::string> ids) {
  v1::Actor actor;
  actor.set_user_id("handler-1");
  actor.set_role(v1::ROLE_UNIT_HANDLER);
  actor.set_unit_code("440106");
  std::promise<absl::Status> done;
  reads.Record(actor, action, std::move(ids), [&](absl::Status s) { done.set_value(s); });
  return done.get_future().get();
}

TEST_CASE("a read is recorded with who and when, and one that cannot be is UNAVAILABLE") {
  testing::RedisServer server;
  redis::Client redis(OptionsFor(server));
  AuditLog log(redis);
  FakeClock clock(absl::FromUnixSeconds(1764547200));
  ReadRecorder reads(log, clock);
  REQUIRE(Record(reads, v1::AUDIT_ACTION_READ_ORDER, {"GZ20251201000001"}).ok());
  REQUIRE(Record(reads, v1::AUDIT_ACTION_LIST_ORDERS, {"GZ20251201000001", "GZ20251201000002"}).ok());
  REQUIRE(Record(reads, v1::AUDIT_ACTION_LIST_ORDERS, {}).ok());  // an empty page: no entry
  v1::ListAuditEntriesRequest all;
  absl::StatusOr<v1::ListAuditEntriesResponse> page = List(log, all);
  REQUIRE(page.ok());
  REQUIRE(page->entries_size() == 2);
  CHECK(page->entries(0).action() == v1::AUDIT_ACTION_LIST_ORDERS);
  CHECK(page->entries(0).order_ids_size() == 2);
  CHECK(page->entries(1).order_id() == "GZ20251201000001");
  CHECK(page->entries(1).actor().user_id() == "handler-1");
  CHECK(page->entries(1).at().seconds() == 1764547200);
  v1::ListAuditEntriesRequest second;
  second.set_order_id("GZ20251201000002");
  CHECK(List(log, second)->entries_size() == 1);  // the page names it too

  server.Kill();
  absl::Status down = Record(reads, v1::AUDIT_ACTION_READ_ORDER, {"GZ20251201000001"});
  CHECK(absl::IsUnavailable(down));
  CHECK(down.message().rfind("access log: ", 0) == 0);
}

// What Redis holds: every key's MEMORY USAGE (all of it sampled), summed.
// Key-agnostic, so it measures whatever layout the log uses.
int64_t StoredBytes(redis::Client& redis) {
  int64_t total = 0;
  std::string cursor = "0";
  do {
    absl::StatusOr<redis::Reply> scan = redis.Execute({"SCAN", cursor, "COUNT", "1000"});
    REQUIRE(scan.ok());
    REQUIRE(scan->elements.size() == 2);
    cursor = scan->elements[0].str;
    for (const redis::Reply& key : scan->elements[1].elements) {
      absl::StatusOr<redis::Reply> usage =
          redis.Execute({"MEMORY", "USAGE", key.str, "SAMPLES", "0"});
      REQUIRE(usage.ok());
      total += usage->integer;
    }
  } while (cursor != "0");
  return total;
}

// INFO's used_memory: everything, client buffers included (so only printed).
int64_t UsedMemory(redis::Client& redis) {
  absl::StatusOr<redis::Reply> info = redis.Execute({"INFO", "memory"});
  REQUIRE(info.ok());
  const std::string field = "used_memory:";
  size_t at = info->str.find(field);
  REQUIRE(at != std::string::npos);
  at += field.size();
  int64_t bytes = 0;
  REQUIRE(absl::SimpleAtoi(info->str.substr(at, info->str.find('\r', at) - at), &bytes));
  return bytes;
}

TEST_CASE("a read of a 200-order page costs one entry and an id per order, not 200 copies") {
  testing::RedisServer server;
  redis::Client redis(OptionsFor(server));
  AuditLog log(redis);
  FakeClock clock(absl::FromUnixSeconds(1764547200));
  ReadRecorder reads(log, clock);
  std::vector<std::string> page;
  for (int i = 1; i <= 200; ++i) page.push_back(absl::StrFormat("GZ20261128%06d", i));

  // Another page first, so Redis's one-time costs (the scripts, client
  // buffers) are not counted as this page's.
  std::vector<std::string> other;
  for (int i = 1001; i <= 1200; ++i) other.push_back(absl::StrFormat("GZ20261128%06d", i));
  REQUIRE(Record(reads, v1::AUDIT_ACTION_LIST_ORDERS, other).ok());
  StoredBytes(redis);

  // As the simulator does: the same newest page, listed again and again.
  // (used_memory is read first: the measuring itself leaves client buffers.)
  const int64_t empty_used = UsedMemory(redis);
  const int64_t empty = StoredBytes(redis);
  REQUIRE(Record(reads, v1::AUDIT_ACTION_LIST_ORDERS, page).ok());
  const int64_t after_first_used = UsedMemory(redis);
  const int64_t after_first = StoredBytes(redis);
  const int64_t first = after_first - empty;
  constexpr int kReads = 20;
  for (int i = 0; i < kReads; ++i) {
    REQUIRE(Record(reads, v1::AUDIT_ACTION_LIST_ORDERS, page).ok());
  }
  const int64_t per_read_used = (UsedMemory(redis) - after_first_used) / kReads;
  const int64_t per_read = (StoredBytes(redis) - after_first) / kReads;
  std::printf(
      "access log, one 200-order list read: first %lld bytes (used_memory %+lld), "
      "then %lld bytes a read (used_memory %+lld)\n",
      static_cast<long long>(first), static_cast<long long>(after_first_used - empty_used),
      static_cast<long long>(per_read), static_cast<long long>(per_read_used));
  // The entry names 200 orders (~4.6 KB, once); each order's index gains an
  // id (~18 bytes; a new index key ~200). Storing the whole entry under every
  // order cost ~960 KB a read, then ~930 KB.
  CHECK(first < 60 * 1000);
  CHECK(per_read < 12 * 1000);

  // Every order's log still lists every read of it, whole, newest first.
  v1::ListAuditEntriesRequest last;
  last.set_order_id(page.back());
  last.set_page_size(500);
  absl::StatusOr<v1::ListAuditEntriesResponse> listed = List(log, last);
  REQUIRE(listed.ok());
  REQUIRE(listed->entries_size() == kReads + 1);
  CHECK(listed->entries(0).order_ids_size() == 200);
  CHECK(listed->entries(0).order_ids(199) == page.back());
  CHECK(listed->entries(0).actor().user_id() == "handler-1");
}

TEST_CASE("an order's log lists entries stored whole by the older version after the indexed ones") {
  testing::RedisServer server;
  redis::Client redis(OptionsFor(server));
  AuditLog log(redis);
  AuditKeys keys;
  // As the version before the index wrote them: the whole entry in the log
  // and again, under the same id, in the order's own stream.
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const std::string entry = Read("old" + std::to_string(i), "GZ9").SerializeAsString();
    absl::StatusOr<redis::Reply> id = redis.Execute({"XADD", keys.Log(), "*", "e", entry});
    REQUIRE(id.ok());
    REQUIRE(redis.Execute({"XADD", keys.LegacyOrderLog("GZ9"), id->str, "e", entry}).ok());
    ids.push_back(id->str);
  }
  for (int i = 0; i < 3; ++i) ids.push_back(Append(log, Read("new" + std::to_string(i), "GZ9")));
  Append(log, Read("elsewhere", "GZ8"));

  v1::ListAuditEntriesRequest request;
  request.set_order_id("GZ9");
  request.set_page_size(2);
  std::vector<std::string> seen, who;
  for (int pages = 0; pages < 10; ++pages) {
    absl::StatusOr<v1::ListAuditEntriesResponse> page = List(log, request);
    REQUIRE(page.ok());
    for (const v1::AuditEntry& entry : page->entries()) {
      seen.push_back(entry.id());
      who.push_back(entry.actor().user_id());
    }
    if (page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  CHECK(seen == std::vector<std::string>(ids.rbegin(), ids.rend()));
  CHECK(who == std::vector<std::string>{"new2", "new1", "new0", "old2", "old1", "old0"});
}

TEST_CASE("an order named twice is indexed once, and a bad index writes nothing") {
  testing::RedisServer server;
  redis::Client redis(OptionsFor(server));
  AuditLog log(redis);
  AuditKeys keys;
  v1::AuditEntry twice;
  twice.set_action(v1::AUDIT_ACTION_LIST_ORDERS);
  twice.set_order_id("GZ1");
  twice.add_order_ids("GZ1");
  twice.add_order_ids("GZ2");
  twice.add_order_ids("GZ2");
  const std::string id = Append(log, twice);
  v1::ListAuditEntriesRequest gz2;
  gz2.set_order_id("GZ2");
  absl::StatusOr<v1::ListAuditEntriesResponse> page = List(log, gz2);
  REQUIRE(page.ok());
  REQUIRE(page->entries_size() == 1);
  CHECK(page->entries(0).id() == id);

  // An index that is not a list (written by hand): the append fails before
  // writing anything, so no entry is left half-indexed.
  REQUIRE(redis.Execute({"SET", keys.OrderIndex("GZ3"), "x"}).ok());
  std::promise<absl::StatusOr<std::string>> done;
  v1::AuditEntry both;
  both.set_action(v1::AUDIT_ACTION_LIST_ORDERS);
  both.add_order_ids("GZ1");
  both.add_order_ids("GZ3");
  log.Append(both, [&](absl::StatusOr<std::string> r) { done.set_value(std::move(r)); });
  CHECK_FALSE(done.get_future().get().ok());
  CHECK(redis.Execute({"XLEN", keys.Log()})->integer == 1);
  CHECK(redis.Execute({"LLEN", keys.OrderIndex("GZ1")})->integer == 1);
}

}  // namespace
}  // namespace hotline::audit
