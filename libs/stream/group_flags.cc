#include "stream/group_flags.h"

namespace hotline::stream {

void AddGroupFlags(config::Flags& flags, GroupOptions* group) {
  flags.String("consumer_name", "HOTLINE_CONSUMER_NAME",
               "this replica's name in the stream's consumer group (unique)", &group->consumer);
  flags.Duration("reclaim_idle", "HOTLINE_RECLAIM_IDLE",
                 "take over events another replica left unacknowledged this long",
                 &group->reclaim_idle);
  flags.Int("max_deliveries", "HOTLINE_MAX_DELIVERIES",
            "after this many failed deliveries an event goes to the dead-letter stream",
            &group->max_deliveries);
}

}  // namespace hotline::stream
