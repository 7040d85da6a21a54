// `hotline-admin units merge OLD NEW` while a dispatch catalogue rule names
// OLD, against a real redis-server: refused by default (the rule named, a
// hint at --repoint_catalogue, nothing written); with repoint_catalogue, one
// merge writes the catalogue version with OLD's rules naming NEW, then the
// units version retiring OLD, both validated and in the access log. Two
// departments merge with their sub-units.
#include <catch2/catch.hpp>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "admin/unit_merge.h"
#include "admin/unit_merge_plan.h"
#include "config/text_proto.h"
#include "hotline/v1/audit.pb.h"
#include "hotline/v1/directory.pb.h"
#include "hotline/v1/dispatch.pb.h"
#include "redis/client.h"
#include "refdata/kinds.h"
#include "refdata/ref_store.h"
#include "support/redis_dump.h"
#include "support/redis_server.h"

namespace hotline {
namespace {

const std::string kData = HOTLINE_SOURCE_DIR "/data";
// Two leaf departments; the seed catalogue sends matters to both.
constexpr char kOld[] = "GZD004";
constexpr char kNew[] = "GZD005";

struct World {
  testing::RedisServer server;
  redis::Client redis{redis::Options{.port = server.port(), .connections = 1}};
  refdata::RefStore store{redis};

