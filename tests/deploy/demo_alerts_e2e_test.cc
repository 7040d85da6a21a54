// The demo as an operator watches it (issue 24): the real services on the
// demo's city clock (x60, from 2026-09-14 08:30 as tools/run.sh starts it),
// the simulator's traffic through the gateway, and a real Prometheus (Debian's
// `prometheus`) scraping every service's /metrics and evaluating
// deploy/prometheus/alerts.yml exactly as deploy/ ships it (the file itself,
// not a copy). Scrapes and rule evaluations every 2 s instead of 15 s, so
// two minutes of wall time hold ~60 evaluations of every rule.
//
// A healthy run must raise nothing: after two minutes no alert is pending or
// firing (nor was any at any poll on the way), every rule loaded with no
// evaluation error, and every target is up. A rule that misreads the demo's
// clock (the SLA fire lag once measured in city seconds read 6 s for a 100 ms
// pass) goes pending within seconds and fails this test.
#include <catch2/catch.hpp>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "e2e/stack.h"
#include "support/temp_dir.h"

namespace hotline::testing {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// A port nothing listens on now (Prometheus cannot be told to pick its own
// and report it). Another process may take it before Prometheus binds it:
// StartPrometheus() then tries another.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += absl::StrCat("%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

// GET a Prometheus HTTP API path; its "data" once it answered "success".
Value ApiData(int port, const std::string& path) {
  const std::string body = HttpGet(port, path);
  INFO("GET " << path << " answered: " << body.substr(0, 4000));
  Struct reply;
  REQUIRE(google::protobuf::util::JsonStringToMessage(body, &reply).ok());
  REQUIRE(reply.fields().count("status") == 1);
  REQUIRE(reply.fields().at("status").string_value() == "success");
  REQUIRE(reply.fields().count("data") == 1);
  return reply.fields().at("data");
}

const Value& Field(const Value& v, const std::string& name) {
  static const Value kNull;
  if (v.kind_case() != Value::kStructValue) return kNull;
  auto it = v.struct_value().fields().find(name);
  return it == v.struct_value().fields().end() ? kNull : it->second;
}

std::string Labels(const Value& labels) {
  std::map<std::string, std::string> sorted;
  if (labels.kind_case() == Value::kStructValue) {
    for (const auto& [k, v] : labels.struct_value().fields()) sorted[k] = v.string_value();
  }
  return absl::StrJoin(sorted, ",", absl::PairFormatter("="));
}

// One instant query's first sample value, or -1 when the result is empty.
double QueryScalar(int port, const std::string& promql) {
  const Value data = ApiData(port, "/api/v1/query?query=" + UrlEncode(promql));
  const Value& result = Field(data, "result");
  if (result.list_value().values_size() == 0) return -1;
  const Value& value = Field(result.list_value().values(0), "value");
  return std::atof(value.list_value().values(1).string_value().c_str());
}

// Every pending or firing alert: "state labels" -> its value.
std::map<std::string, std::string> ActiveAlerts(int port) {
  std::map<std::string, std::string> out;
  const Value data = ApiData(port, "/api/v1/alerts");
  for (const Value& alert : Field(data, "alerts").list_value().values()) {
    const std::string state = Field(alert, "state").string_value();
    if (state != "pending" && state != "firing") continue;
    out[absl::StrCat(state, " ", Labels(Field(alert, "labels")))] = Field(alert, "value").string_value();
  }
  return out;
}

// The alert and recording rule names of the shipped rule file.
std::multiset<std::string> RuleNamesInFile(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::multiset<std::string> names;
  static const std::regex kRule(R"(^\s*-\s*(alert|record):\s*(\S+)\s*$)");
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, m, kRule)) names.insert(m[2]);
  }
  return names;
}

struct Target {
  std::string job;
  int port;
};

