// The knowledge domain core alone: the in-memory fake store and a FakeClock.
#include <catch2/catch.hpp>

#include "clock/clock.h"
#include "directory/directory.h"
#include "knowledge/fake_knowledge_store.h"
#include "knowledge/knowledge_base.h"

namespace hotline::knowledge {
namespace {

// Runs an async core call and returns its result.
template <typename T, typename Call>
absl::StatusOr<T> Sync(Call call) {
  std::optional<absl::StatusOr<T>> out;
  call([&](absl::StatusOr<T> r) { out = std::move(r); });
  REQUIRE(out.has_value());
  return std::move(*out);
}

std::optional<v1::Actor> As(v1::Role role, const char* unit) {
  v1::Actor a;
  a.set_user_id("tester");
  a.set_role(role);
  a.set_unit_code(unit);
  return a;
}

const auto kEditor = As(v1::ROLE_KNOWLEDGE_EDITOR, "GZ12345");
const auto kHrHandler = As(v1::ROLE_UNIT_HANDLER, "GZD006");
const auto kOtherHandler = As(v1::ROLE_UNIT_HANDLER, "GZD002");
const auto kAgent = As(v1::ROLE_AGENT, "GZ12345");

v1::KnowledgePoint Content(const char* code = "KB.06.01.003", const char* answer = "到社保经办窗口办理参保登记，由市人力资源和社会保障局负责。") {
  v1::KnowledgePoint p;
  p.set_code(code);
  p.set_title("灵活就业人员参保");
  p.add_questions("灵活就业怎么交社保");
  p.set_answer(answer);
  p.set_owner_unit("GZD006");
  p.set_effective_from("2025-01-01");
  p.set_expires_on("2026-12-31");
  p.add_keywords("灵活就业");
  return p;
}

struct Core {
  Core()
      : directory(*directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data")),
        clock(absl::FromCivil(absl::CivilSecond(2026, 3, 1, 10, 0, 0), CityTimeZone())),
        index(v1::KnowledgeSearchSettings(), v1::KnowledgeSynonyms()),
        base(store, index, directory, clock) {
    base.MarkIndexReady();
  }
  absl::StatusOr<v1::KnowledgePointResponse> Create(const std::optional<v1::Actor>& who,
                                                    v1::KnowledgePoint p, bool publish = false) {
    v1::CreateKnowledgePointRequest r;
    *r.mutable_point() = std::move(p);
    r.set_publish(publish);
    return Sync<v1::KnowledgePointResponse>([&](auto done) { base.Create(who, r, std::move(done)); });
  }
  absl::StatusOr<v1::KnowledgePointResponse> Edit(const std::optional<v1::Actor>& who,
                                                  v1::KnowledgePoint p, int64_t expected) {
    v1::EditKnowledgePointRequest r;
    *r.mutable_point() = std::move(p);
    r.set_expected_version(expected);
    return Sync<v1::KnowledgePointResponse>([&](auto done) { base.Edit(who, r, std::move(done)); });
  }
  absl::StatusOr<v1::KnowledgePointResponse> Status(bool publish, const std::optional<v1::Actor>& who,
                                                    const char* code, int64_t expected = 0) {
    v1::ChangeKnowledgeStatusRequest r;
    r.set_code(code);
    r.set_expected_version(expected);
    return Sync<v1::KnowledgePointResponse>([&](auto done) {
      publish ? base.Publish(who, r, std::move(done)) : base.Retire(who, r, std::move(done));
    });
  }
  absl::StatusOr<v1::GetKnowledgePointResponse> Get(const char* code, const char* as_of = "", int64_t version = 0) {
    v1::GetKnowledgePointRequest r;
    r.set_code(code);
    r.set_as_of(as_of);
    r.set_version(version);
    return Sync<v1::GetKnowledgePointResponse>([&](auto done) { base.Get(r, std::move(done)); });
  }
  std::vector<std::string> Search(const char* words) {
    v1::SearchKnowledgeRequest r;
    r.set_query(words);
    absl::StatusOr<v1::SearchKnowledgeResponse> found = base.Search(r);
    REQUIRE(found.ok());
    std::vector<std::string> codes;
    for (const auto& h : found->hits()) codes.push_back(h.code());
    return codes;
  }

  directory::Directory directory;
  FakeClock clock;
  testing::FakeKnowledgeStore store;
  SearchIndex index;
  KnowledgeBase base;
};

TEST_CASE("Create, publish, edit, retire: each a version, searchable as it goes", "[knowledge][core]") {
  Core c;
  auto created = c.Create(kEditor, Content());
  REQUIRE(created.ok());
  CHECK(created->point().version() == 1);
  CHECK(created->point().status() == v1::KNOWLEDGE_STATUS_DRAFT);
  CHECK(created->point().updated_by().user_id() == "tester");
  CHECK(c.Search("灵活就业").empty());  // drafts are not searched by default

  REQUIRE(c.Status(true, kEditor, "KB.06.01.003", 1).ok());
  CHECK(c.Search("灵活就业") == std::vector<std::string>{"KB.06.01.003"});

  c.clock.Advance(absl::Hours(24 * 3));
  auto edited = c.Edit(kHrHandler, Content("KB.06.01.003", "现在可通过粤省事在线办理参保，由市人社局负责。"), 2);
  REQUIRE(edited.ok());
  CHECK(edited->point().version() == 3);
  CHECK(edited->point().status() == v1::KNOWLEDGE_STATUS_PUBLISHED);
  CHECK(c.Search("粤省事") == std::vector<std::string>{"KB.06.01.003"});

  c.clock.Advance(absl::Hours(24 * 3));
  REQUIRE(c.Status(false, kEditor, "KB.06.01.003").ok());
  CHECK(c.Search("粤省事").empty());
  auto now = c.Get("KB.06.01.003");
  REQUIRE(now.ok());
  CHECK(now->point().version() == 4);
  CHECK(now->point().status() == v1::KNOWLEDGE_STATUS_RETIRED);
}

TEST_CASE("Every version is kept and readable as it was on a day", "[knowledge][core]") {
  Core c;
  REQUIRE(c.Create(kEditor, Content(), true).ok());  // 2026-03-01
  c.clock.Advance(absl::Hours(24 * 4));             // 2026-03-05
  REQUIRE(c.Edit(kEditor, Content("KB.06.01.003", "新的答复内容，由市人社局负责。"), 1).ok());
  auto march_3 = c.Get("KB.06.01.003", "2026-03-03");
  REQUIRE(march_3.ok());
  CHECK(march_3->point().version() == 1);
  CHECK(march_3->point().answer() == Content().answer());
  CHECK(c.Get("KB.06.01.003", "2026-03-05")->point().version() == 2);
  CHECK(c.Get("KB.06.01.003", "", 1)->point().answer() == Content().answer());
  CHECK(absl::IsNotFound(c.Get("KB.06.01.003", "2026-02-28").status()));
  CHECK(absl::IsNotFound(c.Get("KB.06.01.003", "", 9).status()));
  CHECK(absl::IsInvalidArgument(c.Get("KB.06.01.003", "March 3").status()));
  CHECK(absl::IsNotFound(c.Get("KB.06.01.009").status()));
}

TEST_CASE("A stale edit is ABORTED and changes nothing", "[knowledge][core]") {
  Core c;
  REQUIRE(c.Create(kEditor, Content(), true).ok());
  REQUIRE(c.Edit(kEditor, Content("KB.06.01.003", "第一次修改，由市人社局负责。"), 1).ok());
  auto stale = c.Edit(kEditor, Content("KB.06.01.003", "基于旧版本的修改，由市人社局负责。"), 1);
  CHECK(absl::IsAborted(stale.status()));
  CHECK(c.Get("KB.06.01.003")->point().answer() == "第一次修改，由市人社局负责。");
  CHECK(absl::IsAborted(c.Status(false, kEditor, "KB.06.01.003", 1).status()));
  CHECK(absl::IsInvalidArgument(c.Edit(kEditor, Content(), 0).status()));
}

TEST_CASE("Only editors and the owning unit may write", "[knowledge][core]") {
  Core c;
  CHECK(absl::IsPermissionDenied(c.Create(kAgent, Content()).status()));
  CHECK(absl::IsPermissionDenied(c.Create(kOtherHandler, Content()).status()));
  CHECK(absl::IsUnauthenticated(c.Create(std::nullopt, Content()).status()));
  REQUIRE(c.Create(kHrHandler, Content()).ok());
  CHECK(absl::IsPermissionDenied(c.Status(true, kOtherHandler, "KB.06.01.003").status()));
  CHECK(absl::IsPermissionDenied(c.Status(true, kAgent, "KB.06.01.003").status()));
  // A handler cannot give the point to another unit (nor take one).
  v1::KnowledgePoint moved = Content();
  moved.set_owner_unit("GZD002");
  CHECK(absl::IsPermissionDenied(c.Edit(kHrHandler, moved, 1).status()));
  CHECK(absl::IsPermissionDenied(c.Edit(kOtherHandler, moved, 1).status()));
  CHECK(c.Get("KB.06.01.003")->point().version() == 1);
}

TEST_CASE("Bad input is INVALID_ARGUMENT naming the field, duplicates ALREADY_EXISTS", "[knowledge][core]") {
  Core c;
  v1::KnowledgePoint bad = Content();
  bad.set_code("KB.6.1.3");
  auto r = c.Create(kEditor, bad);
  CHECK(absl::IsInvalidArgument(r.status()));
  CHECK(r.status().message().rfind("point.code: ", 0) == 0);
  bad = Content();
  bad.set_owner_unit("GZD999");
  CHECK(c.Create(kEditor, bad).status().message().rfind("point.owner_unit: ", 0) == 0);
  REQUIRE(c.Create(kEditor, Content()).ok());
  CHECK(absl::IsAlreadyExists(c.Create(kEditor, Content()).status()));
  REQUIRE(c.Status(false, kEditor, "KB.06.01.003").ok());
  auto again = c.Status(false, kEditor, "KB.06.01.003");
  CHECK(absl::IsFailedPrecondition(again.status()));
  CHECK(c.Get("KB.06.01.003")->point().version() == 2);
}

TEST_CASE("Prefix listing is exact, in code order, across pages", "[knowledge][core]") {
  Core c;
  std::vector<std::string> codes = {"KB.06.01.001", "KB.06.01.002", "KB.06.01.010", "KB.06.02.001",
                                    "KB.06.10.001", "KB.07.01.001", "KB.60.01.001"};
  for (auto it = codes.rbegin(); it != codes.rend(); ++it) REQUIRE(c.Create(kEditor, Content(it->c_str())).ok());
  auto list_all = [&](const char* prefix, int page_size) {
    std::vector<std::string> seen;
    std::string token;
    int pages = 0;
    do {
      v1::ListKnowledgePointsRequest r;
      r.set_prefix(prefix);
      r.set_page_size(page_size);
      r.set_page_token(token);
      auto page = Sync<v1::ListKnowledgePointsResponse>([&](auto done) { c.base.List(r, std::move(done)); });
      REQUIRE(page.ok());
      for (const auto& p : page->points()) seen.push_back(p.code());
      token = page->next_page_token();
      ++pages;
    } while (!token.empty() && pages < 100);
    return seen;
  };
  CHECK(list_all("KB.06", 2) == std::vector<std::string>(codes.begin(), codes.begin() + 5));
  CHECK(list_all("KB.06.01", 1) == std::vector<std::string>(codes.begin(), codes.begin() + 3));
  CHECK(list_all("KB", 3) == codes);
  CHECK(list_all("KB.06.01.002", 5) == std::vector<std::string>{"KB.06.01.002"});
  CHECK(list_all("KB.08", 5).empty());
  v1::ListKnowledgePointsRequest bad;
  bad.set_prefix("KB.6");
  auto refused = Sync<v1::ListKnowledgePointsResponse>([&](auto done) { c.base.List(bad, std::move(done)); });
  CHECK(refused.status().message().rfind("prefix: ", 0) == 0);
  bad.set_prefix("KB.06");
  bad.set_page_token("KB.07.01.001");
  refused = Sync<v1::ListKnowledgePointsResponse>([&](auto done) { c.base.List(bad, std::move(done)); });
  CHECK(refused.status().message().rfind("page_token: ", 0) == 0);
}

TEST_CASE("Seeding stores what is missing and leaves the rest", "[knowledge][core]") {
  Core c;
  SeedBase seed;
  v1::KnowledgeSeedPoint s;
  s.set_code("KB.06.01.003");
  s.set_title("灵活就业人员参保");
  s.add_questions("灵活就业怎么交社保");
  s.set_answer("到社保经办窗口办理。");
  s.set_owner_unit("GZD006");
  s.set_effective_from("2025-01-01");
  seed.points.push_back(s);
  s.set_code("KB.06.01.004");
  seed.points.push_back(s);
  REQUIRE(c.Create(kEditor, Content()).ok());  // a draft already there
  CHECK(*c.base.LoadSeed(seed) == 1);
  CHECK(c.Get("KB.06.01.003")->point().status() == v1::KNOWLEDGE_STATUS_DRAFT);
  CHECK(c.Get("KB.06.01.004")->point().status() == v1::KNOWLEDGE_STATUS_PUBLISHED);
  CHECK(*c.base.LoadSeed(seed) == 0);
  c.store.down = true;
  CHECK(absl::IsUnavailable(c.base.LoadSeed(seed).status()));
}

TEST_CASE("Search: not before the index is built, bad input named, zero hits tracked", "[knowledge][core]") {
  testing::FakeKnowledgeStore store;
  directory::Directory dir = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  FakeClock clock(absl::UnixEpoch());
  SearchIndex index(v1::KnowledgeSearchSettings{}, v1::KnowledgeSynonyms{});
  KnowledgeBase base(store, index, dir, clock);
  v1::SearchKnowledgeRequest r;
  r.set_query("社保");
  CHECK(absl::IsUnavailable(base.Search(r).status()));
  base.MarkIndexReady();
  CHECK(base.Search(r)->hits().empty());
  r.set_query("我的电话13812345678");
  CHECK(base.Search(r).ok());
  absl::StatusOr<v1::ListUnansweredQueriesResponse> top;
  base.ListUnanswered(
      {}, [&](absl::StatusOr<v1::ListUnansweredQueriesResponse> r) { top = std::move(r); });
  REQUIRE(top.ok());
  REQUIRE(top->queries_size() == 2);
  for (const auto& q : top->queries()) CHECK(q.query().find("138") == std::string::npos);
  // The list is the store's (shared by replicas), not the replica's memory.
  store.down = true;
  base.ListUnanswered(
      {}, [&](absl::StatusOr<v1::ListUnansweredQueriesResponse> r) { top = std::move(r); });
  CHECK(absl::IsUnavailable(top.status()));
  store.down = false;
  r.set_query("");
  CHECK(base.Search(r).status().message().rfind("query: ", 0) == 0);
  r.set_query("社保");
  r.set_code_prefix("KB.6");
  CHECK(base.Search(r).status().message().rfind("code_prefix: ", 0) == 0);
}

TEST_CASE("Did-not-help marks count, expiring lists need a known unit", "[knowledge][core]") {
  Core c;
  REQUIRE(c.Create(kEditor, Content(), true).ok());
  v1::MarkKnowledgeNotHelpfulRequest m;
  m.set_code("KB.06.01.003");
  auto marked = Sync<v1::MarkKnowledgeNotHelpfulResponse>([&](auto done) { c.base.MarkNotHelpful(kAgent, m, std::move(done)); });
  REQUIRE(marked.ok());
  CHECK(marked->not_helpful_count() == 1);
  CHECK(c.Get("KB.06.01.003")->point().not_helpful_count() == 1);
  m.set_code("KB.06.01.009");
  CHECK(absl::IsNotFound(Sync<v1::MarkKnowledgeNotHelpfulResponse>([&](auto done) { c.base.MarkNotHelpful(kAgent, m, std::move(done)); }).status()));

  v1::ListExpiringKnowledgeRequest e;
  e.set_owner_unit("GZD006");
  CHECK(c.base.ListExpiring(e)->points().empty());  // expires 2026-12-31, today 2026-03-01
  e.set_within_days(400);
  REQUIRE(c.base.ListExpiring(e)->points_size() == 1);
  c.clock.Advance(absl::Hours(24 * 400));
  e.set_within_days(0);
  REQUIRE(c.base.ListExpiring(e)->points_size() == 1);  // past expiry
  e.set_owner_unit("NOPE");
  CHECK(c.base.ListExpiring(e).status().message().rfind("owner_unit: ", 0) == 0);
}

}  // namespace
}  // namespace hotline::knowledge
