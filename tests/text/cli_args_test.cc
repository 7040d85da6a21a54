#include "tools/hotline/cli_args.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"

namespace hotline::cli {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

CommandLine MustParse(std::vector<std::string> args, EnvLookup env = FakeEnv({})) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine(args, env);
  INFO(cl.status().ToString());
  REQUIRE(cl.ok());
  return *std::move(cl);
}

std::string ErrorOf(std::vector<std::string> args) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine(args, FakeEnv({}));
  REQUIRE_FALSE(cl.ok());
  CHECK(cl.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(cl.status().message());
}

TEST_CASE("Global flags have defaults", "[cli][args]") {
  const CommandLine cl = MustParse({"whoami"});
  CHECK(cl.command == "whoami");
  CHECK(cl.global.gateway == "127.0.0.1:50051");
  CHECK(cl.global.token.empty());
  CHECK_FALSE(cl.global.json);
  CHECK(cl.global.timeout == absl::Seconds(10));
  CHECK_FALSE(cl.help);
}

TEST_CASE("Global flags go before or after the command, in both spellings", "[cli][args]") {
  const CommandLine before =
      MustParse({"--gateway", "gw:1", "--token=abc", "--json", "--timeout", "2.5", "whoami"});
  CHECK(before.global.gateway == "gw:1");
  CHECK(before.global.token == "abc");
  CHECK(before.global.json);
  CHECK(before.global.timeout == absl::Milliseconds(2500));

  const CommandLine after = MustParse(
      {"list", "--state", "created", "--gateway=gw:2", "--json", "--limit=5", "--token", "t"});
  CHECK(after.command == "list");
  CHECK(after.global.gateway == "gw:2");
  CHECK(after.global.token == "t");
  CHECK(after.global.json);
  CHECK(after.Get("state") == "created");
  CHECK(after.Get("limit") == "5");
}

TEST_CASE("The environment gives defaults that flags override", "[cli][args]") {
  const EnvLookup env = FakeEnv({{"HOTLINE_GATEWAY", "env:9"}, {"HOTLINE_TOKEN", "secret"}});
  const CommandLine from_env = MustParse({"whoami"}, env);
  CHECK(from_env.global.gateway == "env:9");
  CHECK(from_env.global.token == "secret");

  const CommandLine overridden = MustParse({"whoami", "--gateway", "flag:1"}, env);
  CHECK(overridden.global.gateway == "flag:1");
  CHECK(overridden.global.token == "secret");
}

TEST_CASE("TLS to the gateway: a CA file from the environment or the flag, or the system's", "[cli][args]") {
  CHECK(MustParse({"whoami"}).global.tls_ca.empty());
  CHECK_FALSE(MustParse({"whoami"}).global.tls);
  const EnvLookup env = FakeEnv({{"HOTLINE_TLS_CA", "/etc/hotline/ca.crt"}});
  CHECK(MustParse({"whoami"}, env).global.tls_ca == "/etc/hotline/ca.crt");
  CHECK(MustParse({"whoami", "--tls-ca", "mine.crt"}, env).global.tls_ca == "mine.crt");
  CHECK(MustParse({"--tls", "whoami"}).global.tls);
  CHECK_THAT(ErrorOf({"whoami", "--tls-ca"}), Catch::Contains("--tls-ca"));
}

TEST_CASE("Command flags, switches and arguments", "[cli][args]") {
  const CommandLine create =
      MustParse({"create", "--type", "complaint", "--district=440106", "--category", "0101",
                 "--phone", "13812345678", "--content", "楼上噪音 --loud", "--urgent", "--lat",
                 "-23.5", "--lng", "113.3"});
  CHECK(create.Get("type") == "complaint");
  CHECK(create.Get("district") == "440106");
  CHECK(create.Get("content") == "楼上噪音 --loud");
  CHECK(create.Get("lat") == "-23.5");  // a negative number is a value, not a flag
  CHECK(create.Switch("urgent"));
  CHECK_FALSE(create.Has("street"));
  CHECK(create.Get("street").empty());

  const CommandLine list = MustParse({"list", "--oldest-first=false"});
  CHECK(list.Has("oldest-first"));
  CHECK_FALSE(list.Switch("oldest-first"));

  const CommandLine get = MustParse({"get", "GZ20261128000123", "--json"});
  CHECK(get.positional == std::vector<std::string>{"GZ20261128000123"});

  // After "--" everything is an argument.
  const CommandLine dashed = MustParse({"get", "--", "--odd-id"});
  CHECK(dashed.positional == std::vector<std::string>{"--odd-id"});
}

