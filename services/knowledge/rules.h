#pragma once
// The knowledge base's rules as pure functions: who may write a point, which
// status changes are allowed, which version was in force on a day. No I/O;
// thread-safe.
//
//   publish:  draft -> published, retired -> published (reinstated)
//   retire:   draft or published -> retired
//   edit:     draft or published (stays as it was); a retired point is
//             reinstated by publishing it first
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "hotline/v1/knowledge.pb.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::knowledge {

// OK for a knowledge editor, or a unit handler of `owner_unit`;
// UNAUTHENTICATED without an identity; PERMISSION_DENIED otherwise.
absl::Status MayWrite(const std::optional<v1::Actor>& actor, const std::string& owner_unit);

enum class StatusAction { kPublish, kRetire, kEdit };

// The status after `action` on a point in `current`; FAILED_PRECONDITION
// naming the current status when the action is not allowed in it.
absl::StatusOr<v1::KnowledgeStatus> NextStatus(v1::KnowledgeStatus current, StatusAction action);

// The version that was current at the end of `day` in the city's time zone:
// the last one written on or before that day. nullopt when the point did not
// exist yet. `versions` oldest first.
std::optional<v1::KnowledgePoint> VersionAsOf(const std::vector<v1::KnowledgePoint>& versions,
                                              absl::CivilDay day);

// The Chinese name of a status for messages: 草稿, 已发布, 已废止.
const char* StatusLabel(v1::KnowledgeStatus status);

}  // namespace hotline::knowledge
