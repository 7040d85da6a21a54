// The pure pieces of the knowledge base: the coding rule, point validation,
// who may write, status changes, versions as of a day, the unanswered list.
#include <catch2/catch.hpp>

#include "absl/time/time.h"
#include "clock/clock.h"
#include "knowledge_points/kb_code.h"
#include "knowledge_points/point_validation.h"
#include "knowledge/rules.h"
#include "knowledge/unanswered.h"

namespace hotline::knowledge {
namespace {

v1::KnowledgePoint ValidPoint() {
  v1::KnowledgePoint p;
  p.set_code("KB.06.01.003");
  p.set_title("灵活就业人员参保");
  p.add_questions("灵活就业怎么交社保");
  p.set_answer("灵活就业人员可通过粤税通或社保经办窗口办理参保登记，由市人力资源和社会保障局负责。");
  p.set_owner_unit("GZD006");
  p.set_effective_from("2025-01-01");
  p.set_expires_on("2027-12-31");
  p.add_keywords("灵活就业");
  return p;
}

const UnitExists kKnownUnits = [](absl::string_view u) { return u == "GZD006" || u == "GZD002"; };

TEST_CASE("Codes follow KB.DD.TT.NNN", "[knowledge][code]") {
  CHECK_FALSE(CodeProblem("KB.06.01.003"));
  CHECK_FALSE(CodeProblem("KB.99.99.999"));
  for (const char* bad : {"", "KB", "KB.06", "KB.06.01", "kb.06.01.003", "KB.6.01.003",
                          "KB.06.1.003", "KB.06.01.03", "KB.06.01.0003", "KB.00.01.003",
                          "KB.06.00.003", "KB.06.01.000", "KB.06.01.00a", "KB-06-01-003",
                          "KB.06.01.003.1", "XB.06.01.003", "KB.06..003"}) {
    INFO(bad);
    CHECK(CodeProblem(bad));
  }
  CHECK(CodeProblem("KB.06.01.03")->find("3 digits") != std::string::npos);
}

TEST_CASE("Listing prefixes are whole levels", "[knowledge][code]") {
  for (const char* good : {"KB", "KB.06", "KB.06.01", "KB.06.01.003"}) {
    INFO(good);
    CHECK_FALSE(PrefixProblem(good));
  }
  for (const char* bad : {"", "K", "KB.", "KB.0", "KB.06.0", "KB.06.01.", "06", "KB.06.01.003.4"}) {
    INFO(bad);
    CHECK(PrefixProblem(bad));
  }
  CHECK(DomainOf("KB.06.01.003") == "KB.06");
  CHECK(TopicOf("KB.06.01.003") == "KB.06.01");
  CHECK(DomainOf("nonsense").empty());
  CHECK(IsUnder("KB.06.01.003", "KB.06"));
  CHECK(IsUnder("KB.06.01.003", "KB.06.01.003"));
  CHECK(IsUnder("KB.06.01.003", "KB"));
  CHECK_FALSE(IsUnder("KB.06.01.003", "KB.06.02"));
  CHECK_FALSE(IsUnder("KB.06.01.003", "KB.0"));
}

TEST_CASE("A valid point passes, each bad field is named", "[knowledge][validation]") {
  CHECK_FALSE(ValidatePoint(ValidPoint(), kKnownUnits));
  struct Case {
    const char* field;
    void (*spoil)(v1::KnowledgePoint&);
  };
  const Case cases[] = {
      {"point.code", [](v1::KnowledgePoint& p) { p.set_code("KB.6.1.3"); }},
      {"point.title", [](v1::KnowledgePoint& p) { p.set_title("  "); }},
      {"point.title", [](v1::KnowledgePoint& p) { p.set_title(std::string(81 * 3, 'x')); }},
      {"point.title", [](v1::KnowledgePoint& p) { p.set_title("\xff\xfe"); }},
      {"point.questions", [](v1::KnowledgePoint& p) { p.clear_questions(); }},
      {"point.questions[1]", [](v1::KnowledgePoint& p) { p.add_questions(""); }},
      {"point.answer", [](v1::KnowledgePoint& p) { p.clear_answer(); }},
      {"point.owner_unit", [](v1::KnowledgePoint& p) { p.clear_owner_unit(); }},
      {"point.owner_unit", [](v1::KnowledgePoint& p) { p.set_owner_unit("GZD999"); }},
      {"point.effective_from", [](v1::KnowledgePoint& p) { p.set_effective_from("2025-02-30"); }},
      {"point.effective_from", [](v1::KnowledgePoint& p) { p.set_effective_from("2025/01/01"); }},
      {"point.expires_on", [](v1::KnowledgePoint& p) { p.set_expires_on("2024-12-31"); }},
      {"point.expires_on", [](v1::KnowledgePoint& p) { p.set_expires_on("soon"); }},
      {"point.keywords[1]", [](v1::KnowledgePoint& p) { p.add_keywords(" "); }},
  };
  for (const Case& c : cases) {
    v1::KnowledgePoint p = ValidPoint();
    c.spoil(p);
    std::optional<FieldError> e = ValidatePoint(p, kKnownUnits, "point.");
    REQUIRE(e);
    CHECK(e->field == c.field);
    CHECK(e->message.rfind(std::string(c.field) + ": ", 0) == 0);
  }
  v1::KnowledgePoint no_expiry = ValidPoint();
  no_expiry.clear_expires_on();
  CHECK_FALSE(ValidatePoint(no_expiry, kKnownUnits));
}

TEST_CASE("Days parse strictly and expiry is after the day", "[knowledge][validation]") {
  CHECK(ParseDay("2026-02-28") == absl::CivilDay(2026, 2, 28));
  CHECK_FALSE(ParseDay("2026-02-29"));
  CHECK_FALSE(ParseDay("2026-2-28"));
  v1::KnowledgePoint p = ValidPoint();
  CHECK_FALSE(IsExpired(p, absl::CivilDay(2027, 12, 31)));
  CHECK(IsExpired(p, absl::CivilDay(2028, 1, 1)));
  p.clear_expires_on();
  CHECK_FALSE(IsExpired(p, absl::CivilDay(2099, 1, 1)));
}

TEST_CASE("Editors and the owning unit's handlers may write, others may not", "[knowledge][rules]") {
  auto actor = [](v1::Role role, const char* unit) {
    v1::Actor a;
    a.set_user_id("u");
    a.set_role(role);
    a.set_unit_code(unit);
    return std::optional<v1::Actor>(a);
  };
  CHECK(MayWrite(actor(v1::ROLE_KNOWLEDGE_EDITOR, "GZ12345"), "GZD006").ok());
  CHECK(MayWrite(actor(v1::ROLE_UNIT_HANDLER, "GZD006"), "GZD006").ok());
  CHECK(absl::IsPermissionDenied(MayWrite(actor(v1::ROLE_UNIT_HANDLER, "GZD002"), "GZD006")));
  CHECK(absl::IsPermissionDenied(MayWrite(actor(v1::ROLE_AGENT, "GZ12345"), "GZD006")));
  CHECK(absl::IsPermissionDenied(MayWrite(actor(v1::ROLE_ADMIN, "GZ12345"), "GZD006")));
  CHECK(absl::IsUnauthenticated(MayWrite(std::nullopt, "GZD006")));
}

TEST_CASE("Status changes follow draft -> published -> retired", "[knowledge][rules]") {
  using S = v1::KnowledgeStatus;
  CHECK(*NextStatus(S::KNOWLEDGE_STATUS_DRAFT, StatusAction::kPublish) == S::KNOWLEDGE_STATUS_PUBLISHED);
  CHECK(*NextStatus(S::KNOWLEDGE_STATUS_RETIRED, StatusAction::kPublish) == S::KNOWLEDGE_STATUS_PUBLISHED);
  CHECK(absl::IsFailedPrecondition(NextStatus(S::KNOWLEDGE_STATUS_PUBLISHED, StatusAction::kPublish).status()));
  CHECK(*NextStatus(S::KNOWLEDGE_STATUS_PUBLISHED, StatusAction::kRetire) == S::KNOWLEDGE_STATUS_RETIRED);
  CHECK(*NextStatus(S::KNOWLEDGE_STATUS_DRAFT, StatusAction::kRetire) == S::KNOWLEDGE_STATUS_RETIRED);
  CHECK(absl::IsFailedPrecondition(NextStatus(S::KNOWLEDGE_STATUS_RETIRED, StatusAction::kRetire).status()));
  CHECK(*NextStatus(S::KNOWLEDGE_STATUS_PUBLISHED, StatusAction::kEdit) == S::KNOWLEDGE_STATUS_PUBLISHED);
  CHECK(*NextStatus(S::KNOWLEDGE_STATUS_DRAFT, StatusAction::kEdit) == S::KNOWLEDGE_STATUS_DRAFT);
  absl::Status refused = NextStatus(S::KNOWLEDGE_STATUS_RETIRED, StatusAction::kEdit).status();
  CHECK(absl::IsFailedPrecondition(refused));
  CHECK(refused.message().find("KNOWLEDGE_STATUS_RETIRED") != absl::string_view::npos);
}

TEST_CASE("The version as of a day is the last written by that day's end, local time", "[knowledge][rules]") {
  auto version_at = [](int64_t n, absl::CivilSecond local) {
    v1::KnowledgePoint p;
    p.set_version(n);
    absl::Time t = absl::FromCivil(local, CityTimeZone());
    p.mutable_updated_at()->set_seconds(absl::ToUnixSeconds(t));
    return p;
  };
  std::vector<v1::KnowledgePoint> versions = {
      version_at(1, absl::CivilSecond(2026, 3, 1, 9, 0, 0)),
      version_at(2, absl::CivilSecond(2026, 3, 5, 23, 59, 59)),
      version_at(3, absl::CivilSecond(2026, 3, 6, 0, 0, 0)),
  };
  CHECK_FALSE(VersionAsOf(versions, absl::CivilDay(2026, 2, 28)));
  CHECK(VersionAsOf(versions, absl::CivilDay(2026, 3, 1))->version() == 1);
  CHECK(VersionAsOf(versions, absl::CivilDay(2026, 3, 4))->version() == 1);
  CHECK(VersionAsOf(versions, absl::CivilDay(2026, 3, 5))->version() == 2);
  CHECK(VersionAsOf(versions, absl::CivilDay(2026, 3, 6))->version() == 3);
  CHECK(VersionAsOf(versions, absl::CivilDay(2030, 1, 1))->version() == 3);
}

TEST_CASE("Unanswered queries are cut to 30 characters whatever their display width", "[knowledge][unanswered]") {
  // Found by the knowledge_query fuzz target: the cut was at 60 columns, so
  // Latin and zero-width characters went far past 30.
  const std::string latin(40, 'a');
  CHECK(NormalizeUnansweredQuery(latin) == std::string(29, 'a') + "…");
  std::string zero_width;
  for (int i = 0; i < 40; ++i) zero_width += "\u200b";
  std::string expected;
  for (int i = 0; i < 29; ++i) expected += "\u200b";
  CHECK(NormalizeUnansweredQuery("x" + zero_width) == "x" + expected.substr(3) + "…");
  // Chinese was already cut at 29 characters and the ellipsis; it still is.
  std::string chinese;
  for (int i = 0; i < 20; ++i) chinese += "驾照";
  std::string cut;
  for (int i = 0; i < 14; ++i) cut += "驾照";
  CHECK(NormalizeUnansweredQuery(chinese) == cut + "驾…");
  CHECK(NormalizeUnansweredQuery(std::string(30, 'b')) == std::string(30, 'b'));
}

TEST_CASE("Unanswered queries: digits masked, bounded, most frequent kept", "[knowledge][unanswered]") {
  CHECK(NormalizeUnansweredQuery("  我的电话13812345678社保 ") == "我的电话#社保");
  CHECK(NormalizeUnansweredQuery("12号线") == "12号线");
  UnansweredQueries top(3);
  for (int i = 0; i < 5; ++i) top.Record("外国驾照换证");
  top.Record("a");
  top.Record("b");
  top.Record("c");  // evicts a least counted one; its count carries over
  top.Record("外国驾照换证");
  auto list = top.Top(10);
  REQUIRE(list.size() == 3);
  CHECK(list[0].first == "外国驾照换证");
  CHECK(list[0].second == 6);
  CHECK(top.Top(1).size() == 1);
}

}  // namespace
}  // namespace hotline::knowledge
