#include "orders/script_args.h"

#include "absl/strings/str_format.h"

namespace hotline::orders {

namespace {

// A JSON string: quotes, backslashes and control bytes escaped; other bytes
// (UTF-8) as they are, which cjson passes through unchanged.
void AppendQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t plain = 0;  // start of the bytes not yet appended, none needing an escape
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) continue;
    out->append(s.data() + plain, i - plain);
    plain = i + 1;
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else {
      absl::StrAppendFormat(out, "\\u%04x", static_cast<unsigned char>(c));
    }
  }
  out->append(s.data() + plain, s.size() - plain);
  out->push_back('"');
}

}  // namespace

void ScriptArgs::Name(std::string_view name) {
  if (!body_.empty()) body_.push_back(',');
  AppendQuoted(&body_, name);
  body_.push_back(':');
}

ScriptArgs& ScriptArgs::Set(std::string_view name, std::string_view value) {
  Name(name);
  AppendQuoted(&body_, value);
  return *this;
}

ScriptArgs& ScriptArgs::SetList(std::string_view name, const std::vector<std::string>& values) {
  Name(name);
  body_.push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) body_.push_back(',');
    AppendQuoted(&body_, values[i]);
  }
  body_.push_back(']');
  return *this;
}

ScriptArgs& ScriptArgs::SetTables(std::string_view name, const std::vector<ScriptArgs>& tables) {
  Name(name);
  body_.push_back('[');
  for (size_t i = 0; i < tables.size(); ++i) {
    if (i) body_.push_back(',');
    body_ += tables[i].Encode();
  }
  body_.push_back(']');
  return *this;
}

std::string ScriptArgs::Encode() const { return "{" + body_ + "}"; }

}  // namespace hotline::orders
