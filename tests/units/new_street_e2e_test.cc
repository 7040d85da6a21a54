// Issue 22 must-show, with real binaries while the simulator's traffic flows
// through the gateway: a catalogue naming a unit the directory lacks is
// refused and the running version stays; a new street is added under a
// district (hotline-admin units load) and a catalogue rule pointed at it
// (catalogue load); the next automatic dispatch of that matter goes to the
// new street, carrying the new catalogue and units versions. A street renamed
// in the same units version keeps its code: the new name is what ListUnits
// answers, and an order taken before reads as it was.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "e2e/stack.h"
#include "redis/client.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace hotline::testing {
namespace {

const std::string kData = HOTLINE_SOURCE_DIR "/data";
constexpr char kStreet[] = "440106099";
constexpr char kMatter[] = "010201";  // 广场舞噪声, routed by "01" (district_of_order) before

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Get(redis::Client& redis, const std::string& key) {
  absl::StatusOr<redis::Reply> r = redis.Execute({"GET", key});
  REQUIRE(r.ok());
  return r->str;
}

long long Orders(redis::Client& redis) {
  absl::StatusOr<redis::Reply> r = redis.Execute({"ZCARD", "hotline:idx:all"});
  REQUIRE(r.ok());
  return r->integer;
}

TEST_CASE("a new street and a catalogue rule pointing at it take the next automatic dispatch, under simulator traffic") {
  const TempDir temp("hotline-new-street");
  const std::string dir = temp.path(), tokens = dir + "/tokens.textproto";
  REQUIRE(RunShell(absl::StrCat(HOTLINE_SIMULATOR_BIN, " --data_dir=", kData, " --tokens=", HOTLINE_SOURCE_DIR,
                                "/config/tokens.textproto --write_tokens=", tokens))
              .exit_code == 0);
  Stack stack(Stack::Options{.dispatch_replicas = 2, .tokens_file = tokens});
  auto stub = stack.NewClient();
  redis::Client redis(redis::Options{.port = stack.redis().port(), .connections = 1});
  auto admin = [&](const std::string& args) {
    return RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " ", args, " --redis=", stack.redis_address(),
                                 " --data_dir=", kData, " --user=e2e-admin"));
  };

  ServiceProcess sim(HOTLINE_SIMULATOR_BIN,
                     {"--gateway=" + stack.gateway_address(), "--tokens=" + tokens, "--data_dir=" + kData,
                      "--minute=20ms", "--sweep=250ms", "--calls_per_minute=600", "--duration=60s"},
                     dir + "/simulator.log");
  // Traffic first: the loads below land on a centre at work.
  const long long at_start = Orders(redis);
  const absl::Time until = absl::Now() + absl::Seconds(20);
  while (Orders(redis) < at_start + 20 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(100));
  REQUIRE(Orders(redis) >= at_start + 20);

  const std::string catalogue = ReadFile(kData + "/dispatch_catalogue.textproto");
  const std::string rule = absl::StrCat("rules {\n  category_prefix: \"", "0102", "\"\n  unit_code: \"", kStreet,
                                        "\"\n  note: \"the new street takes square dancing\"\n}\n");
  std::ofstream(dir + "/catalogue.textproto") << catalogue << rule;

  // A catalogue naming a unit the directory does not have: refused, named,
  // and the version in force stays.
  const std::string catalogue_before = Get(redis, "hotline:ref:catalogue:version");
  REQUIRE_FALSE(catalogue_before.empty());  // the services seeded it
  ShellResult refused = admin("catalogue load " + dir + "/catalogue.textproto");
  INFO(refused.output);
  CHECK(refused.exit_code == 2);
  CHECK(absl::StrContains(refused.output, "refused, nothing changed"));
  CHECK(absl::StrContains(refused.output, "unit_code: unknown unit \"440106099\""));
  CHECK(Get(redis, "hotline:ref:catalogue:version") == catalogue_before);

  // An order of 天河南街道 before it is renamed: it must read the same after.
  std::string renamed_order;
  {
    auto ctx = CallContext(kAgentToken);
    v1::CreateWorkOrderResponse created;
    REQUIRE(stub->CreateWorkOrder(ctx.get(), SampleComplaint(), &created).ok());
    renamed_order = created.order().id();
  }
  const v1::WorkOrder before_rename = GetOrder(*stub, renamed_order);

  // The new street under 天河区, and 天河南街道 renamed (its code stays),
  // in one units version; then the rule.
  std::string seed_units = ReadFile(kData + "/units.textproto");
  const std::string old_name = "name: \"天河南街道\"";
  REQUIRE(seed_units.find(old_name) != std::string::npos);
  seed_units.replace(seed_units.find(old_name), old_name.size(), "name: \"天河南新街道\"");
  std::ofstream(dir + "/units.textproto")
      << seed_units
      << "units {\n  code: \"440106099\"\n  name: \"测试新街道\"\n  name_en: \"Test New Subdistrict\"\n"
         "  kind: UNIT_KIND_STREET\n  parent_code: \"440106\"\n}\n";
  ShellResult units = admin("units load " + dir + "/units.textproto");
  INFO(units.output);
  REQUIRE(units.exit_code == 0);
  ShellResult loaded = admin("catalogue load " + dir + "/catalogue.textproto");
  INFO(loaded.output);
  REQUIRE(loaded.exit_code == 0);
  const std::string units_version = Get(redis, "hotline:ref:units:version");
  const std::string catalogue_version = Get(redis, "hotline:ref:catalogue:version");
  CHECK(catalogue_version != catalogue_before);

  // Within a second every replica routes by it (their poll is 200 ms).
  absl::SleepFor(absl::Seconds(1));

  // The rename shows where names are read live; the older order reads as it was.
  {
    v1::ListUnitsRequest r;
    r.set_parent_code("440106");
    auto ctx = CallContext(kAgentToken);
    v1::ListUnitsResponse listed;
    REQUIRE(stub->ListUnits(ctx.get(), r, &listed).ok());
    std::map<std::string, std::string> names;
    for (const v1::Unit& u : listed.units()) names[u.code()] = u.name();
    CHECK(names["440106003"] == "天河南新街道");
    CHECK(names[kStreet] == "测试新街道");
    const v1::WorkOrder after_rename = GetOrder(*stub, renamed_order);
    CHECK(after_rename.id() == before_rename.id());
    CHECK(after_rename.history_size() >= before_rename.history_size());
    for (int i = 0; i < before_rename.history_size(); ++i) {
      CHECK(after_rename.history(i).DebugString() == before_rename.history(i).DebugString());
    }
  }
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {  // both replicas take some of them
    v1::CreateWorkOrderRequest r = SampleComplaint();
    r.set_category_code(kMatter);
    auto ctx = CallContext(kAgentToken);
    v1::CreateWorkOrderResponse created;
    const grpc::Status s = stub->CreateWorkOrder(ctx.get(), r, &created);
    INFO(s.error_message());
    REQUIRE(s.ok());
    ids.push_back(created.order().id());
  }
  for (const std::string& id : ids) {
    v1::WorkOrder order;
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    do {
      order = GetOrder(*stub, id);
      if (order.state() != v1::ORDER_STATE_CREATED) break;
      absl::SleepFor(absl::Milliseconds(50));
    } while (absl::Now() < deadline);
    INFO(id);
    REQUIRE(order.state() == v1::ORDER_STATE_DISPATCHED);
    CHECK(order.assigned_unit_code() == kStreet);
    const v1::HistoryEntry* dispatch = nullptr;
    for (const v1::HistoryEntry& e : order.history()) {
      if (e.action() == "dispatch") dispatch = &e;
    }
    REQUIRE(dispatch != nullptr);
    CHECK(dispatch->unit_code() == kStreet);
    CHECK(absl::StrCat(dispatch->reference_versions().catalogue()) == catalogue_version);
    CHECK(absl::StrCat(dispatch->reference_versions().units()) == units_version);
    CHECK(absl::StrContains(dispatch->note(), "catalogue v" + catalogue_version));
  }
  // The simulator kept going through all of it.
  const long long before_end = Orders(redis);
  const absl::Time more = absl::Now() + absl::Seconds(20);
  while (Orders(redis) < before_end + 10 && absl::Now() < more) absl::SleepFor(absl::Milliseconds(100));
  CHECK(Orders(redis) >= before_end + 10);
  CHECK(sim.Running());
}

}  // namespace
}  // namespace hotline::testing
