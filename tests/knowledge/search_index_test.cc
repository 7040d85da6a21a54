// The Xapian index alone: Chinese without spaces, ranking, filters, synonyms,
// snippets, versions; an index kept in a folder across restarts.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "knowledge/search_index.h"
#include "support/temp_dir.h"

namespace hotline::knowledge {
namespace {

v1::KnowledgePoint Point(const char* code, const char* title, const char* question,
                         const char* answer, const char* unit = "GZD006",
                         v1::KnowledgeStatus status = v1::KNOWLEDGE_STATUS_PUBLISHED,
                         const char* expires = "", int64_t version = 1) {
  v1::KnowledgePoint p;
  p.set_code(code);
  p.set_title(title);
  p.add_questions(question);
  p.set_answer(answer);
  p.set_owner_unit(unit);
  p.set_effective_from("2025-01-01");
  p.set_expires_on(expires);
  p.set_status(status);
  p.set_version(version);
  return p;
}

struct Fixture {
  Fixture() : index(Settings(), Synonyms()) {
    for (const auto& p : Points()) index.Upsert(p);
  }
  static std::vector<v1::KnowledgePoint> Points() {
    return {Point("KB.06.01.003", "灵活就业人员参加社会保险", "灵活就业怎么交社保",
                  "灵活就业人员可到社保经办窗口或通过粤税通办理参保登记，由市人力资源和社会保障局负责。"),
            Point("KB.09.02.001", "境外驾驶证换领中国驾驶证", "外国驾照怎么换国内的",
                  "持境外驾驶证申领中国驾驶证的，到车管所提交申请并参加科目一考试，由市公安局交通警察支队办理。",
                  "GZD001"),
            Point("KB.07.01.001", "住房公积金提取", "公积金怎么取出来",
                  "购房、租房等情形可以提取住房公积金，向住房公积金管理中心申请。", "GZD020"),
            Point("KB.06.02.001", "失业保险金申领", "失业了能领钱吗",
                  "失业人员可申领失业保险金，由市人力资源和社会保障局负责。", "GZD006",
                  v1::KNOWLEDGE_STATUS_RETIRED),
            Point("KB.06.03.001", "工伤认定申请", "上班受伤怎么认定工伤",
                  "工伤认定向人力资源和社会保障部门申请。", "GZD006",
                  v1::KNOWLEDGE_STATUS_PUBLISHED, "2026-01-31")};
  }
  static v1::KnowledgeSearchSettings Settings() {
    v1::KnowledgeSearchSettings s;
    s.add_stopwords("怎么");
    s.add_stopwords("吗");
    return s;
  }
  static v1::KnowledgeSynonyms Synonyms() {
    v1::KnowledgeSynonyms s;
    auto* g = s.add_groups();
    g->add_terms("驾照");
    g->add_terms("驾驶证");
    return s;
  }
  std::vector<std::string> Codes(SearchQuery q) {
    q.today = absl::CivilDay(2026, 6, 1);
    absl::StatusOr<SearchResult> r = index.Search(q);
    REQUIRE(r.ok());
    std::vector<std::string> codes;
    for (const auto& h : r->hits) codes.push_back(h.code());
    return codes;
  }
  SearchIndex index;
};

TEST_CASE_METHOD(Fixture, "Chinese without spaces finds the right point first", "[knowledge][search]") {
  auto codes = Codes({.text = "我是自由职业者想交社保"});
  REQUIRE_FALSE(codes.empty());
  CHECK(codes[0] == "KB.06.01.003");
  codes = Codes({.text = "公积金提取"});
  REQUIRE_FALSE(codes.empty());
  CHECK(codes[0] == "KB.07.01.001");
}

TEST_CASE_METHOD(Fixture, "The index folder is its owner's only", "[knowledge][search]") {
  // It holds drafts and retired points; Xapian itself makes it 0755.
  const auto perms = std::filesystem::status(index.dir()).permissions();
  CHECK((perms & std::filesystem::perms::all) == std::filesystem::perms::owner_all);
}

TEST_CASE_METHOD(Fixture, "Synonyms from data widen the query", "[knowledge][search]") {
  CHECK(index.Rewrite("驾照").find("驾驶证") != std::string::npos);
  CHECK(index.Rewrite("我的驾照怎么办吗").find("怎么") == std::string::npos);
  auto codes = Codes({.text = "德国驾照"});
  REQUIRE_FALSE(codes.empty());
  CHECK(codes[0] == "KB.09.02.001");
}

TEST_CASE_METHOD(Fixture, "Retired and expired points only when asked", "[knowledge][search]") {
  auto codes = Codes({.text = "失业保险金"});
  CHECK(std::find(codes.begin(), codes.end(), "KB.06.02.001") == codes.end());
  codes = Codes({.text = "失业保险金", .include_retired = true});
  REQUIRE_FALSE(codes.empty());
  CHECK(codes[0] == "KB.06.02.001");
  codes = Codes({.text = "工伤认定"});
  CHECK(std::find(codes.begin(), codes.end(), "KB.06.03.001") == codes.end());
  codes = Codes({.text = "工伤认定", .include_expired = true});
  REQUIRE_FALSE(codes.empty());
  CHECK(codes[0] == "KB.06.03.001");
}

TEST_CASE_METHOD(Fixture, "Filters by code prefix, unit and status", "[knowledge][search]") {
  for (const std::string& c : Codes({.text = "申请 办理 负责", .code_prefix = "KB.06"})) {
    CHECK(c.rfind("KB.06.", 0) == 0);
  }
  auto codes = Codes({.text = "申请 办理 负责", .owner_unit = "GZD001"});
  REQUIRE(codes.size() == 1);
  CHECK(codes[0] == "KB.09.02.001");
  codes = Codes({.text = "失业", .status = v1::KNOWLEDGE_STATUS_RETIRED});
  REQUIRE(codes.size() == 1);
}

TEST_CASE_METHOD(Fixture, "Hits carry a highlighted snippet of the answer", "[knowledge][search]") {
  absl::StatusOr<SearchResult> r = index.Search({.text = "车管所", .today = absl::CivilDay(2026, 6, 1)});
  REQUIRE(r.ok());
  REQUIRE_FALSE(r->hits.empty());
  CHECK(r->hits[0].snippet().find("【") != std::string::npos);
  CHECK(r->hits[0].title() == "境外驾驶证换领中国驾驶证");
}

TEST_CASE_METHOD(Fixture, "A newer version replaces the old text, an older one is ignored", "[knowledge][search]") {
  CHECK(index.Upsert(Point("KB.07.01.001", "住房公积金提取", "公积金怎么取", "现在也可以在线提取，网办。", "GZD020",
                           v1::KNOWLEDGE_STATUS_PUBLISHED, "", 2)));
  CHECK_FALSE(index.Upsert(Point("KB.07.01.001", "旧的", "旧", "旧", "GZD020",
                                 v1::KNOWLEDGE_STATUS_PUBLISHED, "", 1)));
  CHECK(index.VersionOf("KB.07.01.001") == 2);
  CHECK(index.size() == 5);
  auto codes = Codes({.text = "网办"});
  REQUIRE_FALSE(codes.empty());
  CHECK(codes[0] == "KB.07.01.001");
  codes = Codes({.text = "管理中心"});  // only the old answer had it
  CHECK(std::find(codes.begin(), codes.end(), "KB.07.01.001") == codes.end());
}

TEST_CASE_METHOD(Fixture, "A query of only stopwords is refused", "[knowledge][search]") {
  CHECK(absl::IsInvalidArgument(index.Search({.text = "怎么 吗"}).status()));
}

TEST_CASE_METHOD(Fixture, "Expiring lists a unit's points by expiry, not retired ones", "[knowledge][search]") {
  auto list = index.Expiring("GZD006", absl::CivilDay(2026, 2, 28));
  REQUIRE(list.size() == 1);
  CHECK(list[0].code() == "KB.06.03.001");
  CHECK(index.Expiring("GZD006", absl::CivilDay(2026, 1, 30)).empty());
}

TEST_CASE("A new index removes the folders of dead replicas, not of live ones", "[knowledge][search]") {
  const std::filesystem::path tmp = std::filesystem::temp_directory_path();
  // A pid that ran and is gone: a child that exited and was reaped.
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const auto orphan = tmp / ("hotline-kb-index-" + std::to_string(dead) + "-test01");
  const auto live = tmp / ("hotline-kb-index-" + std::to_string(::getpid()) + "-test02");
  std::filesystem::create_directories(orphan / "sub");
  std::filesystem::create_directories(live);
  { SearchIndex index(Fixture::Settings(), Fixture::Synonyms()); }
  CHECK_FALSE(std::filesystem::exists(orphan));
  CHECK(std::filesystem::exists(live));
  std::filesystem::remove_all(live);
}

TEST_CASE_METHOD(Fixture, "Searches run side by side while points are written, and see each write",
                 "[knowledge][search]") {
  std::atomic<bool> writing{true};
  std::atomic<int> wrong{0}, done{0};
  std::vector<std::thread> searchers;
  for (int t = 0; t < 6; ++t) {
    searchers.emplace_back([&] {
      while (writing || done < 600) {
        auto found = index.Search({.text = "外国驾照换国内的", .today = absl::CivilDay(2026, 6, 1)});
        if (!found.ok() || found->hits.empty() || found->hits[0].code() != "KB.09.02.001") ++wrong;
        ++done;
      }
    });
  }
  // Writes between searches: new points and new versions, each searchable at once.
  for (int i = 1; i <= 300; ++i) {
    const std::string code = absl::StrFormat("KB.30.01.%03d", i);
    index.Upsert(Point(code.c_str(), "公积金贷款", "公积金贷款怎么办", absl::StrCat("第", i, "号答复").c_str()));
    if (i % 50 == 0) {
      auto found = index.Search({.text = "公积金贷款", .limit = 400, .today = absl::CivilDay(2026, 6, 1)});
      REQUIRE(found.ok());
      CHECK(found->hits.size() == static_cast<size_t>(i) + 1);  // and the fixture's 住房公积金提取
    }
  }
  writing = false;
  for (auto& t : searchers) t.join();
  CHECK(wrong == 0);
  CHECK(done >= 600);
}


// Every indexed code and version, then the hits (code, score, snippet) of
// searches with each filter: what an index answers.
std::string Answers(const SearchIndex& index) {
  std::string out;
  for (const auto& [code, v] : index.Versions()) out += code + "@" + std::to_string(v.version) + " ";
  for (const SearchQuery& q : {SearchQuery{.text = "社会保险 驾驶证 公积金 工伤 失业"},
                               SearchQuery{.text = "社会保险 工伤 失业", .include_expired = true,
                                           .include_retired = true},
                               SearchQuery{.text = "驾照", .owner_unit = "GZD001"}}) {
    SearchQuery at = q;
    at.today = absl::CivilDay(2026, 3, 1);
    auto found = index.Search(at);
    REQUIRE(found.ok());
    out += "\n";
    for (const auto& h : found->hits) out += h.code() + " " + std::to_string(h.score()) + " " + h.snippet() + "; ";
  }
  return out;
}

TEST_CASE("A kept index reads back whole with its position", "[knowledge][search][kept]") {
  testing::TempDir kept("kb-kept-test");
  const std::string expected = Answers(Fixture().index);
  {
    SearchIndex index(Fixture::Settings(), Fixture::Synonyms(), kept.path());
    CHECK(index.opened() == "new");
    CHECK(index.Position().empty());
    for (const auto& p : Fixture::Points()) index.Upsert(p);
    index.Checkpoint("1700000000000-3");
    CHECK(Answers(index) == expected);
  }
  SearchIndex reopened(Fixture::Settings(), Fixture::Synonyms(), kept.path());
  CHECK(reopened.opened() == "reopened");
  CHECK(reopened.Position() == "1700000000000-3");
  CHECK(reopened.size() == Fixture::Points().size());
  CHECK(Answers(reopened) == expected);
  CHECK(reopened.Expiring("GZD006", absl::CivilDay(2026, 2, 28)).size() == 1);
  // It goes on taking changes, by version, like a new one.
  v1::KnowledgePoint edited = Fixture::Points()[2];
  edited.set_version(2);
  edited.set_answer("租房提取住房公积金，每年一次。");
  CHECK(reopened.Upsert(edited));
  CHECK_FALSE(reopened.Upsert(Fixture::Points()[2]));
  CHECK(reopened.VersionOf("KB.07.01.001") == 2);
}

TEST_CASE("A kept index of another format, unreadable or half built is not used as it is",
          "[knowledge][search][kept]") {
  testing::TempDir kept("kb-kept-test");
  std::string dir;
  {
    SearchIndex index(Fixture::Settings(), Fixture::Synonyms(), kept.path());
    for (const auto& p : Fixture::Points()) index.Upsert(p);
    index.Checkpoint("1700000000000-3");
    dir = index.dir();
  }
  SECTION("other field weights: its terms were weighted otherwise") {
    v1::KnowledgeSearchSettings weights = Fixture::Settings();
    weights.set_title_weight(9);
    SearchIndex index(weights, Fixture::Synonyms(), kept.path());
    CHECK(index.opened() == "other format");
    CHECK(index.size() == 0);
    CHECK(index.Position().empty());
  }
  SECTION("its files overwritten") {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".glass") continue;
      std::ofstream(entry.path(), std::ios::binary | std::ios::trunc) << std::string(8192, 'x');
    }
    SearchIndex index(Fixture::Settings(), Fixture::Synonyms(), kept.path());
    CHECK(index.opened().rfind("unreadable: ", 0) == 0);
    CHECK(index.size() == 0);
    CHECK(index.Position().empty());
    // Started afresh in the same folder, and usable.
    CHECK(index.dir() == dir);
    for (const auto& p : Fixture::Points()) index.Upsert(p);
    CHECK(Answers(index) == Answers(Fixture().index));
  }
  SECTION("a rebuild under way (no position): its points are kept, its position is not") {
    { SearchIndex index(Fixture::Settings(), Fixture::Synonyms(), kept.path()); index.Checkpoint(""); }
    SearchIndex index(Fixture::Settings(), Fixture::Synonyms(), kept.path());
    CHECK(index.opened() == "reopened");
    CHECK(index.Position().empty());
  }
}

TEST_CASE("Two replicas never share a kept index folder", "[knowledge][search][kept]") {
  testing::TempDir kept("kb-kept-test");
  std::string first_dir;
  {
    SearchIndex first(Fixture::Settings(), Fixture::Synonyms(), kept.path());
    first.Upsert(Fixture::Points()[0]);
    first.Checkpoint("1-0");
    first_dir = first.dir();
    SearchIndex second(Fixture::Settings(), Fixture::Synonyms(), kept.path());
    CHECK(second.dir() != first_dir);
    CHECK(second.opened() == "new");
    CHECK(second.size() == 0);
  }
  // Once both are gone, the first folder is free again and the next replica takes it.
  SearchIndex next(Fixture::Settings(), Fixture::Synonyms(), kept.path());
  CHECK(next.dir() == first_dir);
  CHECK(next.Position() == "1-0");
}

}  // namespace
}  // namespace hotline::knowledge
