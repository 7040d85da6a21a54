#pragma once
// Checks of a create request, field by field, against the directory. Pure.
#include <cstdint>
#include <optional>
#include <string>

#include "directory/directory.h"
#include "hotline/v1/intake.pb.h"

namespace hotline::intake {

// Limits, in code points.
inline constexpr size_t kMaxContent = 2000;
inline constexpr size_t kMaxName = 50;
inline constexpr size_t kMaxAddress = 200;
inline constexpr size_t kMaxAnswer = 2000;
inline constexpr size_t kMaxKnowledgeCode = 64;
// A reported handling time (talk + hold + after-call work): a real contact
// takes at least a second; past 4 hours it is a desktop that was never hung up.
inline constexpr int64_t kMinHandlingSeconds = 1;
inline constexpr int64_t kMaxHandlingSeconds = 4 * 3600;

// The first bad field of a request: `field` is its proto path (bounded set,
// usable as a metric label), `message` says what is wrong.
struct FieldError {
  std::string field;
  std::string message;
};

std::optional<FieldError> ValidateCreate(const v1::CreateWorkOrderRequest& request,
                                         const directory::Directory& directory);

}  // namespace hotline::intake
