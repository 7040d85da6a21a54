// Versioned reference data against a real redis-server: a load is a new
// version with who, when and the content's hash; the same content again is
// no version; a refusal names the field and writes nothing (catalogue naming
// an unknown unit, a unit whose parent does not exist, a policy for an
// unknown category, a units file dropping a unit the catalogue names); two
// live sources (two replicas) take a load within a second.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "admin/refdata.h"
#include "clock/city.h"
#include "directory/city.h"
#include "refdata/directory_source.h"
#include "refdata/kinds.h"
#include "refdata/line_diff.h"
#include "refdata/live.h"
#include "refdata/ref_store.h"
#include "support/redis_dump.h"
#include "support/redis_server.h"
#include "support/temp_dir.h"

namespace hotline::refdata {
namespace {

using testing::RedisServer;
using testing::TempDir;

const std::string kData = HOTLINE_SOURCE_DIR "/data";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A new leaf category under 0101 (covered by the catalogue's "01" rule).
const char kNewCategory[] =
    "categories {\n  code: \"010199\"\n  name: \"测试噪声\"\n  name_en: \"Test noise\"\n"
    "  parent_code: \"0101\"\n}\n";

struct World {
  RedisServer server;
  redis::Client redis{redis::Options{.port = server.port(), .connections = 2}};
  RefStore store{redis};
  TempDir dir{"refdata"};

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  absl::StatusOr<admin::RefLoadResult> Load(const std::string& kind, const std::string& path,
                                            const std::string& user = "alice") {
    return admin::LoadReferenceData(store, kind, path, user, absl::Now(), kData);
  }
  // Every key with its value, so "nothing changed" is checked on Redis itself.
  std::string Snapshot() { return testing::DumpKeys(redis); }
};

TEST_CASE("a load is a new version with who, when and the content hash, and the same content again is none") {
  World w;
  absl::StatusOr<admin::RefLoadResult> first = w.Load(kCategories, kData + "/categories.textproto");
  REQUIRE(first.ok());
  CHECK(first->changed);
  CHECK(first->record.version == 1);
  CHECK(first->record.loaded_by == "alice");
  CHECK(first->record.file == "categories.textproto");
  CHECK(first->record.sha256 == Sha256Hex(first->record.content));
  // The other kinds were not in Redis: validated against their seeds.
  CHECK(first->record.validated_against == "units=0 catalogue=0 policies=0 rules=0 city=0");

  // The same data with other comments and layout: the same content.
  const std::string reformatted =
      w.Write("categories.textproto", "# another comment\n" + ReadFile(kData + "/categories.textproto"));
  absl::StatusOr<admin::RefLoadResult> again = w.Load(kCategories, reformatted, "bob");
  REQUIRE(again.ok());
  CHECK_FALSE(again->changed);
  CHECK(again->record.version == 1);
  CHECK(again->record.loaded_by == "alice");

  const std::string added = w.Write("categories2.textproto",
                                    ReadFile(kData + "/categories.textproto") + kNewCategory);
  absl::StatusOr<admin::RefLoadResult> second = w.Load(kCategories, added, "bob");
  REQUIRE(second.ok());
  CHECK(second->changed);
  CHECK(second->record.version == 2);
  absl::StatusOr<std::vector<RefRecord>> history = w.store.History(kCategories);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 2);
  CHECK((*history)[0].loaded_by == "alice");
  CHECK((*history)[1].loaded_by == "bob");
  const std::string diff = LineDiff((*history)[0].content, (*history)[1].content);
  CHECK(absl::StrContains(diff, "+   code: \"010199\""));
  CHECK(absl::StrContains(diff, "+   name: \"测试噪声\""));
  CHECK_FALSE(absl::StrContains(diff, "\n- "));
}

TEST_CASE("a refused load names the field and changes nothing in Redis") {
  World w;
  // Something in force first, so "nothing changed" covers existing versions.
  REQUIRE(w.Load(kUnits, kData + "/units.textproto").ok());
  REQUIRE(w.Load(kCatalogue, kData + "/dispatch_catalogue.textproto").ok());
  const std::string before = w.Snapshot();
  const std::string catalogue = ReadFile(kData + "/dispatch_catalogue.textproto");
  const std::string units = ReadFile(kData + "/units.textproto");
  const std::string policies = ReadFile(kData + "/sla_policies.textproto");

  SECTION("a catalogue rule naming a unit the directory does not have") {
    REQUIRE(absl::StrContains(catalogue, "unit_code: \"GZD002\""));
    const std::string path = w.Write(
        "cat.textproto", absl::StrReplaceAll(catalogue, {{"unit_code: \"GZD002\"", "unit_code: \"GZD999\""}}));
    absl::StatusOr<admin::RefLoadResult> r = w.Load(kCatalogue, path);
    REQUIRE(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(r.status().message(), "unit_code: unknown unit \"GZD999\""));
    CHECK(absl::StrContains(r.status().message(), "cat.textproto"));
  }
  SECTION("a unit whose parent does not exist") {
    REQUIRE(absl::StrContains(units, "parent_code: \"440106\""));
    const std::string path = w.Write(
        "units.textproto", absl::StrReplaceAll(units, {{"parent_code: \"440106\"", "parent_code: \"449999\""}}));
    absl::StatusOr<admin::RefLoadResult> r = w.Load(kUnits, path);
    REQUIRE(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(r.status().message(), "parent_code: unknown parent \"449999\""));
  }
  SECTION("a units file that drops a unit the catalogue in force names") {
    // GZD002 and its sub-units go: the catalogue v1 still routes to GZD002.
    v1::UnitDirectory parsed;
    REQUIRE(ParseStored(units, "units", &parsed).ok());
    v1::UnitDirectory kept;
    for (const v1::Unit& u : parsed.units()) {
      if (!absl::StartsWith(u.code(), "GZD002")) *kept.add_units() = u;
    }
    REQUIRE(kept.units_size() < parsed.units_size());
    const std::string path = w.Write("units.textproto", CanonicalText(kept));
    absl::StatusOr<admin::RefLoadResult> r = w.Load(kUnits, path);
    REQUIRE(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(r.status().message(), "catalogue v1"));
    CHECK(absl::StrContains(r.status().message(), "unit_code: unknown unit \"GZD002\""));
  }
  SECTION("an SLA policy for a category the directory does not have") {
    const std::string path = w.Write(
        "policies.textproto",
        policies + "policies {\n  name: \"ghost\"\n  category_prefix: \"9977\"\n  closing { working_days: 3 }\n}\n");
    absl::StatusOr<admin::RefLoadResult> r = w.Load(kPolicies, path);
    INFO(r.status().ToString());
    REQUIRE(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(r.status().message(), "(\"ghost\"): category_prefix: \"9977\" is not a known category"));
  }
  SECTION("a file that does not parse") {
    const std::string path = w.Write("city.textproto", "name: \"x\"\nnot_a_field: 1\n");
    absl::StatusOr<admin::RefLoadResult> r = w.Load(kCity, path);
    REQUIRE(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(r.status().message(), "line 2"));
    CHECK(absl::StrContains(r.status().message(), "not_a_field"));
  }
  CHECK(w.Snapshot() == before);
}

TEST_CASE("a write validated against versions that moved meanwhile is not applied") {
  World w;
  REQUIRE(w.Load(kUnits, kData + "/units.textproto").ok());
  const std::string content = *ReadCanonicalFile(kCategories, kData + "/categories.textproto");
  // Validated when units were at 0; units are at 1 now.
  absl::StatusOr<WriteOutcome> stale = w.store.Write({.kind = kCategories,
                                                      .content = content,
                                                      .user = "alice",
                                                      .at = absl::Now(),
                                                      .file = "categories.textproto",
                                                      .expected = {{kCategories, 0}, {kUnits, 0}}});
  REQUIRE(stale.ok());
  CHECK_FALSE(stale->applied);
  CHECK(w.store.Versions({kCategories})->at(kCategories) == 0);
  absl::StatusOr<WriteOutcome> fresh = w.store.Write({.kind = kCategories,
                                                      .content = content,
                                                      .user = "alice",
                                                      .at = absl::Now(),
                                                      .file = "categories.textproto",
                                                      .expected = {{kCategories, 0}, {kUnits, 1}}});
  REQUIRE(fresh.ok());
  CHECK(fresh->applied);
  CHECK(fresh->version == 1);
}

TEST_CASE("two live directories seed once and both take a loaded category within a second") {
  World w;
  LiveOptions options{.data_dir = kData, .poll_interval = absl::Milliseconds(200)};
  absl::StatusOr<std::unique_ptr<Live<directory::Directory>>> a = MakeLiveDirectory(w.store, options);
  absl::StatusOr<std::unique_ptr<Live<directory::Directory>>> b = MakeLiveDirectory(w.store, options);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  // Seeded once: version 1 of each kind, by the seed.
  absl::StatusOr<std::vector<RefRecord>> seeded = w.store.History(kCategories);
  REQUIRE(seeded.ok());
  REQUIRE(seeded->size() == 1);
  CHECK((*seeded)[0].loaded_by == kSeedUser);
  CHECK((*a)->versions() == std::map<std::string, int64_t>{{kUnits, 1}, {kCategories, 1}});
  CHECK((*a)->Current()->FindCategory("010199") == nullptr);
  (*a)->Start();
  (*b)->Start();
  const std::string added = w.Write("categories.textproto",
                                    ReadFile(kData + "/categories.textproto") + kNewCategory);
  const absl::Time loaded = absl::Now();
  REQUIRE(w.Load(kCategories, added).ok());
  absl::Time seen_a = absl::InfiniteFuture(), seen_b = absl::InfiniteFuture();
  while (absl::Now() < loaded + absl::Seconds(3) &&
         (seen_a == absl::InfiniteFuture() || seen_b == absl::InfiniteFuture())) {
    if (seen_a == absl::InfiniteFuture() && (*a)->Current()->FindCategory("010199") != nullptr)
      seen_a = absl::Now();
    if (seen_b == absl::InfiniteFuture() && (*b)->Current()->FindCategory("010199") != nullptr)
      seen_b = absl::Now();
    absl::SleepFor(absl::Milliseconds(10));
  }
  INFO("a after " << absl::FormatDuration(seen_a - loaded) << ", b after "
                  << absl::FormatDuration(seen_b - loaded));
  CHECK(seen_a - loaded < absl::Seconds(1));
  CHECK(seen_b - loaded < absl::Seconds(1));
  CHECK((*b)->versions().at(kCategories) == 2);
  CHECK((*a)->reload_errors() == 0);
}

TEST_CASE("a version in Redis that does not build keeps the value in force and counts the error") {
  World w;
  LiveOptions options{.data_dir = kData};
  absl::StatusOr<std::unique_ptr<Live<directory::Directory>>> live = MakeLiveDirectory(w.store, options);
  REQUIRE(live.ok());
  // Written past the admin's validation (as a hand edit of Redis would):
  // a category whose parent does not exist.
  const std::string bad = *ToCanonicalText(
      kCategories, ReadFile(kData + "/categories.textproto") +
                       "categories { code: \"7701\" name: \"x\" parent_code: \"77\" }\n",
      "bad");
  absl::StatusOr<WriteOutcome> written = w.store.Write({.kind = kCategories,
                                                        .content = bad,
                                                        .user = "mallory",
                                                        .at = absl::Now(),
                                                        .file = "bad",
                                                        .expected = {{kCategories, 1}}});
  REQUIRE(written.ok());
  REQUIRE(written->applied);
  CHECK_FALSE((*live)->Poll());
  CHECK((*live)->reload_errors() == 1);
  CHECK((*live)->versions().at(kCategories) == 1);
  CHECK((*live)->Current()->FindCategory("7701") == nullptr);
  CHECK((*live)->Current()->FindCategory("0101") != nullptr);
  // Not counted again for the same versions.
  CHECK_FALSE((*live)->Poll());
  CHECK((*live)->reload_errors() == 1);
}

// A value built from a version must be read with that version. The
// OnChange callback runs right after the swap, inside the window where
// Current() and versions() read apart disagreed (the versions lagged behind
// the value until the poller's bookkeeping caught up).
TEST_CASE("a live value is read together with the versions it was built from, also right after a load") {
  World w;
  LiveOptions options{.data_dir = kData};
  // The value is the categories version it was built from.
  auto built_from = [](const RefSnapshot& s) -> absl::StatusOr<int64_t> { return s.versions().at(kCategories); };
  absl::StatusOr<std::unique_ptr<Live<int64_t>>> live =
      Live<int64_t>::Create(w.store, {kCategories}, built_from, options, "test");
  REQUIRE(live.ok());
  Live<int64_t>& source = **live;
  CHECK(*source.Snapshot().value == 1);
  CHECK(source.Snapshot().versions.at(kCategories) == 1);
  std::vector<std::pair<int64_t, int64_t>> seen_apart, seen_together;  // {value, version}
  source.OnChange([&](const std::map<std::string, int64_t>&) {
    seen_apart.push_back({*source.Current(), source.versions().at(kCategories)});
    const Live<int64_t>::InForce in_force = source.Snapshot();
    seen_together.push_back({*in_force.value, in_force.versions.at(kCategories)});
  });
  for (int n = 1; n <= 3; ++n) {
    const std::string added = w.Write(
        "categories.textproto",
        ReadFile(kData + "/categories.textproto") +
            absl::StrReplaceAll(kNewCategory, {{"010199", absl::StrCat("01019", n)}}));
    REQUIRE(w.Load(kCategories, added).ok());
    REQUIRE(source.Poll());
  }
  const std::vector<std::pair<int64_t, int64_t>> want = {{2, 2}, {3, 3}, {4, 4}};
  CHECK(seen_apart == want);
  CHECK(seen_together == want);
  CHECK(*source.Snapshot().value == 4);
  CHECK(source.versions().at(kCategories) == 4);
}

TEST_CASE("with Redis away at start the seed files are used and Redis is followed once it answers") {
  World w;
  w.server.Stop();
  LiveOptions options{.data_dir = kData, .redis_wait = absl::Milliseconds(300)};
  absl::StatusOr<std::unique_ptr<Live<directory::Directory>>> live = MakeLiveDirectory(w.store, options);
  REQUIRE(live.ok());
  CHECK((*live)->versions().at(kUnits) == 0);
  CHECK((*live)->Current()->FindUnit("440106") != nullptr);
  w.server.Start();
  // The first poll that reaches Redis seeds it and takes version 1.
  bool polled = false;
  for (int i = 0; i < 50 && !polled; ++i) {
    polled = (*live)->Poll();
    if (!polled) absl::SleepFor(absl::Milliseconds(100));
  }
  REQUIRE(polled);
  CHECK((*live)->versions().at(kUnits) == 1);
  CHECK((*live)->versions().at(kCategories) == 1);
}

TEST_CASE("a tool reads the directory and city in force in Redis, the seed only for a kind Redis has none of") {
  World w;
  const std::string street =
      "units {\n  code: \"440106099\"\n  name: \"测试街道\"\n  name_en: \"Test Subdistrict\"\n"
      "  kind: UNIT_KIND_STREET\n  parent_code: \"440106\"\n}\n";
  // Nothing in Redis: the seed's, and nothing is seeded (a tool only reads).
  absl::StatusOr<InForce> seed = ReadInForce(w.store, kData);
  REQUIRE(seed.ok());
  CHECK(seed->directory.FindUnit("440106099") == nullptr);
  CHECK(seed->versions == std::map<std::string, int64_t>{{kUnits, 0}, {kCategories, 0}, {kCity, 0}});
  CHECK(w.Snapshot().empty());

  REQUIRE(w.Load(kUnits, w.Write("units.textproto", ReadFile(kData + "/units.textproto") + street)).ok());
  const std::string city = ReadFile(kData + "/city.textproto");
  REQUIRE(w.Load(kCity, w.Write("city.textproto",
                                absl::StrReplaceAll(city, {{"order_prefix: \"GZ\"", "order_prefix: \"GX\""}})))
              .ok());
  absl::StatusOr<InForce> loaded = AdoptInForce(w.store, kData);
  REQUIRE(loaded.ok());
  CHECK(loaded->directory.FindUnit("440106099") != nullptr);
  CHECK(loaded->city.profile.order_prefix() == "GX");
  CHECK(CityOrderPrefix() == "GX");
  CHECK(loaded->versions == std::map<std::string, int64_t>{{kUnits, 1}, {kCategories, 0}, {kCity, 1}});
  // The test's process city is the repository's again.
  REQUIRE(directory::AdoptCityFile(kData).ok());
}

TEST_CASE("a live city takes a new prefix and keeps the zone it started with") {
  World w;
  LiveOptions options;
  options.data_dir = kData;
  absl::StatusOr<std::unique_ptr<Live<directory::City>>> city = MakeLiveCity(w.store, options);
  REQUIRE(city.ok());
  const std::string text = ReadFile(kData + "/city.textproto");
  REQUIRE(w.Load(kCity, w.Write("gx.textproto",
                                absl::StrReplaceAll(text, {{"order_prefix: \"GZ\"", "order_prefix: \"GX\""}})))
              .ok());
  CHECK((*city)->Poll());
  CHECK(CityOrderPrefix() == "GX");
  CHECK((*city)->Current()->profile.order_prefix() == "GX");
  // A new zone is refused by the load unless asked for; a running city then
  // keeps its version whole and counts the error.
  const std::string tokyo = w.Write(
      "tokyo.textproto", absl::StrReplaceAll(text, {{"Asia/Shanghai", "Asia/Tokyo"}}));
  absl::StatusOr<admin::RefLoadResult> refused = w.Load(kCity, tokyo);
  CHECK(absl::IsInvalidArgument(refused.status()));
  CHECK(absl::StrContains(refused.status().message(), "time_zone: \"Asia/Tokyo\" is not \"Asia/Shanghai\""));
  REQUIRE(admin::LoadReferenceData(w.store, kCity, tokyo, "alice", absl::Now(), kData,
                                   /*allow_time_zone_change=*/true)
              .ok());
  CHECK_FALSE((*city)->Poll());
  CHECK((*city)->reload_errors() == 1);
  CHECK((*city)->Current()->profile.order_prefix() == "GX");
  CHECK(CityTimeZone() == (*city)->Current()->time_zone);
  CHECK((*city)->Current()->profile.time_zone() == "Asia/Shanghai");
  REQUIRE(directory::AdoptCityFile(kData).ok());
}

TEST_CASE("the line diff shows removed and added lines with context and nothing for equal texts") {
  CHECK(LineDiff("a\nb\nc\n", "a\nb\nc\n").empty());
  const std::string d = LineDiff("a\nb\nc\nd\ne\nf\ng\n", "a\nb\nc\nD\ne\nf\ng\n", 1);
  CHECK(d == "@@ before line 3, after line 3 @@\n  c\n- d\n+ D\n  e\n");
}

}  // namespace
}  // namespace hotline::refdata
