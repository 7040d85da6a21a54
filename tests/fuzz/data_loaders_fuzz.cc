// Every Protobuf text-format data loader: the text parser (libs/config) and
// each loader's validation, on the file kinds operators edit: unit directory,
// categories, city profile, calendar year, SLA policies, scoring rules,
// dispatch catalogue, knowledge seed, synonyms, search settings, JWT keys and
// the gateway's token file. The input is such a file; its first line, a
// comment "# <kind>", says which (any other first line: the first byte picks).
// The files a loader checks against (units and categories for the
// catalogue, the city, the seed) are the repository's data/.
// Properties: nothing crashes or hangs; a loaded calendar answers date
// arithmetic within its year; loaded SLA policies match every order type.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "auth/jwt.h"
#include "calendar/working_calendar.h"
#include "config/text_proto.h"
#include "directory/city.h"
#include "directory/directory.h"
#include "dispatch/catalogue.h"
#include "fuzz_support.h"
#include "hotline/v1/gateway.pb.h"
#include "knowledge_points/seed.h"
#include "scoring/rules.h"
#include "sla/policies.h"

namespace v1 = hotline::v1;
using hotline::fuzz::ReadRepoFile;

namespace {

const char* const kKinds[] = {"units",         "categories",     "city",     "calendar",
                              "sla_policies",  "scoring_rules",  "catalogue", "knowledge_seed",
                              "synonyms",      "search_settings", "jwt_keys", "tokens"};
constexpr int kKindCount = sizeof kKinds / sizeof kKinds[0];

struct Fixed {
  v1::UnitDirectory units;
  v1::CategoryList categories;
  const hotline::directory::Directory* directory = nullptr;
};

const Fixed& Data() {
  static const Fixed* const fixed = [] {
    auto* f = new Fixed;
    FUZZ_CHECK(hotline::config::ParseTextProto(ReadRepoFile("data/units.textproto"), "units",
                                               &f->units).ok());
    FUZZ_CHECK(hotline::config::ParseTextProto(ReadRepoFile("data/categories.textproto"),
                                               "categories", &f->categories).ok());
    auto dir = hotline::directory::Directory::Build(f->units, f->categories);
    FUZZ_CHECK(dir.ok());
    f->directory = new hotline::directory::Directory(*std::move(dir));
    return f;
  }();
  return *fixed;
}

template <typename Proto>
bool Parse(const std::string& text, Proto* out) {
  return hotline::config::ParseTextProto(text, "fuzz", out).ok();
}

void Calendar(const std::string& text) {
  v1::CalendarYear year;
  if (!Parse(text, &year)) return;
  auto cal = hotline::calendar::WorkingCalendar::FromYears({{"fuzz", year}});
  if (!cal.ok()) return;
  // Inside the loaded year every question has an answer (or a clean error
  // near its end, where the next year is unknown); none hangs.
  const absl::TimeZone utc = absl::UTCTimeZone();
  for (int month = 1; month <= 12; ++month) {
    const absl::CivilDay day(year.year(), month, 15);
    FUZZ_CHECK(cal->IsWorkingDay(day).ok());
    const absl::Time t = absl::FromCivil(absl::CivilSecond(day) + 9 * 3600, utc);
    (void)cal->NextWorkingMoment(t);
    (void)cal->AddWorkingDays(t, 5);
    (void)cal->AddWorkingTime(t, absl::Hours(30));
    (void)cal->SubtractWorkingTime(t, absl::Hours(30));
    (void)cal->WorkingTimeBetween(t, t + absl::Hours(24 * 20));
    (void)cal->HolidayName(day);
  }
}

void SlaPolicies(const std::string& text) {
  v1::SlaPolicies proto;
  if (!Parse(text, &proto)) return;
  auto policies = hotline::sla::Policies::FromProto(proto, "fuzz");
  if (!policies.ok()) return;
  for (int type = v1::OrderType_MIN; type <= v1::OrderType_MAX; ++type) {
    if (!v1::OrderType_IsValid(type) || type == 0) continue;
    for (bool urgent : {false, true}) {
      FUZZ_CHECK(policies->Match(static_cast<v1::OrderType>(type), urgent, "0101") != nullptr);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)Data();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  int kind = data[0] % kKindCount;
  absl::string_view first_line = absl::string_view(text).substr(0, text.find('\n'));
  if (absl::ConsumePrefix(&first_line, "# ")) {
    for (int i = 0; i < kKindCount; ++i) {
      if (first_line == kKinds[i]) kind = i;
    }
  }
  const Fixed& fixed = Data();
  switch (kind) {
    case 0: {
      v1::UnitDirectory units;
      if (Parse(text, &units)) (void)hotline::directory::Directory::Build(units, fixed.categories);
      break;
    }
    case 1: {
      v1::CategoryList categories;
      if (Parse(text, &categories)) {
        (void)hotline::directory::Directory::Build(fixed.units, categories);
      }
      break;
    }
    case 2: {
      v1::CityProfile city;
      if (Parse(text, &city)) (void)hotline::directory::ValidateCity(city, *fixed.directory);
      break;
    }
    case 3: Calendar(text); break;
    case 4: SlaPolicies(text); break;
    case 5: {
      v1::ScoringRuleSet rules;
      if (Parse(text, &rules)) (void)hotline::scoring::RuleBook::Build(rules, "fuzz");
      break;
    }
    case 6: {
      v1::DispatchCatalogue catalogue;
      if (Parse(text, &catalogue)) {
        (void)hotline::dispatch::Catalogue::Build(catalogue, *fixed.directory);
      }
      break;
    }
    case 7: {
      v1::KnowledgeSeed seed;
      if (Parse(text, &seed)) {
        (void)hotline::knowledge::ValidateSeed(seed, "fuzz", [&](absl::string_view unit) {
          return fixed.directory->FindUnit(unit) != nullptr;
        });
      }
      break;
    }
    case 8: {
      v1::KnowledgeSynonyms synonyms;
      if (Parse(text, &synonyms)) (void)hotline::knowledge::ValidateSynonyms(synonyms, "fuzz");
      break;
    }
    case 9: {
      v1::KnowledgeSearchSettings settings;
      (void)Parse(text, &settings);
      break;
    }
    case 10: {
      v1::JwtKeyFile keys;
      if (Parse(text, &keys)) (void)hotline::auth::JwtKeys::Build(keys, "fuzz");
      break;
    }
    case 11: {
      v1::TokenFile tokens;
      (void)Parse(text, &tokens);
      break;
    }
  }
  return 0;
}