TEST_CASE("a healthy demo run raises no alert under the shipped rules, scraped by a real Prometheus",
          "[e2e][deploy]") {
  const std::string prometheus_bin = HOTLINE_PROMETHEUS_BIN;
  if (prometheus_bin.empty() || ::access(prometheus_bin.c_str(), X_OK) != 0) {
    FAIL("prometheus not found: apt-get install prometheus (tools/install-deps.sh does)");
  }
  const std::string rules_file = std::string(HOTLINE_SOURCE_DIR) + "/deploy/prometheus/alerts.yml";
  const std::multiset<std::string> shipped_rules = RuleNamesInFile(rules_file);
  REQUIRE(shipped_rules.size() >= 10);

  const TempDir temp("hotline-alerts");
  const std::string dir = temp.path(), tokens = dir + "/tokens.textproto";
  const std::string data = std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data";
  // The demo tokens plus a handler for every unit, as tools/run.sh makes them.
  REQUIRE(std::system(absl::StrCat(HOTLINE_SIMULATOR_BIN, " ", data, " --tokens=", HOTLINE_SOURCE_DIR,
                                   "/config/tokens.textproto --write_tokens=", tokens, " 2>/dev/null")
                          .c_str()) == 0);

  // The demo's shape (tools/run.sh): two SLA monitors, scoring with 10 s
  // gauges, the x60 city clock from its start date, demo tokens.
  Stack stack(Stack::Options{.tokens_file = tokens,
                             .sla_replicas = 2,
                             .sla_args = {"--pass_interval=100ms"},  // the service's default
                             .clock_start = "2026-09-14T08:30:00+08:00",
                             .clock_rate = "60",
                             .scoring_replicas = 1,
                             .scoring_gauge_interval = "10s"});
  const std::vector<Target> targets = {
      {"gateway", stack.gateway_metrics_port()},     {"intake", stack.intake_metrics_port()},
      {"dispatch", stack.dispatch_metrics_port(0)},  {"sla", stack.sla_metrics_port(0)},
      {"sla", stack.sla_metrics_port(1)},            {"knowledge", stack.knowledge_metrics_port(0)},
      {"scoring", stack.scoring_metrics_port(0)},
  };

  // Prometheus: the shipped rule file, every service's metrics port, itself.
  std::unique_ptr<ServiceProcess> prometheus;
  int prom_port = 0;
  for (int attempt = 0; attempt < 3 && !prometheus; ++attempt) {
    prom_port = FreePort();
    std::ostringstream config;
    config << "# Written by demo_alerts_e2e_test: deploy/prometheus/prometheus.yml with\n"
           << "# loopback targets and 2 s intervals.\n"
           << "global:\n  scrape_interval: 2s\n  scrape_timeout: 2s\n  evaluation_interval: 2s\n"
           << "rule_files:\n  - " << rules_file << "\n"
           << "scrape_configs:\n";
    std::map<std::string, std::vector<int>> by_job;
    for (const Target& t : targets) by_job[t.job].push_back(t.port);
    by_job["prometheus"].push_back(prom_port);
    for (const auto& [job, ports] : by_job) {
      config << "  - job_name: " << job << "\n    static_configs:\n      - targets: [";
      for (size_t i = 0; i < ports.size(); ++i) config << (i ? ", " : "") << "\"127.0.0.1:" << ports[i] << "\"";
      config << "]\n";
    }
    const std::string config_file = absl::StrCat(dir, "/prometheus-", attempt, ".yml");
    std::ofstream(config_file) << config.str();
    auto process = std::make_unique<ServiceProcess>(
        prometheus_bin,
        std::vector<std::string>{"--config.file=" + config_file,
                                 absl::StrCat("--storage.tsdb.path=", dir, "/tsdb-", attempt),
                                 absl::StrCat("--web.listen-address=127.0.0.1:", prom_port),
                                 "--log.level=info"},
        absl::StrCat(dir, "/prometheus-", attempt, ".log"));
    const absl::Time until = absl::Now() + absl::Seconds(30);
    while (process->Running() && absl::Now() < until &&
           !absl::StrContains(HttpGet(prom_port, "/-/ready"), "Ready")) {
      absl::SleepFor(absl::Milliseconds(100));
    }
    INFO(process->Log());
    if (absl::StrContains(HttpGet(prom_port, "/-/ready"), "Ready")) {
      prometheus = std::move(process);
    } else {
      REQUIRE(absl::StrContains(process->Log(), "address already in use"));  // else: a real failure
    }
  }
  REQUIRE(prometheus);

  // Every rule of the shipped file loaded, and only those.
  {
    const Value rules = ApiData(prom_port, "/api/v1/rules");
    std::multiset<std::string> loaded;
    for (const Value& group : Field(rules, "groups").list_value().values()) {
      for (const Value& rule : Field(group, "rules").list_value().values()) {
        loaded.insert(Field(rule, "name").string_value());
      }
    }
    CHECK(loaded == shipped_rules);
    std::cout << "demo_alerts: " << loaded.size() << " rules loaded from " << rules_file << "\n";
  }

  // The demo's traffic: 300 calls a minute (ten times tools/run.sh's
  // default), a simulated minute of 2 city minutes (2 s of wall time at x60),
  // a quarter of the units slow, as tools/run.sh runs it.
  std::vector<std::string> sim_args = {"--gateway=" + stack.gateway_address(), "--tokens=" + tokens, data,
                                       "--calls_per_minute=300", "--minute=2m", "--slow_percent=25"};
  sim_args.insert(sim_args.end(), stack.clock_args().begin(), stack.clock_args().end());
  ServiceProcess sim(HOTLINE_SIMULATOR_BIN, sim_args, dir + "/simulator.log");

  // Two minutes of a healthy run, looked at every 2 s as an operator's
  // /alerts page would be.
  const absl::Time start = absl::Now(), end = start + absl::Minutes(2);
  std::map<std::string, std::string> seen;  // alert -> when first seen after start, and its value
  while (absl::Now() < end) {
    absl::SleepFor(absl::Seconds(2));
    for (const auto& [alert, value] : ActiveAlerts(prom_port)) {
      seen.emplace(alert, absl::StrCat("+", absl::FormatDuration(absl::Trunc(absl::Now() - start, absl::Seconds(1))),
                                       " value ", value));
    }
    REQUIRE(sim.Running());
  }

  // Every target up (the last scrape of each succeeded).
  {
    const Value data_targets = ApiData(prom_port, "/api/v1/targets?state=active");
    int up = 0, total = 0;
    for (const Value& t : Field(data_targets, "activeTargets").list_value().values()) {
      ++total;
      const std::string health = Field(t, "health").string_value();
      INFO(Labels(Field(t, "labels")) << " health " << health << " " << Field(t, "lastError").string_value());
      CHECK(health == "up");
      if (health == "up") ++up;
    }
    CHECK(total == static_cast<int>(targets.size()) + 1);  // the services and Prometheus itself
    std::cout << "demo_alerts: " << up << "/" << total << " targets up\n";
  }
  // Every rule evaluated without error.
  {
    const Value rules = ApiData(prom_port, "/api/v1/rules");
    for (const Value& group : Field(rules, "groups").list_value().values()) {
      for (const Value& rule : Field(group, "rules").list_value().values()) {
        INFO(Field(rule, "name").string_value() << ": " << Field(rule, "lastError").string_value());
        CHECK(Field(rule, "health").string_value() == "ok");
      }
    }
  }

  // The run was a real one: orders came in and SLA marks fired, so the
  // fire-lag rule judged real observations (not an empty histogram).
  const long long orders = stack.OrderCount();
  const double marks = QueryScalar(prom_port, "sum(hotline_sla_fire_lag_seconds_count)");
  const double created = QueryScalar(prom_port, "sum(hotline_intake_orders_created_total)");
  const double lag_p99 = QueryScalar(
      prom_port, "histogram_quantile(0.99, sum by (le) (rate(hotline_sla_fire_lag_seconds_bucket[5m])))");
  const double lag_max_bucket = QueryScalar(
      prom_port, "histogram_quantile(1, sum by (le) (rate(hotline_sla_fire_lag_seconds_bucket[5m])))");
  std::cout << "demo_alerts: " << orders << " orders in Redis, " << created << " created (scraped), " << marks
            << " SLA marks fired; fire lag p99 " << lag_p99 << " s, p100 " << lag_max_bucket
            << " s (wall seconds, x60 city clock)\n";
  CHECK(orders >= 150);  // 300 a minute for two minutes, on a loaded machine
  CHECK(marks >= 1);

  // No alert pending or firing now, nor at any poll on the way.
  const std::map<std::string, std::string> now_active = ActiveAlerts(prom_port);
  for (const auto& [alert, value] : now_active) {
    std::cout << "demo_alerts: active at the end: " << alert << " value " << value << "\n";
  }
  for (const auto& [alert, when] : seen) std::cout << "demo_alerts: first seen " << when << ": " << alert << "\n";
  const std::string prometheus_log = prometheus->Log();
  INFO("Prometheus log (end):\n" << prometheus_log.substr(prometheus_log.size() > 4000 ? prometheus_log.size() - 4000 : 0));
  CHECK(now_active.empty());
  CHECK(seen.empty());

  sim.Terminate();
  prometheus->Terminate();
}

}  // namespace
}  // namespace hotline::testing
