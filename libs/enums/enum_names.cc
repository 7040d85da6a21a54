#include "enums/enum_names.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/generated_enum_reflection.h"

namespace hotline::enums {
namespace {

// What differs between the enums: the generated functions and the prefix
// every value name starts with.
template <typename Enum>
struct EnumTraits;

#define HOTLINE_ENUM_TRAITS(Enum, kPrefixText)                                 \
  template <>                                                                  \
  struct EnumTraits<v1::Enum> {                                                \
    static constexpr absl::string_view kPrefix = kPrefixText;                  \
    static std::string Name(v1::Enum value) { return v1::Enum##_Name(value); } \
    static bool Parse(const std::string& name, v1::Enum* value) {              \
      return v1::Enum##_Parse(name, value);                                    \
    }                                                                          \
  }

HOTLINE_ENUM_TRAITS(OrderType, "ORDER_TYPE_");
HOTLINE_ENUM_TRAITS(OrderState, "ORDER_STATE_");
HOTLINE_ENUM_TRAITS(Channel, "CHANNEL_");
HOTLINE_ENUM_TRAITS(Role, "ROLE_");
HOTLINE_ENUM_TRAITS(UnitKind, "UNIT_KIND_");
HOTLINE_ENUM_TRAITS(Rating, "RATING_");
HOTLINE_ENUM_TRAITS(Action, "ACTION_");

#undef HOTLINE_ENUM_TRAITS

}  // namespace

template <typename Enum>
std::string ShortName(Enum value, char separator) {
  std::string name = EnumTraits<Enum>::Name(value);
  if (name.empty()) return absl::StrCat(static_cast<int>(value));
  absl::string_view rest = name;
  if (absl::StartsWith(rest, EnumTraits<Enum>::kPrefix)) {
    rest.remove_prefix(EnumTraits<Enum>::kPrefix.size());
  }
  std::string lower = absl::AsciiStrToLower(rest);
  if (separator != '_') std::replace(lower.begin(), lower.end(), '_', separator);
  return lower;
}

template <typename Enum>
std::optional<Enum> ParseShortName(absl::string_view name) {
  std::string upper = absl::StrReplaceAll(absl::AsciiStrToUpper(name), {{"-", "_"}});
  if (!absl::StartsWith(upper, EnumTraits<Enum>::kPrefix)) {
    upper = absl::StrCat(EnumTraits<Enum>::kPrefix, upper);
  }
  Enum value{};
  if (!EnumTraits<Enum>::Parse(upper, &value) || static_cast<int>(value) == 0) {
    return std::nullopt;
  }
  return value;
}

template <typename Enum>
std::vector<std::string> AllShortNames() {
  const google::protobuf::EnumDescriptor* descriptor = google::protobuf::GetEnumDescriptor<Enum>();
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const int number = descriptor->value(i)->number();
    if (number != 0) names.push_back(ShortName(static_cast<Enum>(number)));
  }
  return names;
}

#define HOTLINE_INSTANTIATE(Enum)                                               \
  template std::string ShortName<v1::Enum>(v1::Enum, char);                         \
  template std::optional<v1::Enum> ParseShortName<v1::Enum>(absl::string_view); \
  template std::vector<std::string> AllShortNames<v1::Enum>()

HOTLINE_INSTANTIATE(OrderType);
HOTLINE_INSTANTIATE(OrderState);
HOTLINE_INSTANTIATE(Channel);
HOTLINE_INSTANTIATE(Role);
HOTLINE_INSTANTIATE(UnitKind);
HOTLINE_INSTANTIATE(Rating);
HOTLINE_INSTANTIATE(Action);

#undef HOTLINE_INSTANTIATE

}  // namespace hotline::enums
