// The access log against a real redis-server: entries come back newest first,
// whole and paged, for the city and per order; bad requests are refused.
#include "audit/audit_log.h"

#include <catch2/catch.hpp>
#include <future>

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

}  // namespace
}  // namespace hotline::audit
