// Reference data with the real binaries: `hotline-admin categories load`
// while two hotline-intake replicas run on one Redis; both accept an order of
// the new category within a second, with no restart (before the load, both
// refuse it naming category_code). A refused load exits 2, names the field
// and changes nothing; `history` and `diff` show what changed; each load is
// in the access log.
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>

#include <deque>
#include <functional>
#include <regex>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "crypto/phone_vault.h"
#include "hotline/v1/audit.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "redis/client.h"
#include "server/identity.h"
#include "support/redis_dump.h"
#include "support/redis_server.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace hotline::testing {
namespace {

const std::string kData = HOTLINE_SOURCE_DIR "/data";
constexpr char kSecret[] = "refdata-e2e-identity-secret-0123456789";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct World {
  RedisServer redis;
  TempDir dir{"refdata-e2e"};
  std::deque<std::unique_ptr<ServiceProcess>> processes;

  World() {
    std::ofstream(dir.path() + "/identity.secret") << kSecret;
    std::ofstream(dir.path() + "/phone.keys") << crypto::PhoneVault::GenerateKeyFile("test1");
  }
  // An intake replica; its gRPC address.
  std::string StartIntake(const std::string& name) {
    std::vector<std::string> args = {"--host=127.0.0.1", "--grpc_port=0", "--metrics_port=0",
                                     "--identity_secret_file=" + dir.path() + "/identity.secret",
                                     "--redis=" + redis.address(), "--data_dir=" + kData,
                                     "--phone_keys=" + dir.path() + "/phone.keys"};
    processes.push_back(
        std::make_unique<ServiceProcess>(HOTLINE_INTAKE_BIN, args, dir.path() + "/" + name + ".log"));
    return absl::StrCat("127.0.0.1:", processes.back()->WaitForServingPorts(absl::Seconds(20)).grpc);
  }
  // A replica of `binary` (sla, dispatch); the process.
  ServiceProcess& Start(const std::string& binary, const std::string& name) {
    std::vector<std::string> args = {"--host=127.0.0.1", "--grpc_port=0", "--metrics_port=0",
                                     "--identity_secret_file=" + dir.path() + "/identity.secret",
                                     "--redis=" + redis.address(), "--data_dir=" + kData,
                                     "--consumer_name=" + name};
    processes.push_back(
        std::make_unique<ServiceProcess>(binary, args, dir.path() + "/" + name + ".log"));
    processes.back()->WaitForServingPorts(absl::Seconds(20));
    return *processes.back();
  }
  ShellResult Admin(const std::string& args) {
    return RunShell(absl::StrCat("env USER=e2e-admin ", HOTLINE_ADMIN_BIN, " ", args,
                                 " --redis=", redis.address(), " --data_dir=", kData));
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
};

// CreateWorkOrder of category `category` on one replica, as the gateway
// would call it (signed identity); the new order's number into `id`.
grpc::Status Create(const std::string& address, const std::string& category, int n,
                    std::string* id = nullptr) {
  v1::Actor agent;
  agent.set_user_id("e2e-agent");
  agent.set_role(v1::ROLE_AGENT);
  agent.set_unit_code("GZ12345");
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::CreateWorkOrderRequest r;
  r.set_type(v1::ORDER_TYPE_COMPLAINT);
  r.set_channel(v1::CHANNEL_PHONE);
  r.mutable_caller()->set_name("张先生");
  r.mutable_caller()->set_phone("13812345678");
  r.mutable_location()->set_district_code("440106");
  r.mutable_location()->set_street_code("440106001");
  r.mutable_location()->set_address("五山路某小区3栋");
  r.set_category_code(category);
  r.set_content("测试类别的工单");
  r.set_idempotency_key(absl::StrCat("refdata-e2e-", address, "-", n));
  server::AttachIdentity(agent, kSecret, "/hotline.v1.Intake/CreateWorkOrder", r, &ctx);
  v1::CreateWorkOrderResponse response;
  static auto* channels = new std::map<std::string, std::shared_ptr<grpc::Channel>>();
  auto& channel = (*channels)[address];
  if (!channel) channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::Status status = v1::Intake::NewStub(channel)->CreateWorkOrder(&ctx, r, &response);
  if (id != nullptr) *id = response.order().id();
  return status;
}

// When replicas a and b each first pass `took` (polled every 20 ms for up
// to 3 s after `from`); InfiniteFuture for one that never did.
std::pair<absl::Time, absl::Time> FirstSeen(const std::string& a, const std::string& b, absl::Time from,
                                            const std::function<bool(const std::string&)>& took) {
  absl::Time seen_a = absl::InfiniteFuture(), seen_b = absl::InfiniteFuture();
  while (absl::Now() < from + absl::Seconds(3) &&
         (seen_a == absl::InfiniteFuture() || seen_b == absl::InfiniteFuture())) {
    if (seen_a == absl::InfiniteFuture() && took(a)) seen_a = absl::Now();
    if (seen_b == absl::InfiniteFuture() && took(b)) seen_b = absl::Now();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {seen_a, seen_b};
}

const char kNewCategory[] =
    "categories {\n  code: \"010199\"\n  name: \"测试噪声\"\n  name_en: \"Test noise\"\n"
    "  parent_code: \"0101\"\n}\n";

TEST_CASE("a category loaded with hotline-admin is accepted by two intake replicas within a second") {
  World w;
  const std::string a = w.StartIntake("intake-a");
  const std::string b = w.StartIntake("intake-b");
  int n = 0;
  for (const std::string& replica : {a, b}) {
    grpc::Status before = Create(replica, "010199", ++n);
    CHECK(before.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(absl::StrContains(before.error_message(), "category_code"));
    CHECK(Create(replica, "010101", ++n).ok());
  }
  const std::string file =
      w.Write("categories.textproto", ReadFile(kData + "/categories.textproto") + kNewCategory);
  const absl::Time started = absl::Now();
  ShellResult load = w.Admin("categories load " + file);
  const absl::Time loaded = absl::Now();
  INFO(load.output);
  REQUIRE(load.exit_code == 0);
  // The replicas seeded version 1; the load is version 2.
  CHECK(absl::StrContains(load.output, "categories loaded: version 2"));
  const auto [seen_a, seen_b] =
      FirstSeen(a, b, loaded, [&](const std::string& replica) { return Create(replica, "010199", ++n).ok(); });
  INFO("admin took " << absl::FormatDuration(loaded - started) << "; replica a took "
                     << absl::FormatDuration(seen_a - loaded) << ", b "
                     << absl::FormatDuration(seen_b - loaded) << " after the load returned");
  CHECK(seen_a - loaded < absl::Seconds(1));
  CHECK(seen_b - loaded < absl::Seconds(1));
  for (auto& p : w.processes) {
    CHECK(absl::StrContains(p->Log(), "reference data in force"));
    CHECK(absl::StrContains(p->Log(), "categories=2"));
  }
}

// When the first log line holding `text` was written ("ts"); InfiniteFuture
// when there is none.
absl::Time LogTime(const std::string& log, const std::string& text) {
  const size_t at = log.find(text);
  if (at == std::string::npos) return absl::InfiniteFuture();
  const size_t line = log.rfind('\n', at) == std::string::npos ? 0 : log.rfind('\n', at) + 1;
  const std::string head = log.substr(line, at - line);
  std::smatch m;
  absl::Time t = absl::InfiniteFuture();
  std::string error;
  if (std::regex_search(head, m, std::regex(R"re("ts":"([^"]+)")re"))) {
    absl::ParseTime(absl::RFC3339_full, m[1].str(), &t, &error);
  }
  return t;
}

TEST_CASE("two sla and two dispatch replicas take loaded SLA policies and catalogue within a second") {
  World w;
  ServiceProcess& sla_a = w.Start(HOTLINE_SLA_BIN, "sla-a");
  ServiceProcess& sla_b = w.Start(HOTLINE_SLA_BIN, "sla-b");
  ServiceProcess& dispatch_a = w.Start(HOTLINE_DISPATCH_BIN, "dispatch-a");
  ServiceProcess& dispatch_b = w.Start(HOTLINE_DISPATCH_BIN, "dispatch-b");
  // A stricter closing limit for 0104 (industrial noise), and its rule moved
  // from GZD002 to GZD003.
  const std::string policies = w.Write(
      "policies.textproto",
      ReadFile(kData + "/sla_policies.textproto") +
          "policies {\n  name: \"industrial-noise\"\n  type: ORDER_TYPE_COMPLAINT\n"
          "  urgency: URGENCY_NOT_URGENT\n  category_prefix: \"0104\"\n"
          "  sign_off { working_days: 1 }\n  closing { working_days: 10 }\n}\n");
  const std::string rule_0104 = "category_prefix: \"0104\"  # 工业噪声\n  unit_code: \"GZD002\"";
  const std::string catalogue_text = ReadFile(kData + "/dispatch_catalogue.textproto");
  REQUIRE(absl::StrContains(catalogue_text, rule_0104));
  const std::string catalogue = w.Write(
      "catalogue.textproto",
      absl::StrReplaceAll(catalogue_text, {{rule_0104, "category_prefix: \"0104\"\n  unit_code: \"GZD003\""}}));
  ShellResult p = w.Admin("policies load " + policies);
  const absl::Time policies_loaded = absl::Now();
  INFO(p.output);
  REQUIRE(p.exit_code == 0);
  ShellResult c = w.Admin("catalogue load " + catalogue);
  const absl::Time catalogue_loaded = absl::Now();
  INFO(c.output);
  REQUIRE(c.exit_code == 0);
  absl::SleepFor(absl::Milliseconds(1500));
  // The calendar keeps its own per-year store: its loads (here the seed the
  // sla replicas wrote) are listed by `calendar history`.
  ShellResult calendar_history =
      RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " calendar history --redis=", w.redis.address()));
  INFO(calendar_history.output);
  CHECK(calendar_history.exit_code == 0);
  CHECK(absl::StrContains(calendar_history.output, "2026.textproto"));
  CHECK(absl::StrContains(calendar_history.output, "system:seed"));
  for (ServiceProcess* sla : {&sla_a, &sla_b}) {
    const std::string log = sla->Log();
    INFO(log);
    const absl::Time t = LogTime(log, R"("name":"sla reference data","versions":"units=1 categories=1 policies=2")");
    INFO("sla took " << absl::FormatDuration(t - policies_loaded));
    CHECK(t - policies_loaded < absl::Seconds(1));
  }
  for (ServiceProcess* dispatch : {&dispatch_a, &dispatch_b}) {
    const std::string log = dispatch->Log();
    INFO(log);
    const absl::Time t =
        LogTime(log, R"("name":"dispatch reference data","versions":"units=1 categories=1 catalogue=2")");
    INFO("dispatch took " << absl::FormatDuration(t - catalogue_loaded));
    CHECK(t - catalogue_loaded < absl::Seconds(1));
  }
}

TEST_CASE("a city profile loaded with hotline-admin is followed by running intake and sla replicas within a second") {
  World w;
  const std::string a = w.StartIntake("intake-a");
  const std::string b = w.StartIntake("intake-b");
  ServiceProcess& sla_a = w.Start(HOTLINE_SLA_BIN, "sla-a");
  ServiceProcess& sla_b = w.Start(HOTLINE_SLA_BIN, "sla-b");
  int n = 0;
  std::string id;
  for (const std::string& replica : {a, b}) {
    REQUIRE(Create(replica, "010101", ++n, &id).ok());
    CHECK(absl::StartsWith(id, "GZ"));
  }
  const std::string city = ReadFile(kData + "/city.textproto");
  REQUIRE(absl::StrContains(city, "order_prefix: \"GZ\""));
  const std::string gx = w.Write("city.textproto", absl::StrReplaceAll(city, {{"order_prefix: \"GZ\"", "order_prefix: \"GX\""}}));
  ShellResult load = w.Admin("city load " + gx);
  const absl::Time loaded = absl::Now();
  INFO(load.output);
  REQUIRE(load.exit_code == 0);
  CHECK(absl::StrContains(load.output, "city loaded: version 2"));
  // Each intake replica numbers its next orders with the new prefix.
  const auto [seen_a, seen_b] = FirstSeen(a, b, loaded, [&](const std::string& replica) {
    return Create(replica, "010101", ++n, &id).ok() && absl::StartsWith(id, "GX");
  });
  INFO("intake a took " << absl::FormatDuration(seen_a - loaded) << ", b " << absl::FormatDuration(seen_b - loaded));
  CHECK(seen_a - loaded < absl::Seconds(1));
  CHECK(seen_b - loaded < absl::Seconds(1));
  absl::SleepFor(absl::Milliseconds(1200));
  for (ServiceProcess* sla : {&sla_a, &sla_b}) {
    const std::string log = sla->Log();
    INFO(log);
    const absl::Time t = LogTime(log, R"("name":"city","versions":"units=1 categories=1 city=2")");
    INFO("sla took " << absl::FormatDuration(t - loaded));
    CHECK(t - loaded < absl::Seconds(1));
  }

  // A new time zone is refused, naming the field, and nothing changes ...
  const std::string tokyo = w.Write(
      "city_tokyo.textproto", absl::StrReplaceAll(ReadFile(gx), {{"Asia/Shanghai", "Asia/Tokyo"}}));
  ShellResult refused = w.Admin("city load " + tokyo);
  INFO(refused.output);
  CHECK(refused.exit_code == 2);
  CHECK(absl::StrContains(refused.output, "refused, nothing changed"));
  CHECK(absl::StrContains(refused.output, "time_zone: \"Asia/Tokyo\" is not \"Asia/Shanghai\" of city v2"));
  ShellResult show = w.Admin("city show");
  CHECK(absl::StrContains(show.output, "# city v2"));
  // ... unless asked for (a stopped centre); a running replica then keeps its
  // zone and its city v2 whole, and says why.
  ShellResult forced = w.Admin("city load " + tokyo + " --allow_time_zone_change");
  INFO(forced.output);
  REQUIRE(forced.exit_code == 0);
  CHECK(absl::StrContains(forced.output, "city loaded: version 3"));
  absl::SleepFor(absl::Milliseconds(1000));
  REQUIRE(Create(a, "010101", ++n, &id).ok());
  CHECK(absl::StartsWith(id, "GX"));
  for (ServiceProcess* sla : {&sla_a, &sla_b}) {
    const std::string log = sla->Log();
    INFO(log);
    CHECK(absl::StrContains(log, "city v3: time_zone: \\\"Asia/Tokyo\\\" is not \\\"Asia/Shanghai\\\""));
    CHECK(!absl::StrContains(log, R"("versions":"units=1 categories=1 city=3")"));
  }
}

TEST_CASE("hotline-admin refuses a bad load with the field named and exit 2, and history and diff show the loads") {
  World w;
  redis::Client redis(redis::Options{.port = w.redis.port(), .connections = 1});
  auto keys_dump = [&redis] { return DumpKeys(redis); };
  ShellResult first = w.Admin("catalogue load " + kData + "/dispatch_catalogue.textproto");
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  const std::string before = keys_dump();
  const std::string catalogue = ReadFile(kData + "/dispatch_catalogue.textproto");
  const std::string bad = w.Write(
      "bad_catalogue.textproto",
      absl::StrReplaceAll(catalogue, {{"unit_code: \"GZD002\"", "unit_code: \"GZD999\""}}));
  ShellResult refused = w.Admin("catalogue load " + bad);
  INFO(refused.output);
  CHECK(refused.exit_code == 2);
  CHECK(absl::StrContains(refused.output, "refused, nothing changed"));
  CHECK(absl::StrContains(refused.output, "unit_code: unknown unit \"GZD999\""));
  CHECK(keys_dump() == before);

  // A good change: rules for 0104 go to GZD003 instead of GZD002.
  const std::string rule_0104 = "category_prefix: \"0104\"  # 工业噪声\n  unit_code: \"GZD002\"";
  REQUIRE(absl::StrContains(catalogue, rule_0104));
  const std::string moved = w.Write(
      "catalogue2.textproto",
      absl::StrReplaceAll(catalogue, {{rule_0104, "category_prefix: \"0104\"  # 工业噪声\n  unit_code: \"GZD003\""}}));
  ShellResult second = w.Admin("catalogue load " + moved);
  INFO(second.output);
  REQUIRE(second.exit_code == 0);
  CHECK(absl::StrContains(second.output, "catalogue loaded: version 2"));

  ShellResult history = w.Admin("catalogue history");
  INFO(history.output);
  REQUIRE(history.exit_code == 0);
  CHECK(absl::StrContains(history.output, "VERSION"));
  CHECK(absl::StrContains(history.output, "dispatch_catalogue.textproto"));
  CHECK(absl::StrContains(history.output, "catalogue2.textproto"));
  CHECK(absl::StrContains(history.output, "e2e-admin"));
  CHECK(absl::StrContains(history.output, "+1 -1"));

  ShellResult diff = w.Admin("catalogue diff 1 2");
  INFO(diff.output);
  REQUIRE(diff.exit_code == 0);
  CHECK(absl::StrContains(diff.output, "--- catalogue v1"));
  CHECK(absl::StrContains(diff.output, "+++ catalogue v2"));
  CHECK(absl::StrContains(diff.output, "\n- "));
  CHECK(absl::StrContains(diff.output, "-   unit_code: \"GZD002\""));
  CHECK(absl::StrContains(diff.output, "+   unit_code: \"GZD003\""));
  CHECK(absl::StrContains(diff.output, "category_prefix: \"0104\""));
  ShellResult none = w.Admin("catalogue diff 2 2");
  CHECK(absl::StrContains(none.output, "(no difference)"));
  ShellResult missing = w.Admin("catalogue diff 1 9");
  CHECK(missing.exit_code != 0);
  CHECK(absl::StrContains(missing.output, "no version 9"));

  // Two loads, two access-log entries (the refusal wrote none).
  absl::StatusOr<redis::Reply> audit = redis.Execute({"XRANGE", "hotline:audit", "-", "+"});
  REQUIRE(audit.ok());
  REQUIRE(audit->elements.size() == 2);
  v1::AuditEntry entry;
  REQUIRE(entry.ParseFromString(audit->elements[1].elements[1].elements[1].str));
  CHECK(entry.action() == v1::AUDIT_ACTION_REFERENCE_DATA_LOAD);
  CHECK(entry.actor().user_id() == "e2e-admin");
  CHECK(absl::StrContains(entry.reason(), "catalogue loaded, version 2"));
}

}  // namespace
}  // namespace hotline::testing
