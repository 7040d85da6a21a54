#pragma once
// A script's arguments as one named table: ARGV[1] is a JSON object the
// script reads with cjson.decode (e.g. `local a = cjson.decode(ARGV[1])`,
// then a.order_id), in place of positions. Values are strings, lists of
// strings or lists of tables, so a script sees what ARGV gave it before.
#include <string>
#include <string_view>
#include <vector>

namespace hotline::orders {

class ScriptArgs {
 public:
  ScriptArgs& Set(std::string_view name, std::string_view value);
  ScriptArgs& SetList(std::string_view name, const std::vector<std::string>& values);
  ScriptArgs& SetTables(std::string_view name, const std::vector<ScriptArgs>& tables);
  // The JSON object.
  std::string Encode() const;

 private:
  std::string body_;  // "name":value pairs, comma-separated
  void Name(std::string_view name);
};

}  // namespace hotline::orders
