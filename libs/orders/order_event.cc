#include "orders/order_event.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"

namespace hotline::orders {

namespace {

using google::protobuf::FieldDescriptor;

absl::Status NotOfType(const std::string& name, const std::string& value) {
  return absl::InvalidArgumentError(
      absl::StrCat("order event: field ", name, " holds \"", value, "\", not a ", name == "urgent" ? "flag" : "number"));
}

}  // namespace

absl::StatusOr<v1::OrderEvent> DecodeOrderEvent(const StreamFields& fields) {
  v1::OrderEvent event;
  const google::protobuf::Descriptor* d = event.GetDescriptor();
  const google::protobuf::Reflection* r = event.GetReflection();
  for (const auto& [name, value] : fields) {
    const FieldDescriptor* f = d->FindFieldByName(name);
    if (f == nullptr) continue;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        r->SetString(&event, f, value);
        break;
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t n = 0;
        if (value.empty()) break;
        if (!absl::SimpleAtoi(value, &n)) return NotOfType(name, value);
        r->SetInt64(&event, f, n);
        break;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        int n = 0;
        if (value.empty()) break;
        if (!absl::SimpleAtoi(value, &n)) return NotOfType(name, value);
        r->SetEnumValue(&event, f, n);
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL:
        if (value != "1" && value != "0" && !value.empty()) return NotOfType(name, value);
        r->SetBool(&event, f, value == "1");
        break;
      default:
        return absl::InternalError(absl::StrCat("order event: field ", name, " has a type the stream cannot hold"));
    }
  }
  return event;
}

StreamFields EncodeOrderEvent(const v1::OrderEvent& event) {
  StreamFields out;
  const google::protobuf::Reflection* r = event.GetReflection();
  std::vector<const FieldDescriptor*> set;
  r->ListFields(event, &set);  // in field-number order
  for (const FieldDescriptor* f : set) {
    std::string value;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: value = r->GetString(event, f); break;
      case FieldDescriptor::CPPTYPE_INT64: value = absl::StrCat(r->GetInt64(event, f)); break;
      case FieldDescriptor::CPPTYPE_ENUM: value = absl::StrCat(r->GetEnumValue(event, f)); break;
      case FieldDescriptor::CPPTYPE_BOOL: value = r->GetBool(event, f) ? "1" : "0"; break;
      default: continue;
    }
    out.emplace_back(f->name(), std::move(value));
  }
  return out;
}

std::string OrderEventFieldsLua() {
  const google::protobuf::Descriptor* d = v1::OrderEvent::descriptor();
  std::string out = "local ORDER_EVENT_FIELDS = {";
  for (int i = 0; i < d->field_count(); ++i) absl::StrAppend(&out, i ? ", " : "", "\"", d->field(i)->name(), "\"");
  return absl::StrCat(out, "}\n");
}

}  // namespace hotline::orders
