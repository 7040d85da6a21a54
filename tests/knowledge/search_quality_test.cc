// Search quality on the real seed: every citizen question of
// tests/knowledge/search_questions.tsv (colloquial, with typos, long and
// short; phrased unlike the stored titles and question forms) must find its
// point in the top 3 for at least 90 % of them. Prints the share and the misses.
#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <set>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "config/text_proto.h"
#include "directory/directory.h"
#include "knowledge_points/kb_code.h"
#include "knowledge/search_index.h"
#include "knowledge_points/seed.h"
#include "simulator/scenarios.h"

namespace hotline::knowledge {
namespace {

constexpr char kData[] = HOTLINE_SOURCE_DIR "/data";
// A fixed "today" so the result does not depend on when the test runs.
const absl::CivilDay kToday(2026, 12, 1);

SeedBase LoadSeed() {
  static directory::Directory dir = *directory::Directory::LoadDataDir(kData);
  absl::StatusOr<SeedBase> seed = LoadSeedDir(std::string(kData) + "/knowledge", [](absl::string_view u) {
    return dir.FindUnit(u) != nullptr;
  });
  INFO(seed.status().ToString());
  REQUIRE(seed.ok());
  return *seed;
}

TEST_CASE("The seed knowledge base is valid and covers the city", "[knowledge][seed]") {
  SeedBase seed = LoadSeed();
  std::set<std::string> domains;
  for (const auto& p : seed.points) domains.insert(DomainOf(p.code()));
  std::set<std::string> named;
  for (const auto& d : seed.domains) named.insert(d.code());
  std::cout << "seed: " << seed.points.size() << " points in " << domains.size() << " domains, "
            << seed.synonyms.groups_size() << " synonym groups\n";
  CHECK(seed.points.size() >= 200);
  CHECK(domains.size() >= 15);
  for (const auto& p : seed.points) {
    INFO(p.code());
    CHECK(named.count(DomainOf(p.code())) == 1);
    CHECK(named.count(TopicOf(p.code())) == 1);
  }
}

TEST_CASE("Citizen questions find their point in the top 3", "[knowledge][search][quality]") {
  SeedBase seed = LoadSeed();
  v1::KnowledgeSearchSettings settings;
  REQUIRE(config::ReadTextProto(std::string(kData) + "/knowledge_search.textproto", &settings).ok());
  SearchIndex index(settings, seed.synonyms);
  std::set<std::string> codes;
  for (const auto& s : seed.points) {
    v1::KnowledgePoint p = FromSeed(s);
    p.set_status(v1::KNOWLEDGE_STATUS_PUBLISHED);
    p.set_version(1);
    index.Upsert(p);
    codes.insert(p.code());
  }

  std::ifstream in(HOTLINE_SOURCE_DIR "/tests/knowledge/search_questions.tsv");
  REQUIRE(in.good());
  std::string line;
  int total = 0, found = 0, line_no = 0;
  std::string misses;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    INFO("line " << line_no << ": " << line);
    REQUIRE(cols.size() == 2);
    const std::string expected(absl::StripAsciiWhitespace(cols[1]));
    REQUIRE(codes.count(expected) == 1);  // the question names a point that exists
    ++total;
    absl::StatusOr<SearchResult> r = index.Search({.text = cols[0], .limit = 3, .today = kToday});
    REQUIRE(r.ok());
    bool hit = false;
    std::string got;
    for (const auto& h : r->hits) {
      hit = hit || h.code() == expected;
      got += " " + h.code() + " " + h.title() + ";";
    }
    if (hit) {
      ++found;
    } else {
      misses += "  MISS " + cols[0] + "  expected " + expected + "  got" + got + "\n";
    }
  }
  const double share = total == 0 ? 0 : static_cast<double>(found) / total;
  std::cout << "search quality: " << found << "/" << total << " = " << share * 100
            << " % in the top 3\n"
            << misses;
  CHECK(total >= 50);
  CHECK(share >= 0.90);
}

}  // namespace
}  // namespace hotline::knowledge

namespace hotline::knowledge {
namespace {

// The simulated agent cites the top hit; the point each scenario is about
// must at least be among the top 3 (as for the citizen questions).
TEST_CASE("The simulator's consultations find their point in the top 3", "[knowledge][search][simulator]") {
  SeedBase seed = LoadSeed();
  v1::KnowledgeSearchSettings settings;
  REQUIRE(config::ReadTextProto(std::string(kData) + "/knowledge_search.textproto", &settings).ok());
  SearchIndex index(settings, seed.synonyms);
  for (const auto& s : seed.points) {
    v1::KnowledgePoint p = FromSeed(s);
    p.set_status(v1::KNOWLEDGE_STATUS_PUBLISHED);
    p.set_version(1);
    index.Upsert(p);
  }
  std::set<std::string> seen;
  for (uint64_t n = 0; n < 2000; ++n) {
    const simulator::Scenario& s = simulator::PickScenario(n);
    if (*s.knowledge_code == '\0' || !seen.insert(s.content).second) continue;
    absl::StatusOr<SearchResult> r = index.Search({.text = s.content, .limit = 3, .today = kToday});
    REQUIRE(r.ok());
    INFO(s.content);
    bool found = false;
    for (const auto& h : r->hits) found = found || h.code() == s.knowledge_code;
    CHECK(found);
  }
  CHECK(seen.size() >= 5);
}

}  // namespace
}  // namespace hotline::knowledge
