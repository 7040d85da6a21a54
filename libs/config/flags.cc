#include "config/flags.h"

#include <cstdio>
#include <cstdlib>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hotline::config {

Flags::Flags(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

void Flags::String(std::string name, std::string env, std::string help, std::string* out) {
  flags_.push_back({std::move(name), std::move(env), std::move(help), *out,
                    [out](const std::string& v) {
                      *out = v;
                      return absl::OkStatus();
                    }});
}

void Flags::Int(std::string name, std::string env, std::string help, int* out) {
  flags_.push_back({name, std::move(env), std::move(help), absl::StrCat(*out),
                    [out, name](const std::string& v) {
                      if (!absl::SimpleAtoi(v, out)) {
                        return absl::InvalidArgumentError(
                            absl::StrCat(name, ": not an integer: \"", v, "\""));
                      }
                      return absl::OkStatus();
                    }});
}

void Flags::Bool(std::string name, std::string env, std::string help, bool* out) {
  flags_.push_back({name, std::move(env), std::move(help), *out ? "true" : "false",
                    [out, name](const std::string& v) {
                      if (!absl::SimpleAtob(v, out)) {
                        return absl::InvalidArgumentError(
                            absl::StrCat(name, ": not a boolean: \"", v, "\""));
                      }
                      return absl::OkStatus();
                    },
                    /*is_bool=*/true});
}

void Flags::Duration(std::string name, std::string env, std::string help, absl::Duration* out) {
  flags_.push_back({name, std::move(env), std::move(help), absl::FormatDuration(*out),
                    [out, name](const std::string& v) {
                      if (!absl::ParseDuration(v, out) || *out < absl::ZeroDuration()) {
                        return absl::InvalidArgumentError(absl::StrCat(
                            name, ": not a duration like 500ms or 2s: \"", v, "\""));
                      }
                      return absl::OkStatus();
                    }});
}

Flags::Flag* Flags::Find(const std::string& name) {
  for (Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

absl::Status Flags::Parse(int argc, const char* const* argv, const EnvLookup& env) {
  std::set<std::string> from_command_line;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return absl::CancelledError("help");
    if (arg.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", arg, "\""));
    }
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    Flag* flag = Find(name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (!has_value) {
      if (flag->is_bool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
    }
    if (absl::Status s = flag->set(value); !s.ok()) return s;
    from_command_line.insert(name);
  }
  for (Flag& flag : flags_) {
    if (from_command_line.count(flag.name) || flag.env.empty()) continue;
    if (std::optional<std::string> v = env(flag.env); v.has_value()) {
      if (absl::Status s = flag.set(*v); !s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("$", flag.env, ": ", s.message()));
      }
    }
  }
  return absl::OkStatus();
}

void Flags::ParseOrExit(int argc, const char* const* argv) {
  absl::Status s = Parse(argc, argv, [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  });
  if (absl::IsCancelled(s)) {
    std::fputs(Usage().c_str(), stdout);
    std::exit(0);
  }
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n\n%s", program_.c_str(), std::string(s.message()).c_str(),
                 Usage().c_str());
    std::exit(2);
  }
}

std::string Flags::Usage() const {
  std::string out = absl::StrCat(program_, ": ", summary_, "\n\nFlags (environment fallback):\n");
  for (const Flag& f : flags_) {
    absl::StrAppendFormat(&out, "  --%-18s %s\n  %-20s ($%s, default: %s)\n", f.name, f.help, "",
                          f.env, f.default_text.empty() ? "\"\"" : f.default_text);
  }
  return out;
}

}  // namespace hotline::config
