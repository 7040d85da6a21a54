#pragma once
// Who may call what: the one table of hotline.v1.Hotline's methods and the
// roles allowed to call each (access_policy.cc; documented in README.md). The
// gateway consults it on every call, after authentication. A method missing
// from the table is refused to everyone, and a test checks that every method
// of the service descriptor has a row. Which orders a caller may see within
// an allowed method is unit scoping (libs/authz), enforced by the backends.
// Immutable; thread-safe.
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::gateway {

struct MethodAccess {
  absl::string_view method;  // the method's name in hotline.v1.Hotline, e.g. "GetWorkOrder"
  std::vector<v1::Role> roles;
};

// The table, in the order of gateway.proto.
const std::vector<MethodAccess>& AccessTable();

// OK when `role` may call `method`; PERMISSION_DENIED naming both otherwise
// (also for a method that has no row).
absl::Status MayCall(absl::string_view method, v1::Role role);

}  // namespace hotline::gateway
