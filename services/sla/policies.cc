#include "sla/policies.h"

#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "config/text_proto.h"
#include "google/protobuf/text_format.h"

namespace hotline::sla {
namespace {

// Exactly one field, positive.
absl::Status CheckSpan(const v1::Span& span, const std::string& where) {
  const int set = (span.working_days() != 0) + (span.working_hours() != 0) + (span.wall_minutes() != 0);
  if (set != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": exactly one of working_days, working_hours, wall_minutes must be set"));
  }
  if (span.working_days() < 0 || span.working_hours() < 0 || span.wall_minutes() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": must be positive"));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsSet(const v1::Span& span) {
  return span.working_days() != 0 || span.working_hours() != 0 || span.wall_minutes() != 0;
}

Budget BudgetOf(const v1::Span& span) {
  if (span.wall_minutes() != 0) return {Measure::kWall, absl::Minutes(span.wall_minutes())};
  return {Measure::kWorking, absl::Hours(24) * span.working_days() + absl::Hours(span.working_hours())};
}

absl::StatusOr<absl::Time> Advance(const calendar::WorkingCalendar& cal, Measure m, absl::Time from,
                                   absl::Duration amount) {
  if (m == Measure::kWall) return from + amount;
  return cal.AddWorkingTime(from, amount);
}

absl::StatusOr<absl::Time> Retreat(const calendar::WorkingCalendar& cal, Measure m, absl::Time to,
                                   absl::Duration amount) {
  if (m == Measure::kWall) return to - amount;
  return cal.SubtractWorkingTime(to, amount);
}

absl::StatusOr<absl::Duration> Between(const calendar::WorkingCalendar& cal, Measure m, absl::Time from,
                                       absl::Time to) {
  if (m == Measure::kWall) return to - from;
  return cal.WorkingTimeBetween(from, to);
}

std::string WarningName(const v1::Warning& warning) {
  if (!warning.name().empty()) return warning.name();
  if (warning.has_before()) {
    const v1::Span& b = warning.before();
    if (b.working_days() != 0) return absl::StrCat("before-", b.working_days(), "d");
    if (b.working_hours() != 0) return absl::StrCat("before-", b.working_hours(), "h");
    return absl::StrCat("before-", b.wall_minutes(), "m");
  }
  return absl::StrCat(warning.percent_used(), "pct");
}

absl::StatusOr<Policies> Policies::Load(const std::string& path) {
  v1::SlaPolicies proto;
  if (absl::Status s = config::ReadTextProto(path, &proto); !s.ok()) return s;
  return FromProto(proto, path);
}

