#include "knowledge/rules.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clock/clock.h"

namespace hotline::knowledge {

absl::Status MayWrite(const std::optional<v1::Actor>& actor, const std::string& owner_unit) {
  if (!actor) return absl::UnauthenticatedError("no caller identity");
  if (actor->role() == v1::ROLE_KNOWLEDGE_EDITOR) return absl::OkStatus();
  if (actor->role() == v1::ROLE_UNIT_HANDLER && !owner_unit.empty() &&
      actor->unit_code() == owner_unit) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("only a knowledge editor or a handler of the owning unit ", owner_unit,
                   " may change this point"));
}

absl::StatusOr<v1::KnowledgeStatus> NextStatus(v1::KnowledgeStatus current, StatusAction action) {
  using S = v1::KnowledgeStatus;
  auto refuse = [current](const char* what) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot ", what, " a point that is ", StatusLabel(current), " (",
                     v1::KnowledgeStatus_Name(current), ")"));
  };
  switch (action) {
    case StatusAction::kPublish:
      if (current == S::KNOWLEDGE_STATUS_DRAFT || current == S::KNOWLEDGE_STATUS_RETIRED) {
        return S::KNOWLEDGE_STATUS_PUBLISHED;
      }
      return refuse("publish");
    case StatusAction::kRetire:
      if (current == S::KNOWLEDGE_STATUS_DRAFT || current == S::KNOWLEDGE_STATUS_PUBLISHED) {
        return S::KNOWLEDGE_STATUS_RETIRED;
      }
      return refuse("retire");
    case StatusAction::kEdit:
      if (current == S::KNOWLEDGE_STATUS_DRAFT || current == S::KNOWLEDGE_STATUS_PUBLISHED) {
        return current;
      }
      return refuse("edit");
  }
  return absl::InternalError("unknown action");
}

std::optional<v1::KnowledgePoint> VersionAsOf(const std::vector<v1::KnowledgePoint>& versions,
                                              absl::CivilDay day) {
  const absl::Time end_of_day = absl::FromCivil(day + 1, CityTimeZone());
  std::optional<v1::KnowledgePoint> found;
  for (const v1::KnowledgePoint& v : versions) {
    absl::Time at = absl::FromUnixSeconds(v.updated_at().seconds()) +
                    absl::Nanoseconds(v.updated_at().nanos());
    if (at >= end_of_day) break;
    found = v;
  }
  return found;
}

const char* StatusLabel(v1::KnowledgeStatus status) {
  switch (status) {
    case v1::KNOWLEDGE_STATUS_DRAFT: return "草稿";
    case v1::KNOWLEDGE_STATUS_PUBLISHED: return "已发布";
    case v1::KNOWLEDGE_STATUS_RETIRED: return "已废止";
    default: return "未知";
  }
}

}  // namespace hotline::knowledge
