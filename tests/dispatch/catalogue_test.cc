#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "dispatch/catalogue.h"

namespace hotline::dispatch {
namespace {

const directory::Directory& Demo() {
  static const directory::Directory d =
      *directory::Directory::Load(std::string(HOTLINE_SOURCE_DIR) + "/data/units.textproto",
                                  std::string(HOTLINE_SOURCE_DIR) + "/data/categories.textproto");
  return d;
}

}  // namespace

TEST_CASE("the demo catalogue covers every category and routes realistically", "[catalogue]") {
  absl::StatusOr<Catalogue> c =
      Catalogue::Load(std::string(HOTLINE_SOURCE_DIR) + "/data/dispatch_catalogue.textproto", Demo());
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK(c->size() >= 60);
  // Construction noise is a local matter: the district where it happens.
  absl::StatusOr<Route> noise = c->RouteFor("010101", "440106");
  REQUIRE(noise.ok());
  CHECK(noise->unit_code == "440106");
  // Every category goes to a unit that exists.
  for (const v1::Category& category : Demo().ListCategories("")) {
    absl::StatusOr<Route> r = c->RouteFor(category.code(), "440104");
    INFO(category.code());
    REQUIRE(r.ok());
    CHECK(Demo().FindUnit(r->unit_code) != nullptr);
  }
}

TEST_CASE("the longest prefix wins", "[catalogue]") {
  v1::DispatchCatalogue data;
  for (const v1::Category& category : Demo().ListCategories("")) {
    if (category.parent_code().empty()) {
      auto* rule = data.add_rules();
      rule->set_category_prefix(category.code());
      rule->set_district_of_order(true);
    }
  }
  auto* finer = data.add_rules();
  finer->set_category_prefix("0101");
  finer->set_unit_code("GZD002");
  absl::StatusOr<Catalogue> c = Catalogue::Build(data, Demo());
  REQUIRE(c.ok());
  CHECK(c->RouteFor("010101", "440103")->unit_code == "GZD002");
  CHECK(c->RouteFor("010101", "440103")->rule_prefix == "0101");
  CHECK(c->RouteFor("01", "440103")->unit_code == "440103");
}

TEST_CASE("a broken catalogue stops the load with the entry named", "[catalogue]") {
  auto error_of = [](const v1::DispatchCatalogue& data) {
    absl::StatusOr<Catalogue> c = Catalogue::Build(data, Demo(), "cat.textproto");
    return c.ok() ? std::string() : std::string(c.status().message());
  };
  v1::DispatchCatalogue data;
  auto* rule = data.add_rules();
  rule->set_category_prefix("01");
  rule->set_unit_code("NOPE");
  CHECK(error_of(data) == "cat.textproto: entry \"01\": unit_code: unknown unit \"NOPE\"");
  rule->set_unit_code("GZ12345");
  CHECK(error_of(data) == "cat.textproto: entry \"01\": unit_code: the centre is not a handling unit");
  rule->clear_unit_code();
  CHECK(absl::StrContains(error_of(data), "no target"));
  rule->set_district_of_order(true);
  *data.add_rules() = *rule;
  CHECK(error_of(data) == "cat.textproto: entry \"01\": category_prefix: duplicate category");
  data.mutable_rules()->RemoveLast();
  rule->set_category_prefix("99");
  CHECK(error_of(data) == "cat.textproto: entry \"99\": category_prefix: unknown category");
  rule->set_category_prefix("01");
  CHECK(absl::StrContains(error_of(data), "is not covered by any entry"));
}

}  // namespace hotline::dispatch
