#pragma once
// What the simulated city calls about: each scenario is a kind of call with a
// matter category and words that fit it, so the demo's orders read like real
// ones and the dispatch catalogue routes them where they belong.
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::simulator {

struct Scenario {
  v1::OrderType type;
  const char* category_code;  // a leaf of data/categories.textproto
  const char* content;
  // Set for consultations the agent answers on the spot from the knowledge
  // base (the order is created closed): the point the call is about. The
  // simulated agent searches with the caller's words and cites the top hit
  // (tests/knowledge/search_quality_test.cc checks the two agree). Empty: the
  // call becomes a work order.
  const char* knowledge_code;
};

// The n-th scenario of a fixed, weighted list (complaints most often).
const Scenario& PickScenario(uint64_t n);

// What a unit writes when it replies (办结), picked by n.
const char* PickReply(uint64_t n);
// A caller's name, picked by n.
const char* PickCallerName(uint64_t n);
// An address in the given district and street (street "" for a district-wide
// order), e.g. 天河区五山街道建设路12号附近, picked by n: the order's address
// always lies where the order says it is.
std::string PickAddress(const std::string& district_name, const std::string& street_name,
                        uint64_t n);
// How long the agent spent on the contact (talk + hold + after-call work),
// picked by n: an answer on the spot takes 2 to 5 minutes, a call that
// becomes a work order 4 to 9 (the order is written up after the call).
absl::Duration PickHandlingTime(bool answered_on_spot, uint64_t n);

}  // namespace hotline::simulator
