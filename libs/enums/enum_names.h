#pragma once
// Short lowercase names for the API's enums, written once for every user:
// the command line and tables ("approve-return"), history entries and metric
// labels ("approve_return"). ORDER_TYPE_COMPLAINT <-> "complaint",
// UNIT_KIND_SUB_UNIT <-> "sub-unit". Derived from the generated enum names by
// stripping the enum's prefix, so a value added to a .proto needs no code here.
// A value this build does not know (a newer writer, a damaged record) reads
// as its number, never an exception.
// Pure functions; thread-safe.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "hotline/v1/directory.pb.h"
#include "hotline/v1/dispatch.pb.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::enums {

// Instantiated for v1::OrderType, OrderState, Channel, Role, UnitKind, Rating
// and Action.
//
// The short name of `value`: lowercase, `separator` between words. A value
// this build does not know reads as its number.
template <typename Enum>
std::string ShortName(Enum value, char separator = '-');

// The same with '_' between words: the form stored in history entries and
// used as metric label values ("approve_return").
template <typename Enum>
std::string SnakeName(Enum value) {
  return ShortName(value, '_');
}

// The value named `name` (case-insensitive; '-' or '_' between words; the
// full generated name works too). Never returns the *_UNSPECIFIED value: it
// is no meaningful input.
template <typename Enum>
std::optional<Enum> ParseShortName(absl::string_view name);

// Every short name `ParseShortName` accepts, in declaration order; for help
// and error messages.
template <typename Enum>
std::vector<std::string> AllShortNames();

}  // namespace hotline::enums
