#pragma once
// Pure: what an order means to the assessment. From an order and its WHOLE
// history, the events that count for or against a unit (hotline.v1.Fact) and
// what the hot-spot lists need (type, channel, category, place, agent). The
// same order always gives the same facts, which is what makes the consumer
// idempotent: replaying the stream only derives them again.
#include "absl/status/statusor.h"
#include "hotline/v1/scoring.pb.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::scoring {

// FAILED_PRECONDITION if `order` does not carry its whole history.
absl::StatusOr<v1::OrderFacts> DeriveFacts(const v1::WorkOrder& order);

}  // namespace hotline::scoring
