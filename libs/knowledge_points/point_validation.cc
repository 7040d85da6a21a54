#include "knowledge_points/point_validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "knowledge_points/kb_code.h"
#include "text/utf8.h"

namespace hotline::knowledge {
namespace {

// Valid UTF-8 of at most `max` code points; `required` also rejects blank text.
std::optional<std::string> TextProblem(const std::string& value, size_t max, bool required) {
  if (!text::IsValidUtf8(value)) return "is not valid UTF-8";
  if (required && absl::StripAsciiWhitespace(value).empty()) return "is required";
  if (size_t n = text::CodePointCount(value); n > max) {
    return absl::StrCat("is too long (", n, " characters, at most ", max, ")");
  }
  return std::nullopt;
}

}  // namespace

std::optional<absl::CivilDay> ParseDay(absl::string_view text) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day)) return std::nullopt;
  // ParseCivilTime normalizes (2026-02-30 -> 2026-03-02): refuse what moved.
  if (absl::FormatCivilTime(day) != text) return std::nullopt;
  return day;
}

bool IsExpired(const v1::KnowledgePoint& point, absl::CivilDay today) {
  if (point.expires_on().empty()) return false;
  std::optional<absl::CivilDay> expiry = ParseDay(point.expires_on());
  return expiry && *expiry < today;
}

std::optional<FieldError> ValidatePoint(const v1::KnowledgePoint& p,
                                        const UnitExists& unit_exists,
                                        absl::string_view field_prefix) {
  auto error = [&](std::string field, std::string message) {
    std::string path = absl::StrCat(field_prefix, field);
    return std::optional<FieldError>(FieldError{path, absl::StrCat(path, ": ", message)});
  };
  if (auto e = CodeProblem(p.code())) return error("code", *e);
  if (auto e = TextProblem(p.title(), kMaxTitle, true)) return error("title", *e);
  if (p.questions().empty()) return error("questions", "at least one question form is required");
  if (p.questions_size() > static_cast<int>(kMaxQuestions)) {
    return error("questions", absl::StrCat("at most ", kMaxQuestions, " question forms"));
  }
  for (int i = 0; i < p.questions_size(); ++i) {
    if (auto e = TextProblem(p.questions(i), kMaxQuestion, true)) {
      return error(absl::StrCat("questions[", i, "]"), *e);
    }
  }
  if (auto e = TextProblem(p.answer(), kMaxAnswer, true)) return error("answer", *e);
  if (auto e = TextProblem(p.legal_basis(), kMaxLegalBasis, false)) return error("legal_basis", *e);
  if (p.owner_unit().empty()) return error("owner_unit", "is required");
  if (!unit_exists(p.owner_unit())) {
    return error("owner_unit", absl::StrCat("unknown unit \"", p.owner_unit(), "\""));
  }
  std::optional<absl::CivilDay> from = ParseDay(p.effective_from());
  if (!from) return error("effective_from", "must be a day YYYY-MM-DD");
  if (!p.expires_on().empty()) {
    std::optional<absl::CivilDay> until = ParseDay(p.expires_on());
    if (!until) return error("expires_on", "must be a day YYYY-MM-DD or empty (no expiry)");
    if (*until <= *from) return error("expires_on", "must be after effective_from");
  }
  if (p.keywords_size() > static_cast<int>(kMaxKeywords)) {
    return error("keywords", absl::StrCat("at most ", kMaxKeywords, " keywords"));
  }
  for (int i = 0; i < p.keywords_size(); ++i) {
    if (auto e = TextProblem(p.keywords(i), kMaxKeyword, true)) {
      return error(absl::StrCat("keywords[", i, "]"), *e);
    }
  }
  if (auto e = TextProblem(p.change_note(), kMaxNote, false)) return error("change_note", *e);
  return std::nullopt;
}

v1::KnowledgePoint FromSeed(const v1::KnowledgeSeedPoint& s) {
  v1::KnowledgePoint p;
  p.set_code(s.code());
  p.set_title(s.title());
  *p.mutable_questions() = s.questions();
  p.set_answer(s.answer());
  p.set_legal_basis(s.legal_basis());
  p.set_owner_unit(s.owner_unit());
  p.set_effective_from(s.effective_from());
  p.set_expires_on(s.expires_on());
  *p.mutable_keywords() = s.keywords();
  return p;
}

v1::KnowledgeSeedPoint ToSeed(const v1::KnowledgePoint& p) {
  v1::KnowledgeSeedPoint s;
  s.set_code(p.code());
  s.set_title(p.title());
  *s.mutable_questions() = p.questions();
  s.set_answer(p.answer());
  s.set_legal_basis(p.legal_basis());
  s.set_owner_unit(p.owner_unit());
  s.set_effective_from(p.effective_from());
  s.set_expires_on(p.expires_on());
  *s.mutable_keywords() = p.keywords();
  return s;
}

std::optional<FieldError> ValidateSeedPoint(const v1::KnowledgeSeedPoint& point,
                                            const UnitExists& unit_exists) {
  return ValidatePoint(FromSeed(point), unit_exists);
}

}  // namespace hotline::knowledge
