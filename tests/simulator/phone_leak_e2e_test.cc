// After a busy simulated run (the city simulator through the gateway, orders
// living their whole lives, plus landline callers, lookups, reveals and
// verification), no full phone number appears in any response, any service's
// log, any metrics page or any Redis value, except sealed in the encrypted
// field. The numbers looked for are every number stored: each order's sealed
// number, opened with the stack's key file. (The big screen's JSON does not
// exist yet; when it does, it belongs in the haystacks below.)
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crypto/phone_vault.h"
#include "e2e/stack.h"
#include "support/temp_dir.h"

namespace hotline::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string DemoToken(const char* prefix) {
  std::smatch m;
  const std::string tokens = ReadFile(std::string(HOTLINE_SOURCE_DIR) + "/config/tokens.textproto");
  REQUIRE(std::regex_search(tokens, m, std::regex(std::string(prefix) + "[0-9a-f]+")));
  return m.str();
}

redis::Reply Run(Stack& stack, redis::Command command) {
  absl::StatusOr<redis::Reply> r = stack.redis_client().Execute(std::move(command));
  REQUIRE(r.ok());
  return *r;
}

// Every string inside a reply, flattened.
void Flatten(const redis::Reply& reply, std::string* out) {
  absl::StrAppend(out, reply.str, " ", reply.integer, "\n");
  for (const redis::Reply& e : reply.elements) Flatten(e, out);
}

}  // namespace

