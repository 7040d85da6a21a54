#pragma once
// The flags every consumer of the order events takes for its consumer group
// (its name in the group, when to take over a dead replica's entries, when
// to give up on one), written once for dispatch, sla and scoring.
#include "config/flags.h"
#include "stream/consumer_group.h"

namespace hotline::stream {

// --consumer_name, --reclaim_idle, --max_deliveries (HOTLINE_CONSUMER_NAME,
// HOTLINE_RECLAIM_IDLE, HOTLINE_MAX_DELIVERIES); `group` holds the defaults.
void AddGroupFlags(config::Flags& flags, GroupOptions* group);

}  // namespace hotline::stream
