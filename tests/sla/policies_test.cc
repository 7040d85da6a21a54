// SLA policies: the real data file loads and covers every order; a bad file
// is refused with the file, entry and field named; span arithmetic.
#include <google/protobuf/text_format.h>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "clock/clock.h"
#include "sla/policies.h"

namespace hotline::sla {
namespace {

const std::string kPolicies = HOTLINE_SOURCE_DIR "/data/sla_policies.textproto";

absl::StatusOr<Policies> FromText(const std::string& text) {
  v1::SlaPolicies proto;
  if (!google::protobuf::TextFormat::ParseFromString(text, &proto)) throw std::runtime_error("bad text");
  return Policies::FromProto(proto, "p.textproto");
}

constexpr char kCatchAll[] = R"(policies { name: "all" closing { working_days: 2 } })";

TEST_CASE("the shipped policies follow Guangzhou's published limits") {
  absl::StatusOr<Policies> p = Policies::Load(kPolicies);
  REQUIRE(p.ok());
  const v1::SlaPolicy* urgent = p->Match(v1::ORDER_TYPE_COMPLAINT, true, "0101");
  REQUIRE(urgent != nullptr);
  CHECK(urgent->name() == "urgent");
  CHECK(urgent->closing().wall_minutes() == 120);
  CHECK(p->Match(v1::ORDER_TYPE_CONSULTATION, false, "")->closing().working_days() == 2);
  for (auto t : {v1::ORDER_TYPE_COMPLAINT, v1::ORDER_TYPE_REPORT, v1::ORDER_TYPE_HELP,
                 v1::ORDER_TYPE_SUGGESTION}) {
    CHECK(p->Match(t, false, "0101")->closing().working_days() == 20);
  }
  const v1::SlaPolicy* praise = p->Match(v1::ORDER_TYPE_PRAISE, false, "");
  CHECK_FALSE(praise->has_closing());
  CHECK(praise->sign_off().working_days() == 1);
}

TEST_CASE("the most specific policy wins") {
  absl::StatusOr<Policies> p = FromText(R"(
    policies { name: "any" closing { working_days: 20 } }
    policies { name: "noise" category_prefix: "01" closing { working_days: 10 } }
    policies { name: "noise-complaint" type: ORDER_TYPE_COMPLAINT category_prefix: "01" closing { working_days: 5 } }
    policies { name: "noise-night" category_prefix: "0102" closing { working_days: 3 } }
    policies { name: "urgent" urgency: URGENCY_URGENT closing { wall_minutes: 120 } })");
  REQUIRE(p.ok());
  CHECK(p->Match(v1::ORDER_TYPE_HELP, false, "0201")->name() == "any");
  CHECK(p->Match(v1::ORDER_TYPE_HELP, false, "0101")->name() == "noise");
  CHECK(p->Match(v1::ORDER_TYPE_COMPLAINT, false, "0101")->name() == "noise-complaint");
  CHECK(p->Match(v1::ORDER_TYPE_COMPLAINT, false, "010203")->name() == "noise-night");
  CHECK(p->Match(v1::ORDER_TYPE_COMPLAINT, true, "010203")->name() == "urgent");
}

TEST_CASE("bad policies are refused naming file, entry and field") {
  auto error = [](const std::string& text) { return std::string(FromText(text).status().message()); };
  CHECK(error(std::string(kCatchAll) + R"(policies { name: "x" closing { working_days: 2 wall_minutes: 5 } })") ==
        "p.textproto: policies[1] (\"x\"): closing: exactly one of working_days, working_hours, "
        "wall_minutes must be set");
  CHECK(error(std::string(kCatchAll) + R"(policies { name: "all" })") ==
        "p.textproto: policies[1] (\"all\"): name: is used by another policy");
  CHECK(error(std::string(kCatchAll) +
              R"(policies { name: "w" closing { working_days: 2 } warnings { percent_used: 100 } })") ==
        "p.textproto: policies[1] (\"w\"): warnings[0].percent_used: must be 1..99");
  CHECK(absl::StrContains(
      error(R"(policies { name: "c" type: ORDER_TYPE_COMPLAINT closing { working_days: 20 } })"),
      "no policy covers ORDER_TYPE_CONSULTATION"));
  CHECK(absl::StrContains(error(std::string(kCatchAll) +
                                R"(policies { name: "e" closing { wall_minutes: 5 } warnings { before { working_hours: 1 } } })"),
                          "warnings[0].before: must count time the way the deadline does"));
  CHECK(absl::IsNotFound(Policies::Load("/nonexistent.textproto").status()));
}

TEST_CASE("an urgent order created 2026-10-01 23:00 is due 2026-10-02 01:00, wall clock") {
  absl::StatusOr<calendar::WorkingCalendar> cal =
      calendar::WorkingCalendar::LoadDir(HOTLINE_SOURCE_DIR "/data/calendar");
  REQUIRE(cal.ok());
  absl::StatusOr<Policies> p = Policies::Load(kPolicies);
  REQUIRE(p.ok());
  const Budget b = BudgetOf(p->Match(v1::ORDER_TYPE_COMPLAINT, true, "")->closing());
  CHECK(b.measure == Measure::kWall);
  absl::Time created = absl::FromCivil(absl::CivilHour(2026, 10, 1, 23), CityTimeZone());
  absl::StatusOr<absl::Time> due = Advance(*cal, b.measure, created, b.amount);
  REQUIRE(due.ok());
  CHECK(absl::FormatTime("%Y-%m-%d %H:%M", *due, CityTimeZone()) == "2026-10-02 01:00");
  // The same span counted in working time would not move at all in the holiday.
  CHECK(*Advance(*cal, Measure::kWorking, created, b.amount) ==
        absl::FromCivil(absl::CivilHour(2026, 10, 8, 2), CityTimeZone()));
}

}  // namespace
}  // namespace hotline::sla
