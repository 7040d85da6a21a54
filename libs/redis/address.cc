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

}  // namespace hotline::redis
