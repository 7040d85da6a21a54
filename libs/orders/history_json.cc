#include "orders/history_json.h"

#include <google/protobuf/util/json_util.h>

#include <cstdint>
#include <string>

#include "text/utf8.h"

namespace hotline::orders {
namespace {

// One pass over the bytes; every method returns false to decline.
class Reader {
 public:
  explicit Reader(std::string_view json) : p_(json.data()), end_(json.data() + json.size()) {}

  bool Entry(v1::HistoryEntry* e) {
    if (!Open()) return false;
    uint32_t seen = 0;
    if (Peek('}')) {
      ++p_;
      return End();
    }
    for (;;) {
      if (!Key()) return false;
      int bit;
      bool ok;
      if (key_ == "seq") {
        bit = 0;
        int64_t v = 0;
        ok = Int64(&v);
        e->set_seq(v);
      } else if (key_ == "at") {
        bit = 1;
        ok = Timestamp(e->mutable_at());
      } else if (key_ == "actor") {
        bit = 2;
        ok = Actor(e->mutable_actor());
      } else if (key_ == "action") {
        bit = 3;
        ok = String(e->mutable_action());
      } else if (key_ == "from_state" || key_ == "to_state") {
        bit = key_[0] == 'f' ? 4 : 5;
        int v = 0;
        ok = Enum(&v, [](const std::string& name, int* out) {
          v1::OrderState s;
          if (!v1::OrderState_Parse(name, &s)) return false;
          *out = s;
          return true;
        });
        if (bit == 4) e->set_from_state(static_cast<v1::OrderState>(v));
        else e->set_to_state(static_cast<v1::OrderState>(v));
      } else if (key_ == "unit_code") {
        bit = 6;
        ok = String(e->mutable_unit_code());
      } else if (key_ == "note") {
        bit = 7;
        ok = String(e->mutable_note());
      } else if (key_ == "sla_mark") {
        bit = 8;
        ok = String(e->mutable_sla_mark());
      } else if (key_ == "extension_due") {
        bit = 9;
        ok = Timestamp(e->mutable_extension_due());
      } else if (key_ == "prev_hash") {
        bit = 10;
        ok = String(e->mutable_prev_hash());
      } else if (key_ == "hash") {
        bit = 11;
        ok = String(e->mutable_hash());
      } else {
        return false;  // sla_record, reference_versions, camelCase, unknown
      }
      if (!ok || (seen & (1u << bit)) != 0) return false;
      seen |= 1u << bit;
      if (!Next()) return false;
      if (closed_) return End();
    }
  }

 private:
  bool Actor(v1::Actor* a) {
    if (!Open()) return false;
    uint32_t seen = 0;
    if (Peek('}')) {
      ++p_;
      return true;
    }
    for (;;) {
      if (!Key()) return false;
      int bit;
      bool ok;
      if (key_ == "user_id") {
        bit = 0;
        ok = String(a->mutable_user_id());
      } else if (key_ == "role") {
        bit = 1;
        int v = 0;
        ok = Enum(&v, [](const std::string& name, int* out) {
          v1::Role r;
          if (!v1::Role_Parse(name, &r)) return false;
          *out = r;
          return true;
        });
        a->set_role(static_cast<v1::Role>(v));
      } else if (key_ == "unit_code") {
        bit = 2;
        ok = String(a->mutable_unit_code());
      } else {
        return false;
      }
      if (!ok || (seen & (1u << bit)) != 0) return false;
      seen |= 1u << bit;
      if (!Next()) return false;
      if (closed_) {
        closed_ = false;
        return true;
      }
    }
  }

  static bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  void Skip() {
    while (p_ < end_ && IsSpace(*p_)) ++p_;
  }
  bool Peek(char c) {
    Skip();
    return p_ < end_ && *p_ == c;
  }
  bool Open() {
    if (!Peek('{')) return false;
    ++p_;
    return true;
  }
  bool End() {
    Skip();
    return p_ == end_;
  }

  // "key" then ':'; the key's text (escapes decoded) in key_.
  bool Key() {
    key_.clear();
    if (!Peek('"') || !String(&key_)) return false;
    if (!Peek(':')) return false;
    ++p_;
    return true;
  }

  // After a value: ',' (another key follows) or '}' (sets closed_).
  bool Next() {
    Skip();
    if (p_ == end_) return false;
    if (*p_ == ',') {
      ++p_;
      return true;
    }
    if (*p_ == '}') {
      ++p_;
      closed_ = true;
      return true;
    }
    return false;
  }

