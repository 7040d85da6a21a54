#pragma once
// The handler of order events for the "scoring" consumer group (libs/stream):
// for each order an event batch names (once per batch), reads the order with
// its whole history, derives its facts (facts.h) and stores them (a store
// write only if newer). Replaying any part of the stream derives the same
// facts again and changes nothing. A vanished order is acknowledged.
#include <functional>

#include "scoring/fact_store.h"
#include "stream/consumer_group.h"

namespace hotline::scoring {

// `written` (may be empty) is told how many facts records a batch wrote.
stream::BatchHandler EventHandler(OrderSource& orders, FactStore& store, std::function<void(int)> written = {});

}  // namespace hotline::scoring
