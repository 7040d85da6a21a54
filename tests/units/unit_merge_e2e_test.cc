// Issue 22 item 2, must-show: two streets are merged while each has open
// orders. Real binaries (redis-server, intake, dispatch, sla, scoring,
// gateway) on a city clock that starts on 2026-11-30 23:50 and runs 60 times
// as fast, so November is a past month when the merge runs. Afterwards every
// open order of the old street is in the new one's queue with its deadlines
// unchanged and a trail entry saying so, the old street's November scores as
// it did, a new order cannot go to the old street, a re-run moves nothing,
// the access log has the merge and hotline-fsck is clean, also after a street
// opened since takes an order (fsck reads the directory in force in Redis:
// with data/'s it found its district's aggregates off). A second section
// stands for a merge that stopped right after retiring the old street: the
// same command run again moves the orders.
#include <catch2/catch.hpp>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "e2e/stack.h"
#include "hotline/v1/audit.pb.h"
#include "absl/strings/str_join.h"
#include "redis/client.h"
#include "support/service_process.h"

namespace hotline::testing {
namespace {

// A blocking Redis client for looking at what the services wrote.
struct Redis {
  redis::Client client;
  explicit Redis(int port) : client(redis::Options{.port = port, .connections = 1}) {}
  redis::Reply Command(std::vector<std::string> command) {
    absl::StatusOr<redis::Reply> r = client.Execute(std::move(command));
    REQUIRE(r.ok());
    return *r;
  }
};

constexpr char kOld[] = "440106001";  // 五山街道 (kStreetToken's unit)
constexpr char kNew[] = "440106002";

// A complaint located in `street` (of `district`; default 天河区 五山街道),
// dispatched to `unit`.
std::string Dispatched(v1::Hotline::Stub& stub, const std::string& unit, const std::string& street = "",
                       const std::string& district = "") {
  v1::CreateWorkOrderResponse created;
  {
    auto ctx = CallContext(kAgentToken);
    v1::CreateWorkOrderRequest request = SampleComplaint();
    if (!street.empty()) request.mutable_location()->set_street_code(street);
    if (!district.empty()) request.mutable_location()->set_district_code(district);
    const grpc::Status s = stub.CreateWorkOrder(ctx.get(), request, &created);
    INFO(s.error_message());
    REQUIRE(s.ok());
  }
  // Automatic dispatch sends it to its district first (0101 -> 天河区).
  const std::string id = created.order().id();
  v1::WorkOrder order;
  const absl::Time until = absl::Now() + absl::Seconds(10);
  do {
    order = GetOrder(stub, id);
    if (order.state() == v1::ORDER_STATE_DISPATCHED) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < until);
  REQUIRE(order.state() == v1::ORDER_STATE_DISPATCHED);
  if (order.assigned_unit_code() == unit) return id;
  v1::ActRequest r;
  r.set_order_id(id);
  r.set_action(v1::ACTION_DISPATCH);
  r.set_unit_code(unit);
  auto ctx = CallContext(kDispatcherToken);
  v1::ActResponse response;
  const grpc::Status s = stub.Act(ctx.get(), r, &response);
  INFO(s.error_message());
  REQUIRE(s.ok());
  return id;
}

grpc::Status Act(v1::Hotline::Stub& stub, const std::string& token, const std::string& id, v1::Action action,
                 const std::string& unit = "") {
  v1::ActRequest r;
  r.set_order_id(id);
  r.set_action(action);
  r.set_unit_code(unit);
  auto ctx = CallContext(token);
  v1::ActResponse response;
  return stub.Act(ctx.get(), r, &response);
}

// One scoring call through the gateway as a supervisor; the test fails if it does.
template <typename Request, typename Response>
Response AskScoring(v1::Hotline::Stub& stub,
                    grpc::Status (v1::Hotline::Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request) {
  auto ctx = CallContext(kSupervisorToken);
  Response response;
  const grpc::Status s = (stub.*method)(ctx.get(), request, &response);
  INFO(s.error_message());
  REQUIRE(s.ok());
  return response;
}

v1::Period Month(const std::string& month) {
  v1::Period period;
  period.set_kind(v1::PERIOD_KIND_MONTH);
  period.set_date(month);
  return period;
}

v1::UnitScore MonthScore(v1::Hotline::Stub& stub, const std::string& unit, const std::string& month) {
  v1::GetUnitScoreRequest r;
  r.set_unit_code(unit);
  *r.mutable_period() = Month(month);
  return AskScoring(stub, &v1::Hotline::Stub::GetUnitScore, r).score();
}

v1::UnitScore November(v1::Hotline::Stub& stub, const std::string& unit) { return MonthScore(stub, unit, "2026-11"); }

// The explanation of `unit`'s November: every item, from the facts themselves.
v1::UnitScore ExplainNovember(v1::Hotline::Stub& stub, const std::string& unit) {
  v1::ExplainScoreRequest r;
  r.set_unit_code(unit);
  *r.mutable_period() = Month("2026-11");
  r.set_limit(5000);
  return AskScoring(stub, &v1::Hotline::Stub::ExplainScore, r).score();
}

// November's district ranking: code -> rank.
std::map<std::string, int> DistrictRanks(v1::Hotline::Stub& stub) {
  v1::RankUnitsRequest r;
  r.set_level(v1::UNIT_LEVEL_DISTRICT);
  *r.mutable_period() = Month("2026-11");
  const v1::RankUnitsResponse ranked = AskScoring(stub, &v1::Hotline::Stub::RankUnits, r);
  std::map<std::string, int> out;
  for (const v1::UnitScore& row : ranked.ranking()) out[row.unit_code()] = row.rank();
  return out;
}

// The order's record fields (HMGET).
std::map<std::string, std::string> Fields(Redis& redis, const std::string& id,
                                          const std::vector<std::string>& names) {
  std::vector<std::string> command = {"HMGET", "hotline:order:{" + id + "}"};
  command.insert(command.end(), names.begin(), names.end());
  const redis::Reply r = redis.Command(command);
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < names.size(); ++i) out[names[i]] = r.elements[i].str;
  return out;
}

const std::vector<std::string> kDeadlineFields = {"sla_sign_due_ms", "sla_close_due_ms", "sla_close_original_ms"};

// Waits until sla's per-unit list of every order in `ids` is `unit` (the
// monitor settled the order's latest event).
void WaitSlaUnit(Redis& redis, const std::vector<std::string>& ids, const std::string& unit) {
  const absl::Time until = absl::Now() + absl::Seconds(15);
  for (const std::string& id : ids) {
    while (Fields(redis, id, {"sla_unit"})["sla_unit"] != unit && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    INFO(id);
    REQUIRE(Fields(redis, id, {"sla_unit"})["sla_unit"] == unit);
  }
}

// Waits until `ready` holds (15 s at most); whether it did.
bool Within(const std::function<bool()>& ready) {
  const absl::Time until = absl::Now() + absl::Seconds(15);
  while (!ready()) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

// Scoring's open orders of `district` (scoring:load, what the wall screen shows).
int64_t OpenLoad(Redis& redis, const std::string& district) {
  const redis::Reply r = redis.Command({"HGET", "hotline:scoring:load", absl::StrCat("open:", district)});
  int64_t n = 0;
  return r.str.empty() || !absl::SimpleAtoi(r.str, &n) ? 0 : n;
}

// The orders in sla's per-district sets of `district`, every status.
std::set<std::string> SlaDistrictMembers(Redis& redis, const std::string& district) {
  std::set<std::string> out;
  for (const redis::Reply& key : redis.Command({"KEYS", absl::StrCat("hotline:sla:district:", district, ":*")}).elements) {
    for (const redis::Reply& id : redis.Command({"SMEMBERS", key.str}).elements) out.insert(id.str);
  }
  return out;
}

// November's district matters of `district`: the orders counted, summed over its categories.
int64_t DistrictMatters(v1::Hotline::Stub& stub, const std::string& district) {
  v1::GetHotSpotsRequest r;
  r.set_kind(v1::HOT_KIND_DISTRICT_MATTERS);
  r.set_district_code(district);
  *r.mutable_period() = Month("2026-11");
  int64_t n = 0;
  const v1::GetHotSpotsResponse hot = AskScoring(stub, &v1::Hotline::Stub::GetHotSpots, r);
  for (const v1::HotEntry& e : hot.entries()) n += e.count();
  return n;
}

// The wall screen's open-orders entry of `district` as its JSON has it
// ("district_code":"D","name":...,"open":"N"), or "" when it is not listed.
std::string ScreenDistrict(Stack& stack, const std::string& district) {
  const std::string api = HttpGet(stack.screen_port(), "/api/screen");
  const std::string key = absl::StrCat("{\"district_code\":\"", district, "\"");
  const size_t at = api.find(key);
  if (at == std::string::npos) return "";
  return api.substr(at, api.find('}', at) - at + 1);
}

// hotline-fsck with every check, on the stack's city clock.
// Its output.
std::string CheckFsckClean(Stack& stack) {
  ShellResult fsck = RunShell(absl::StrCat(HOTLINE_FSCK_BIN, " --redis=", stack.redis_address(), " --data_dir=",
                                           HOTLINE_SOURCE_DIR, "/data ", absl::StrJoin(stack.clock_args(), " ")));
  INFO(fsck.output);
  CHECK(fsck.exit_code == 0);
  CHECK(absl::StrContains(fsck.output, "hotline-fsck: clean"));
  return fsck.output;
}

// The version of `kind` in force, as `hotline-admin KIND show` prints it
// (its first line, a comment, parses as text format).
std::string GetShow(Stack& stack, const std::string& kind) {
  ShellResult show = RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " ", kind, " show --redis=", stack.redis_address()));
  INFO(show.output);
  REQUIRE(show.exit_code == 0);
  return show.output;
}

// The stack of these tests: sla and scoring, on a city clock 10 minutes
// before December, 60 times as fast.
Stack::Options NovemberEnding() {
  return Stack::Options{.sla_replicas = 1,
                        .clock_start = "2026-11-30T23:50:00+08:00",
                        .clock_rate = "60",
                        .scoring_replicas = 1};
}

TEST_CASE("two streets merged while each has open orders: queues, deadlines, trail, past scores, fsck") {
  Stack stack(NovemberEnding());
  auto stub = stack.NewClient();
  Redis redis(stack.redis().port());

  // November: two orders of the old street (one signed), one of the new one,
  // one whose hand-down to the old street awaits the centre.
  const std::string signed_old = Dispatched(*stub, kOld);
  REQUIRE(Act(*stub, kStreetToken, signed_old, v1::ACTION_SIGN).ok());
  const std::string unsigned_old = Dispatched(*stub, kOld);
  const std::string of_new = Dispatched(*stub, kNew);
  const std::string pending = Dispatched(*stub, "440106");
  REQUIRE(Act(*stub, kHandlerToken, pending, v1::ACTION_SIGN).ok());
  REQUIRE(Act(*stub, kHandlerToken, pending, v1::ACTION_REQUEST_HAND_DOWN, kOld).ok());
  WaitSlaUnit(redis, {signed_old, unsigned_old}, kOld);
  REQUIRE(stack.CityNow() < absl::FromCivil(absl::CivilDay(2026, 12, 1), absl::FixedTimeZone(8 * 3600)));

  // Into December (10 city minutes at 60x: about 10 s).
  while (stack.CityNow() < absl::FromCivil(absl::CivilMinute(2026, 12, 1, 0, 1), absl::FixedTimeZone(8 * 3600))) {
    absl::SleepFor(absl::Milliseconds(200));
  }
  const v1::UnitScore old_november = November(*stub, kOld);
  REQUIRE(old_november.counts().at("dispatched") == 2);  // re-dispatched from 天河区
  REQUIRE(old_november.counts().at("signed_on_time") == 1);

  std::map<std::string, std::map<std::string, std::string>> before;
  for (const std::string& id : {signed_old, unsigned_old}) before[id] = Fields(redis, id, kDeadlineFields);
  CHECK_FALSE(before[signed_old]["sla_close_due_ms"].empty());
  CHECK_FALSE(before[unsigned_old]["sla_sign_due_ms"].empty());
  const std::string queued_at =
      redis.Command({"ZSCORE", absl::StrCat("hotline:idx:queue:", kOld, ":", int{v1::ORDER_STATE_DISPATCHED}),
                     unsigned_old}).str;
  REQUIRE_FALSE(queued_at.empty());
  const std::string units_before = redis.Command({"GET", "hotline:ref:units:version"}).str;

  auto merge = [&](const std::string& flags) {
    return RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " units merge ", kOld, " ", kNew, " --redis=",
                                 stack.redis_address(), " --data_dir=", HOTLINE_SOURCE_DIR,
                                 "/data --user=e2e-admin", flags));
  };
  SECTION("the merge") {
    // A dry run lists the three orders and changes nothing.
    ShellResult dry = merge(" --dry_run");
    INFO(dry.output);
    REQUIRE(dry.exit_code == 0);
    CHECK(absl::StrContains(dry.output, "dry run: 3 open orders of 440106001 would move to 440106002"));
    CHECK(absl::StrContains(dry.output, "would move " + signed_old));
    CHECK(redis.Command({"GET", "hotline:ref:units:version"}).str == units_before);
    CHECK(Fields(redis, signed_old, {"unit"})["unit"] == kOld);

    ShellResult merged = merge("");
    INFO(merged.output);
    REQUIRE(merged.exit_code == 0);
    CHECK(absl::StrContains(merged.output, "440106001 merged into 440106002: units v"));
    CHECK(absl::StrContains(merged.output, "3 open orders moved"));

    // Queues: every open order of the old street is in the new one's, in its
    // state and at its place; the old street's queues are empty.
    CHECK(redis.Command({"ZSCORE", absl::StrCat("hotline:idx:queue:", kNew, ":", int{v1::ORDER_STATE_SIGNED}),
                         signed_old}).type == redis::Reply::Type::kString);
    CHECK(redis.Command({"ZSCORE", absl::StrCat("hotline:idx:queue:", kNew, ":", int{v1::ORDER_STATE_DISPATCHED}),
                         unsigned_old}).str == queued_at);
    CHECK(redis.Command({"ZSCORE", absl::StrCat("hotline:idx:queue:", kNew, ":", int{v1::ORDER_STATE_DISPATCHED}),
                         of_new}).type == redis::Reply::Type::kString);
    for (int state : {v1::ORDER_STATE_DISPATCHED, v1::ORDER_STATE_SIGNED}) {
      CHECK(redis.Command({"ZCARD", absl::StrCat("hotline:idx:queue:", kOld, ":", state)}).integer == 0);
    }
    CHECK(Fields(redis, pending, {"pending_unit", "unit"})["pending_unit"] == kNew);
    CHECK(Fields(redis, pending, {"unit"})["unit"] == "440106");

    // Deadlines unchanged, once sla moved its per-unit lists.
    WaitSlaUnit(redis, {signed_old, unsigned_old}, kNew);
    for (const std::string& id : {signed_old, unsigned_old}) {
      INFO(id);
      CHECK(Fields(redis, id, kDeadlineFields) == before[id]);
    }
    CHECK(redis.Command({"ZCARD", absl::StrCat("hotline:sla:unit:", kOld)}).integer == 0);

    // The trail: one chained entry naming both streets; what came before reads as it was.
    const v1::WorkOrder order = GetOrder(*stub, unsigned_old);
    REQUIRE(order.history_size() >= 3);
    const v1::HistoryEntry& last = order.history(order.history_size() - 1);
    CHECK(last.action() == "merge_unit");
    CHECK(last.unit_code() == kNew);
    CHECK(last.actor().user_id() == "e2e-admin");
    CHECK(absl::StrContains(last.note(), "440106001"));
    CHECK(last.reference_versions().units() > 0);
    CHECK(order.history(order.history_size() - 2).unit_code() == kOld);
    CHECK(order.assigned_unit_code() == kNew);

    // A new order cannot go to the old street; the centre's consent to the
    // pending hand-down now sends it to the new one.
    const grpc::Status refused = Act(*stub, kDispatcherToken, of_new, v1::ACTION_DISPATCH, kOld);
    CHECK(refused.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK(absl::StrContains(refused.error_message(), "440106001"));
    CHECK(absl::StrContains(refused.error_message(), "retired"));
    REQUIRE(Act(*stub, kDispatcherToken, pending, v1::ACTION_APPROVE_HAND_DOWN).ok());
    CHECK(Fields(redis, pending, {"unit"})["unit"] == kNew);

    // The old street's past month scores as it did.
    const v1::UnitScore after = November(*stub, kOld);
    CHECK(google::protobuf::util::MessageDifferencer::Equals(after, old_november));

    // A re-run moves nothing and still works.
    ShellResult again = merge("");
    INFO(again.output);
    CHECK(again.exit_code == 0);
    CHECK(absl::StrContains(again.output, "(retired already), 0 open orders moved"));

    // The access log has the merge (and the units load it wrote).
    int merges = 0, loads = 0;
    const redis::Reply log = redis.Command({"XRANGE", "hotline:audit", "-", "+"});
    for (const redis::Reply& e : log.elements) {
      for (size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2) {
        if (e.elements[1].elements[i].str != "e") continue;
        v1::AuditEntry entry;
        REQUIRE(entry.ParseFromString(e.elements[1].elements[i + 1].str));
        if (entry.action() == v1::AUDIT_ACTION_UNITS_MERGE) {
          ++merges;
          CHECK(absl::StrContains(entry.reason(), "unit 440106001 merged into 440106002"));
        }
        if (entry.action() == v1::AUDIT_ACTION_REFERENCE_DATA_LOAD) ++loads;
      }
    }
    CHECK(merges == 2);  // the merge and its re-run
    CHECK(loads == 1);

    // A street opened since (a units load): an order dispatched to it is
    // judged by fsck under the directory in force in Redis, not data/'s.
    const std::string units_text = GetShow(stack, "units");
    const std::string with_street = stack.dir() + "/units_with_street.textproto";
    std::ofstream(with_street) << units_text
                               << "units {\n  code: \"440106099\"\n  name: \"测试新街道\"\n"
                                  "  kind: UNIT_KIND_STREET\n  parent_code: \"440106\"\n}\n";
    ShellResult street = RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " units load ", with_street, " --redis=",
                                               stack.redis_address(), " --data_dir=", HOTLINE_SOURCE_DIR,
                                               "/data --user=e2e-admin"));
    INFO(street.output);
    REQUIRE(street.exit_code == 0);
    absl::SleepFor(absl::Milliseconds(500));  // the services' poll
    const std::string in_new_street = Dispatched(*stub, "440106099", "440106099");
    WaitSlaUnit(redis, {in_new_street}, "440106099");

