#pragma once
// The Chinese names people read in tables and on the wall: 投诉, 已派单, 电话.
// One table for the CLI, the screen and the desktop; the short English names
// (enum_names.h) stay what machines and --json read and what commands take.
// A value this build does not know reads as its short name (or number).
// Pure; thread-safe.
#include <string>

#include "absl/strings/string_view.h"
#include "hotline/v1/dispatch.pb.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::enums {

std::string ChineseName(v1::OrderType type);
std::string ChineseName(v1::OrderState state);
std::string ChineseName(v1::Channel channel);
std::string ChineseName(v1::Action action);

// A history entry's action ("sign", "request_hand_down", "sla_breach",
// "merge_unit", ...): the step as a person reads it (签收, 申请下派, 超时).
// An action this build does not know reads as itself.
std::string HistoryActionName(absl::string_view action);
// An OrderSla's status ("on_time", "warned", ...) and level ("urge", ...).
std::string SlaStatusName(absl::string_view status);
std::string SlaLevelName(absl::string_view level);

}  // namespace hotline::enums