absl::StatusOr<Policies> Policies::FromProto(const v1::SlaPolicies& proto, const std::string& origin) {
  Policies out;
  absl::flat_hash_set<std::string> names;
  for (int i = 0; i < proto.policies_size(); ++i) {
    const v1::SlaPolicy& p = proto.policies(i);
    const std::string where = absl::StrCat(origin, ": policies[", i, "] (\"", p.name(), "\")");
    auto bad = [&](const std::string& field, const std::string& why) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", field, ": ", why));
    };
    if (p.name().empty()) return bad("name", "is required");
    if (!names.insert(p.name()).second) return bad("name", "is used by another policy");
    if (!v1::OrderType_IsValid(p.type())) return bad("type", "unknown order type");
    if (!v1::Urgency_IsValid(p.urgency())) return bad("urgency", "unknown urgency");
    for (char c : p.category_prefix()) {
      if (c < '0' || c > '9') return bad("category_prefix", "must be digits (a category code)");
    }
    if (p.has_sign_off()) {
      if (absl::Status s = CheckSpan(p.sign_off(), absl::StrCat(where, ": sign_off")); !s.ok()) return s;
    }
    const bool closes = p.has_closing();
    if (closes) {
      if (absl::Status s = CheckSpan(p.closing(), absl::StrCat(where, ": closing")); !s.ok()) return s;
    }
    if (!closes && !p.has_sign_off() && p.warnings_size() > 0) {
      return bad("warnings", "need a deadline to warn about");
    }
    const Measure measure = BudgetOf(closes ? p.closing() : p.sign_off()).measure;
    for (int w = 0; w < p.warnings_size(); ++w) {
      const v1::Warning& warning = p.warnings(w);
      const std::string field = absl::StrCat("warnings[", w, "]");
      switch (warning.when_case()) {
        case v1::Warning::kPercentUsed:
          if (warning.percent_used() < 1 || warning.percent_used() > 99) {
            return bad(field + ".percent_used", "must be 1..99");
          }
          break;
        case v1::Warning::kBefore:
          if (absl::Status s = CheckSpan(warning.before(), absl::StrCat(where, ": ", field, ".before"));
              !s.ok()) {
            return s;
          }
          if (BudgetOf(warning.before()).measure != measure) {
            return bad(field + ".before", "must count time the way the deadline does (working or wall)");
          }
          break;
        default:
          return bad(field, "percent_used or before is required");
      }
    }
    if (p.has_escalation()) {
      if (!closes) return bad("escalation", "needs a closing deadline");
      const v1::Escalation& e = p.escalation();
      if (absl::Status s = CheckSpan(e.supervise_after(), absl::StrCat(where, ": escalation.supervise_after"));
          !s.ok()) {
        return s;
      }
      if (absl::Status s = CheckSpan(e.notice_after(), absl::StrCat(where, ": escalation.notice_after"));
          !s.ok()) {
        return s;
      }
    }
    absl::flat_hash_set<std::string> warning_names;
    for (int w = 0; w < p.warnings_size(); ++w) {
      if (!warning_names.insert(WarningName(p.warnings(w))).second) {
        return bad(absl::StrCat("warnings[", w, "].name"),
                   absl::StrCat("\"", WarningName(p.warnings(w)), "\" names another warning too"));
      }
    }
    out.policies_.push_back(p);
  }
  // FNV-1a over the canonical text: stable across processes and builds.
  std::string text;
  google::protobuf::TextFormat::PrintToString(proto, &text);
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  out.version_ = absl::StrFormat("%016x", hash);
  // Every order gets a policy: each type, urgent or not, with any category.
  for (int t = v1::ORDER_TYPE_CONSULTATION; t <= v1::ORDER_TYPE_PRAISE; ++t) {
    if (!v1::OrderType_IsValid(t)) continue;
    for (bool urgent : {false, true}) {
      if (out.Match(static_cast<v1::OrderType>(t), urgent, "") == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            origin, ": no policy covers ", urgent ? "urgent " : "", v1::OrderType_Name(t),
            " orders of every category (add one without category_prefix)"));
      }
    }
  }
  return out;
}

const v1::SlaPolicy* Policies::Match(v1::OrderType type, bool urgent, const std::string& category) const {
  const v1::SlaPolicy* best = nullptr;
  std::tuple<int, size_t, int> best_rank{-1, 0, -1};
  for (const v1::SlaPolicy& p : policies_) {
    if (p.type() != v1::ORDER_TYPE_UNSPECIFIED && p.type() != type) continue;
    if (p.urgency() == v1::URGENCY_URGENT && !urgent) continue;
    if (p.urgency() == v1::URGENCY_NOT_URGENT && urgent) continue;
    if (!absl::StartsWith(category, p.category_prefix())) continue;
    std::tuple<int, size_t, int> rank{p.urgency() != v1::URGENCY_ANY, p.category_prefix().size(),
                                      p.type() != v1::ORDER_TYPE_UNSPECIFIED};
    if (best == nullptr || rank > best_rank) {
      best = &p;
      best_rank = rank;
    }
  }
  return best;
}

std::string Policies::Serialize() const {
  v1::SlaPolicies proto;
  for (const v1::SlaPolicy& p : policies_) *proto.add_policies() = p;
  return proto.SerializeAsString();
}

const v1::SlaPolicy* Policies::Find(const std::string& name) const {
  for (const v1::SlaPolicy& p : policies_) {
    if (p.name() == name) return &p;
  }
  return nullptr;
}

}  // namespace hotline::sla
