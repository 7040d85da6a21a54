#pragma once
// The Chinese names people read in tables and on the wall: 投诉, 已派单, 电话.
// One table for the CLI, the screen and the desktop; the short English names
// (enum_names.h) stay what machines and --json read and what commands take.
// A value this build does not know reads as its short name (or number).
// Pure; thread-safe.
#include <string>

#include "hotline/v1/work_order.pb.h"

namespace hotline::enums {

std::string ChineseName(v1::OrderType type);
std::string ChineseName(v1::OrderState state);
std::string ChineseName(v1::Channel channel);

}  // namespace hotline::enums
