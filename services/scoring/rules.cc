#include "scoring/rules.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/text_proto.h"

namespace hotline::scoring {
namespace {

absl::Status Bad(absl::string_view where, absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", field, ": ", why));
}

absl::Status CheckPoints(const v1::ScoringPoints& p, absl::string_view where) {
  const std::pair<const char*, double> all[] = {
      {"late_sign_off", p.late_sign_off()}, {"overdue_closure", p.overdue_closure()},
      {"bounce", p.bounce()},               {"unjustified_return", p.unjustified_return()},
      {"redo", p.redo()},                   {"dissatisfied", p.dissatisfied()},
      {"urge", p.urge()},                   {"supervise", p.supervise()},
      {"notice", p.notice()},               {"satisfied", p.satisfied()},
      {"basically_satisfied", p.basically_satisfied()}, {"praise", p.praise()}};
  for (const auto& [name, value] : all) {
    if (!std::isfinite(value) || value < 0 || value > 100) {
      return Bad(where, absl::StrCat("points.", name), "must be between 0 and 100 (penalties are given as positive numbers)");
    }
  }
  // The satisfaction rate counts every callback; a reward would count it twice.
  if (p.satisfied() != 0 || p.basically_satisfied() != 0) {
    return Bad(where, p.satisfied() != 0 ? "points.satisfied" : "points.basically_satisfied",
               "must be 0: callbacks count in the satisfaction rate (a reward would count them twice)");
  }
  // 通报 is the heaviest escalation: the rules must say so.
  if (p.notice() < p.supervise() || p.supervise() < p.urge()) {
    return Bad(where, "points.notice", "escalations must weigh urge <= supervise <= notice");
  }
  return absl::OkStatus();
}

absl::Status CheckRules(const v1::ScoringRules& r, absl::string_view where) {
  if (r.version().empty()) return Bad(where, "version", "required");
  if (!r.has_points()) return Bad(where, "points", "required");
  if (absl::Status s = CheckPoints(r.points(), where); !s.ok()) return s;
  // Without a cap a unit's penalties could outweigh everything it did well.
  if (!std::isfinite(r.penalty_cap()) || r.penalty_cap() <= 0 || r.penalty_cap() > 100) {
    return Bad(where, "penalty_cap", "must be above 0 and at most 100");
  }
  if (!std::isfinite(r.reward_cap()) || r.reward_cap() < 0 || r.reward_cap() > 100) {
    return Bad(where, "reward_cap", "must be between 0 and 100");
  }
  const v1::RateWeights& w = r.weights();
  for (const auto& [name, value] : {std::pair{"response", w.response()}, std::pair{"resolution", w.resolution()},
                                    std::pair{"satisfaction", w.satisfaction()}}) {
    if (!std::isfinite(value) || value < 0) return Bad(where, absl::StrCat("weights.", name), "must be >= 0");
  }
  if (w.response() + w.resolution() + w.satisfaction() <= 0) {
    return Bad(where, "weights", "the three weights must not all be 0");
  }
  if (!(w.basically_satisfied_credit() >= 0 && w.basically_satisfied_credit() <= 1)) {
    return Bad(where, "weights.basically_satisfied_credit", "must be between 0 and 1");
  }
  const v1::RankingRules& k = r.ranking();
  if (k.red_list_size() < 0) return Bad(where, "ranking.red_list_size", "must be >= 0");
  if (k.black_list_size() < 0) return Bad(where, "ranking.black_list_size", "must be >= 0");
  if (k.min_orders() < 0) return Bad(where, "ranking.min_orders", "must be >= 0");
  if (r.hot().top_n() < 1 || r.hot().top_n() > 100) return Bad(where, "hot.top_n", "must be 1..100");
  if (r.hot().rising_min_count() < 1) return Bad(where, "hot.rising_min_count", "must be >= 1");
  if (!(r.hot().rising_factor() > 1)) return Bad(where, "hot.rising_factor", "must be > 1");
  // One order's address is one caller's: never listed alone.
  if (r.hot().address_min_orders() < 2) return Bad(where, "hot.address_min_orders", "must be >= 2");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RuleBook> RuleBook::Load(const std::string& path) {
  v1::ScoringRuleSet set;
  if (absl::Status s = config::ReadTextProto(path, &set); !s.ok()) return s;
  return Build(std::move(set), path);
}

absl::StatusOr<RuleBook> RuleBook::Build(v1::ScoringRuleSet set, absl::string_view source) {
  RuleBook book;
  if (set.rules().empty()) return Bad(source, "rules", "at least one version is required");
  for (int i = 0; i < set.rules_size(); ++i) {
    const v1::ScoringRules& r = set.rules(i);
    const std::string where = absl::StrCat(source, ": rules[", i, "] (\"", r.version(), "\")");
    if (absl::Status s = CheckRules(r, where); !s.ok()) return s;
    if (!book.index_.emplace(r.version(), i).second) return Bad(where, "version", "duplicate version");
  }
  if (!book.index_.contains(set.current())) {
    return Bad(source, "current", absl::StrCat("\"", set.current(), "\" is not one of the rules' versions"));
  }
  book.set_ = std::move(set);
  return book;
}

absl::StatusOr<const v1::ScoringRules*> RuleBook::Find(absl::string_view version) const {
  if (version.empty()) version = set_.current();
  auto it = index_.find(version);
  if (it == index_.end()) {
    std::vector<std::string> names;
    for (const auto& [name, i] : index_) names.push_back(name);
    return absl::NotFoundError(absl::StrCat("rules_version: no rules \"", version, "\" (there are: ",
                                            absl::StrJoin(names, ", "), ")"));
  }
  return &set_.rules(it->second);
}

}  // namespace hotline::scoring