TEST_CASE("after a busy run no full phone number is anywhere but sealed", "[e2e][privacy]") {
  const hotline::testing::TempDir temp("hotline-leak");
  const std::string dir = temp.path(), tokens = dir + "/tokens.textproto";
  const std::string data = std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data";
  REQUIRE(std::system(absl::StrCat(HOTLINE_SIMULATOR_BIN, " ", data, " --tokens=",
                                   HOTLINE_SOURCE_DIR, "/config/tokens.textproto --write_tokens=",
                                   tokens, " 2>/dev/null")
                          .c_str()) == 0);
  Stack stack(Stack::Options{.tokens_file = tokens, .sla_replicas = 1, .scoring_replicas = 1});
  auto stub = stack.NewClient();
  const std::string agent = DemoToken("demo-agent-"), dispatcher = DemoToken("demo-dispatcher-"),
                    handler = DemoToken("demo-tianhe-");
  std::string responses;  // every answer the clients got (but the reveal's number)

  // Landline callers, some confidential, besides the simulator's mobiles.
  const std::vector<std::string> landlines = {"020-83331234", "02087654321", "0755-12345678",
                                              "010-66668888"};
  std::vector<std::string> created;
  for (size_t i = 0; i < landlines.size(); ++i) {
    v1::CreateWorkOrderRequest request = SampleComplaint();
    request.mutable_caller()->set_phone(landlines[i]);
    request.mutable_caller()->set_confidential(i % 2 == 1);
    auto ctx = CallContext(agent);
    v1::CreateWorkOrderResponse response;
    REQUIRE(stub->CreateWorkOrder(ctx.get(), request, &response).ok());
    absl::StrAppend(&responses, response.DebugString());
    created.push_back(response.order().id());
  }
  {
    ServiceProcess sim(HOTLINE_SIMULATOR_BIN,
                       {"--gateway=" + stack.gateway_address(), "--tokens=" + tokens, data,
                        "--minute=20ms", "--sweep=250ms", "--calls_per_minute=600",
                        "--duration=8s"},
                       dir + "/simulator.log");
    const absl::Time until = absl::Now() + absl::Seconds(40);
    while (sim.Running() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(200));
    REQUIRE_FALSE(sim.Running());
  }
  // Reads of every kind, by the centre and by a unit.
  for (const std::string& token : {agent, handler}) {
    v1::ListWorkOrdersRequest list;
    list.set_page_size(200);
    v1::ListWorkOrdersResponse listed;
    auto ctx = CallContext(token);
    REQUIRE(stub->ListWorkOrders(ctx.get(), list, &listed).ok());
    absl::StrAppend(&responses, listed.DebugString());
    for (const v1::WorkOrder& o : listed.orders()) {
      v1::GetWorkOrderRequest get;
      get.set_id(o.id());
      v1::GetWorkOrderResponse got;
      auto g = CallContext(token);
      if (stub->GetWorkOrder(g.get(), get, &got).ok()) absl::StrAppend(&responses, got.DebugString());
    }
  }
  for (const std::string& phone : landlines) {
    v1::FindOrdersByPhoneRequest find;
    find.set_phone(phone);
    v1::FindOrdersByPhoneResponse found;
    auto ctx = CallContext(dispatcher);
    REQUIRE(stub->FindOrdersByPhone(ctx.get(), find, &found).ok());
    CHECK(found.orders_size() >= 1);
    absl::StrAppend(&responses, found.DebugString());
  }
  v1::RevealCallerPhoneRequest reveal;
  reveal.set_order_id(created[0]);
  reveal.set_reason("回访");
  v1::RevealCallerPhoneResponse revealed;
  auto rctx = CallContext(dispatcher);
  REQUIRE(stub->RevealCallerPhone(rctx.get(), reveal, &revealed).ok());
  CHECK(revealed.phone() == "02083331234");  // the one answer that carries it, by design
  v1::VerifyOrderTrailRequest verify;
  verify.set_all(true);
  v1::VerifyOrderTrailResponse verdicts;
  auto vctx = CallContext(DemoToken("demo-supervisor-"));
  const absl::Time verify_start = absl::Now();
  REQUIRE(stub->VerifyOrderTrail(vctx.get(), verify, &verdicts).ok());
  // A figure for the READMEs: the city-wide check's cost per order.
  WARN("verified " << verdicts.orders_checked() << " trails in "
                   << absl::ToDoubleMilliseconds(absl::Now() - verify_start) << " ms");
  CHECK(verdicts.orders_broken() == 0);
  absl::StrAppend(&responses, verdicts.DebugString());

  // The numbers stored: every order's sealed number, opened.
  absl::StatusOr<crypto::PhoneVault> vault = crypto::PhoneVault::LoadKeyFile(stack.phone_keys_file());
  REQUIRE(vault.ok());
  std::set<std::string> numbers;
  std::map<std::string, std::string> haystacks;  // where -> what
  std::string cursor = "0";
  int keys = 0;
  do {
    redis::Reply page = Run(stack, {"SCAN", cursor, "COUNT", "1000"});
    cursor = page.elements[0].str;
    for (const redis::Reply& key : page.elements[1].elements) {
      ++keys;
      const std::string type = Run(stack, {"TYPE", key.str}).str;
      std::string values;
      if (type == "hash") {
        redis::Reply all = Run(stack, {"HGETALL", key.str});
        for (size_t i = 0; i + 1 < all.elements.size(); i += 2) {
          if (all.elements[i].str == "caller_phone_enc") {
            // The record's key is hotline:order:{ID}: the id the number is sealed for.
            const size_t open = key.str.find('{'), close = key.str.find('}');
            REQUIRE(open != std::string::npos);
            REQUIRE(close != std::string::npos);
            absl::StatusOr<std::string> number =
                vault->Open(all.elements[i + 1].str, key.str.substr(open + 1, close - open - 1));
            REQUIRE(number.ok());
            numbers.insert(*number);
            continue;  // the encrypted field: the one place the number may be
          }
          absl::StrAppend(&values, all.elements[i].str, "=", all.elements[i + 1].str, "\n");
        }
      } else {
        redis::Command read;
        if (type == "string") read = {"GET", key.str};
        if (type == "list") read = {"LRANGE", key.str, "0", "-1"};
        if (type == "set") read = {"SMEMBERS", key.str};
        if (type == "zset") read = {"ZRANGE", key.str, "0", "-1", "WITHSCORES"};
        if (type == "stream") read = {"XRANGE", key.str, "-", "+"};
        REQUIRE_FALSE(read.empty());
        Flatten(Run(stack, read), &values);
        // The serialized form too (hashes are left out: theirs holds the sealed field).
        absl::StrAppend(&values, Run(stack, {"DUMP", key.str}).str);
      }
      haystacks["redis " + key.str] = key.str + "\n" + values;
    }
  } while (cursor != "0");
  INFO("keys scanned: " << keys << ", numbers stored: " << numbers.size());
  CHECK(numbers.size() >= 30);  // the simulator's callers and the landlines
  for (const char* landline : {"02083331234", "02087654321", "075512345678", "01066668888"}) {
    CHECK(numbers.count(landline) == 1);
  }

  haystacks["responses"] = responses;
  const std::pair<const char*, int> metrics[] = {
      {"gateway", stack.gateway_metrics_port()}, {"intake", stack.intake_metrics_port()},
      {"dispatch", stack.dispatch_metrics_port()}, {"sla", stack.sla_metrics_port()},
      {"knowledge", stack.knowledge_metrics_port()}, {"scoring", stack.scoring_metrics_port()}};
  // The big screen's JSON, what the wall shows of the busy run.
  haystacks["screen /api/screen"] = HttpGet(stack.screen_port(), "/api/screen");
  CHECK(absl::StrContains(haystacks["screen /api/screen"], "top_matters_today"));
  for (const auto& [name, port] : metrics) {
    haystacks[absl::StrCat("metrics ", name)] = HttpGet(port, "/metrics");
    CHECK_FALSE(haystacks[absl::StrCat("metrics ", name)].empty());
  }
  for (const std::string& d : {stack.dir(), dir}) {
    for (const auto& file : std::filesystem::directory_iterator(d)) {
      if (file.path().extension() == ".log") {
        haystacks["log " + file.path().string()] = ReadFile(file.path().string());
      }
    }
  }
  CHECK(haystacks.count("log " + stack.dir() + "/intake.log") == 1);

  int leaks = 0;
  for (const std::string& number : numbers) {
    // As stored, and as callers typed the landlines (020-8333...).
    std::vector<std::string> forms = {number};
    if (number[0] == '0') {
      const size_t area = number[1] == '1' || number[1] == '2' ? 3 : 4;
      forms.push_back(number.substr(0, area) + "-" + number.substr(area));
    }
    for (const auto& [where, text] : haystacks) {
      for (const std::string& form : forms) {
        if (absl::StrContains(text, form)) {
          ++leaks;
          UNSCOPED_INFO("full number " << form << " found in " << where);
        }
      }
    }
  }
  CHECK(leaks == 0);
}

}  // namespace hotline::testing
