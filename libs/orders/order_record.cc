#include "orders/order_record.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "orders/history_json.h"
#include "orders/phone.h"

namespace hotline::orders {
namespace {

// Other stored field names (the scripts never touch these).
constexpr char kUrgent[] = "urgent";
constexpr char kChannel[] = "channel";
constexpr char kCallerName[] = "caller_name";
constexpr char kCallerPhoneMasked[] = "caller_phone_masked";
constexpr char kConfidential[] = "confidential";
constexpr char kStreet[] = "street";
constexpr char kAddress[] = "address";
constexpr char kLat[] = "lat";
constexpr char kLng[] = "lng";
constexpr char kCategory[] = "category";
constexpr char kContent[] = "content";
constexpr char kKnowledgeCode[] = "kb_code";
constexpr char kAnswer[] = "kb_answer";
constexpr char kByUser[] = "by_user";
constexpr char kByRole[] = "by_role";
constexpr char kByUnit[] = "by_unit";
// Milliseconds; written only when reported (most stores keep one field less).
constexpr char kHandlingMs[] = "handling_ms";
// Written by the SLA monitor (services/sla/sla_keys.h), only read here.
constexpr char kSlaSignDue[] = "sla_sign_due_ms";
constexpr char kSlaCloseDue[] = "sla_close_due_ms";
constexpr char kSlaCloseOriginal[] = "sla_close_original_ms";
constexpr char kSlaStatus[] = "sla_status";
constexpr char kSlaLevel[] = "sla_level";
constexpr char kNotices[] = "notices";

int64_t AsInt(const absl::flat_hash_map<std::string, std::string>& m, const char* name) {
  int64_t v = 0;
  if (auto it = m.find(name); it != m.end()) (void)absl::SimpleAtoi(it->second, &v);
  return v;
}

const std::string& AsString(const absl::flat_hash_map<std::string, std::string>& m,
                            const char* name) {
  static const std::string kEmpty;
  auto it = m.find(name);
  return it == m.end() ? kEmpty : it->second;
}

// The enum stored in field `name` (absent: 0). DATA_LOSS naming the order
// and field when it holds a value this build does not know: a damaged or
// foreign record must be an error answer, never a value that later code
// trips over (names of unknown values are empty).
template <typename Enum>
absl::Status AsEnum(const absl::flat_hash_map<std::string, std::string>& m, const char* name,
                    bool (*is_valid)(int), Enum* out) {
  int64_t v = 0;
  if (auto it = m.find(name); it != m.end() && !it->second.empty()) {
    if (!absl::SimpleAtoi(it->second, &v) || !is_valid(static_cast<int>(v))) {
      return absl::DataLossError(absl::StrCat("order ", AsString(m, field::kId), ": field ", name,
                                              " holds \"", it->second, "\", not a known value"));
    }
  }
  *out = static_cast<Enum>(v);
  return absl::OkStatus();
}

}  // namespace

Record ToRecord(const v1::WorkOrder& o) {
  Record r = {
      {field::kVersion, absl::StrCat(o.version())},
      {field::kType, absl::StrCat(o.type())},
      {kUrgent, o.urgent() ? "1" : "0"},
      {kChannel, absl::StrCat(o.channel())},
      {kCallerName, o.caller().name()},
      // Never the number itself: the store adds it sealed (NewOrder).
      {kCallerPhoneMasked,
       o.caller().phone().empty() ? o.caller().phone_masked() : MaskPhone(o.caller().phone())},
      {field::kDistrict, o.location().district_code()},
      {kStreet, o.location().street_code()},
      {kAddress, o.location().address()},
      {kCategory, o.category_code()},
      {kContent, o.content()},
      {field::kState, absl::StrCat(o.state())},
      {field::kUnit, o.assigned_unit_code()},
      {field::kCreatedMs, absl::StrCat(ToMillis(o.created_at()))},
      {field::kUpdatedMs, absl::StrCat(ToMillis(o.updated_at()))},
      {field::kClosedMs, o.has_closed_at() ? absl::StrCat(ToMillis(o.closed_at())) : ""},
      {kKnowledgeCode, o.on_spot_answer().knowledge_code()},
      {kAnswer, o.on_spot_answer().answer()},
      {kByUser, o.created_by().user_id()},
      {kByRole, absl::StrCat(o.created_by().role())},
      {kByUnit, o.created_by().unit_code()},
      {field::kBounces, absl::StrCat(o.bounce_count())},
      {field::kMaster, o.master_order_id()},
      {field::kPendingUnit, o.pending_unit_code()},
      {field::kLastRating, absl::StrCat(o.last_rating())},
      {field::kRedos, absl::StrCat(o.redo_count())},
      {field::kUrges, absl::StrCat(o.urge_count())},
      {field::kSupervises, absl::StrCat(o.supervise_count())},
      {field::kDispatchRule, o.dispatch_rule()},
      {field::kHandedDownBy, o.handed_down_by()},
  };
  // Only when set: a field less per order (the hash's table stays smaller).
  if (o.caller().confidential()) r.emplace_back(kConfidential, "1");
  if (o.has_handling_time()) r.emplace_back(kHandlingMs, absl::StrCat(ToMillis(o.handling_time())));
  if (o.location().has_point()) {
    // %.17g round-trips a double exactly (StrCat would keep only 6 digits).
    r.emplace_back(kLat, absl::StrFormat("%.17g", o.location().point().latitude()));
    r.emplace_back(kLng, absl::StrFormat("%.17g", o.location().point().longitude()));
  }
  return r;
}

const RecordWriters& Writers() {
  static const RecordWriters* writers = [] {
    // create.lua writes the whole record: every field ToRecord can give.
    v1::WorkOrder full;
    full.mutable_caller()->set_confidential(true);
    full.mutable_handling_time()->set_seconds(1);
    full.mutable_location()->mutable_point()->set_latitude(1);
    std::vector<std::string> create = {field::kId, field::kCallerPhoneSealed, field::kCallerPhoneHash};
    for (const auto& [name, value] : ToRecord(full)) create.push_back(name);
    return new RecordWriters{
        {"create", std::move(create)},
        {"transition",
         {field::kVersion, field::kState, field::kUnit, field::kPendingUnit, field::kLastRating,
          field::kUpdatedMs, field::kHandedDownBy, field::kClosedMs, field::kMaster, field::kDispatchRule,
          field::kBounces, field::kRedos, field::kUrges, field::kSupervises}},
        // The SLA monitor (services/sla/scripts/settle.lua): its own fields
        // (services/sla/sla_keys.h) and the counters its marks raise.
        {"settle",
         {field::kVersion, field::kUpdatedMs, kSlaSignDue, kSlaCloseDue, kSlaCloseOriginal, kSlaStatus,
          kSlaLevel, "sla_rev", "sla_unit", "sla_district", "sla_provisional", "sla_no_deadline",
          field::kUrges, field::kSupervises, kNotices}},
        // A unit merge moves an open order to the successor unit as it
        // stands, and one located in a merged district into the successor
        // district (tools/admin/scripts/merge_unit.lua).
        {"unit_merge",
         {field::kVersion, field::kUpdatedMs, field::kUnit, field::kPendingUnit, field::kHandedDownBy,
          field::kDistrict}},
        // Sealing numbers stored before sealing, and sealing again
        // (scripts/seal_phone.lua, reseal_phone.lua).
        {"phone", {field::kCallerPhoneSealed, field::kCallerPhoneHash, kCallerPhoneMasked, field::kCallerPhoneLegacy}},
    };
  }();
  return *writers;
}

std::string WritersLua(const std::vector<std::string>& names) {
  std::string out = "local ORDER_WRITABLE = {\n";
  for (const auto& [writer, fields] : Writers()) {
    if (std::find(names.begin(), names.end(), writer) == names.end()) continue;
    absl::StrAppend(&out, "  ", writer, " = {");
    for (const std::string& f : fields) absl::StrAppend(&out, "[\"", f, "\"] = true, ");
    absl::StrAppend(&out, "},\n");
  }
  return absl::StrCat(out, "}\n");
}

absl::StatusOr<v1::WorkOrder> FromRecord(const std::vector<std::string>& flat) {
  if (flat.empty() || flat.size() % 2 != 0) {
    return absl::DataLossError("order record is empty or malformed");
  }
  absl::flat_hash_map<std::string, std::string> m;
  for (size_t i = 0; i + 1 < flat.size(); i += 2) m[flat[i]] = flat[i + 1];
  if (AsString(m, field::kId).empty()) return absl::DataLossError("order record has no id");

  v1::OrderType type = v1::ORDER_TYPE_UNSPECIFIED;
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  v1::OrderState state = v1::ORDER_STATE_UNSPECIFIED;
  v1::Role by_role = v1::ROLE_UNSPECIFIED;
  v1::Rating last_rating = v1::RATING_UNSPECIFIED;
  for (absl::Status s : {AsEnum(m, field::kType, v1::OrderType_IsValid, &type),
                         AsEnum(m, kChannel, v1::Channel_IsValid, &channel),
                         AsEnum(m, field::kState, v1::OrderState_IsValid, &state),
                         AsEnum(m, kByRole, v1::Role_IsValid, &by_role),
                         AsEnum(m, field::kLastRating, v1::Rating_IsValid, &last_rating)}) {
    if (!s.ok()) return s;
  }

  v1::WorkOrder o;
  o.set_id(AsString(m, field::kId));
  o.set_version(AsInt(m, field::kVersion));
  o.set_type(type);
  o.set_urgent(AsString(m, kUrgent) == "1");
  o.set_channel(channel);
  o.mutable_caller()->set_name(AsString(m, kCallerName));
  // A legacy plain-text number is handed on for MaskForReading to mask.
  o.mutable_caller()->set_phone(AsString(m, field::kCallerPhoneLegacy));
  o.mutable_caller()->set_phone_masked(AsString(m, kCallerPhoneMasked));
  o.mutable_caller()->set_confidential(AsString(m, kConfidential) == "1");
  v1::Location* loc = o.mutable_location();
  loc->set_district_code(AsString(m, field::kDistrict));
  loc->set_street_code(AsString(m, kStreet));
  loc->set_address(AsString(m, kAddress));
  double lat = 0, lng = 0;
  if (absl::SimpleAtod(AsString(m, kLat), &lat) && absl::SimpleAtod(AsString(m, kLng), &lng)) {
    loc->mutable_point()->set_latitude(lat);
    loc->mutable_point()->set_longitude(lng);
  }
  o.set_category_code(AsString(m, kCategory));
  o.set_content(AsString(m, kContent));
  o.set_state(state);
  o.set_assigned_unit_code(AsString(m, field::kUnit));
  *o.mutable_created_at() = FromMillis(AsInt(m, field::kCreatedMs));
  *o.mutable_updated_at() = FromMillis(AsInt(m, field::kUpdatedMs));
  if (!AsString(m, field::kClosedMs).empty()) *o.mutable_closed_at() = FromMillis(AsInt(m, field::kClosedMs));
  if (!AsString(m, kKnowledgeCode).empty()) {
    o.mutable_on_spot_answer()->set_knowledge_code(AsString(m, kKnowledgeCode));
    o.mutable_on_spot_answer()->set_answer(AsString(m, kAnswer));
  }
  o.mutable_created_by()->set_user_id(AsString(m, kByUser));
  o.mutable_created_by()->set_role(by_role);
  o.mutable_created_by()->set_unit_code(AsString(m, kByUnit));
  o.set_bounce_count(static_cast<int32_t>(AsInt(m, field::kBounces)));
  o.set_master_order_id(AsString(m, field::kMaster));
  o.set_pending_unit_code(AsString(m, field::kPendingUnit));
  o.set_last_rating(last_rating);
  o.set_redo_count(static_cast<int32_t>(AsInt(m, field::kRedos)));
  o.set_urge_count(static_cast<int32_t>(AsInt(m, field::kUrges)));
  o.set_supervise_count(static_cast<int32_t>(AsInt(m, field::kSupervises)));
  o.set_dispatch_rule(AsString(m, field::kDispatchRule));
  o.set_handed_down_by(AsString(m, field::kHandedDownBy));
  o.set_notice_count(static_cast<int32_t>(AsInt(m, kNotices)));
  if (!AsString(m, kHandlingMs).empty()) *o.mutable_handling_time() = DurationFromMillis(AsInt(m, kHandlingMs));
  if (!AsString(m, kSlaSignDue).empty()) {
    *o.mutable_deadlines()->mutable_sign_off_due() = FromMillis(AsInt(m, kSlaSignDue));
  }
  if (!AsString(m, kSlaCloseDue).empty()) {
    *o.mutable_deadlines()->mutable_closing_due() = FromMillis(AsInt(m, kSlaCloseDue));
    *o.mutable_deadlines()->mutable_original_closing_due() = FromMillis(AsInt(m, kSlaCloseOriginal));
  }
  if (!AsString(m, kSlaStatus).empty()) {
    o.mutable_deadlines()->set_status(AsString(m, kSlaStatus));
    o.mutable_deadlines()->set_level(AsString(m, kSlaLevel));
  }
  return o;
}

namespace {

// protobuf's JSON printer escapes more than quotes and control bytes (e.g.
// '<', '>', and invisible Unicode format characters). A string of printable
// ASCII without any of the characters below it prints as it is, so the
// direct writer may too; anything else is left to the printer.
bool PrintsVerbatim(const std::string& s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' ||
        c == '\'' || c == '=') {
      return false;
    }
  }
  return true;
}