TEST_CASE("act takes ORDER_ID and ACTION, queue its flags", "[cli][args]") {
  const CommandLine act =
      MustParse({"act", "GZ20261128000123", "callback", "--rating", "basically-satisfied",
                 "--note=回访：基本满意", "--version", "7", "--idempotency-key", "k-1", "--json"});
  CHECK(act.command == "act");
  CHECK(act.positional == std::vector<std::string>{"GZ20261128000123", "callback"});
  CHECK(act.Get("rating") == "basically-satisfied");
  CHECK(act.Get("note") == "回访：基本满意");
  CHECK(act.Get("version") == "7");  // checked when the request is built
  CHECK(act.Get("idempotency-key") == "k-1");
  CHECK(act.global.json);

  // Flags may come between the arguments.
  const CommandLine mixed = MustParse({"act", "GZ1", "--unit", "440106", "dispatch"});
  CHECK(mixed.positional == std::vector<std::string>{"GZ1", "dispatch"});
  CHECK(mixed.Get("unit") == "440106");

  const CommandLine queue =
      MustParse({"queue", "--unit", "440106", "--state=to-sign", "--limit", "5", "--oldest-first"});
  CHECK(queue.command == "queue");
  CHECK(queue.positional.empty());
  CHECK(queue.Get("unit") == "440106");
  CHECK(queue.Get("state") == "to-sign");
  CHECK(queue.Get("limit") == "5");
  CHECK(queue.Switch("oldest-first"));

  // Help skips the checks of arguments and required flags.
  CHECK(MustParse({"act", "--help"}).help);
  CHECK(MustParse({"help", "queue"}).command == "queue");
}

TEST_CASE("Help in its spellings", "[cli][args]") {
  CHECK(MustParse({"--help"}).help);
  CHECK(MustParse({"-h"}).help);
  CHECK(MustParse({"help"}).help);
  CHECK(MustParse({"help"}).command.empty());

  const CommandLine help_list = MustParse({"help", "list"});
  CHECK(help_list.help);
  CHECK(help_list.command == "list");

  // Help skips the checks of required flags.
  const CommandLine create_help = MustParse({"create", "--help"});
  CHECK(create_help.help);
  CHECK(create_help.command == "create");

  CHECK(MustParse({}).command.empty());
}

TEST_CASE("Usage errors name what is wrong", "[cli][args]") {
  CHECK_THAT(ErrorOf({"frobnicate"}), Catch::Contains("unknown command 'frobnicate'"));
  CHECK_THAT(ErrorOf({"list", "--colour", "red"}),
             Catch::Contains("unknown flag --colour for 'list'"));
  CHECK_THAT(ErrorOf({"--state", "created", "list"}), Catch::Contains("after the command"));
  CHECK_THAT(ErrorOf({"list", "--state"}), Catch::Contains("--state needs a value"));
  CHECK_THAT(ErrorOf({"list", "--state="}), Catch::Contains("--state needs a value"));
  // A flag where a value should be is a forgotten value.
  CHECK_THAT(ErrorOf({"list", "--state", "--json"}), Catch::Contains("--state needs a value"));
  CHECK_THAT(ErrorOf({"whoami", "--timeout", "soon"}), Catch::Contains("--timeout"));
  CHECK_THAT(ErrorOf({"whoami", "--timeout", "-1"}), Catch::Contains("--timeout"));
  // Found by fuzz_cli_args: positive, but a zero deadline.
  CHECK_THAT(ErrorOf({"whoami", "--timeout=1e-055"}), Catch::Contains("at least 0.001"));
  CHECK(MustParse({"--timeout", "0.001", "whoami"}).global.timeout == absl::Milliseconds(1));
  CHECK_THAT(ErrorOf({"whoami", "--json=maybe"}), Catch::Contains("--json"));
  CHECK_THAT(ErrorOf({"get"}), Catch::Contains("'get' needs ORDER_ID"));
  CHECK_THAT(ErrorOf({"get", "a", "b"}), Catch::Contains("unexpected argument 'b'"));
  CHECK_THAT(ErrorOf({"units", "extra"}), Catch::Contains("unexpected argument 'extra'"));
  CHECK_THAT(ErrorOf({"list", "-x"}), Catch::Contains("unknown flag -x"));
  CHECK_THAT(ErrorOf({"create", "--type", "complaint", "--district", "440106"}),
             Catch::Contains("'create' is missing --category, --phone, --content"));
}

