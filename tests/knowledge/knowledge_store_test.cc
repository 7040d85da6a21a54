// The Redis knowledge store and the change follower against a real
// redis-server: compare-and-set versions, every version kept, exact prefix
// listing, a replica's index following another's writes, a replica started
// while Redis is down; the index converging after a Redis error in the middle
// of a batch, after falling behind the change stream's cap and after Redis is
// restored from an older copy; a replica restarted on its kept index catching
// up to what a fresh build holds, or rebuilding when the stream cannot bring
// it there; the zero-hit searches shared in Redis.
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "absl/strings/str_format.h"
#include "clock/clock.h"
#include "directory/directory.h"
#include "knowledge/change_follower.h"
#include "knowledge_points/kb_code.h"
#include "knowledge/knowledge_base.h"
#include "knowledge_points/redis_knowledge_store.h"
#include "support/redis_server.h"
#include "support/temp_dir.h"

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
  Replica(const RedisServer& server, const directory::Directory& dir,
          ChangeFollowerOptions options = {}, bool start = true, const std::string& index_dir = "")
      : redis(At(server)),
        follow_redis(At(server, 2)),
        store(redis),
        index(v1::KnowledgeSearchSettings{}, v1::KnowledgeSynonyms{}, index_dir),
        clock(absl::Now()),
        base(store, index, dir, clock),
        follower(follow_redis, store.keys(), index, base, metrics, options) {
    if (start) follower.Start();
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

// Retries through a Redis restart (the client reconnects in the background).
absl::Status PutWhenBack(RedisKnowledgeStore& store, const v1::KnowledgePoint& p,
                         int64_t expected) {
  absl::Status s;
  for (int i = 0; i < 100; ++i) {
    s = Put(store, p, expected);
    if (!absl::IsUnavailable(s)) return s;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return s;
}

// Polls until a read brings nothing more (or `max` polls).
void PollAll(ChangeFollower& follower, std::string* last_id, int max = 50) {
  for (int i = 0; i < max; ++i) {
    absl::StatusOr<int> n = follower.Poll(last_id, 10);
    REQUIRE(n.ok());
    if (*n == 0) return;
  }
}

TEST_CASE("A Redis error in the middle of a batch: the batch is read again",
          "[knowledge][redis][follower]") {
  RedisServer server;
  directory::Directory dir = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  Replica r(server, dir, {}, /*start=*/false);
  absl::StatusOr<std::string> last_id = r.follower.Build();
  REQUIRE(last_id.ok());
  r.base.MarkIndexReady();
  REQUIRE(Put(r.store, Version("KB.06.01.001", 1, "社保卡补办到银行网点。"), 0).ok());
  REQUIRE(Put(r.store, Version("KB.06.01.002", 1, "公积金提取到管理中心。"), 0).ok());
  REQUIRE(Put(r.store, Version("KB.06.01.003", 1, "驾驶证换领到车管所。"), 0).ok());
  // The second point of the batch cannot be read for a while (HGET on a
  // string: a WRONGTYPE error reply), the others can.
  const std::string key = r.store.keys().Point("KB.06.01.002");
  const std::string aside = key + ":aside";
  REQUIRE(r.redis.Execute({"RENAME", key, aside}).ok());
  REQUIRE(r.redis.Execute({"SET", key, "not a hash"}).ok());
  const std::string before = *last_id;
  CHECK_FALSE(r.follower.Poll(&*last_id, 10).ok());
  CHECK(*last_id == before);  // not advanced past a batch that failed
  REQUIRE(r.redis.Execute({"DEL", key}).ok());
  REQUIRE(r.redis.Execute({"RENAME", aside, key}).ok());
  PollAll(r.follower, &*last_id);
  CHECK(r.index.VersionOf("KB.06.01.001") == 1);
  CHECK(r.index.VersionOf("KB.06.01.002") == 1);
  CHECK(r.index.VersionOf("KB.06.01.003") == 1);
  CHECK(r.Finds("公积金提取", "KB.06.01.002"));
}

TEST_CASE("A replica behind the change stream's cap rebuilds from the store",
          "[knowledge][redis][follower]") {
  RedisServer server;
  directory::Directory dir = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  Replica r(server, dir, {}, /*start=*/false);
  // A writer whose stream is capped at ~10 entries (production: ~100 000);
  // Redis trims whole nodes of 100 entries, so 300 writes trim the first.
  redis::Client writer_redis(At(server));
  RedisKnowledgeStore writer(writer_redis, RedisKnowledgeStoreOptions{.changes_max_length = 10});
  REQUIRE(Put(writer, Version("KB.06.01.001", 1, "社保卡补办到银行网点。"), 0).ok());
  absl::StatusOr<std::string> last_id = r.follower.Build();
  REQUIRE(last_id.ok());
  r.base.MarkIndexReady();
  REQUIRE(r.index.VersionOf("KB.06.01.001") == 1);
  // While this replica is not reading: an edit, then enough writes to push
  // the edit's entry out of the stream.
  REQUIRE(Put(writer, Version("KB.06.01.001", 2, "医保卡挂失拨打服务热线。"), 1).ok());
  REQUIRE(Put(writer, Version("KB.06.01.002", 1, "公积金提取到管理中心。"), 0).ok());
  for (int v = 2; v <= 300; ++v) {
    REQUIRE(Put(writer, Version("KB.06.01.002", v, "公积金提取到管理中心。"), v - 1).ok());
  }
  auto first = r.redis.Execute({"XRANGE", r.store.keys().Changes(), "-", "+", "COUNT", "1"});
  REQUIRE(first.ok());
  REQUIRE(first->elements.size() == 1);
  REQUIRE(first->elements[0].elements[1].elements[1].str == "KB.06.01.002");  // the edit is gone

  PollAll(r.follower, &*last_id);
  CHECK(r.index.VersionOf("KB.06.01.001") == 2);
  CHECK(r.index.VersionOf("KB.06.01.002") == 300);
  CHECK(r.Finds("医保卡挂失", "KB.06.01.001"));
  CHECK_FALSE(r.Finds("银行网点", "KB.06.01.001"));
  // Caught up: later changes are followed as usual, with no further rebuild.
  REQUIRE(Put(writer, Version("KB.06.01.003", 1, "驾驶证换领到车管所。"), 0).ok());
  PollAll(r.follower, &*last_id);
  CHECK(r.index.VersionOf("KB.06.01.003") == 1);
}

TEST_CASE("After Redis is restored from an older copy the index goes back to it",
          "[knowledge][redis][follower]") {
  RedisServer server;
  directory::Directory dir = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  redis::Client writer_redis(At(server));
  RedisKnowledgeStore writer(writer_redis);
  REQUIRE(Put(writer, Version("KB.06.01.001", 1, "社保卡补办到银行网点。"), 0).ok());
  // The copy: Redis's whole directory (append-only file) while it is stopped.
  const std::filesystem::path data(server.dir());
  const std::filesystem::path copy = data.parent_path() / (data.filename().string() + "-copy");
  server.Stop();
  std::filesystem::copy(data, copy, std::filesystem::copy_options::recursive);
  server.Start();

  Replica r(server, dir, ChangeFollowerOptions{.drift_check_interval = absl::Milliseconds(300)});
  REQUIRE(PutWhenBack(writer, Version("KB.06.01.001", 2, "医保卡挂失拨打服务热线。"), 1).ok());
  REQUIRE(Put(writer, Version("KB.06.01.001", 3, "医保卡挂失到经办网点。"), 2).ok());
  REQUIRE(Put(writer, Version("KB.06.01.002", 1, "公积金提取到管理中心。"), 0).ok());
  absl::Time until = absl::Now() + absl::Seconds(10);
  while (!(r.index.VersionOf("KB.06.01.001") == 3 && r.index.VersionOf("KB.06.01.002") == 1) &&
         absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  REQUIRE(r.index.VersionOf("KB.06.01.001") == 3);
  REQUIRE(r.index.VersionOf("KB.06.01.002") == 1);

  // Restored: KB.06.01.001 back at version 1, KB.06.01.002 never written.
  server.Stop();
  std::filesystem::remove_all(data);
  std::filesystem::copy(copy, data, std::filesystem::copy_options::recursive);
  std::filesystem::remove_all(copy);
  server.Start();
  // An edit on the restored version: version 2 again, other words.
  REQUIRE(PutWhenBack(writer, Version("KB.06.01.001", 2, "户口迁移到派出所办理。"), 1).ok());

  until = absl::Now() + absl::Seconds(10);
  while (!(r.index.VersionOf("KB.06.01.001") == 2 && r.index.VersionOf("KB.06.01.002") == 0) &&
         absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  CHECK(r.index.VersionOf("KB.06.01.001") == 2);
  CHECK(r.index.VersionOf("KB.06.01.002") == 0);
  CHECK(r.Finds("户口迁移", "KB.06.01.001"));
  CHECK_FALSE(r.Finds("经办网点", "KB.06.01.001"));
  CHECK_FALSE(r.Finds("公积金提取", "KB.06.01.002"));
  // The drift was counted.
  double drift = 0;
  for (const auto& family : r.metrics.Collect()) {
    if (family.name == "hotline_knowledge_index_drift_total")
      drift = family.metric[0].counter.value;
  }
  CHECK(drift >= 2);
}

TEST_CASE("After a restore, edits that reach the version the index had are taken too",
          "[knowledge][redis][follower]") {
  RedisServer server;
  directory::Directory dir = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  redis::Client writer_redis(At(server));
  RedisKnowledgeStore writer(writer_redis);
  auto at = [](const std::string& code, int64_t version, const char* answer, int64_t seconds) {
    v1::KnowledgePoint p = Version(code, version, answer);
    p.mutable_updated_at()->set_seconds(seconds);
    return p;
  };
  REQUIRE(Put(writer, at("KB.06.01.001", 1, "社保卡补办到银行网点。", 1000), 0).ok());
  const std::filesystem::path data(server.dir());
  const std::filesystem::path copy = data.parent_path() / (data.filename().string() + "-copy");
  server.Stop();
  std::filesystem::copy(data, copy, std::filesystem::copy_options::recursive);
  server.Start();
  Replica r(server, dir, ChangeFollowerOptions{.drift_check_interval = absl::Milliseconds(300)});
  REQUIRE(PutWhenBack(writer, at("KB.06.01.001", 2, "医保卡挂失拨打服务热线。", 2000), 1).ok());
  absl::Time until = absl::Now() + absl::Seconds(10);
  while (r.index.VersionOf("KB.06.01.001") != 2 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  REQUIRE(r.index.VersionOf("KB.06.01.001") == 2);

  server.Stop();
  std::filesystem::remove_all(data);
  std::filesystem::copy(copy, data, std::filesystem::copy_options::recursive);
  std::filesystem::remove_all(copy);
  server.Start();
  // Edited again to version 2, other words, written later: the version
  // number alone matches what the index holds.
  REQUIRE(PutWhenBack(writer, at("KB.06.01.001", 2, "户口迁移到派出所办理。", 3000), 1).ok());
  until = absl::Now() + absl::Seconds(10);
  while (!r.Finds("户口迁移", "KB.06.01.001") && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  CHECK(r.Finds("户口迁移", "KB.06.01.001"));
  CHECK_FALSE(r.Finds("医保卡挂失", "KB.06.01.001"));
}


constexpr const char* kAnswers[] = {"社保卡补办到银行网点。", "公积金提取到管理中心。", "驾驶证换领到车管所。",
                                    "医保报销到医院窗口。", "户口迁移到派出所办理。"};

// What a replica's index answers: every code and version, then the hits
// (code, score, snippet) of searches over every status.
std::string Answers(Replica& r) {
  std::string out;
  for (const auto& [code, v] : r.index.Versions()) {
    out += absl::StrCat(code, "@", v.version, "/", v.updated_at_ms, " ");
  }
  for (const char* words : {"社保卡补办", "公积金提取", "驾驶证换领 车管所", "医保报销", "户口迁移", "银行 医院"}) {
    auto found = r.index.Search({.text = words, .include_retired = true, .limit = 30,
                                 .today = absl::CivilDay(2026, 3, 1)});
    REQUIRE(found.ok());
    out += "\n";
    for (const auto& h : found->hits) absl::StrAppend(&out, h.code(), " ", h.score(), " ", h.snippet(), "; ");
  }
  return out;
}

TEST_CASE("A replica restarted on its kept index catches up to what a fresh build holds",
          "[knowledge][redis][follower][kept]") {
  RedisServer server;
  directory::Directory dir = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  testing::TempDir kept("kb-kept-store-test");
  redis::Client writer_redis(At(server));
  RedisKnowledgeStore writer(writer_redis);
  for (int i = 1; i <= 200; ++i) {
    REQUIRE(Put(writer, Version(absl::StrFormat("KB.06.%02d.%03d", i % 5 + 1, i), 1, kAnswers[i % 5]), 0).ok());
  }
  {
    Replica first(server, dir, {}, /*start=*/false, kept.path());
    bool rebuilt = false;
    REQUIRE(first.follower.Open(&rebuilt).ok());
    CHECK(rebuilt);
    CHECK(first.index.size() == 200);
  }
  // While no replica runs: edits, a retirement, new points.
  for (int i = 1; i <= 40; ++i) {
    REQUIRE(Put(writer, Version(absl::StrFormat("KB.06.%02d.%03d", i % 5 + 1, i), 2, kAnswers[(i + 2) % 5]), 1).ok());
  }
  v1::KnowledgePoint retired = Version("KB.06.02.001", 3, kAnswers[3]);
  retired.set_status(v1::KNOWLEDGE_STATUS_RETIRED);
  REQUIRE(Put(writer, retired, 2).ok());
  for (int i = 201; i <= 230; ++i) {
    REQUIRE(Put(writer, Version(absl::StrFormat("KB.07.%02d.%03d", i % 5 + 1, i), 1, kAnswers[i % 5]), 0).ok());
  }

  Replica restarted(server, dir, {}, /*start=*/false, kept.path());
  CHECK(restarted.index.opened() == "reopened");
  CHECK(restarted.index.size() == 200);  // read back from disk, before any read of Redis
  bool rebuilt = true;
  absl::StatusOr<std::string> position = restarted.follower.Open(&rebuilt);
  REQUIRE(position.ok());
  CHECK_FALSE(rebuilt);
  Replica fresh(server, dir, {}, /*start=*/false);
  REQUIRE(fresh.follower.Build().ok());
  CHECK(restarted.index.size() == 230);
  CHECK(Answers(restarted) == Answers(fresh));
}

TEST_CASE("A kept index the change stream cannot bring up to date is rebuilt",
          "[knowledge][redis][follower][kept]") {
  RedisServer server;
  directory::Directory dir = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  testing::TempDir kept("kb-kept-store-test");
  // A writer whose stream is capped at ~10 entries (Redis trims whole nodes of 100).
  redis::Client writer_redis(At(server));
  RedisKnowledgeStore writer(writer_redis, RedisKnowledgeStoreOptions{.changes_max_length = 10});
  REQUIRE(Put(writer, Version("KB.06.01.001", 1, kAnswers[0]), 0).ok());
  REQUIRE(Put(writer, Version("KB.06.01.002", 1, kAnswers[1]), 0).ok());
  {
    Replica first(server, dir, {}, /*start=*/false, kept.path());
    bool rebuilt = false;
    REQUIRE(first.follower.Open(&rebuilt).ok());
  }
  SECTION("changes after its position were trimmed") {
    // The edit's entry is pushed out of the stream by 300 later writes.
    REQUIRE(Put(writer, Version("KB.06.01.001", 2, kAnswers[3]), 1).ok());
    for (int v = 2; v <= 300; ++v) REQUIRE(Put(writer, Version("KB.06.01.002", v, kAnswers[1]), v - 1).ok());
    auto first = writer_redis.Execute({"XRANGE", writer.keys().Changes(), "-", "+", "COUNT", "1"});
    REQUIRE(first.ok());
    REQUIRE(first->elements[0].elements[1].elements[1].str == "KB.06.01.002");  // the edit is gone
  }
  SECTION("Redis emptied and written again: its position is not in the new stream") {
    REQUIRE(writer_redis.Execute({"FLUSHALL"}).ok());
    REQUIRE(Put(writer, Version("KB.06.01.001", 1, kAnswers[4]), 0).ok());
    REQUIRE(Put(writer, Version("KB.06.01.003", 1, kAnswers[2]), 0).ok());
  }
  SECTION("the stream is behind its position (Redis restored from an older copy)") {
    // As a copy taken before the replica's position: an older stream, and
    // the point as it was then (written straight into the record).
    REQUIRE(writer_redis.Execute({"DEL", writer.keys().Changes()}).ok());
    REQUIRE(writer_redis.Execute({"XADD", writer.keys().Changes(), "1-1", "code", "KB.06.01.001"}).ok());
    REQUIRE(writer_redis.Execute({"HSET", writer.keys().Point("KB.06.01.001"), "point",
                                  Version("KB.06.01.001", 1, kAnswers[4]).SerializeAsString()}).ok());
  }
  Replica restarted(server, dir, {}, /*start=*/false, kept.path());
  CHECK(restarted.index.opened() == "reopened");
  bool rebuilt = false;
  REQUIRE(restarted.follower.Open(&rebuilt).ok());
  CHECK(rebuilt);
  Replica fresh(server, dir, {}, /*start=*/false);
  REQUIRE(fresh.follower.Build().ok());
  CHECK(Answers(restarted) == Answers(fresh));
}

TEST_CASE("Zero-hit searches are one list in Redis: every replica's, kept across restarts, bounded",
          "[knowledge][redis][unanswered]") {
  RedisServer server;
  directory::Directory dir = *directory::Directory::LoadDataDir(HOTLINE_SOURCE_DIR "/data");
  Replica a(server, dir), b(server, dir);
  auto until_ready = absl::Now() + absl::Seconds(10);
  while (!(a.base.index_ready() && b.base.index_ready()) && absl::Now() < until_ready) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  auto search = [](Replica& r, const char* words) {
    v1::SearchKnowledgeRequest q;
    q.set_query(words);
    auto found = r.base.Search(q);
    REQUIRE(found.ok());
    CHECK(found->hits().empty());
  };
  auto list = [](Replica& r) {
    auto top = Wait<v1::ListUnansweredQueriesResponse>(
        [&](auto done) { r.base.ListUnanswered({}, std::move(done)); });
    REQUIRE(top.ok());
    std::vector<std::pair<std::string, int64_t>> out;
    for (const auto& q : top->queries()) out.emplace_back(q.query(), q.count());
    return out;
  };
  using Top = std::vector<std::pair<std::string, int64_t>>;
  search(a, "zzqqxxyy");
  search(b, "zzqqxxyy");
  search(b, "我的电话13812345678");
  // Counted without waiting for the search: poll briefly.
  const Top expected = {{"zzqqxxyy", 2}, {"我的电话#", 1}};
  const absl::Time until = absl::Now() + absl::Seconds(5);
  while (list(a) != expected && absl::Now() < until) absl::SleepFor(absl::Milliseconds(10));
  CHECK(list(a) == expected);
  CHECK(list(b) == expected);
  server.Stop();
  server.Start();
  Replica c(server, dir);
  Top after_restart;
  for (int i = 0; i < 100 && after_restart != expected; ++i) {
    auto top = Wait<v1::ListUnansweredQueriesResponse>(
        [&](auto done) { c.base.ListUnanswered({}, std::move(done)); });
    after_restart.clear();
    if (top.ok()) {
      for (const auto& q : top->queries()) after_restart.emplace_back(q.query(), q.count());
    }
    if (after_restart != expected) absl::SleepFor(absl::Milliseconds(50));
  }
  CHECK(after_restart == expected);

  // Bounded: a full list makes room by the least counted, whose count carries over.
  redis::Client small_redis(At(server));
  RedisKnowledgeStore small(
      small_redis, RedisKnowledgeStoreOptions{.key_prefix = "small:", .unanswered_capacity = 2});
  auto record = [&](const char* q) {
    return Wait<int64_t>([&](auto done) { small.RecordUnanswered(q, std::move(done)); });
  };
  CHECK(*record("甲") == 1);
  CHECK(*record("甲") == 2);
  CHECK(*record("乙") == 1);
  CHECK(*record("丙") == 2);  // takes 乙's place and count
  auto top = Wait<std::vector<UnansweredCount>>(
      [&](auto done) { small.TopUnanswered(10, std::move(done)); });
  REQUIRE(top.ok());
  REQUIRE(top->size() == 2);
  CHECK((*top)[0].query == "丙");  // 2, 2: ties by text (丙 U+4E19 < 甲 U+7532)
  CHECK((*top)[1].query == "甲");
}

}  // namespace
}  // namespace hotline::knowledge
