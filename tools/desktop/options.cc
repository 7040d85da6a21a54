#include "tools/desktop/options.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hotline::desktop {

absl::StatusOr<DesktopOptions> ParseOptions(
    const std::vector<std::string>& args,
    const std::function<std::optional<std::string>(const std::string&)>& env) {
  DesktopOptions o;
  o.gateway.address = env("HOTLINE_GATEWAY").value_or("");
  o.gateway.token = env("HOTLINE_TOKEN").value_or("");
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i], value;
    const bool has_value = flag.find('=') != std::string::npos;
    if (has_value) {
      value = flag.substr(flag.find('=') + 1);
      flag = flag.substr(0, flag.find('='));
    }
    auto take = [&]() -> absl::StatusOr<std::string> {
      if (has_value) return value;
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
      return args[++i];
    };
    if (flag == "--help" || flag == "-h") {
      o.help = true;
    } else if (flag == "--gateway" || flag == "--tls-ca") {
      absl::StatusOr<std::string> v = take();
      if (!v.ok()) return v.status();
      (flag == "--gateway" ? o.gateway.address : o.gateway.tls_ca) = *v;
    } else if (flag == "--tls") {
      o.gateway.tls_system = true;
    } else if (absl::StartsWith(flag, "-platform") || absl::StartsWith(flag, "-style")) {
      ++i;  // Qt's own options, already taken by QApplication
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown argument '", args[i], "'"));
    }
  }
  if (o.help) return o;
  if (o.gateway.address.empty()) return absl::InvalidArgumentError("--gateway HOST:PORT is required");
  if (o.gateway.token.empty()) {
    return absl::InvalidArgumentError("HOTLINE_TOKEN is not set (a token from hotline-admin token issue)");
  }
  return o;
}

}  // namespace hotline::desktop