// The range google.protobuf.Timestamp's JSON form covers (0001..9999).
bool PrintableTime(const google::protobuf::Timestamp& t) {
  return t.seconds() >= -62135596800 && t.seconds() <= 253402300799 && t.nanos() >= 0 &&
         t.nanos() <= 999999999;
}

// HistoryEntryToJson without protobuf's JSON printer (which converts through
// a generic object writer and was ~8 % of intake's CPU per create), for the
// entries every write makes: the same bytes, field by field in field-number
// order, defaults left out. False (and `out` unspecified) when the entry has
// something it does not render exactly like the printer; the caller prints
// those with protobuf.
bool DirectHistoryJson(const v1::HistoryEntry& e, std::string* out) {
  if (e.has_sla_record() || e.has_reference_versions()) return false;
  if (e.has_at() && !PrintableTime(e.at())) return false;
  if (e.has_extension_due() && !PrintableTime(e.extension_due())) return false;
  if (!v1::OrderState_IsValid(e.from_state()) || !v1::OrderState_IsValid(e.to_state())) return false;
  if (e.has_actor() && !v1::Role_IsValid(e.actor().role())) return false;
  for (const std::string* s : {&e.action(), &e.unit_code(), &e.note(), &e.sla_mark(),
                               &e.actor().user_id(), &e.actor().unit_code()}) {
    if (!PrintsVerbatim(*s)) return false;
  }
  out->clear();
  out->push_back('{');
  auto name = [&](const char* field) {
    if (out->size() > 1) out->push_back(',');
    absl::StrAppend(out, "\"", field, "\":");
  };
  auto text = [&](const char* field, const std::string& value) {
    if (value.empty()) return;
    name(field);
    absl::StrAppend(out, "\"", value, "\"");
  };
  auto timestamp = [&](const char* field, const google::protobuf::Timestamp& t) {
    name(field);
    absl::StrAppend(out, "\"", google::protobuf::util::TimeUtil::ToString(t), "\"");
  };
  auto state = [&](const char* field, v1::OrderState value) {
    if (value == v1::ORDER_STATE_UNSPECIFIED) return;
    name(field);
    absl::StrAppend(out, "\"", v1::OrderState_Name(value), "\"");
  };
  if (e.seq() != 0) {
    name("seq");
    absl::StrAppend(out, "\"", e.seq(), "\"");
  }
  if (e.has_at()) timestamp("at", e.at());
  if (e.has_actor()) {
    name("actor");
    const size_t open = out->size();
    out->push_back('{');
    const v1::Actor& a = e.actor();
    auto inner = [&](const char* field) {
      if (out->size() > open + 1) out->push_back(',');
      absl::StrAppend(out, "\"", field, "\":");
    };
    if (!a.user_id().empty()) {
      inner("user_id");
      absl::StrAppend(out, "\"", a.user_id(), "\"");
    }
    if (a.role() != v1::ROLE_UNSPECIFIED) {
      inner("role");
      absl::StrAppend(out, "\"", v1::Role_Name(a.role()), "\"");
    }
    if (!a.unit_code().empty()) {
      inner("unit_code");
      absl::StrAppend(out, "\"", a.unit_code(), "\"");
    }
    out->push_back('}');
  }
  text("action", e.action());
  state("from_state", e.from_state());
  state("to_state", e.to_state());
  text("unit_code", e.unit_code());
  text("note", e.note());
  text("sla_mark", e.sla_mark());
  if (e.has_extension_due()) timestamp("extension_due", e.extension_due());
  out->push_back('}');
  return true;
}

}  // namespace

std::string HistoryEntryToJson(const v1::HistoryEntry& in) {
  // The chain fields are the scripts' to write (history_chain.lua), never
  // printed here.
  std::string json;
  if (DirectHistoryJson(in, &json)) return json;
  v1::HistoryEntry entry = in;
  entry.clear_prev_hash();
  entry.clear_hash();
  json.clear();
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(entry, &json, options);
  return json;
}

absl::StatusOr<v1::HistoryEntry> HistoryEntryFromJson(const std::string& json) {
  v1::HistoryEntry entry;
  if (FastHistoryEntryFromJson(json, &entry)) return entry;  // history_json.h
  entry.Clear();
  if (!ProtobufHistoryEntryFromJson(json, &entry)) {
    return absl::DataLossError("history entry is not valid JSON of HistoryEntry");
  }
  return entry;
}

}  // namespace hotline::orders
