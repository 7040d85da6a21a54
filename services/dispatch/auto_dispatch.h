#pragma once
// Auto-dispatch as a handler of the order event stream: the consumer group
// "dispatch" (libs/stream: at-least-once, reclaim, dead letter, backlog
// gauges) hands it batches of events, and it routes each new order with
// Dispatcher::AutoDispatch, all of a batch concurrently (their Redis calls
// pipeline). Per event it answers OK (routed, or not a new order: acknowledged),
// FAILED_PRECONDITION (moot: the order was dispatched already; acknowledged,
// counted "moot") or the routing error (left pending: retried after
// reclaim_idle, dead-lettered after max_deliveries).
#include "dispatch/dispatcher.h"
#include "stream/consumer_group.h"

namespace hotline::dispatch {

stream::BatchHandler AutoDispatchHandler(Dispatcher& dispatcher);

}  // namespace hotline::dispatch
