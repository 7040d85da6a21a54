#include <catch2/catch.hpp>
#include <fstream>

#include "absl/strings/match.h"
#include "directory/city.h"
#include "directory/directory.h"

namespace hotline::directory {
namespace {

v1::Unit MakeUnit(const char* code, v1::UnitKind kind, const char* parent) {
  v1::Unit u;
  u.set_code(code);
  u.set_name(code);
  u.set_kind(kind);
  u.set_parent_code(parent);
  return u;
}

v1::UnitDirectory Good() {
  v1::UnitDirectory d;
  *d.add_units() = MakeUnit("C", v1::UNIT_KIND_CENTRE, "");
  *d.add_units() = MakeUnit("D1", v1::UNIT_KIND_DISTRICT, "C");
  *d.add_units() = MakeUnit("S1", v1::UNIT_KIND_STREET, "D1");
  *d.add_units() = MakeUnit("P1", v1::UNIT_KIND_DEPARTMENT, "C");
  return d;
}

std::string ErrorOf(const v1::UnitDirectory& units, const v1::CategoryList& categories = {}) {
  auto d = Directory::Build(units, categories, "units.textproto", "categories.textproto");
  return d.ok() ? "" : std::string(d.status().message());
}

}  // namespace

TEST_CASE("the repository's demo city loads and is complete", "[directory]") {
  auto d = Directory::Load(std::string(HOTLINE_SOURCE_DIR) + "/data/units.textproto",
                           std::string(HOTLINE_SOURCE_DIR) + "/data/categories.textproto");
  REQUIRE(d.ok());
  auto districts = d->ListUnits("", v1::UNIT_KIND_DISTRICT);
  CHECK(districts.size() == 11);
  for (const auto& district : districts) {
    INFO(district.name());
    CHECK(d->ListUnits(district.code(), v1::UNIT_KIND_STREET).size() >= 5);
  }
  CHECK(d->ListUnits("", v1::UNIT_KIND_DEPARTMENT).size() >= 38);
  CHECK(d->ListUnits("", v1::UNIT_KIND_CENTRE).size() == 1);
  CHECK(d->IsDistrict("440106"));
  CHECK(d->FindUnit("440106")->name() == "天河区");
  CHECK(d->ListCategories("").size() >= 60);
}

TEST_CASE("a good directory builds and answers lookups", "[directory]") {
  auto d = Directory::Build(Good(), {});
  REQUIRE(d.ok());
  CHECK(d->IsDistrict("D1"));
  CHECK_FALSE(d->IsDistrict("S1"));
  CHECK(d->IsStreetOf("S1", "D1"));
  CHECK_FALSE(d->IsStreetOf("D1", "C"));
  CHECK(d->ListUnits("C", v1::UNIT_KIND_UNSPECIFIED).size() == 2);
}

TEST_CASE("broken unit entries stop the load with the file and entry named", "[directory]") {
  v1::UnitDirectory dup = Good();
  *dup.add_units() = MakeUnit("D1", v1::UNIT_KIND_DISTRICT, "C");
  CHECK(ErrorOf(dup) == "units.textproto: entry \"D1\": code: duplicate");

  v1::UnitDirectory orphan = Good();
  *orphan.add_units() = MakeUnit("S2", v1::UNIT_KIND_STREET, "D9");
  CHECK(ErrorOf(orphan) == "units.textproto: entry \"S2\": parent_code: unknown parent \"D9\"");

  v1::UnitDirectory misplaced = Good();
  *misplaced.add_units() = MakeUnit("S3", v1::UNIT_KIND_STREET, "P1");
  CHECK(absl::StrContains(ErrorOf(misplaced), "entry \"S3\": parent_code: a UNIT_KIND_STREET cannot be under"));

  // A cycle between sub-units that never reaches the centre.
  v1::UnitDirectory cycle = Good();
  *cycle.add_units() = MakeUnit("X", v1::UNIT_KIND_SUB_UNIT, "Y");
  *cycle.add_units() = MakeUnit("Y", v1::UNIT_KIND_DEPARTMENT, "X");
  CHECK(absl::StrContains(ErrorOf(cycle), "units.textproto: entry \""));

  v1::UnitDirectory two_centres = Good();
  *two_centres.add_units() = MakeUnit("C2", v1::UNIT_KIND_CENTRE, "");
  CHECK(absl::StrContains(ErrorOf(two_centres), "exactly one unit of kind CENTRE"));
}

TEST_CASE("broken categories stop the load with the entry named", "[directory]") {
  v1::CategoryList c;
  auto add = [&](const char* code, const char* parent) {
    v1::Category* x = c.add_categories();
    x->set_code(code);
    x->set_name(code);
    x->set_parent_code(parent);
  };
  add("01", "");
  add("0201", "01");
  CHECK(ErrorOf(Good(), c) ==
        "categories.textproto: entry \"0201\": code: must extend its parent's \"01\"");
  c.Clear();
  add("01", "");
  add("01", "");
  CHECK(ErrorOf(Good(), c) == "categories.textproto: entry \"01\": code: duplicate");
}

TEST_CASE("a file that does not parse is named with its line", "[directory]") {
  std::string path = "/tmp/hotline-directory-test-units.textproto";
  std::ofstream(path) << "units { code: \"C\" kind: UNIT_KIND_CENTRE name: \"x\" }\nunits { code: }\n";
  auto d = Directory::Load(path, path);
  REQUIRE_FALSE(d.ok());
  CHECK(absl::StartsWith(d.status().message(), path + ": line 2:"));
  CHECK(Directory::Load("/nonexistent/units", path).status().code() ==
        absl::StatusCode::kNotFound);
}

TEST_CASE("the city profile is checked against the directory", "[directory][city]") {
  absl::StatusOr<Directory> d = Directory::Build(Good(), {});
  REQUIRE(d.ok());
  CHECK(d->centre_code() == "C");
  v1::CityProfile good;
  good.set_name("广州市");
  good.set_order_prefix("GZ");
  good.set_centre_unit_code("C");
  good.set_time_zone("Asia/Shanghai");
  absl::StatusOr<City> city = ValidateCity(good, *d, "city.textproto");
  INFO(city.status().ToString());
  REQUIRE(city.ok());
  // 2026-11-28 16:30 UTC is already the 29th in Guangzhou.
  CHECK(absl::FormatTime("%Y-%m-%d", absl::FromCivil(absl::CivilSecond(2026, 11, 28, 16, 30, 0),
                                                      absl::UTCTimeZone()),
                         city->time_zone) == "2026-11-29");
  auto error = [&](auto spoil) {
    v1::CityProfile p = good;
    spoil(p);
    absl::StatusOr<City> c = ValidateCity(p, *d, "city.textproto");
    return c.ok() ? std::string() : std::string(c.status().message());
  };
  CHECK_THAT(error([](auto& p) { p.set_order_prefix("gz"); }),
             Catch::StartsWith("city.textproto: order_prefix:"));
  CHECK_THAT(error([](auto& p) { p.set_order_prefix("GZX"); }),
             Catch::StartsWith("city.textproto: order_prefix:"));
  CHECK_THAT(error([](auto& p) { p.set_centre_unit_code("D1"); }),
             Catch::StartsWith("city.textproto: centre_unit_code:"));
  CHECK_THAT(error([](auto& p) { p.set_time_zone("Mars/Olympus"); }),
             Catch::StartsWith("city.textproto: time_zone:"));
  CHECK_THAT(error([](auto& p) { p.set_name(" "); }), Catch::StartsWith("city.textproto: name:"));
}

TEST_CASE("the demo city's profile loads", "[directory][city]") {
  absl::StatusOr<Directory> d = Directory::LoadDataDir(std::string(HOTLINE_SOURCE_DIR) + "/data");
  REQUIRE(d.ok());
  absl::StatusOr<City> city = LoadCity(std::string(HOTLINE_SOURCE_DIR) + "/data/city.textproto", *d);
  INFO(city.status().ToString());
  REQUIRE(city.ok());
  CHECK(city->profile.order_prefix() == "GZ");
  CHECK(city->profile.centre_unit_code() == d->centre_code());
}

}  // namespace hotline::directory
