#include "tools/hotline/cli_args.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "enums/enum_names.h"

namespace hotline::cli {

using enums::AllShortNames;
using enums::ParseShortName;
using enums::ShortName;
namespace {

struct FlagSpec {
  absl::string_view name;
  absl::string_view value;  // placeholder for the value; empty for a switch
  std::string help;
  bool required = false;

  bool is_switch() const { return value.empty(); }
};

struct CommandSpec {
  absl::string_view name;
  // The positional arguments, in order; all required but one in [brackets].
  std::vector<absl::string_view> arguments;
  std::string summary;  // may span lines
  std::vector<FlagSpec> flags;

  size_t required_arguments() const {
    size_t n = 0;
    for (absl::string_view a : arguments) n += absl::StartsWith(a, "[") ? 0 : 1;
    return n;
  }

  const FlagSpec* FindFlag(absl::string_view flag) const {
    for (const FlagSpec& f : flags) {
      if (f.name == flag) return &f;
    }
    return nullptr;
  }
};

const std::vector<FlagSpec>& GlobalFlags() {
  static const auto* const kFlags = new std::vector<FlagSpec>{
      {"gateway", "HOST:PORT",
       absl::StrCat("gateway address (env ", kGatewayEnv, "; default ", kDefaultGateway, ")")},
      {"token", "T", absl::StrCat("bearer token (env ", kTokenEnv, ")")},
      {"tls-ca", "FILE", absl::StrCat("TLS to the gateway, trusting this CA's PEM (env ", kTlsCaEnv, ")")},
      {"tls", "", "TLS to the gateway, trusting the system's CAs"},
      {"json", "", "print the response message as one JSON object (proto field names)"},
      {"timeout", "SECONDS", "deadline of the call (default 10)"},
      {"help", "", "show this text (also -h)"},
  };
  return *kFlags;
}

// `names` joined by ", ", broken into lines of at most about `width` columns.
std::string WrapList(const std::vector<std::string>& names, size_t width) {
  std::string out, line;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string item = absl::StrCat(names[i], i + 1 < names.size() ? "," : "");
    if (!line.empty() && line.size() + 1 + item.size() > width) {
      absl::StrAppend(&out, line, "\n");
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", item);
  }
  absl::StrAppend(&out, line);
  return out;
}

// The flags naming a period (scoring's commands), after a command's own.
std::vector<FlagSpec> WithPeriod(std::vector<FlagSpec> flags) {
  for (FlagSpec period : std::vector<FlagSpec>{
           {"day", "DATE", "the day YYYY-MM-DD"},
           {"week", "DATE", "the week (Monday to Sunday) of a day YYYY-MM-DD"},
           {"month", "DATE", "the month YYYY-MM (default: this month)"},
           {"quarter", "DATE", "the quarter of a day or month, e.g. 2026-11"},
           {"year", "DATE", "the year YYYY"},
       }) {
    flags.push_back(std::move(period));
  }
  return flags;
}

const std::vector<CommandSpec>& Commands() {
  static const auto* const kCommands = new std::vector<CommandSpec>{
      {"whoami", {}, "Show the user, role and unit the token stands for.", {}},
      {"city", {}, "Show the city in force at the services (name, order prefix, centre, time zone, version).", {}},
      {"create",
       {},
       "Take in a new work order. Prints the order (or notes that the idempotency key replayed "
       "an earlier one).",
       {
           {"type", "TYPE", "consultation|complaint|report|help|suggestion|praise", true},
           {"district", "CODE", "district unit code, e.g. 440106", true},
           {"street", "CODE", "street/town unit code under the district"},
           {"address", "TEXT", "address, e.g. 天河路385号"},
           {"lat", "DEG", "latitude (WGS-84; with --lng)"},
           {"lng", "DEG", "longitude (WGS-84; with --lat)"},
           {"category", "CODE", "matter category code, e.g. 0101", true},
           {"phone", "NUMBER", "caller's phone number", true},
           {"name", "TEXT", "caller's name"},
           {"confidential", "", "the caller asks for confidentiality (保密): units never see "
                                "the name or number"},
           {"content", "TEXT", "what the caller reports or asks", true},
           {"channel", "CHANNEL", "phone|web|app|wechat|sms|api (default phone)"},
           {"urgent", "", "an urgent (突发) order"},
           {"idempotency-key", "K", "a retry with the same key returns the same order"},
           {"answered-by", "KNOWLEDGE_CODE",
            "a consultation answered on the spot from this knowledge point (created closed)"},
           {"answer", "TEXT", "what the caller was told (with --answered-by)"},
           {"handling-time", "SECONDS",
            "the contact's handling time (talk + hold + after-call work), for the agents' AHT"},
       }},
      {"get", {"ORDER_ID"}, "Show a work order and its history.", {}},
      {"list",
       {},
       "List work orders, newest first.",
       {
           {"state", "STATE", "e.g. created, dispatched, signed, replied, closed"},
           {"type", "TYPE", "e.g. complaint"},
           {"district", "CODE", "district unit code"},
           {"unit", "CODE", "assigned unit code"},
           {"from", "DAY", "created on or after DAY (YYYY-MM-DD, +08:00) or an RFC 3339 time"},
           {"until", "DAY",
            "created on or before DAY (YYYY-MM-DD, +08:00), or before an RFC 3339 time"},
           {"limit", "N", "page size (default 20, at most 200)"},
           {"page-token", "T", "the next page, as printed under the previous one"},
           {"oldest-first", "", "oldest first"},
       }},
      {"act",
       {"ORDER_ID", "ACTION"},
       absl::StrCat("Take one dispatch action on a work order. Prints the order after it, with\n"
                    "its history (or notes that the idempotency key replayed an earlier action).\n"
                    "ACTION is one of:\n",
                    WrapList(AllShortNames<v1::Action>(), 80)),
       {
           {"unit", "CODE",
            "dispatch, approve-return: the unit to send it to; request-hand-down: the sub-unit"},
           {"note", "TEXT", "return, send-back: the reason; reply: the result; others: remarks"},
           {"rating", "RATING",
            absl::StrCat(absl::StrJoin(AllShortNames<v1::Rating>(), "|"),
                         " (callback: the citizen's rating)")},
           {"master", "ORDER_ID", "the master order (link-duplicate)"},
           {"version", "N", "act only if the order is still at this version, else ABORTED"},
           {"idempotency-key", "K", "a retry with the same key changes nothing and replays"},
       }},
      {"queue",
       {},
       "List a unit's work queue: its orders in one state, newest first.",
       {
           {"unit", "CODE", "the unit whose queue to show", true},
           {"state", "STATE",
            "to-sign|in-progress|replied|sent-back, or any state, e.g. return-requested", true},
           {"limit", "N", "page size (default 20, at most 200)"},
           {"page-token", "T", "the next page, as printed under the previous one"},
           {"oldest-first", "", "oldest first (by when the order entered the queue)"},
       }},
      {"watch-queue",
       {"UNIT"},
       "Watch a unit's queue live (to sign, in progress, sent back): a snapshot, then one\n"
       "line per change as it happens (entered, updated, left, sla yellow/red), each\n"
       "starting with the position to resume from with --from. Runs until stopped.",
       {
           {"from", "POSITION", "resume after this position (a line's first column)"},
           {"count", "N", "stop after N changes (not counting the snapshot)"},
       }},
      {"units",
       {},
       "List handling units.",
       {
           {"parent", "CODE", "only direct children of this unit"},
           {"kind", "KIND", "district|street|department|centre|sub-unit"},
       }},
      {"categories",
       {},
       "List matter categories as a tree.",
       {
           {"prefix", "CODE", "only codes that start with this, e.g. 01"},
       }},
      {"sla", {"ORDER_ID"},
       "Show an order's deadlines, its warnings and escalations (fired and to come) and the\n"
       "working time each holder had it (who made it late).",
       {}},
      {"deadlines",
       {},
       "List a unit's open orders that are overdue, or due soon (at risk), earliest first.",
       {
           {"unit", "CODE", "the unit whose orders to show", true},
           {"overdue", "", "past the closing deadline (default: due within --within-hours)"},
           {"within-hours", "N", "at-risk horizon in hours (default 24)"},
           {"limit", "N", "page size (default 20, at most 200)"},
           {"page-token", "T", "the next page, as printed under the previous one"},
       }},
      {"extend",
       {"ORDER_ID"},
       "Ask for an extension (延期) of the closing deadline, before it passes.",
       {
           {"due", "TIME", "the new deadline: YYYY-MM-DD (+08:00) or an RFC 3339 time", true},
           {"reason", "TEXT", "why more time is needed", true},
       }},
      {"extension",
       {"ORDER_ID"},
       "Decide on a pending extension request (centre).",
       {
           {"approve", "", "grant it (the date asked for, or --due)"},
           {"refuse", "", "refuse it (--note says why)"},
           {"due", "TIME", "with --approve: another date than asked for"},
           {"note", "TEXT", "remarks; the reason for a refusal"},
       }},
      {"calendar",
       {},
       "The working-day calendar: is a day a working day, and N working days after a moment.",
       {
           {"from", "TIME", "YYYY-MM-DD (+08:00) or an RFC 3339 time (default now)"},
           {"add-days", "N", "working days to add"},
       }},
      {"audit",
       {},
       "The access log: who read which order's personal data, when (auditors and\n"
       "administrators), newest first.",
       {
           {"order", "ORDER_ID", "only the entries naming this order"},
           {"limit", "N", "page size (default 100, at most 500)"},
           {"page-token", "T", "the next page, as printed under the previous one"},
       }},
      {"kb",
       {"SUBCOMMAND", "[ARG]"},
       "The knowledge base (知识库):\n"
       "  kb search \"WORDS\"    top hits with code, title and snippet\n"
       "  kb get CODE          one point (--as-of DAY or --version N: as it was)\n"
       "  kb list PREFIX       every point under a code prefix, e.g. KB.06 (paged; --all)\n"
       "  kb import FILE       validate every point, then create or update them (progress)\n"
       "  kb export FILE       write the points (--prefix) as a KnowledgeSeed file\n"
       "  kb expiring UNIT     a unit's points near or past expiry (--days N, default 30)\n"
       "  kb not-helpful CODE  mark that the point did not help the caller\n"
       "  kb unanswered        the most frequent searches that found nothing",
       {
           {"limit", "N", "search: hits (default 5); list: page size (default 50)"},
           {"prefix", "CODE", "search, export: only points under this code prefix"},
           {"unit", "CODE", "search: only points of this owning unit"},
           {"include-retired", "", "search: retired points too"},
           {"include-expired", "", "search: expired points too"},
           {"as-of", "DAY", "get: the point as it was at the end of DAY (YYYY-MM-DD)"},
           {"version", "N", "get: this version"},
           {"page-token", "T", "list: the next page, as printed under the previous one"},
           {"all", "", "list: every page"},
           {"days", "N", "expiring: within N days (default 30)"},
           {"draft", "", "import: create new points as drafts instead of published"},
       }},
      {"reveal",
       {"ORDER_ID"},
       "Show the caller's full number, for the callback (centre dispatchers, supervisors).\n"
       "The reason is kept in the access log with who asked and when.",
       {
           {"reason", "TEXT", "why the full number is needed, e.g. 回访", true},
       }},
      {"lookup-phone",
       {"PHONE"},
       "A caller's earlier orders, newest first, found by the number (logged).",
       {
           {"limit", "N", "at most this many (default 20, at most 200)"},
       }},
      {"verify",
       {"[ORDER_ID]"},
       "Check the hash chain of an order's history (or every order's, with --all) and name\n"
       "the first entry altered, removed, inserted or reordered. Exits 1 when one is broken.",
       {
           {"all", "", "every order"},
       }},
      {"score",
       {},
       "A unit's assessment score (考核) for a period: the three rates, points lost and gained.",
       WithPeriod({
           {"unit", "CODE", "the unit, e.g. 440106", true},
           {"rules", "VERSION", "score under these rules (default: the current ones)"},
       })},
      {"explain",
       {},
       "Every point of a unit's score: the order and step behind it, summed to the score.",
       WithPeriod({
           {"unit", "CODE", "the unit, e.g. 440106", true},
           {"rules", "VERSION", "score under these rules (default: the current ones)"},
           {"limit", "N", "items shown (default 200)"},
       })},
      {"rank",
       {},
       "Units of one level ranked by score, with the red and black lists.",
       WithPeriod({
           {"level", "LEVEL", "district (default), street or department"},
           {"rules", "VERSION", "score under these rules (default: the current ones)"},
       })},
      {"hot",
       {"[WHAT]"},
       "Hot spots (top 10): today (matters today, the default), month (matters this month),\n"
       "locations (streets), departments (by orders dispatched), rising (matters growing\n"
       "against the previous period), district (one district's matters of the year),\n"
       "addresses (a month's addresses shared by several orders; dispatchers and\n"
       "supervisors only, each read logged).",
       WithPeriod({
           {"district", "CODE", "district: which one"},
       })},
      {"agents",
       {},
       "Agents' figures: contacts, contacts per day, first-contact resolution, average handling time "
       "(over the contacts that reported one; centre only).",
       WithPeriod({
           {"agent", "ID", "only this agent"},
       })},
      {"help", {"[COMMAND]"}, "Show this text, or one command's flags.", {}},
  };
  return *kCommands;
}

const CommandSpec* FindCommand(absl::string_view name) {
  for (const CommandSpec& c : Commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const FlagSpec* FindGlobalFlag(absl::string_view name) {
  for (const FlagSpec& f : GlobalFlags()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

absl::Status UsageError(absl::string_view message) { return absl::InvalidArgumentError(message); }

absl::StatusOr<bool> ParseSwitchValue(absl::string_view flag, absl::string_view value) {
  const std::string lower = absl::AsciiStrToLower(value);
  if (lower == "true" || lower == "1" || lower == "yes") return true;
  if (lower == "false" || lower == "0" || lower == "no") return false;
  return UsageError(absl::StrCat("--", flag, " takes no value, or true/false; got '", value, "'"));
}

absl::Status ApplyGlobalFlag(absl::string_view name, const std::string& value,
                             GlobalOptions& global, bool& help) {
  if (name == "gateway") {
    global.gateway = value;
  } else if (name == "token") {
    global.token = value;
  } else if (name == "tls-ca") {
    global.tls_ca = value;
  } else if (name == "tls") {
    global.tls = value == "true";
  } else if (name == "json") {
    global.json = value == "true";
  } else if (name == "help") {
    help = help || value == "true";
  } else if (name == "timeout") {
    // At least a millisecond: a smaller positive number (1e-55) would make a
    // zero deadline, and every call would fail at once.
    double seconds = 0;
    if (!absl::SimpleAtod(value, &seconds) || !std::isfinite(seconds) || seconds < 0.001) {
      return UsageError(absl::StrCat(
          "--timeout wants a number of seconds, at least 0.001; got '", value, "'"));
    }
    global.timeout = absl::Seconds(seconds);
  }
  return absl::OkStatus();
}

// Appends aligned "  --flag VALUE   help" lines.
void AppendFlagLines(const std::vector<FlagSpec>& flags, std::string& out) {
  std::vector<std::string> left;
  size_t width = 0;
  for (const FlagSpec& f : flags) {
    std::string text = absl::StrCat("  --", f.name);
    if (!f.is_switch()) absl::StrAppend(&text, " ", f.value);
    width = std::max(width, text.size());
    left.push_back(std::move(text));
  }
  for (size_t i = 0; i < flags.size(); ++i) {
    left[i].resize(width, ' ');
    absl::StrAppend(&out, left[i], "   ", flags[i].help, flags[i].required ? " [required]" : "",
                    "\n");
  }
}

std::string CommandSynopsis(const CommandSpec& c) {
  std::string out = absl::StrCat("hotline ", c.name);
  for (absl::string_view argument : c.arguments) absl::StrAppend(&out, " ", argument);
  // Required flags spelled out, the optional ones listed below the synopsis.
  bool has_optional = false;
  for (const FlagSpec& f : c.flags) {
    if (!f.required) {
      has_optional = true;
      continue;
    }
    absl::StrAppend(&out, " --", f.name, f.is_switch() ? "" : " ", f.value);
  }
  if (has_optional) absl::StrAppend(&out, " [flags]");
  return out;
}

void AppendCommand(const CommandSpec& c, std::string& out) {
  absl::StrAppend(&out, "  ", CommandSynopsis(c), "\n");
  for (absl::string_view line : absl::StrSplit(c.summary, '\n')) {
    absl::StrAppend(&out, "      ", line, "\n");
  }
  if (!c.flags.empty()) {
    std::string flags;
    AppendFlagLines(c.flags, flags);
    // Indent the flag lines under the command.
    for (absl::string_view line : absl::StrSplit(flags, '\n', absl::SkipEmpty())) {
      absl::StrAppend(&out, "    ", line, "\n");
    }
  }
}

}  // namespace

std::string CommandLine::Get(absl::string_view flag) const {
  auto it = flags.find(flag);
  return it == flags.end() ? std::string() : it->second;
}

absl::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                             const EnvLookup& env) {
  CommandLine cl;
  if (env) {
    if (auto gateway = env(std::string(kGatewayEnv)); gateway && !gateway->empty()) {
      cl.global.gateway = *gateway;
    }
    if (auto token = env(std::string(kTokenEnv)); token && !token->empty()) {
      cl.global.token = *token;
    }
    if (auto ca = env(std::string(kTlsCaEnv)); ca && !ca->empty()) cl.global.tls_ca = *ca;
  }

  const CommandSpec* command = nullptr;
  bool flags_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!flags_ended && arg == "--") {
      flags_ended = true;
      continue;
    }
    if (!flags_ended && arg == "-h") {
      cl.help = true;
      continue;
    }
    if (!flags_ended && absl::StartsWith(arg, "--")) {
      const absl::string_view body = absl::string_view(arg).substr(2);
      const size_t eq = body.find('=');
      const absl::string_view name = body.substr(0, eq);
      std::optional<std::string> inline_value;
      if (eq != absl::string_view::npos) inline_value = std::string(body.substr(eq + 1));

      const FlagSpec* spec = FindGlobalFlag(name);
      const bool global = spec != nullptr;
      if (!global && command != nullptr) spec = command->FindFlag(name);
      if (spec == nullptr) {
        if (command == nullptr) {
          return UsageError(
              absl::StrCat("unknown flag --", name, " (a command's flags go after the command)"));
        }
        return UsageError(absl::StrCat("unknown flag --", name, " for '", command->name, "'"));
      }

      std::string value;
      if (spec->is_switch()) {
        bool on = true;
        if (inline_value) {
          absl::StatusOr<bool> parsed = ParseSwitchValue(name, *inline_value);
          if (!parsed.ok()) return parsed.status();
          on = *parsed;
        }
        value = on ? "true" : "false";
      } else if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < args.size() && !absl::StartsWith(args[i + 1], "--")) {
        // A following "--flag" is taken for a forgotten value rather than
        // swallowed; a value that starts with "--" can be given as --flag=value.
        value = args[++i];
      }
      if (value.empty()) return UsageError(absl::StrCat("--", name, " needs a value"));

      if (global) {
        if (absl::Status s = ApplyGlobalFlag(name, value, cl.global, cl.help); !s.ok()) return s;
      } else {
        cl.flags[std::string(name)] = value;
      }
      continue;
    }
    if (!flags_ended && arg.size() > 1 && arg[0] == '-') {
      return UsageError(absl::StrCat("unknown flag ", arg, " (flags are spelled --name)"));
    }

    // A positional argument: the command, the command after `help`, or an
    // argument of the command.
    if (command == nullptr) {
      if (arg == "help" && !cl.help) {
        cl.help = true;
        continue;
      }
      command = FindCommand(arg);
      if (command == nullptr) {
        return UsageError(absl::StrCat("unknown command '", arg, "'"));
      }
      cl.command = arg;
      continue;
    }
    cl.positional.push_back(arg);
  }

