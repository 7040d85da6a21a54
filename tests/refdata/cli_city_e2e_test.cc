// Issue 22 item 4: the `hotline` CLI works in the city in force at the
// services, not in the seed of data/. Real binaries (redis-server, intake,
// dispatch, knowledge, gateway, the CLI): `hotline city` names the seed's
// profile, then a `hotline-admin city load` with another prefix and name
// shows within a second with no service restarted, and the times the CLI
// prints are in the zone in force even where its own data/ says otherwise.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "e2e/stack.h"
#include "support/service_process.h"

namespace hotline::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("the hotline CLI takes the city in force from the gateway, without a restart") {
  Stack stack;
  const std::string data = absl::StrCat(HOTLINE_SOURCE_DIR, "/data");
  // The CLI's own data/ names another zone: what it prints must not follow it.
  const std::string cli_data = stack.dir() + "/cli_data";
  std::filesystem::create_directories(cli_data);
  for (const char* f : {"units.textproto", "categories.textproto"}) {
    std::filesystem::copy_file(data + "/" + f, cli_data + "/" + f);
  }
  const std::string city = ReadFile(data + "/city.textproto");
  REQUIRE(absl::StrContains(city, "time_zone: \"Asia/Shanghai\""));
  std::ofstream(cli_data + "/city.textproto")
      << absl::StrReplaceAll(city, {{"time_zone: \"Asia/Shanghai\"", "time_zone: \"Asia/Tokyo\""}});
  auto cli = [&](const std::string& args) {
    return RunShell(absl::StrCat("HOTLINE_DATA_DIR=", cli_data, " ", HOTLINE_CLI_BIN, " --gateway ",
                                 stack.gateway_address(), " --token ", TokenFor(kAgentToken), " ", args, " 2>&1"));
  };

  ShellResult before = cli("city");
  INFO(before.output);
  REQUIRE(before.exit_code == 0);
  CHECK(absl::StrContains(before.output, "GZ"));
  CHECK(absl::StrContains(before.output, "Asia/Shanghai"));
  CHECK(absl::StrContains(before.output, "广州市"));

  // An order's times print in the services' zone (+08:00), not the CLI's seed (+09:00).
  auto stub = stack.NewClient();
  v1::CreateWorkOrderResponse created;
  {
    auto ctx = CallContext(kAgentToken);
    const grpc::Status s = stub->CreateWorkOrder(ctx.get(), SampleComplaint(), &created);
    INFO(s.error_message());
    REQUIRE(s.ok());
  }
  const absl::Time at = absl::FromUnixSeconds(created.order().created_at().seconds());
  const std::string shanghai = absl::FormatTime("%Y-%m-%d %H:%M:%S", at, absl::FixedTimeZone(8 * 3600));
  const std::string tokyo = absl::FormatTime("%Y-%m-%d %H:%M:%S", at, absl::FixedTimeZone(9 * 3600));
  ShellResult got = cli("get " + created.order().id());
  INFO(got.output);
  REQUIRE(got.exit_code == 0);
  CHECK(absl::StrContains(got.output, shanghai));
  CHECK_FALSE(absl::StrContains(got.output, tokyo));

  // A new city version (prefix and name): the same running services answer it.
  const std::string gx = stack.dir() + "/city_gx.textproto";
  std::ofstream(gx) << absl::StrReplaceAll(
      city, {{"order_prefix: \"GZ\"", "order_prefix: \"GX\""}, {"name: \"广州市\"", "name: \"新广州市\""}});
  ShellResult load = RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " city load ", gx, " --redis=", stack.redis_address(),
                                           " --data_dir=", data, " --user=e2e-admin 2>&1"));
  INFO(load.output);
  REQUIRE(load.exit_code == 0);
  const absl::Time loaded = absl::Now();
  ShellResult after;
  do {
    after = cli("city");
    if (absl::StrContains(after.output, "GX")) break;
    absl::SleepFor(absl::Milliseconds(100));
  } while (absl::Now() - loaded < absl::Seconds(5));
  INFO(after.output);
  CHECK(after.exit_code == 0);
  CHECK(absl::StrContains(after.output, "GX"));
  CHECK(absl::StrContains(after.output, "新广州市"));
  CHECK(absl::Now() - loaded < absl::Seconds(2));  // the services' poll, not a restart
  ShellResult json = cli("--json city");
  INFO(json.output);
  CHECK(absl::StrContains(json.output, "\"order_prefix\":\"GX\""));
  CHECK(absl::StrContains(json.output, "\"version\":\"2\""));
}

}  // namespace
}  // namespace hotline::testing
