#pragma once
// The gateway's table (issue 21): one row per method of hotline.v1.Hotline,
// giving the backend service that serves it and the roles that may call it.
// The gateway is built from it (gateway_service.h registers one raw handler
// per row), and a test checks it against the service descriptors: every
// method of gateway.proto has exactly one row and every row a method, whose
// backend method has the same name, request, response and streaming.
// Adding an RPC is the proto plus one row here.
//
// Authorization has two named layers:
//  1. by method and role: this table, at the gateway, on every call after
//     authentication. A method missing from the table is refused to everyone.
//  2. by data: which orders, units and records a caller may see or change
//     within an allowed method (unit scope, confidentiality, the owner of a
//     knowledge point, the state machine's actors): the backends, with
//     libs/authz. Backends keep no list of which role may call which RPC.
// Immutable; thread-safe.
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::gateway {

struct Route {
  // The method's name in hotline.v1.Hotline, e.g. "GetWorkOrder".
  absl::string_view method;
  // The backend service that serves a method of the same name and types,
  // e.g. "hotline.v1.Intake"; empty: answered by the gateway itself (WhoAmI).
  // Which process serves a backend service is the gateway's wiring
  // (Backends in gateway_service.h), not the row's.
  absl::string_view backend_service;
  // Who may call it.
  std::vector<v1::Role> roles;
};

// The table, in the order of gateway.proto.
const std::vector<Route>& Routes();

// The row of `method`, or null.
const Route* FindRoute(absl::string_view method);

// OK when `role` may call `method`; PERMISSION_DENIED naming both otherwise
// (also for a method that has no row).
absl::Status MayCall(absl::string_view method, v1::Role role);

}  // namespace hotline::gateway
