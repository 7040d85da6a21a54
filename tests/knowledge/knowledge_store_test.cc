// The Redis knowledge store and the change follower against a real
// redis-server: compare-and-set versions, every version kept, exact prefix
// listing, a replica's index following another's writes, a replica started
// while Redis is down.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "absl/strings/str_format.h"
#include "clock/clock.h"
#include "directory/directory.h"
#include "knowledge/change_follower.h"
#include "knowledge/kb_code.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/redis_knowledge_store.h"
#include "support/redis_server.h"

namespace hotline::knowledge {
namespace {

using testing::RedisServer;

template <typename T, typename Call>
absl::StatusOr<T> Wait(Call call) {
  std::promise<absl::StatusOr<T>> promise;
  call([&](absl::StatusOr<T> r) { promise.set_value(std::move(r)); });
  return promise.get_future().get();
}

redis::Options At(const RedisServer& server, int connections = 4) {
  redis::Options o;
  o.port = server.port();
  o.connections = connections;
  return o;
}

v1::KnowledgePoint Version(const std::string& code, int64_t version, const char* answer = "答复") {
  v1::KnowledgePoint p;
  p.set_code(code);
  p.set_title(absl::StrCat("标题", code));
  p.add_questions("问法");
  p.set_answer(answer);
  p.set_owner_unit("GZD006");
  p.set_effective_from("2025-01-01");
  p.set_status(v1::KNOWLEDGE_STATUS_PUBLISHED);
  p.set_version(version);
  return p;
}

absl::Status Put(RedisKnowledgeStore& store, v1::KnowledgePoint p, int64_t expected) {
  return Wait<v1::KnowledgePoint>([&](auto done) { store.Put(std::move(p), expected, std::move(done)); })
      .status();
}

// One replica: its own index, core and follower over a shared Redis.
struct Replica {
  Replica(const RedisServer& server, const directory::Directory& dir)
      : redis(At(server)),
        follow_redis(At(server, 2)),
        store(redis),
        index(v1::KnowledgeSearchSettings{}, v1::KnowledgeSynonyms{}),
        clock(absl::Now()),
        base(store, index, dir, clock),
        follower(follow_redis, store.keys(), index, base, metrics) {
    follower.Start();
  }
  bool Finds(const char* words, const std::string& code) {
    v1::SearchKnowledgeRequest r;
    r.set_query(words);
    auto found = base.Search(r);
    if (!found.ok()) return false;
    for (const auto& h : found->hits()) {
      if (h.code() == code) return true;
    }
    return false;
  }
  prometheus::Registry metrics;
  redis::Client redis, follow_redis;
  RedisKnowledgeStore store;
  SearchIndex index;
  FakeClock clock;
  KnowledgeBase base;
  ChangeFollower follower;
};

TEST_CASE("Versions are compare-and-set and all kept", "[knowledge][redis]") {
  RedisServer server;
  redis::Client redis(At(server));
  RedisKnowledgeStore store(redis);
  CHECK(Put(store, Version("KB.06.01.001", 1), 0).ok());
  CHECK(absl::IsAlreadyExists(Put(store, Version("KB.06.01.001", 1), 0)));
  CHECK(absl::IsNotFound(Put(store, Version("KB.06.01.002", 2), 1)));
  CHECK(Put(store, Version("KB.06.01.001", 2, "第二版"), 1).ok());
  absl::Status stale = Put(store, Version("KB.06.01.001", 2, "旧版上的修改"), 1);
  CHECK(absl::IsAborted(stale));

  // Of many writers racing from the same version exactly one wins.
  std::atomic<int> won{0}, aborted{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < 8; ++i) {
    writers.emplace_back([&, i] {
      absl::Status s = Put(store, Version("KB.06.01.001", 3, absl::StrCat("writer ", i).c_str()), 2);
      (s.ok() ? won : aborted)++;
    });
  }
  for (auto& t : writers) t.join();
  CHECK(won == 1);
  CHECK(aborted == 7);

  auto history = Wait<std::vector<v1::KnowledgePoint>>(
      [&](auto done) { store.History("KB.06.01.001", std::move(done)); });
  REQUIRE(history.ok());
  REQUIRE(history->size() == 3);
  CHECK((*history)[0].answer() == "答复");
  CHECK((*history)[1].answer() == "第二版");
  auto current = Wait<v1::KnowledgePoint>([&](auto done) { store.Get("KB.06.01.001", std::move(done)); });
  REQUIRE(current.ok());
  CHECK(current->version() == 3);
  CHECK(current->answer() == (*history)[2].answer());
  // The status field intake checks.
  auto status = redis.Execute({"HGET", store.keys().Point("KB.06.01.001"), "status"});
  CHECK(status->str == "published");
  auto changes = redis.Execute({"XLEN", store.keys().Changes()});
  CHECK(changes->integer == 3);
}

TEST_CASE("Prefix listing from Redis is exact, in code order, across pages", "[knowledge][redis]") {
  RedisServer server;
  directory::Directory dir = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  redis::Client redis(At(server));
  RedisKnowledgeStore store(redis);
  std::vector<std::string> all;
  for (int d : {6, 7, 60}) {
    for (int t = 1; t <= 3; ++t) {
      for (int i = 1; i <= 12; ++i) all.push_back(absl::StrFormat("KB.%02d.%02d.%03d", d, t, i));
    }
  }
  for (auto it = all.rbegin(); it != all.rend(); ++it) REQUIRE(Put(store, Version(*it, 1), 0).ok());
  FakeClock clock(absl::Now());
  SearchIndex index(v1::KnowledgeSearchSettings{}, v1::KnowledgeSynonyms{});
  KnowledgeBase base(store, index, dir, clock);
  auto list = [&](const std::string& prefix, int page_size) {
    std::vector<std::string> seen;
    std::string token;
    do {
      v1::ListKnowledgePointsRequest r;
      r.set_prefix(prefix);
      r.set_page_size(page_size);
      r.set_page_token(token);
      auto page = Wait<v1::ListKnowledgePointsResponse>([&](auto done) { base.List(r, std::move(done)); });
      REQUIRE(page.ok());
      for (const auto& p : page->points()) {
        CHECK(p.title() == "标题" + p.code());
        seen.push_back(p.code());
      }
      token = page->next_page_token();
    } while (!token.empty());
    return seen;
  };
  for (const std::string prefix : {"KB", "KB.06", "KB.06.02", "KB.60", "KB.07.03.012"}) {
    std::vector<std::string> expected;
    for (const auto& c : all) {
      if (IsUnder(c, prefix)) expected.push_back(c);
    }
    for (int page_size : {1, 5, 12, 500}) {
      INFO(prefix << " by " << page_size);
      CHECK(list(prefix, page_size) == expected);
    }
  }
  CHECK(list("KB.08", 10).empty());
}

TEST_CASE("An edit through one replica is found on another within a second", "[knowledge][redis][follower]") {
  RedisServer server;
  directory::Directory dir = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  Replica a(server, dir), b(server, dir);
  v1::CreateKnowledgePointRequest create;
  *create.mutable_point() = Version("KB.09.02.001", 0, "持境外驾驶证到车管所换领。");
  create.set_publish(true);
  v1::Actor editor;
  editor.set_user_id("editor");
  editor.set_role(v1::ROLE_KNOWLEDGE_EDITOR);
  auto until_ready = absl::Now() + absl::Seconds(10);
  while (!(a.base.index_ready() && b.base.index_ready()) && absl::Now() < until_ready) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  REQUIRE(Wait<v1::KnowledgePointResponse>([&](auto done) { a.base.Create(editor, create, std::move(done)); }).ok());
  CHECK(a.Finds("车管所", "KB.09.02.001"));  // the writer's own index at once

  const absl::Time written = absl::Now();
  while (!b.Finds("车管所", "KB.09.02.001") && absl::Now() - written < absl::Seconds(1)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  CHECK(b.Finds("车管所", "KB.09.02.001"));
  INFO("took " << absl::FormatDuration(absl::Now() - written));
  CHECK(absl::Now() - written < absl::Seconds(1));
}

TEST_CASE("A replica started while Redis is down serves once Redis is back", "[knowledge][redis][follower]") {
  RedisServer server;
  directory::Directory dir = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  {
    redis::Client redis(At(server));
    RedisKnowledgeStore store(redis);
    REQUIRE(Put(store, Version("KB.06.01.001", 1, "社保卡补办到银行网点。"), 0).ok());
  }
  server.Stop();
  Replica late(server, dir);
  absl::SleepFor(absl::Milliseconds(700));
  CHECK_FALSE(late.base.index_ready());
  v1::SearchKnowledgeRequest r;
  r.set_query("社保卡");
  CHECK(absl::IsUnavailable(late.base.Search(r).status()));
  server.Start();
  const absl::Time back = absl::Now();
  while (!late.Finds("社保卡补办", "KB.06.01.001") && absl::Now() - back < absl::Seconds(5)) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  CHECK(late.Finds("社保卡补办", "KB.06.01.001"));
}

}  // namespace
}  // namespace hotline::knowledge
