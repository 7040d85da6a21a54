#pragma once
// absl::Status <-> grpc::Status, converted once at the gRPC edge, and the two
// macros Abseil 20220623 does not ship.
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hotline {

// Codes map one to one (both follow google.rpc.Code); the message is kept.
grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace hotline

#define HOTLINE_STATUS_CONCAT_INNER(a, b) a##b
#define HOTLINE_STATUS_CONCAT(a, b) HOTLINE_STATUS_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define HOTLINE_RETURN_IF_ERROR(expr)                \
  do {                                               \
    if (::absl::Status _st = (expr); !_st.ok()) {    \
      return _st;                                    \
    }                                                \
  } while (false)

// `lhs = value of expr`, or returns its status when it is not OK.
#define HOTLINE_ASSIGN_OR_RETURN(lhs, expr) \
  HOTLINE_ASSIGN_OR_RETURN_IMPL(HOTLINE_STATUS_CONCAT(_statusor_, __LINE__), lhs, expr)
#define HOTLINE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(*tmp)
