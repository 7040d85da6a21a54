#pragma once
// The assessment rules (data/scoring_rules.textproto, hotline.v1.ScoringRuleSet),
// validated once at start-up and immutable afterwards (thread-safe to read).
// Errors are INVALID_ARGUMENT "<file>: rules[i] (\"version\"): field: why".
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hotline/v1/scoring.pb.h"

namespace hotline::scoring {

class RuleBook {
 public:
  static absl::StatusOr<RuleBook> Load(const std::string& path);
  // Validates parsed rules; `source` names them in errors.
  static absl::StatusOr<RuleBook> Build(v1::ScoringRuleSet set, absl::string_view source);

  // The rules of `version` ("" = the current ones); NOT_FOUND naming the
  // versions there are.
  absl::StatusOr<const v1::ScoringRules*> Find(absl::string_view version) const;
  const v1::ScoringRules& current() const { return *Find("").value(); }

 private:
  v1::ScoringRuleSet set_;
  std::map<std::string, int, std::less<>> index_;
};

}  // namespace hotline::scoring