  // A JSON string appended to *out: escapes decoded, UTF-8 checked.
  bool String(std::string* out) {
    Skip();
    if (p_ == end_ || *p_ != '"') return false;
    ++p_;
    for (;;) {
      const char* run = p_;
      while (p_ < end_) {
        const unsigned char c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      out->append(run, p_);
      if (p_ == end_) return false;
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        const size_t n = text::DecodeFront(std::string_view(p_, static_cast<size_t>(end_ - p_))).length;
        if (n == 0) return false;
        out->append(p_, p_ + n);
        p_ += n;
        continue;
      }
      if (!Escape(out)) return false;
    }
  }

  bool Hex4(uint32_t* v) {
    if (end_ - p_ < 4) return false;
    uint32_t r = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = p_[i];
      r <<= 4;
      if (c >= '0' && c <= '9') r |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') r |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') r |= static_cast<uint32_t>(c - 'A' + 10);
      else return false;
    }
    p_ += 4;
    *v = r;
    return true;
  }

  // At a backslash: one escape (a \u surrogate pair as one code point).
  bool Escape(std::string* out) {
    ++p_;
    if (p_ == end_) return false;
    const char c = *p_++;
    switch (c) {
      case '"': out->push_back('"'); return true;
      case '\\': out->push_back('\\'); return true;
      case '/': out->push_back('/'); return true;
      case 'b': out->push_back('\b'); return true;
      case 'f': out->push_back('\f'); return true;
      case 'n': out->push_back('\n'); return true;
      case 'r': out->push_back('\r'); return true;
      case 't': out->push_back('\t'); return true;
      case 'u': break;
      default: return false;
    }
    uint32_t cp;
    if (!Hex4(&cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!Hex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    text::AppendUtf8(cp, out);
    return true;
  }

  // -?(0|[1-9][0-9]*) within int64, unquoted (cjson) or quoted (protobuf).
  bool Int64(int64_t* v) {
    Skip();
    if (p_ == end_) return false;
    const bool quoted = *p_ == '"';
    if (quoted) ++p_;
    const bool negative = p_ < end_ && *p_ == '-';
    if (negative) ++p_;
    const char* digits = p_;
    uint64_t magnitude = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      if (p_ - digits >= 19) return false;  // 19 digits checked below
      magnitude = magnitude * 10 + static_cast<uint64_t>(*p_ - '0');
      ++p_;
    }
    const auto n = p_ - digits;
    if (n == 0 || (n > 1 && *digits == '0')) return false;
    if (negative && magnitude == 0) return false;  // "-0": leave to protobuf
    const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
    if (magnitude > limit) return false;
    if (quoted) {
      if (p_ == end_ || *p_ != '"') return false;
      ++p_;
    } else if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) {
      return false;  // a fraction or exponent: leave to protobuf
    }
    *v = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
    return true;
  }

  // An enum by its exact name; numbers and unknown names are declined.
  template <typename Lookup>
  bool Enum(int* v, Lookup lookup) {
    name_.clear();
    if (!String(&name_)) return false;
    return lookup(name_, v);
  }

  bool Digits(int n, int* v) {
    if (end_ - p_ < n) return false;
    int r = 0;
    for (int i = 0; i < n; ++i) {
      if (p_[i] < '0' || p_[i] > '9') return false;
      r = r * 10 + (p_[i] - '0');
    }
    p_ += n;
    *v = r;
    return true;
  }
  bool Char(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  static int64_t DaysFromCivil(int64_t y, int m, int d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }

  // "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z" (no escapes inside, UTC only).
  bool Timestamp(google::protobuf::Timestamp* t) {
    Skip();
    if (!Char('"')) return false;
    int year, month, day, hour, minute, second;
    if (!Digits(4, &year) || !Char('-') || !Digits(2, &month) || !Char('-') ||
        !Digits(2, &day) || !Char('T') || !Digits(2, &hour) || !Char(':') ||
        !Digits(2, &minute) || !Char(':') || !Digits(2, &second)) {
      return false;
    }
    int32_t nanos = 0;
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      int count = 0;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
        if (++count > 9) return false;
        nanos = nanos * 10 + (*p_ - '0');
        ++p_;
      }
      if (count == 0) return false;
      for (int i = count; i < 9; ++i) nanos *= 10;
    }
    if (!Char('Z') || !Char('"')) return false;
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 ||
        second > 59) {
      return false;
    }
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) return false;
    t->set_seconds(DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second);
    t->set_nanos(nanos);
    return true;
  }

  const char* p_;
  const char* end_;
  bool closed_ = false;
  std::string key_;
  std::string name_;
};

}  // namespace

bool FastHistoryEntryFromJson(std::string_view json, v1::HistoryEntry* out) {
  return Reader(json).Entry(out);
}

bool ProtobufHistoryEntryFromJson(std::string_view json, v1::HistoryEntry* out) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  return google::protobuf::util::JsonStringToMessage(
             google::protobuf::StringPiece(json.data(), json.size()), out, options)
      .ok();
}

}  // namespace hotline::orders
