#pragma once
// Checks of a knowledge point's content, field by field. Pure (the directory
// is asked through a predicate); thread-safe.
#include <functional>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/time/civil_time.h"
#include "hotline/v1/knowledge.pb.h"

namespace hotline::knowledge {

// Limits, in code points.
inline constexpr size_t kMaxTitle = 80;
inline constexpr size_t kMaxQuestions = 10;
inline constexpr size_t kMaxQuestion = 200;
inline constexpr size_t kMaxAnswer = 4000;
inline constexpr size_t kMaxLegalBasis = 300;
inline constexpr size_t kMaxKeywords = 20;
inline constexpr size_t kMaxKeyword = 20;
inline constexpr size_t kMaxNote = 500;

// The first bad field: `field` its proto path relative to the point (e.g.
// "questions[2]"), `message` "<field>: what is wrong".
struct FieldError {
  std::string field;
  std::string message;
};

using UnitExists = std::function<bool(absl::string_view unit_code)>;

// The content of a point: code (the rule in kb_code.h), title, questions,
// answer, legal basis, owning unit (must exist), dates (valid, expiry after
// the effective date), keywords. Status, version and counters are not looked
// at. `field_prefix` is put before field names ("point." for requests).
std::optional<FieldError> ValidatePoint(const v1::KnowledgePoint& point,
                                        const UnitExists& unit_exists,
                                        absl::string_view field_prefix = "");

// The same checks for a seed entry.
std::optional<FieldError> ValidateSeedPoint(const v1::KnowledgeSeedPoint& point,
                                            const UnitExists& unit_exists);

// A seed entry as a point (no status or version yet).
v1::KnowledgePoint FromSeed(const v1::KnowledgeSeedPoint& seed);
v1::KnowledgeSeedPoint ToSeed(const v1::KnowledgePoint& point);

// Parses "YYYY-MM-DD" strictly (a real calendar day); nullopt otherwise.
std::optional<absl::CivilDay> ParseDay(absl::string_view text);

// True when the point has an expiry and it is before `today`.
bool IsExpired(const v1::KnowledgePoint& point, absl::CivilDay today);

}  // namespace hotline::knowledge