  std::string Dump() { return testing::DumpKeys(redis); }
  admin::MergeRequest Request(bool repoint) {
    return {.old_code = kOld, .new_code = kNew, .user = "alice", .data_dir = kData,
            .repoint_catalogue = repoint, .settle = absl::ZeroDuration()};
  }
  int RulesNaming(const std::string& content, const std::string& code) {
    v1::DispatchCatalogue catalogue;
    REQUIRE(config::ParseTextProto(content, "catalogue", &catalogue).ok());
    return static_cast<int>(std::count_if(catalogue.rules().begin(), catalogue.rules().end(),
                                          [&](const v1::DispatchRule& r) { return r.unit_code() == code; }));
  }
};

TEST_CASE("repoint catalogue: the pure rewrite names NEW where a rule named OLD, and nothing else") {
  v1::DispatchCatalogue catalogue;
  REQUIRE(config::ReadTextProto(kData + "/dispatch_catalogue.textproto", &catalogue).ok());
  v1::DispatchCatalogue before = catalogue;
  const int changed = admin::RepointCatalogue(&catalogue, kOld, kNew);
  CHECK(changed > 0);
  REQUIRE(catalogue.rules_size() == before.rules_size());
  for (int i = 0; i < catalogue.rules_size(); ++i) {
    const bool was_old = before.rules(i).unit_code() == kOld;
    CHECK(catalogue.rules(i).unit_code() == (was_old ? kNew : before.rules(i).unit_code()));
    CHECK(absl::StrContains(catalogue.rules(i).note(), "was GZD004") == was_old);
  }
  CHECK(admin::RepointCatalogue(&catalogue, kOld, kNew) == 0);
}

TEST_CASE("a merge is refused while the catalogue names OLD, and repoint_catalogue writes both versions") {
  World w;
  // The catalogue in Redis (v1), as the services seed it.
  REQUIRE(w.store.SeedIfAbsent(refdata::kCatalogue, kData + "/dispatch_catalogue.textproto", absl::Now()).ok());
  const std::string before = w.Dump();

  absl::StatusOr<admin::MergeResult> refused = admin::MergeUnits(w.redis, w.store, w.Request(false));
  INFO(refused.status().ToString());
  REQUIRE(absl::IsInvalidArgument(refused.status()));
  CHECK(absl::StrContains(refused.status().message(), "catalogue v1"));
  CHECK(absl::StrContains(refused.status().message(), "unit_code: unit \"GZD004\" is retired"));
  CHECK(absl::StrContains(refused.status().message(), "--repoint_catalogue"));
  CHECK(w.Dump() == before);

  admin::MergeRequest dry = w.Request(true);
  dry.dry_run = true;
  absl::StatusOr<admin::MergeResult> planned = admin::MergeUnits(w.redis, w.store, dry);
  REQUIRE(planned.ok());
  CHECK(planned->catalogue_rules > 0);
  CHECK(w.Dump() == before);

  absl::StatusOr<admin::MergeResult> merged = admin::MergeUnits(w.redis, w.store, w.Request(true));
  INFO(merged.status().ToString());
  REQUIRE(merged.ok());
  CHECK(merged->catalogue_rules == planned->catalogue_rules);
  CHECK(merged->catalogue_version == 2);
  CHECK(merged->units_written);
  absl::StatusOr<std::optional<refdata::RefRecord>> catalogue = w.store.Current(refdata::kCatalogue);
  REQUIRE(catalogue.ok());
  REQUIRE(catalogue->has_value());
  CHECK((*catalogue)->version == 2);
  CHECK((*catalogue)->loaded_by == "alice");
  CHECK(w.RulesNaming((*catalogue)->content, kOld) == 0);
  CHECK(w.RulesNaming((*catalogue)->content, kNew) > 0);
  absl::StatusOr<std::optional<refdata::RefRecord>> units = w.store.Current(refdata::kUnits);
  REQUIRE(units.ok());
  REQUIRE(units->has_value());
  CHECK(absl::StrContains((*units)->content, "merged_into: \"GZD005\""));
  // The units version was validated against the repointed catalogue.
  CHECK(absl::StrContains((*units)->validated_against, "catalogue=2"));

  // The access log: the catalogue load, the units load, the merge.
  absl::StatusOr<redis::Reply> audit = w.redis.Execute({"XRANGE", "hotline:audit", "-", "+"});
  REQUIRE(audit.ok());
  REQUIRE(audit->elements.size() == 3);
  std::vector<v1::AuditEntry> entries(3);
  for (int i = 0; i < 3; ++i) REQUIRE(entries[i].ParseFromString(audit->elements[i].elements[1].elements[1].str));
  CHECK(absl::StrContains(entries[0].reason(), "catalogue loaded, version 2"));
  CHECK(absl::StrContains(entries[1].reason(), "units loaded"));
  CHECK(entries[2].action() == v1::AUDIT_ACTION_UNITS_MERGE);

  // Run again: nothing left to repoint or retire.
  absl::StatusOr<admin::MergeResult> again = admin::MergeUnits(w.redis, w.store, w.Request(true));
  REQUIRE(again.ok());
  CHECK(again->catalogue_version == 0);
  CHECK_FALSE(again->units_written);
}

TEST_CASE("two departments merge with their sub-units, which move under NEW keeping their codes") {
  World w;
  admin::MergeRequest request = w.Request(true);
  request.old_code = "GZD001";  // with GZD001-01, GZD001-02
  request.new_code = "GZD002";
  absl::StatusOr<admin::MergeResult> merged = admin::MergeUnits(w.redis, w.store, request);
  INFO(merged.status().ToString());
  REQUIRE(merged.ok());
  CHECK(merged->reparented == std::vector<std::string>{"GZD001-01", "GZD001-02"});
  CHECK(merged->units_written);
  absl::StatusOr<std::optional<refdata::RefRecord>> units = w.store.Current(refdata::kUnits);
  REQUIRE(units.ok());
  REQUIRE(units->has_value());
  v1::UnitDirectory directory;
  REQUIRE(config::ParseTextProto((*units)->content, "units", &directory).ok());
  for (const v1::Unit& u : directory.units()) {
    INFO(u.code());
    if (u.code() == "GZD001-01" || u.code() == "GZD001-02") CHECK((u.parent_code() == "GZD002" && !u.retired()));
    if (u.code() == "GZD001") CHECK(u.merged_into() == "GZD002");
  }
}

}  // namespace
}  // namespace hotline