TEST_CASE("act and queue usage errors", "[cli][args]") {
  CHECK_THAT(ErrorOf({"act"}), Catch::Contains("'act' needs ORDER_ID ACTION"));
  CHECK_THAT(ErrorOf({"act", "GZ1"}), Catch::Contains("'act' needs ACTION"));
  CHECK_THAT(ErrorOf({"act", "--note", "x", "GZ1"}), Catch::Contains("'act' needs ACTION"));
  CHECK_THAT(ErrorOf({"act", "GZ1", "sign", "GZ2"}),
             Catch::Contains("unexpected argument 'GZ2' for 'act'"));
  CHECK_THAT(ErrorOf({"act", "GZ1", "callback", "--rating"}),
             Catch::Contains("--rating needs a value"));
  CHECK_THAT(ErrorOf({"act", "GZ1", "sign", "--state", "signed"}),
             Catch::Contains("unknown flag --state for 'act'"));
  CHECK_THAT(ErrorOf({"act", "GZ1", "sign", "--version"}),
             Catch::Contains("--version needs a value"));
  CHECK_THAT(ErrorOf({"queue"}), Catch::Contains("'queue' is missing --unit, --state"));
  CHECK_THAT(ErrorOf({"queue", "--unit", "440106"}), Catch::Contains("'queue' is missing --state"));
  CHECK_THAT(ErrorOf({"queue", "440106", "--unit", "440106", "--state", "to-sign"}),
             Catch::Contains("unexpected argument '440106' for 'queue'"));
  CHECK_THAT(ErrorOf({"queue", "--unit", "1", "--state", "to-sign", "--rating", "satisfied"}),
             Catch::Contains("unknown flag --rating for 'queue'"));
}

TEST_CASE("Usage lists every command and flag", "[cli][args]") {
  const std::string usage = Usage();
  for (const char* word :
       {"whoami", "create", "get ORDER_ID", "list", "units", "categories", "help", "--gateway",
        "--token", "--json", "--timeout", "--answered-by", "--page-token", "--oldest-first",
        "--kind", "--prefix", "HOTLINE_GATEWAY", "HOTLINE_TOKEN", "--tls-ca", "HOTLINE_TLS_CA"}) {
    CHECK_THAT(usage, Catch::Contains(word));
  }
  for (const char* word :
       {"act ORDER_ID ACTION", "queue --unit CODE --state STATE", "--master", "--version"}) {
    CHECK_THAT(usage, Catch::Contains(word));
  }
  // Generated from the enums: every action and rating.
  const std::string act_usage = Usage("act");
  for (const char* word : {"dispatch",
                           "sign",
                           "return",
                           "approve-return",
                           "reject-return",
                           "request-hand-down",
                           "approve-hand-down",
                           "reject-hand-down",
                           "hand-up",
                           "reply",
                           "approve-reply",
                           "send-back",
                           "callback",
                           "redo",
                           "close",
                           "archive",
                           "link-duplicate",
                           "urge",
                           "supervise",
                           "satisfied|basically-satisfied|dissatisfied",
                           "--idempotency-key"}) {
    CHECK_THAT(act_usage, Catch::Contains(word));
  }
  CHECK_THAT(act_usage, !Catch::Contains("--oldest-first"));
  // The summary's lines are indented like the rest.
  for (const std::string& line : std::vector<std::string>(absl::StrSplit(act_usage, '\n'))) {
    if (!line.empty() && line != "Usage:" && line.find("Global flags") != 0) {
      CHECK_THAT(line, Catch::StartsWith("  "));
    }
  }
  const std::string queue_usage = Usage("queue");
  CHECK_THAT(queue_usage, Catch::Contains("to-sign|in-progress|replied|sent-back"));
  CHECK_THAT(queue_usage, Catch::Contains("--page-token"));
  const std::string list_usage = Usage("list");
  CHECK_THAT(list_usage, Catch::Contains("--page-token"));
  CHECK_THAT(list_usage, Catch::Contains("--gateway"));
  CHECK_THAT(list_usage, !Catch::Contains("--answered-by"));
}

}  // namespace
}  // namespace hotline::cli
