#pragma once
// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-28T04:03:05.123Z","level":"info","service":"intake",
//    "msg":"order created","order_id":"GZ20261128000123"}
// Callers never pass personal data (phone numbers, names, content).
// Thread-safe: each line is written with one write(2).
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace hotline::log {

using Field = std::pair<std::string_view, std::string_view>;

enum class Level { kDebug, kInfo, kWarning, kError };

// Names the service in every line; call once from main().
void SetService(std::string_view service);
void SetMinLevel(Level level);

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});
inline void Info(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, msg, fields);
}
inline void Warning(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kWarning, msg, fields);
}
inline void Error(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kError, msg, fields);
}

// `s` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view s);

}  // namespace hotline::log
