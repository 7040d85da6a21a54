#include "orders/history_json.h"

#include <google/protobuf/util/json_util.h>

#include <cstdint>
#include <iterator>
#include <string>

#include "text/utf8.h"

namespace hotline::orders {
namespace {

// One pass over the bytes; every method returns false to decline.
class Reader {
 public:
  explicit Reader(std::string_view json) : p_(json.data()), end_(json.data() + json.size()) {}

  bool Entry(v1::HistoryEntry* e) {
    return Members([&](int* bit) { return EntryMember(e, bit); }) && End();
  }

 private:
  // The entry's member named key_; its bit in *bit (a key read twice is
  // declined). Unknown keys decline: sla_record, reference_versions, camelCase.
  bool EntryMember(v1::HistoryEntry* e, int* bit) {
    using Text = std::string* (v1::HistoryEntry::*)();
    static constexpr struct {
      std::string_view key;
      Text field;
    } kTexts[] = {{"action", &v1::HistoryEntry::mutable_action},
                  {"unit_code", &v1::HistoryEntry::mutable_unit_code},
                  {"note", &v1::HistoryEntry::mutable_note},
                  {"sla_mark", &v1::HistoryEntry::mutable_sla_mark},
                  {"prev_hash", &v1::HistoryEntry::mutable_prev_hash},
                  {"hash", &v1::HistoryEntry::mutable_hash}};
    constexpr int kOthers = static_cast<int>(std::size(kTexts));
    for (int i = 0; i < kOthers; ++i) {
      if (key_ == kTexts[i].key) {
        *bit = i;
        return String((e->*kTexts[i].field)());
      }
    }
    if (key_ == "seq") {
      *bit = kOthers;
      int64_t v = 0;
      if (!Int64(&v)) return false;
      e->set_seq(v);
      return true;
    }
    if (key_ == "at") {
      *bit = kOthers + 1;
      return Timestamp(e->mutable_at());
    }
    if (key_ == "extension_due") {
      *bit = kOthers + 2;
      return Timestamp(e->mutable_extension_due());
    }
    if (key_ == "actor") {
      *bit = kOthers + 3;
      v1::Actor* a = e->mutable_actor();
      return Members([&](int* actor_bit) { return ActorMember(a, actor_bit); });
    }
    v1::OrderState state = v1::ORDER_STATE_UNSPECIFIED;
    if (key_ == "from_state") {
      *bit = kOthers + 4;
      if (!Enum(&v1::OrderState_Parse, &state)) return false;
      e->set_from_state(state);
      return true;
    }
    if (key_ == "to_state") {
      *bit = kOthers + 5;
      if (!Enum(&v1::OrderState_Parse, &state)) return false;
      e->set_to_state(state);
      return true;
    }
    return false;
  }

  bool ActorMember(v1::Actor* a, int* bit) {
    if (key_ == "user_id") {
      *bit = 0;
      return String(a->mutable_user_id());
    }
    if (key_ == "unit_code") {
      *bit = 1;
      return String(a->mutable_unit_code());
    }
    if (key_ == "role") {
      *bit = 2;
      v1::Role role = v1::ROLE_UNSPECIFIED;
      if (!Enum(&v1::Role_Parse, &role)) return false;
      a->set_role(role);
      return true;
    }
    return false;
  }

  // A JSON object: each "key": value read by member(&bit) with the key in
  // key_; false (decline) when a member declines or a key comes twice.
  template <typename Member>
  bool Members(Member member) {
    if (!Peek('{')) return false;
    ++p_;
    if (Peek('}')) {
      ++p_;
      return true;
    }
    uint32_t seen = 0;
    for (;;) {
      if (!Key()) return false;
      int bit = -1;
      if (!member(&bit) || (seen & (1u << bit)) != 0) return false;
      seen |= 1u << bit;
      Skip();
      if (p_ == end_) return false;
      const char c = *p_++;
      if (c == '}') return true;
      if (c != ',') return false;
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
  template <typename E>
  bool Enum(bool (*parse)(const std::string&, E*), E* out) {
    name_.clear();
    return String(&name_) && parse(name_, out);
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

  // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
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
