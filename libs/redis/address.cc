#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "redis/client.h"

namespace hotline::redis {

absl::StatusOr<std::pair<std::string, int>> ParseAddress(std::string_view address) {
  auto invalid = [&](const char* why) {
    // Debian's abseil has its own string_view type, hence the explicit copy.
    return absl::InvalidArgumentError(
        absl::StrCat("redis address \"", std::string(address), "\": ", why, " (want host:port)"));
  };
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return invalid("no port");
  std::string_view host = address.substr(0, colon);
  const std::string_view port_text = address.substr(colon + 1);
  // IPv6 literals need brackets, or the port could not be told apart.
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return invalid("IPv6 host must be in brackets");
  }
  if (host.empty()) return invalid("empty host");
  // Digits only: SimpleAtoi would also take signs and spaces.
  if (port_text.empty() || port_text.size() > 5) return invalid("bad port");
  int port = 0;
  for (char c : port_text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return invalid("bad port");
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return invalid("port out of range");
  return std::make_pair(std::string(host), port);
}

absl::StatusOr<Target> ParseTarget(std::string_view text) {
  constexpr std::string_view kScheme = "sentinel://";
  Target target;
  if (text.substr(0, kScheme.size()) != kScheme) {
    absl::StatusOr<std::pair<std::string, int>> at = ParseAddress(text);
    if (!at.ok()) return at.status();
    target.host = at->first;
    target.port = at->second;
    return target;
  }
  auto invalid = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "redis address \"", std::string(text), "\": ", why,
        " (want sentinel://host:port,host:port,.../mastername)"));
  };
  std::string_view rest = text.substr(kScheme.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return invalid("no master name");
  target.master_name = std::string(rest.substr(slash + 1));
  if (target.master_name.empty()) return invalid("empty master name");
  for (char c : target.master_name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return invalid("master name may hold letters, digits, '-', '_' and '.' only");
    }
  }
  std::string_view list = rest.substr(0, slash);
  while (true) {
    const size_t comma = list.find(',');
    absl::StatusOr<std::pair<std::string, int>> at = ParseAddress(list.substr(0, comma));
    if (!at.ok()) return invalid(std::string(at.status().message()));
    target.sentinels.push_back(*at);
    if (comma == std::string_view::npos) break;
    list = list.substr(comma + 1);
  }
  return target;
}

}  // namespace hotline::redis