    // Nothing out of place: indexes, queues, deadlines, trails, aggregates.
    WaitSlaUnit(redis, {pending}, kNew);
    const std::string fsck = CheckFsckClean(stack);
    CHECK(absl::StrContains(fsck, "reference data units=3 categories=1 city=1"));
  }
  SECTION("a merge that stopped after retiring OLD is finished by running it again") {
    // What a crash right after step 1 leaves: OLD retired into NEW, its
    // orders still on it (written here as an operator's units load would).
    std::string units;
    {
      std::ifstream in(absl::StrCat(HOTLINE_SOURCE_DIR, "/data/units.textproto"));
      std::stringstream text;
      text << in.rdbuf();
      units = text.str();
    }
    const std::string entry = absl::StrCat("code: \"", kOld, "\"");
    REQUIRE(units.find(entry) != std::string::npos);
    units.replace(units.find(entry), entry.size(),
                  absl::StrCat(entry, "\n  retired: true\n  merged_into: \"", kNew, "\""));
    const std::string path = stack.dir() + "/retired_units.textproto";
    std::ofstream(path) << units;
    ShellResult load = RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " units load ", path, " --redis=",
                                             stack.redis_address(), " --data_dir=", HOTLINE_SOURCE_DIR,
                                             "/data --user=e2e-admin"));
    INFO(load.output);
    REQUIRE(load.exit_code == 0);
    CHECK(Fields(redis, unsigned_old, {"unit"})["unit"] == kOld);

    ShellResult finished = merge("");
    INFO(finished.output);
    REQUIRE(finished.exit_code == 0);
    CHECK(absl::StrContains(finished.output, "(retired already), 3 open orders moved"));
    CHECK(Fields(redis, unsigned_old, {"unit"})["unit"] == kNew);
    CHECK(Fields(redis, signed_old, {"unit"})["unit"] == kNew);
    WaitSlaUnit(redis, {signed_old, unsigned_old}, kNew);
    for (const std::string& id : {signed_old, unsigned_old}) {
      INFO(id);
      CHECK(Fields(redis, id, kDeadlineFields) == before[id]);
    }
    CheckFsckClean(stack);
  }
}

