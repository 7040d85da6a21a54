#pragma once
// Confidentiality rules: which kinds of personal data a caller may see within
// a method it may call. Authorization has two named layers: the gateway's
// route table decides by method and role (services/gateway/route_table.h);
// libs/authz decides by the data (unit scope: unit_scope.h; confidentiality:
// here), called by the backend that holds the data. Pure; thread-safe.
#include "absl/status/status.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::authz {

// The month's addresses shared by several orders (scoring's
// HOT_KIND_ADDRESSES) are callers' personal data (PIPL): only the centre's
// dispatchers and supervisors, who act on hot spots, see them. Unit handlers
// see their own orders' addresses, not the city's; agents take calls one at a
// time and need no city-wide list; auditors, editors and administrators do not
// act on hot spots (the least access PIPL asks for). OK or PERMISSION_DENIED
// naming the field.
absl::Status MaySeeCityAddresses(const v1::Actor& actor);

}  // namespace hotline::authz
