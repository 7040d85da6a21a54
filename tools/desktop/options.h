#pragma once
// The command line: --gateway ADDR (or HOTLINE_GATEWAY), --tls-ca FILE,
// --tls; the bearer token from HOTLINE_TOKEN (never a flag: it would show in
// the process list).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/desktop/gateway.h"

namespace hotline::desktop {

struct DesktopOptions {
  GatewayOptions gateway;
  bool help = false;
};

inline constexpr char kUsage[] =
    "usage: hotline-desktop --gateway HOST:PORT [--tls-ca CA.pem | --tls]\n"
    "  the bearer token (JWT) is read from HOTLINE_TOKEN; --gateway defaults to HOTLINE_GATEWAY\n";

absl::StatusOr<DesktopOptions> ParseOptions(
    const std::vector<std::string>& args,
    const std::function<std::optional<std::string>(const std::string&)>& env);

}  // namespace hotline::desktop