// Two districts merge, each with streets and open orders: 越秀区 (OLD) into
// 天河区 (NEW). OLD's streets move under NEW with their codes; OLD's own open
// order moves to NEW's queue at its place; an order OLD handed down to its
// street now names NEW as the unit that handed it down; no deadline moves.
// Every open order located in OLD is located in NEW and counted there (the
// record and idx:district, sla's per-district sets, scoring's load and the
// wall screen, which no longer lists OLD, district matters); a closed one
// stays OLD's.
// OLD's November scores, explains and ranks as before (its streets' facts of
// November still count for it: each fact records its district as first
// stored), a December fact of a moved street counts for NEW, and fsck is
// clean. Merging a district into a street is refused, naming NEW, with
// nothing changed.
TEST_CASE("two districts merged with their streets: orders, deadlines, past months, fsck") {
  constexpr char kOldDistrict[] = "440104";  // 越秀区 (kYuexiuToken)
  constexpr char kNewDistrict[] = "440106";  // 天河区 (kHandlerToken)
  constexpr char kOldStreet[] = "440104001";
  constexpr char kOldStreet2[] = "440104002";
  Stack stack(NovemberEnding());
  auto stub = stack.NewClient();
  Redis redis(stack.redis().port());
  const absl::TimeZone city = absl::FixedTimeZone(8 * 3600);

  // November. OLD's own order (signed), one dispatched to OLD's street, one
  // OLD handed down to its other street, and NEW's own (signed).
  const std::string held_old = Dispatched(*stub, kOldDistrict, kOldStreet, kOldDistrict);
  REQUIRE(Act(*stub, kYuexiuToken, held_old, v1::ACTION_SIGN).ok());
  const std::string street_old = Dispatched(*stub, kOldStreet, kOldStreet, kOldDistrict);
  const std::string handed_old = Dispatched(*stub, kOldDistrict, kOldStreet2, kOldDistrict);
  REQUIRE(Act(*stub, kYuexiuToken, handed_old, v1::ACTION_SIGN).ok());
  REQUIRE(Act(*stub, kYuexiuToken, handed_old, v1::ACTION_REQUEST_HAND_DOWN, kOldStreet2).ok());
  REQUIRE(Act(*stub, kDispatcherToken, handed_old, v1::ACTION_APPROVE_HAND_DOWN).ok());
  const std::string of_new = Dispatched(*stub, kNewDistrict);
  REQUIRE(Act(*stub, kHandlerToken, of_new, v1::ACTION_SIGN).ok());
  // A consultation located in OLD, answered on the spot: closed, it stays OLD's.
  v1::CreateWorkOrderRequest consultation = SampleComplaint();
  consultation.set_type(v1::ORDER_TYPE_CONSULTATION);
  consultation.mutable_location()->set_district_code(kOldDistrict);
  consultation.mutable_location()->set_street_code(kOldStreet);
  consultation.mutable_on_spot_answer()->set_knowledge_code("KB.20.03.001");
  const std::string closed_old = FileOrder(*stub, consultation).id();
  WaitSlaUnit(redis, {held_old}, kOldDistrict);
  WaitSlaUnit(redis, {street_old}, kOldStreet);
  WaitSlaUnit(redis, {handed_old}, kOldStreet2);
  REQUIRE(Fields(redis, handed_old, {"handed_down_by"})["handed_down_by"] == kOldDistrict);
  REQUIRE(stack.CityNow() < absl::FromCivil(absl::CivilDay(2026, 12, 1), city));

  while (stack.CityNow() < absl::FromCivil(absl::CivilMinute(2026, 12, 1, 0, 1), city)) {
    absl::SleepFor(absl::Milliseconds(200));
  }
  // November as scoring has it: OLD answers for its streets' facts too.
  const v1::UnitScore old_november = November(*stub, kOldDistrict);
  REQUIRE(old_november.counts().at("dispatched") == 5);  // to OLD (3 orders), to its streets (2)
  REQUIRE(old_november.counts().at("signed_on_time") == 2);
  const v1::UnitScore new_november = November(*stub, kNewDistrict);
  const v1::UnitScore old_explained = ExplainNovember(*stub, kOldDistrict);
  REQUIRE(old_explained.items_total() > 0);
  const std::map<std::string, int> ranks = DistrictRanks(*stub);
  // What is counted per district before: OLD's three open orders in
  // scoring's load, on the screen, in sla's sets and in district matters.
  const std::vector<std::string> located_old = {held_old, street_old, handed_old};
  REQUIRE(Within([&] { return OpenLoad(redis, kOldDistrict) == 3; }));
  const int64_t new_load = OpenLoad(redis, kNewDistrict);
  REQUIRE(Within([&] { return absl::StrContains(ScreenDistrict(stack, kOldDistrict), "\"open\":\"3\""); }));
  const std::set<std::string> sla_old = SlaDistrictMembers(redis, kOldDistrict);
  REQUIRE_FALSE(sla_old.empty());
  for (const std::string& id : sla_old) REQUIRE(std::find(located_old.begin(), located_old.end(), id) != located_old.end());
  const std::set<std::string> sla_new = SlaDistrictMembers(redis, kNewDistrict);
  REQUIRE(DistrictMatters(*stub, kOldDistrict) == 4);  // the three and the consultation
  const int64_t new_matters = DistrictMatters(*stub, kNewDistrict);

  std::map<std::string, std::map<std::string, std::string>> before;
  for (const std::string& id : {held_old, street_old, handed_old}) before[id] = Fields(redis, id, kDeadlineFields);
  CHECK_FALSE(before[held_old]["sla_close_due_ms"].empty());
  const std::string queued_at =
      redis.Command({"ZSCORE", absl::StrCat("hotline:idx:queue:", kOldDistrict, ":", int{v1::ORDER_STATE_SIGNED}),
                     held_old}).str;
  REQUIRE_FALSE(queued_at.empty());
  const std::string units_before = redis.Command({"GET", "hotline:ref:units:version"}).str;

  auto merge = [&](const std::string& old_code, const std::string& new_code) {
    return RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " units merge ", old_code, " ", new_code, " --redis=",
                                 stack.redis_address(), " --data_dir=", HOTLINE_SOURCE_DIR,
                                 "/data --user=e2e-admin 2>&1"));
  };
  // A district into a street: refused, NEW named, nothing written.
  ShellResult refused = merge(kOldDistrict, "440106001");
  INFO(refused.output);
  CHECK(refused.exit_code == 2);
  CHECK(absl::StrContains(refused.output, "NEW: \"440106001\" is a UNIT_KIND_STREET"));
  CHECK(redis.Command({"GET", "hotline:ref:units:version"}).str == units_before);
  CHECK(Fields(redis, held_old, {"unit"})["unit"] == kOldDistrict);

  ShellResult merged = merge(kOldDistrict, kNewDistrict);
  INFO(merged.output);
  REQUIRE(merged.exit_code == 0);
  CHECK(absl::StrContains(merged.output, absl::StrCat("moved unit ", kOldStreet, " under ", kNewDistrict)));
  CHECK(absl::StrContains(merged.output, "440104 merged into 440106: units v"));
  // held_old, handed_old; street_old (held by its street) is located in OLD.
  CHECK(absl::StrContains(merged.output, "3 open orders moved"));
  CHECK(absl::StrContains(merged.output, absl::StrCat("moved ", street_old, " (dispatched): district")));

  // The streets are NEW's now, with their codes.
  const std::string units = GetShow(stack, "units");
  CHECK(absl::StrContains(units, absl::StrCat("code: \"", kOldStreet, "\"")));
  const size_t street_at = units.find(absl::StrCat("code: \"", kOldStreet2, "\""));
  REQUIRE(street_at != std::string::npos);
  CHECK(units.substr(street_at, units.find('}', street_at) - street_at).find("parent_code: \"440106\"") !=
        std::string::npos);

  // Queues: OLD's own order is in NEW's, in its state at its place; the
  // streets' orders stay in their streets' queues.
  CHECK(redis.Command({"ZSCORE", absl::StrCat("hotline:idx:queue:", kNewDistrict, ":", int{v1::ORDER_STATE_SIGNED}),
                       held_old}).str == queued_at);
  for (int state : {v1::ORDER_STATE_DISPATCHED, v1::ORDER_STATE_SIGNED}) {
    CHECK(redis.Command({"ZCARD", absl::StrCat("hotline:idx:queue:", kOldDistrict, ":", state)}).integer == 0);
  }
  CHECK(Fields(redis, street_old, {"unit"})["unit"] == kOldStreet);
  CHECK(Fields(redis, handed_old, {"unit", "handed_down_by"}) ==
        std::map<std::string, std::string>{{"unit", kOldStreet2}, {"handed_down_by", kNewDistrict}});
  const v1::WorkOrder handed = GetOrder(*stub, handed_old);
  CHECK(handed.history(handed.history_size() - 1).action() == "merge_unit");

  // Deadlines unchanged, once sla moved its per-unit lists.
  WaitSlaUnit(redis, {held_old}, kNewDistrict);
  for (const std::string& id : {held_old, street_old, handed_old}) {
    INFO(id);
    CHECK(Fields(redis, id, kDeadlineFields) == before[id]);
  }

  // Every open order located in OLD counts under NEW now: the record and
  // idx:district at once; sla's sets, scoring's load (the screen) and
  // district matters once the services took the merge's events.
  for (const std::string& id : located_old) {
    INFO(id);
    CHECK(Fields(redis, id, {"district"})["district"] == kNewDistrict);
    CHECK(redis.Command({"ZSCORE", absl::StrCat("hotline:idx:district:", kNewDistrict), id}).type ==
          redis::Reply::Type::kString);
    CHECK(redis.Command({"ZSCORE", absl::StrCat("hotline:idx:district:", kOldDistrict), id}).type ==
          redis::Reply::Type::kNil);
  }
  const v1::WorkOrder street_order = GetOrder(*stub, street_old);
  CHECK(street_order.location().district_code() == kNewDistrict);
  CHECK(street_order.location().street_code() == kOldStreet);
  CHECK(absl::StrContains(street_order.history(street_order.history_size() - 1).note(), "located in 440106"));
  CHECK(Fields(redis, closed_old, {"district"})["district"] == kOldDistrict);
  CHECK(redis.Command({"ZSCORE", absl::StrCat("hotline:idx:district:", kOldDistrict), closed_old}).type ==
        redis::Reply::Type::kString);
  CHECK(Within([&] { return SlaDistrictMembers(redis, kOldDistrict).empty(); }));
  std::set<std::string> sla_new_after = sla_new;
  sla_new_after.insert(sla_old.begin(), sla_old.end());
  CHECK(Within([&] { return SlaDistrictMembers(redis, kNewDistrict) == sla_new_after; }));
  CHECK(Within([&] { return OpenLoad(redis, kOldDistrict) == 0 && OpenLoad(redis, kNewDistrict) == new_load + 3; }));
  // The screen: OLD, retired with nothing open, is not listed; NEW has the three.
  CHECK(Within([&] { return ScreenDistrict(stack, kOldDistrict).empty(); }));
  INFO(ScreenDistrict(stack, kNewDistrict));
  CHECK(absl::StrContains(ScreenDistrict(stack, kNewDistrict), absl::StrCat("\"open\":\"", new_load + 3, "\"")));
  CHECK(DistrictMatters(*stub, kOldDistrict) == 1);  // the closed consultation, as it was
  CHECK(DistrictMatters(*stub, kNewDistrict) == new_matters + 3);

  // December facts of a moved street count for NEW, not OLD: the order goes
  // to NEW first (its district now), then to the street.
  const std::string december = Dispatched(*stub, kOldStreet, kOldStreet, kNewDistrict);
  const absl::Time until = absl::Now() + absl::Seconds(15);
  v1::UnitScore new_december;
  do {
    new_december = MonthScore(*stub, kNewDistrict, "2026-12");
    if (new_december.counts().contains("dispatched") && new_december.counts().at("dispatched") >= 2) break;
    absl::SleepFor(absl::Milliseconds(100));
  } while (absl::Now() < until);
  auto dispatched = [](const v1::UnitScore& score) {
    auto it = score.counts().find("dispatched");
    return it == score.counts().end() ? int64_t{0} : int64_t{it->second};
  };
  CHECK(dispatched(new_december) == 2);
  CHECK(dispatched(MonthScore(*stub, kOldStreet, "2026-12")) == 1);
  CHECK_FALSE(MonthScore(*stub, kOldDistrict, "2026-12").counts().contains("dispatched"));
  WaitSlaUnit(redis, {december}, kOldStreet);

  // November scores, explains and ranks as it did, for both.
  CHECK(google::protobuf::util::MessageDifferencer::Equals(November(*stub, kOldDistrict), old_november));
  CHECK(google::protobuf::util::MessageDifferencer::Equals(November(*stub, kNewDistrict), new_november));
  CHECK(ExplainNovember(*stub, kOldDistrict).items_total() == old_explained.items_total());
  CHECK(DistrictRanks(*stub) == ranks);

  CheckFsckClean(stack);
}

}  // namespace
}  // namespace hotline::testing
