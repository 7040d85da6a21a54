// The knowledge base end to end: real binaries (two knowledge replicas, intake,
// dispatch, gateway) over a real Redis, driven through the gateway.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "directory/directory.h"
#include "e2e/stack.h"
#include "server/identity.h"
#include "hotline/v1/audit.pb.h"
#include "hotline/v1/knowledge.grpc.pb.h"
#include "knowledge_points/kb_code.h"
#include "knowledge_points/seed.h"

namespace hotline::testing {
namespace {

knowledge::SeedBase Seed() {
  static directory::Directory dir =
      *directory::Directory::LoadDataDir(std::string(HOTLINE_SOURCE_DIR) + "/data");
  auto seed = knowledge::LoadSeedDir(std::string(HOTLINE_SOURCE_DIR) + "/data/knowledge",
                                     [](absl::string_view u) { return dir.FindUnit(u) != nullptr; });
  REQUIRE(seed.ok());
  return *seed;
}

grpc::Status GetPoint(v1::Hotline::Stub& stub, const std::string& code, v1::KnowledgePoint* out) {
  auto ctx = CallContext(kAgentToken);
  v1::GetKnowledgePointRequest r;
  r.set_code(code);
  v1::GetKnowledgePointResponse got;
  grpc::Status s = stub.GetKnowledgePoint(ctx.get(), r, &got);
  *out = got.point();
  return s;
}

// Searches one knowledge replica directly, signed as the gateway signs.
bool ReplicaFinds(const std::string& address, const std::string& words, const std::string& code) {
  auto stub = v1::Knowledge::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  v1::Actor agent;
  agent.set_user_id("agent-t1");
  agent.set_role(v1::ROLE_AGENT);
  agent.set_unit_code("GZ12345");
  v1::SearchKnowledgeRequest r;
  r.set_query(words);
  server::AttachIdentity(agent, Stack::IdentitySecret("knowledge"),
                         "/hotline.v1.Knowledge/SearchKnowledge", r, &ctx);
  v1::SearchKnowledgeResponse found;
  if (!stub->SearchKnowledge(&ctx, r, &found).ok()) return false;
  for (const auto& h : found.hits()) {
    if (h.code() == code) return true;
  }
  return false;
}

TEST_CASE("an edit through one replica is found by search on another within a second", "[e2e][knowledge]") {
  Stack stack(Stack::Options{.knowledge_replicas = 2});
  auto stub = stack.NewClient();
  const knowledge::SeedBase seed = Seed();
  const std::string code = seed.points.front().code();
  v1::KnowledgePoint current;
  REQUIRE(GetPoint(*stub, code, &current).ok());
  const std::string marker = "鹦鹉螺号临时受理点";  // in no seed point
  REQUIRE_FALSE(ReplicaFinds(stack.knowledge_address(1), marker, code));

  v1::EditKnowledgePointRequest edit;
  *edit.mutable_point() = current;
  edit.mutable_point()->set_answer(current.answer() + "现可到" + marker + "办理。");
  edit.set_expected_version(current.version());
  auto ctx = CallContext(kKnowledgeEditorToken);
  v1::KnowledgePointResponse edited;
  REQUIRE(stub->EditKnowledgePoint(ctx.get(), edit, &edited).ok());  // gateway -> replica 0
  CHECK(edited.point().version() == current.version() + 1);

  const absl::Time written = absl::Now();
  bool found = false;
  while (!(found = ReplicaFinds(stack.knowledge_address(1), marker, code)) &&
         absl::Now() - written < absl::Seconds(1)) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  INFO("replica 1 after " << absl::FormatDuration(absl::Now() - written));
  CHECK(found);

  // The same edit again is stale: ABORTED, nothing written.
  auto again = CallContext(kKnowledgeEditorToken);
  CHECK(stub->EditKnowledgePoint(again.get(), edit, &edited).error_code() == grpc::StatusCode::ABORTED);
}

TEST_CASE("an on-spot answer must cite a published point, citing one counts its use", "[e2e][knowledge]") {
  Stack stack;
  auto stub = stack.NewClient();
  const knowledge::SeedBase seed = Seed();
  const std::string cited = seed.points[0].code();
  const std::string retired = seed.points[1].code();

  v1::ChangeKnowledgeStatusRequest retire;
  retire.set_code(retired);
  retire.set_note("政策调整");
  auto rctx = CallContext(kKnowledgeEditorToken);
  v1::KnowledgePointResponse changed;
  REQUIRE(stub->RetireKnowledgePoint(rctx.get(), retire, &changed).ok());
  CHECK(changed.point().status() == v1::KNOWLEDGE_STATUS_RETIRED);

  auto consult = [&](const std::string& code, v1::CreateWorkOrderResponse* created) {
    v1::CreateWorkOrderRequest r = SampleComplaint();
    r.set_type(v1::ORDER_TYPE_CONSULTATION);
    r.set_content("咨询办理事项");
    r.mutable_on_spot_answer()->set_knowledge_code(code);
    auto ctx = CallContext(kAgentToken);
    return stub->CreateWorkOrder(ctx.get(), r, created);
  };
  const long long orders_before = stack.OrderCount();
  for (const std::string& bad : {retired, std::string("KB.99.99.999")}) {
    v1::CreateWorkOrderResponse created;
    grpc::Status s = consult(bad, &created);
    INFO(bad << ": " << s.error_message());
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(absl::StartsWith(s.error_message(), "on_spot_answer.knowledge_code: "));
  }
  CHECK(stack.OrderCount() == orders_before);  // nothing written

  v1::KnowledgePoint before;
  REQUIRE(GetPoint(*stub, cited, &before).ok());
  v1::CreateWorkOrderResponse created;
  REQUIRE(consult(cited, &created).ok());
  CHECK(created.order().state() == v1::ORDER_STATE_CLOSED);
  v1::KnowledgePoint after;
  REQUIRE(GetPoint(*stub, cited, &after).ok());
  CHECK(after.use_count() == before.use_count() + 1);
  CHECK(after.first_contact_resolutions() == before.first_contact_resolutions() + 1);
}

TEST_CASE("prefix listing through the gateway is exact, in code order, across pages", "[e2e][knowledge]") {
  Stack stack;
  auto stub = stack.NewClient();
  const knowledge::SeedBase seed = Seed();
  std::vector<std::string> prefixes = {"KB", knowledge::DomainOf(seed.points.front().code()),
                                       knowledge::TopicOf(seed.points.back().code())};
  for (const std::string& prefix : prefixes) {
    std::vector<std::string> expected;
    for (const auto& p : seed.points) {
      if (knowledge::IsUnder(p.code(), prefix)) expected.push_back(p.code());
    }
    std::vector<std::string> listed;
    std::string token;
    int pages = 0;
    do {
      v1::ListKnowledgePointsRequest r;
      r.set_prefix(prefix);
      r.set_page_size(7);
      r.set_page_token(token);
      v1::ListKnowledgePointsResponse page;
      auto ctx = CallContext(kAgentToken);
      REQUIRE(stub->ListKnowledgePoints(ctx.get(), r, &page).ok());
      for (const auto& p : page.points()) listed.push_back(p.code());
      token = page.next_page_token();
      ++pages;
    } while (!token.empty() && pages < 1000);
    INFO(prefix);
    CHECK(listed == expected);
  }
}

TEST_CASE("knowledge writes: editors and the owning unit only, fields named", "[e2e][knowledge]") {
  Stack stack;
  auto stub = stack.NewClient();
  v1::CreateKnowledgePointRequest create;
  v1::KnowledgePoint& p = *create.mutable_point();
  p.set_code("KB.06.99.001");
  p.set_title("测试知识点");
  p.add_questions("测试问法");
  p.set_answer("由市人力资源和社会保障局负责解答。");
  p.set_owner_unit("GZD006");
  p.set_effective_from("2026-01-01");
  auto call = [&](const char* token) {
    auto ctx = CallContext(token);
    v1::KnowledgePointResponse out;
    return stub->CreateKnowledgePoint(ctx.get(), create, &out);
  };
  CHECK(call(kAgentToken).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(call(kEcologyToken).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  p.set_effective_from("2026-13-01");
  grpc::Status bad = call(kHrToken);
  CHECK(bad.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(absl::StartsWith(bad.error_message(), "point.effective_from: "));
  p.set_effective_from("2026-01-01");
  CHECK(call(kHrToken).ok());  // the owning unit's handler
  CHECK(call(kKnowledgeEditorToken).error_code() == grpc::StatusCode::ALREADY_EXISTS);
}

TEST_CASE("knowledge /metrics counts searches and passes promtool check metrics", "[e2e][knowledge]") {
  Stack stack;
  auto stub = stack.NewClient();
  for (const char* words : {"德国驾照换中国驾照", "zzqqxxyy"}) {
    v1::SearchKnowledgeRequest r;
    r.set_query(words);
    v1::SearchKnowledgeResponse found;
    auto ctx = CallContext(kAgentToken);
    REQUIRE(stub->SearchKnowledge(ctx.get(), r, &found).ok());
  }
  const std::string body = HttpGet(stack.knowledge_metrics_port(), "/metrics");
  CHECK(absl::StrContains(body, "hotline_knowledge_searches_total{result=\"hit\"} 1"));
  CHECK(absl::StrContains(body, "hotline_knowledge_searches_total{result=\"zero_hit\"} 1"));
  CHECK(absl::StrContains(body, "hotline_knowledge_index_points"));
  // What a citizen said is never a metric: the zero-hit search is counted
  // (above), its text is not anywhere in the scrape.
  CHECK_FALSE(absl::StrContains(body, "zzqqxxyy"));
  CHECK_FALSE(absl::StrContains(body, "hotline_knowledge_unanswered_top"));
  const std::string path = stack.dir() + "/knowledge_metrics.txt";
  std::ofstream(path) << body;
  FILE* p = ::popen(("promtool check metrics < " + path + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::string output;
  char buf[512];
  while (fgets(buf, sizeof(buf), p)) output += buf;
  const int status = ::pclose(p);
  INFO("promtool said:\n" << output);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(output.empty());

  // The zero-hit query is listed, through the gateway, for the base's upkeep:
  // from Redis (counted without holding up the search, so polled briefly).
  v1::ListUnansweredQueriesResponse top;
  for (int i = 0; i < 50 && top.queries_size() == 0; ++i) {
    auto ctx = CallContext(kAgentToken);
    REQUIRE(stub->ListUnansweredQueries(ctx.get(), {}, &top).ok());
    if (top.queries_size() == 0) absl::SleepFor(absl::Milliseconds(20));
  }
  REQUIRE(top.queries_size() == 1);
  CHECK(top.queries(0).query() == "zzqqxxyy");
  CHECK(top.queries(0).count() == 1);
  auto kept = stack.redis_client().Execute({"ZSCORE", "hotline:kb:unanswered", "zzqqxxyy"});
  REQUIRE(kept.ok());
  CHECK(kept->str == "1");
}

TEST_CASE("a read of the unanswered queries is written to the access log first", "[e2e][knowledge][privacy]") {
  Stack stack;
  auto stub = stack.NewClient();
  {
    v1::SearchKnowledgeRequest r;
    r.set_query("zzqqxxyy");  // nothing found: kept in the unanswered list
    v1::SearchKnowledgeResponse found;
    auto ctx = CallContext(kAgentToken);
    REQUIRE(stub->SearchKnowledge(ctx.get(), r, &found).ok());
  }
  auto audit_entries = [&] {
    v1::ListAuditEntriesRequest request;
    request.set_page_size(500);
    v1::ListAuditEntriesResponse page;
    auto ctx = CallContext(kAuditorToken);
    grpc::Status status = stub->ListAuditEntries(ctx.get(), request, &page);
    INFO(status.error_message());
    REQUIRE(status.ok());
    std::vector<v1::AuditEntry> reads;
    for (const v1::AuditEntry& e : page.entries()) {
      if (e.action() == v1::AUDIT_ACTION_READ_UNANSWERED_QUERIES) reads.push_back(e);
    }
    return reads;
  };
  // The search counts the query without holding up its answer: polled.
  v1::ListUnansweredQueriesResponse top;
  for (int i = 0; i < 50 && top.queries_size() == 0; ++i) {
    auto ctx = CallContext(kAgentToken);
    REQUIRE(stub->ListUnansweredQueries(ctx.get(), {}, &top).ok());
    if (top.queries_size() == 0) absl::SleepFor(absl::Milliseconds(20));
  }
  REQUIRE(top.queries_size() == 1);
  // One entry for the answer with text in it (empty answers before it showed
  // nothing and are not logged): who read it, when, how many queries.
  std::vector<v1::AuditEntry> reads = audit_entries();
  REQUIRE(reads.size() == 1);
  CHECK(reads[0].actor().user_id() == "agent-t1");
  CHECK(reads[0].actor().role() == v1::ROLE_AGENT);
  CHECK(reads[0].reason() == "unanswered queries: 1 listed");
  CHECK(reads[0].order_ids().empty());
  // The words themselves are not copied into the log.
  CHECK_FALSE(absl::StrContains(reads[0].DebugString(), "zzqqxxyy"));
  {
    auto ctx = CallContext(kKnowledgeEditorToken);
    v1::ListUnansweredQueriesResponse again;
    REQUIRE(stub->ListUnansweredQueries(ctx.get(), {}, &again).ok());
    CHECK(again.queries_size() == 1);
  }
  reads = audit_entries();
  REQUIRE(reads.size() == 2);
  CHECK(reads[0].actor().user_id() == "kbeditor-t1");  // newest first

  // A read whose entry cannot be written is not served.
  REQUIRE(stack.redis_client().Execute({"RENAME", "hotline:audit", "hotline:audit-moved"}).ok());
  REQUIRE(stack.redis_client().Execute({"SET", "hotline:audit", "not a stream"}).ok());
  v1::ListUnansweredQueriesResponse refused;
  auto ctx = CallContext(kAgentToken);
  grpc::Status status = stub->ListUnansweredQueries(ctx.get(), {}, &refused);
  CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(refused.queries_size() == 0);
}

}  // namespace
}  // namespace hotline::testing
