#include "scoring/reference_data.h"

#include "hotline/v1/scoring.pb.h"
#include "refdata/directory_source.h"
#include "refdata/kinds.h"

namespace hotline::scoring {

absl::StatusOr<ScoringReferenceData> BuildScoringReferenceData(const refdata::RefSnapshot& snapshot) {
  absl::StatusOr<directory::Directory> dir = refdata::BuildDirectory(snapshot);
  if (!dir.ok()) return dir.status();
  v1::ScoringRuleSet proto;
  if (absl::Status s = snapshot.Parse(refdata::kRules, &proto); !s.ok()) return s;
  absl::StatusOr<RuleBook> rules = RuleBook::Build(std::move(proto), snapshot.Origin(refdata::kRules));
  if (!rules.ok()) return rules.status();
  return ScoringReferenceData{std::move(*dir), std::move(*rules)};
}

absl::StatusOr<std::unique_ptr<refdata::Live<ScoringReferenceData>>> MakeLiveScoringReferenceData(
    refdata::RefStore& store, refdata::LiveOptions options) {
  return refdata::Live<ScoringReferenceData>::Create(
      store, {refdata::kUnits, refdata::kCategories, refdata::kRules}, BuildScoringReferenceData,
      std::move(options), "scoring reference data");
}

}  // namespace hotline::scoring
