#pragma once
// Unit scoping, in one place: a unit handler sees and acts only on orders of
// its own unit and of the units under it in the directory's tree (a district
// handler: its streets'; a department's: its sub-units'). The centre's roles
// (agent, dispatcher, supervisor, administrator) see the whole city; which
// role may call which RPC at all is the gateway's table (route_table.h).
//
// Services call these where the data is, with the verified caller identity
// (the caller server::RefuseUnverified hands back). An order the caller may not see is answered exactly
// as a missing one (OrderNotFound), for reads and actions alike, so that its
// existence and state do not leak. Pure functions; thread-safe.
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "directory/directory.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::authz {

// True for the roles whose view is limited to a unit subtree.
bool IsUnitScoped(const v1::Actor& actor);

// True if `unit_code` is `ancestor_code` or lies under it in the directory.
// Unknown codes are within nothing.
bool IsWithin(const directory::Directory& directory, absl::string_view unit_code,
              absl::string_view ancestor_code);

// May `actor` see and act on what belongs to unit `unit_code` (an order
// assigned to it, its queue, its deadlines)? Always for a non-scoped role;
// for a unit handler only within its own subtree (never for "": an order not
// yet dispatched belongs to the centre).
bool MayAccessOrderOf(const v1::Actor& actor, absl::string_view unit_code,
                      const directory::Directory& directory);

// May `actor` see `order`: its assigned unit, or the sub-unit a hand-down
// waits on (which must see what it is asked to take), is within reach.
bool MayAccessOrder(const v1::Actor& actor, const v1::WorkOrder& order,
                    const directory::Directory& directory);

// The answer for an order the caller may not see: word for word what the
// order store answers for an order that does not exist.
absl::Status OrderNotFound(absl::string_view order_id);

// The unit a listing (orders, queue, deadlines) may be restricted to.
// `requested` is the caller's filter ("" for none). Non-scoped callers get
// their filter back unchanged. A unit handler lists one unit of its subtree at
// a time: "" means its own unit; a unit outside its subtree is
// PERMISSION_DENIED naming `field` (never an empty or partial answer that
// could be mistaken for "that unit has nothing").
absl::StatusOr<std::string> ListingUnit(const v1::Actor& actor, absl::string_view requested,
                                        absl::string_view field,
                                        const directory::Directory& directory);

}  // namespace hotline::authz
