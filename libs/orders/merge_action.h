#pragma once
// The history action of a unit merge (`hotline-admin units merge OLD NEW`,
// tools/admin/unit_merge.h): the order passes from the retired unit to its
// successor as it stands. Readers of the trail treat it as a change of
// holder, not as a dispatch: the SLA timeline arms no new sign-off clock for
// it, and scoring derives no fact from it.
namespace hotline::orders {

inline constexpr char kMergeUnitAction[] = "merge_unit";
// The event the merge appends for each moved order.
inline constexpr char kMergeUnitEvent[] = "order.unit_merged";

}  // namespace hotline::orders