  if (cl.help || command == nullptr) return cl;

  if (cl.positional.size() < command->required_arguments()) {
    const std::vector<absl::string_view> missing(
        command->arguments.begin() + static_cast<std::ptrdiff_t>(cl.positional.size()),
        command->arguments.begin() + static_cast<std::ptrdiff_t>(command->required_arguments()));
    return UsageError(absl::StrCat("'", cl.command, "' needs ", absl::StrJoin(missing, " ")));
  }
  if (cl.positional.size() > command->arguments.size()) {
    return UsageError(absl::StrCat("unexpected argument '",
                                   cl.positional[command->arguments.size()], "' for '", cl.command,
                                   "'"));
  }
  std::vector<std::string> missing;
  for (const FlagSpec& f : command->flags) {
    if (f.required && !cl.Has(f.name)) missing.push_back(absl::StrCat("--", f.name));
  }
  if (!missing.empty()) {
    return UsageError(absl::StrCat("'", cl.command, "' is missing ", absl::StrJoin(missing, ", ")));
  }
  return cl;
}

std::string Usage(absl::string_view command) {
  std::string out;
  if (const CommandSpec* c = FindCommand(command); c != nullptr && c->name != "help") {
    absl::StrAppend(&out, "Usage:\n");
    AppendCommand(*c, out);
    absl::StrAppend(&out, "\nGlobal flags (before or after the command):\n");
    AppendFlagLines(GlobalFlags(), out);
    return out;
  }

  absl::StrAppend(&out,
                  "hotline: the agent client of the 12345 hotline. Talks to the gateway's\n"
                  "hotline.v1.Hotline API.\n\n"
                  "Usage: hotline [global flags] COMMAND [flags]\n\n"
                  "Commands:\n");
  for (const CommandSpec& c : Commands()) AppendCommand(c, out);
  absl::StrAppend(&out, "\nGlobal flags (before or after the command):\n");
  AppendFlagLines(GlobalFlags(), out);
  absl::StrAppend(&out,
                  "\nFlags take --flag value or --flag=value. Times are shown in Asia/Shanghai "
                  "(+08:00).\n"
                  "Exit status: 0 success, 1 the call failed, 2 usage error.\n");
  return out;
}

}  // namespace hotline::cli
