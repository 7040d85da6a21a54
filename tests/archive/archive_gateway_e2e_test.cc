// Archived orders through the gateway, with the real binaries (tests/e2e
// Stack with its own PostgreSQL): GetWorkOrder, VerifyOrderTrail and
// FindOrdersByPhone answer for orders moved to PostgreSQL as for live ones,
// say which tier served, keep unit scoping and the access log (whose
// entries, once moved to PostgreSQL, the auditor's same call still lists); and the
// figure: GetWorkOrder latency (p50, p99) for a live and an archived order,
// through the gateway, printed side by side. And the SLA view (GetOrderSla)
// of an archived order: the same timeline as before the move, from
// PostgreSQL, scoped alike.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "archive/audit_archive.h"
#include "archive/mover.h"
#include "archive/pg.h"
#include "e2e/stack.h"
#include "google/protobuf/util/message_differencer.h"
#include "orders/order_keys.h"

namespace hotline::testing {
namespace {

grpc::Status Act(v1::Hotline::Stub& stub, const std::string& token, const std::string& id,
                 v1::Action action, const std::string& unit = "", const std::string& note = "") {
  auto ctx = CallContext(token);
  v1::ActRequest r;
  r.set_order_id(id);
  r.set_action(action);
  r.set_unit_code(unit);
  r.set_note(note);
  if (action == v1::ACTION_CALLBACK) r.set_rating(v1::RATING_SATISFIED);
  v1::ActResponse response;
  return stub.Act(ctx.get(), r, &response);
}

grpc::Status Get(v1::Hotline::Stub& stub, const std::string& token, const std::string& id,
                 v1::WorkOrder* out) {
  auto ctx = CallContext(token);
  v1::GetWorkOrderRequest r;
  r.set_id(id);
  v1::GetWorkOrderResponse response;
  grpc::Status s = stub.GetWorkOrder(ctx.get(), r, &response);
  if (out != nullptr) *out = response.order();
  return s;
}

grpc::Status GetSla(v1::Hotline::Stub& stub, const std::string& token, const std::string& id,
                    v1::OrderSla* out) {
  auto ctx = CallContext(token);
  v1::GetOrderSlaRequest r;
  r.set_order_id(id);
  v1::GetOrderSlaResponse response;
  grpc::Status s = stub.GetOrderSla(ctx.get(), r, &response);
  if (out != nullptr) *out = response.sla();
  return s;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

TEST_CASE("archived orders answer through the gateway like live ones and the read is timed") {
  Stack::Options options;
  options.postgres = true;
  options.auto_dispatch = false;
  Stack stack(options);
  auto stub = stack.NewClient();
  constexpr int kOrders = 60;
  std::vector<std::string> live, archived;
  for (int i = 0; i < kOrders; ++i) {
    auto ctx = CallContext(kAgentToken);
    v1::CreateWorkOrderRequest r = SampleComplaint();
    r.mutable_caller()->set_phone("13712345678");
    v1::CreateWorkOrderResponse created;
    REQUIRE(stub->CreateWorkOrder(ctx.get(), r, &created).ok());
    const std::string id = created.order().id();
    if (i % 2 == 1) {
      live.push_back(id);
      continue;
    }
    REQUIRE(Act(*stub, kDispatcherToken, id, v1::ACTION_DISPATCH, "440106").ok());
    REQUIRE(Act(*stub, kHandlerToken, id, v1::ACTION_SIGN).ok());
    REQUIRE(Act(*stub, kHandlerToken, id, v1::ACTION_REQUEST_HAND_DOWN, "440106001", "属地处理").ok());
    REQUIRE(Act(*stub, kDispatcherToken, id, v1::ACTION_APPROVE_HAND_DOWN).ok());
    REQUIRE(Act(*stub, kStreetToken, id, v1::ACTION_SIGN).ok());
    REQUIRE(Act(*stub, kStreetToken, id, v1::ACTION_REPLY, "", "已处理").ok());
    REQUIRE(Act(*stub, kDispatcherToken, id, v1::ACTION_APPROVE_REPLY).ok());
    REQUIRE(Act(*stub, kDispatcherToken, id, v1::ACTION_CALLBACK).ok());
    REQUIRE(Act(*stub, kDispatcherToken, id, v1::ACTION_ARCHIVE).ok());
    archived.push_back(id);
  }
  v1::WorkOrder before;
  REQUIRE(Get(*stub, kDispatcherToken, archived[0], &before).ok());
  CHECK(before.storage_tier() == v1::STORAGE_TIER_LIVE);

  archive::PgConnection pg(stack.postgres()->conninfo());
  archive::MoveOptions move;
  move.min_age = absl::ZeroDuration();
  move.now = absl::Now() + absl::Hours(1);
  auto moved = archive::MoveDueOrders(stack.redis_client(), pg, orders::OrderKeys(), move);
  REQUIRE(moved.ok());
  REQUIRE(moved->moved == static_cast<int64_t>(archived.size()));

  v1::WorkOrder after;
  REQUIRE(Get(*stub, kDispatcherToken, archived[0], &after).ok());
  CHECK(after.storage_tier() == v1::STORAGE_TIER_ARCHIVE);
  CHECK(after.history_total() == 10);
  CHECK(after.history_size() == 10);
  CHECK(after.state() == v1::ORDER_STATE_ARCHIVED);
  CHECK(after.caller().phone_masked() == before.caller().phone_masked());

  // Unit scoping: 天河区 held it and reads it; 越秀区 is told it does not exist.
  CHECK(Get(*stub, kHandlerToken, archived[0], nullptr).ok());
  CHECK(Get(*stub, kYuexiuToken, archived[0], nullptr).error_code() == grpc::StatusCode::NOT_FOUND);

  // The read is in the access log, as for a live order.
  {
    auto ctx = CallContext(kAuditorToken);
    v1::ListAuditEntriesRequest r;
    r.set_order_id(archived[0]);
    v1::ListAuditEntriesResponse log;
    REQUIRE(stub->ListAuditEntries(ctx.get(), r, &log).ok());
    int reads_after_move = 0;
    for (const v1::AuditEntry& e : log.entries()) {
      if (e.action() == v1::AUDIT_ACTION_READ_ORDER) ++reads_after_move;
    }
    CHECK(reads_after_move >= 3);  // before the move, after it, 天河区's (越秀区's was refused)

    // The access log moved to PostgreSQL too (the policy's age set to 0):
    // the auditor's same call answers the same entries, now from intake's
    // archive tier.
    archive::AuditMoveOptions audit_move;
    audit_move.min_age = absl::ZeroDuration();
    audit_move.now = absl::Now() + absl::Hours(1);
    auto audit_moved = archive::MoveOldAuditEntries(stack.redis_client(), pg, audit::AuditKeys(),
                                                    audit_move);
    REQUIRE(audit_moved.ok());
    CHECK(audit_moved->moved > 0);
    auto left = stack.redis_client().Execute({"XLEN", "hotline:audit"});
    REQUIRE(left.ok());
    CHECK(left->integer == 0);
    auto ctx2 = CallContext(kAuditorToken);
    v1::ListAuditEntriesResponse moved_log;
    REQUIRE(stub->ListAuditEntries(ctx2.get(), r, &moved_log).ok());
    REQUIRE(moved_log.entries_size() == log.entries_size());
    for (int i = 0; i < log.entries_size(); ++i) {
      CHECK(moved_log.entries(i).id() == log.entries(i).id());
      CHECK(moved_log.entries(i).actor().user_id() == log.entries(i).actor().user_id());
    }
  }
  // Its trail verifies where it lives.
  {
    auto ctx = CallContext(kAuditorToken);
    v1::VerifyOrderTrailRequest r;
    r.set_order_id(archived[0]);
    v1::VerifyOrderTrailResponse v;
    REQUIRE(stub->VerifyOrderTrail(ctx.get(), r, &v).ok());
    REQUIRE(v.verdicts_size() == 1);
    CHECK(v.verdicts(0).intact());
    CHECK(v.verdicts(0).entries() == 10);
    CHECK(v.verdicts(0).storage_tier() == v1::STORAGE_TIER_ARCHIVE);
  }
  // A repeat caller's orders of both tiers.
  {
    auto ctx = CallContext(kAgentToken);
    v1::FindOrdersByPhoneRequest r;
    r.set_phone("13712345678");
    r.set_page_size(200);
    v1::FindOrdersByPhoneResponse found;
    REQUIRE(stub->FindOrdersByPhone(ctx.get(), r, &found).ok());
    CHECK(found.orders_size() == kOrders);
    int in_archive = 0;
    for (const v1::WorkOrder& o : found.orders()) in_archive += o.storage_tier() == v1::STORAGE_TIER_ARCHIVE;
    CHECK(in_archive == static_cast<int>(archived.size()));
  }

  // The figure: GetWorkOrder through the gateway, live vs archived, 1,500
  // calls each, interleaved (one client, one call at a time).
  std::vector<double> live_ms, archived_ms;
  for (int i = 0; i < 1500; ++i) {
    for (int tier = 0; tier < 2; ++tier) {
      const std::string& id = tier == 0 ? live[i % live.size()] : archived[i % archived.size()];
      const auto t0 = std::chrono::steady_clock::now();
      v1::WorkOrder o;
      grpc::Status s = Get(*stub, kDispatcherToken, id, &o);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      REQUIRE(s.ok());
      REQUIRE(o.storage_tier() == (tier == 0 ? v1::STORAGE_TIER_LIVE : v1::STORAGE_TIER_ARCHIVE));
      (tier == 0 ? live_ms : archived_ms).push_back(ms);
    }
  }
  std::printf(
      "GetWorkOrder through the gateway (1 client, sequential, 1500 calls each): live (Redis) "
      "p50 %.2f ms p99 %.2f ms; archived (PostgreSQL, one primary-key query) p50 %.2f ms p99 "
      "%.2f ms\n",
      Percentile(live_ms, 0.5), Percentile(live_ms, 0.99), Percentile(archived_ms, 0.5),
      Percentile(archived_ms, 0.99));
  // The archived read is one indexed query: PostgreSQL's plan says so.
  auto plan = pg.Exec("EXPLAIN SELECT record FROM archived_orders WHERE id = $1", {archived[0]});
  REQUIRE(plan.ok());
  CHECK(plan->rows[0][0]->find("Index Scan using archived_orders_pkey") != std::string::npos);
}

TEST_CASE("the SLA view of an archived order is its timeline as it was before the move") {
  Stack::Options options;
  options.postgres = true;
  options.auto_dispatch = false;
  options.sla_replicas = 1;  // with --postgres, as intake
  Stack stack(options);
  auto stub = stack.NewClient();
  auto ctx = CallContext(kAgentToken);
  v1::CreateWorkOrderResponse created;
  REQUIRE(stub->CreateWorkOrder(ctx.get(), SampleComplaint(), &created).ok());
  const std::string id = created.order().id();
  REQUIRE(Act(*stub, kDispatcherToken, id, v1::ACTION_DISPATCH, "440106").ok());
  REQUIRE(Act(*stub, kHandlerToken, id, v1::ACTION_SIGN).ok());
  REQUIRE(Act(*stub, kHandlerToken, id, v1::ACTION_REPLY, "", "已处理").ok());
  REQUIRE(Act(*stub, kDispatcherToken, id, v1::ACTION_APPROVE_REPLY).ok());
  REQUIRE(Act(*stub, kDispatcherToken, id, v1::ACTION_CALLBACK).ok());
  REQUIRE(Act(*stub, kDispatcherToken, id, v1::ACTION_ARCHIVE).ok());
  // The monitor has settled the archived order (its deadlines recorded in
  // the history): the view it gives from Redis.
  v1::OrderSla before;
  for (int i = 0; i < 100; ++i) {
    REQUIRE(GetSla(*stub, kDispatcherToken, id, &before).ok());
    if (before.status() == "done" && before.has_closing()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  REQUIRE(before.status() == "done");
  CHECK(before.storage_tier() == v1::STORAGE_TIER_LIVE);
  const int64_t history_before = GetOrder(*stub, id).history_total();

  archive::PgConnection pg(stack.postgres()->conninfo());
  archive::MoveOptions move;
  move.min_age = absl::ZeroDuration();
  move.now = absl::Now() + absl::Hours(1);
  auto moved = archive::MoveDueOrders(stack.redis_client(), pg, orders::OrderKeys(), move);
  REQUIRE(moved.ok());
  REQUIRE(moved->moved == 1);
  REQUIRE(GetOrder(*stub, id).storage_tier() == v1::STORAGE_TIER_ARCHIVE);

  // The same timeline, deadlines, holders and marks; only the tier differs.
  v1::OrderSla after;
  REQUIRE(GetSla(*stub, kDispatcherToken, id, &after).ok());
  CHECK(after.storage_tier() == v1::STORAGE_TIER_ARCHIVE);
  after.set_storage_tier(before.storage_tier());
  std::string diff;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&diff);
  CHECK(differ.Compare(before, after));
  INFO(diff);
  // Read only: the monitor wrote nothing back to Redis for it.
  CHECK(GetOrder(*stub, id).history_total() == history_before);
  auto record = stack.redis_client().Execute({"EXISTS", orders::OrderKeys().Order(id)});
  REQUIRE(record.ok());
  CHECK(record->integer == 0);

  // Scoped as a live order: 天河区 held it, 越秀区 is told it does not exist.
  CHECK(GetSla(*stub, kHandlerToken, id, nullptr).ok());
  CHECK(GetSla(*stub, kYuexiuToken, id, nullptr).error_code() == grpc::StatusCode::NOT_FOUND);
  // An order in neither tier is NOT_FOUND, not an error of the archive.
  std::string missing = id;
  missing.back() = missing.back() == '9' ? '8' : '9';
  CHECK(GetSla(*stub, kDispatcherToken, missing, nullptr).error_code() == grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace hotline::testing
