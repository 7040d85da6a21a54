#include "intake/validation.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "orders/order_helpers.h"
#include "orders/phone.h"
#include "text/utf8.h"

namespace hotline::intake {
namespace {

bool IsCode(const std::string& s) {
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '_') return false;
  }
  return !s.empty();
}

}  // namespace

std::optional<FieldError> ValidateCreate(const v1::CreateWorkOrderRequest& r,
                                         const directory::Directory& directory) {
  auto error = [](const char* field, std::string message) {
    return std::optional<FieldError>(FieldError{field, absl::StrCat(field, ": ", message)});
  };

  if (auto e = orders::IdempotencyKeyProblem(r.idempotency_key())) return error("idempotency_key", *e);
  if (r.type() == v1::ORDER_TYPE_UNSPECIFIED || !v1::OrderType_IsValid(r.type())) {
    return error("type", absl::StrCat("unknown order type ", r.type()));
  }
  if (r.channel() == v1::CHANNEL_UNSPECIFIED || !v1::Channel_IsValid(r.channel())) {
    return error("channel", absl::StrCat("unknown channel ", r.channel()));
  }
  if (auto e = text::TextProblem(r.content(), kMaxContent, true)) return error("content", *e);
  if (auto e = text::TextProblem(r.caller().name(), kMaxName, false)) return error("caller.name", *e);
  if (r.caller().phone().empty()) return error("caller.phone", "is required");
  if (!orders::NormalizePhone(r.caller().phone())) {
    return error("caller.phone", "is not a Chinese mobile or landline number");
  }

  const v1::Location& loc = r.location();
  if (loc.district_code().empty()) return error("location.district_code", "is required");
  if (!directory.IsDistrict(loc.district_code())) {
    return error("location.district_code",
                 absl::StrCat("unknown district \"", loc.district_code(), "\""));
  }
  // A district merged away takes no new orders (its open ones moved to its successor).
  if (const v1::Unit* district = directory.FindUnit(loc.district_code()); district->retired()) {
    return error("location.district_code",
                 absl::StrCat("\"", loc.district_code(), "\" (", district->name(), ") is retired",
                              district->merged_into().empty()
                                  ? ""
                                  : absl::StrCat("; it was merged into \"", district->merged_into(), "\"")));
  }
  if (!loc.street_code().empty()) {
    const v1::Unit* street = directory.FindUnit(loc.street_code());
    if (street == nullptr || street->kind() != v1::UNIT_KIND_STREET) {
      return error("location.street_code",
                   absl::StrCat("unknown street or town \"", loc.street_code(), "\""));
    }
    // A street merged away is no longer a place orders are taken for: its
    // successor is (the error names it, for the agent's desktop).
    if (street->retired()) {
      return error("location.street_code",
                   absl::StrCat("\"", loc.street_code(), "\" (", street->name(), ") is retired",
                                street->merged_into().empty()
                                    ? ""
                                    : absl::StrCat("; it was merged into \"", street->merged_into(), "\"")));
    }
    if (!directory.IsStreetOf(loc.street_code(), loc.district_code())) {
      return error("location.street_code",
                   absl::StrCat("\"", loc.street_code(), "\" is not in district \"",
                                loc.district_code(), "\""));
    }
  }
  if (auto e = text::TextProblem(loc.address(), kMaxAddress, false)) return error("location.address", *e);
  if (loc.has_point()) {
    double lat = loc.point().latitude(), lng = loc.point().longitude();
    if (!std::isfinite(lat) || !std::isfinite(lng) || lat < -90 || lat > 90 || lng < -180 ||
        lng > 180) {
      return error("location.point", "latitude must be -90..90 and longitude -180..180");
    }
  }

  if (r.category_code().empty()) return error("category_code", "is required");
  if (directory.FindCategory(r.category_code()) == nullptr) {
    return error("category_code", absl::StrCat("unknown category \"", r.category_code(), "\""));
  }

  if (r.has_on_spot_answer()) {
    const v1::OnSpotAnswer& a = r.on_spot_answer();
    if (r.type() != v1::ORDER_TYPE_CONSULTATION) {
      return error("on_spot_answer", "only a consultation can be answered on the spot");
    }
    if (a.knowledge_code().size() > kMaxKnowledgeCode || !IsCode(a.knowledge_code())) {
      return error("on_spot_answer.knowledge_code",
                   absl::StrCat("is required: 1 to ", kMaxKnowledgeCode,
                                " letters, digits, '.', '-' or '_'"));
    }
    if (auto e = text::TextProblem(a.answer(), kMaxAnswer, false)) {
      return error("on_spot_answer.answer", *e);
    }
  }
  if (r.has_handling_time()) {
    const google::protobuf::Duration& d = r.handling_time();
    // A well-formed Duration has nanos in (-1 s, 1 s) with the sign of seconds.
    const bool well_formed = d.nanos() > -1000000000 && d.nanos() < 1000000000 &&
                             !(d.seconds() > 0 && d.nanos() < 0) && !(d.seconds() < 0 && d.nanos() > 0);
    if (!well_formed || d.seconds() < kMinHandlingSeconds || d.seconds() > kMaxHandlingSeconds ||
        (d.seconds() == kMaxHandlingSeconds && d.nanos() > 0)) {
      return error("handling_time", absl::StrCat("must be ", kMinHandlingSeconds, " second to ",
                                                 kMaxHandlingSeconds / 3600, " hours (talk + hold + after-call work)"));
    }
  }
  return std::nullopt;
}

}  // namespace hotline::intake
