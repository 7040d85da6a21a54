#include "e2e/stack.h"

#include <grpcpp/grpcpp.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include <csignal>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "archive/archive_store.h"
#include "crypto/phone_vault.h"
#include "auth/jwt.h"
#include "auth/token_registry.h"
#include "server/identity.h"

namespace hotline::testing {
namespace {
std::vector<std::string> Plus(std::vector<std::string> a, std::vector<std::string> b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
}  // namespace

std::string Stack::redis_address() const { return redis_ha_ ? redis_ha_->url() : redis_->address(); }

std::vector<std::string> Stack::RedisArgs() const {
  std::vector<std::string> args = {"--redis=" + redis_address()};
  if (options_.redis_wait_replicas > 0) {
    args.push_back(absl::StrCat("--redis_wait_replicas=", options_.redis_wait_replicas));
    args.push_back("--redis_wait_timeout=" + options_.redis_wait_timeout);
  }
  return args;
}

Stack::Stack(Options options) {
  char tmpl[] = "/tmp/hotline-e2e-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  if (options.postgres) {
    postgres_ = std::make_unique<PostgresServer>();
    // As in a deployment: the owner migrates, the services connect as hotline.
    archive::PgConnection owner(postgres_->conninfo(PostgresServer::kOwner));
    if (absl::Status s = archive::MigrateSchema(owner, {PostgresServer::kServices}); !s.ok())
      throw std::runtime_error("archive migrate: " + s.ToString());
  }
  options_ = options;
  if (options.redis_ha) {
    // down-after 2 s: short enough for a test, long enough that a primary
    // slowed by a loaded CI machine is not failed over on its own.
    redis_ha_ = std::make_unique<RedisHa>(RedisHa::Options{.appendfsync = options.appendfsync, .down_after_ms = 2000});
  } else {
    redis_ = std::make_unique<RedisServer>(RedisServer::Options{.appendfsync = options.appendfsync});
  }
  std::filesystem::create_directories(identity_secrets_dir());
  for (const char* backend : {"intake", "dispatch", "sla", "knowledge", "scoring"}) {
    std::ofstream(identity_secret_file(backend)) << IdentitySecret(backend) << "\n";
  }
  std::ofstream(jwt_keys_file()) << "keys { id: \"" << kJwtKeyId << "\" secret: \"" << kJwtSecret
                                 << "\" }\n";

  // Fresh phone keys for intake (libs/crypto/phone_vault.h).
  std::ofstream(phone_keys_file()) << crypto::PhoneVault::GenerateKeyFile("test1");

  // Every service picks free ports itself (port 0) and names them in its log,
  // so no other test can take a port between choosing and binding it.
  const std::vector<std::string> any_ports = {"--host=127.0.0.1", "--grpc_port=0",
                                              "--metrics_port=0"};
  // One city clock for all: the same start, anchor and rate.
  clock_anchor_ = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  clock_start_ = clock_anchor_;
  if (!options.clock_start.empty()) {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, options.clock_start, &clock_start_, &error) ||
        !absl::SimpleAtod(options.clock_rate, &clock_rate_)) {
      throw std::runtime_error("bad clock_start or clock_rate: " + error);
    }
    clock_args_ = {"--clock_start=" + options.clock_start,
                   absl::StrCat("--clock_anchor=", absl::ToUnixSeconds(clock_anchor_)),
                   "--clock_rate=" + options.clock_rate};
  }
  auto with = [&](const char* binary, std::vector<std::string> args) {
    args.insert(args.begin(), any_ports.begin(), any_ports.end());
    args.insert(args.begin(), IdentityArg(binary));
    return args;
  };
  // The services that read the city clock.
  auto with_clock = [&](const char* binary, std::vector<std::string> args) {
    args.insert(args.end(), clock_args_.begin(), clock_args_.end());
    return with(binary, std::move(args));
  };
  for (int i = 0; i < options.dispatch_replicas; ++i) {
    dispatch_args_.push_back({std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data",
                              absl::StrCat("--consumer_name=dispatch-", i),
                              "--reclaim_idle=" + options.reclaim_idle,
                              absl::StrCat("--max_deliveries=", options.max_deliveries),
                              options.auto_dispatch ? "--auto_dispatch=true" : "--auto_dispatch=false"});
    for (std::string& a : RedisArgs()) dispatch_args_.back().push_back(std::move(a));
    dispatch_.push_back(std::make_unique<ServiceProcess>(
        HOTLINE_DISPATCH_BIN, with_clock(HOTLINE_DISPATCH_BIN, dispatch_args_.back()), absl::StrCat(dir_, "/dispatch-", i, ".log")));
  }
  sla_.resize(options.sla_replicas);
  sla_ports_.resize(options.sla_replicas);
  sla_metrics_.resize(options.sla_replicas);
  for (int i = 0; i < options.sla_replicas; ++i) StartSla(i);
  for (int i = 0; i < options.knowledge_replicas; ++i) {
    knowledge_.push_back(std::make_unique<ServiceProcess>(
        HOTLINE_KNOWLEDGE_BIN, with(HOTLINE_KNOWLEDGE_BIN, KnowledgeArgs()), absl::StrCat(dir_, "/knowledge-", i, ".log")));
  }
  for (int i = 0; i < options.scoring_replicas; ++i) {
    scoring_.push_back(std::make_unique<ServiceProcess>(
        HOTLINE_SCORING_BIN, with_clock(HOTLINE_SCORING_BIN, ScoringArgs(i)), absl::StrCat(dir_, "/scoring-", i, ".log")));
  }
  for (auto& replica : scoring_) {
    ServiceProcess::Ports ports = replica->WaitForServingPorts(absl::Seconds(20));
    scoring_ports_.push_back(ports.grpc);
    scoring_metrics_.push_back(ports.metrics);
  }
  intake_ = std::make_unique<ServiceProcess>(
      HOTLINE_INTAKE_BIN, with_clock(HOTLINE_INTAKE_BIN, IntakeArgs()), dir_ + "/intake.log");
  for (auto& replica : dispatch_) {
    ServiceProcess::Ports ports = replica->WaitForServingPorts(absl::Seconds(20));
    dispatch_ports_.push_back(ports.grpc);
    dispatch_metrics_.push_back(ports.metrics);
  }
  for (auto& replica : knowledge_) {
    ServiceProcess::Ports ports = replica->WaitForServingPorts(absl::Seconds(20));
    knowledge_ports_.push_back(ports.grpc);
    knowledge_metrics_.push_back(ports.metrics);
  }
  ServiceProcess::Ports intake = intake_->WaitForServingPorts(absl::Seconds(20));
  intake_port_ = intake.grpc;
  intake_metrics_ = intake.metrics;
  gateway_ = std::make_unique<ServiceProcess>(HOTLINE_GATEWAY_BIN, with(HOTLINE_GATEWAY_BIN, GatewayArgs()),
                                              dir_ + "/gateway.log");
  ServiceProcess::Ports gateway = gateway_->WaitForServingPorts(absl::Seconds(20));
  gateway_port_ = gateway.grpc;
  gateway_metrics_ = gateway.metrics;
  {
    static const std::regex kScreen(R"re("msg":"screen serving","screen_port":"([0-9]+)")re");
    const absl::Time until = absl::Now() + absl::Seconds(20);
    std::smatch m;
    std::string log;
    while (!std::regex_search(log = gateway_->Log(), m, kScreen)) {
      if (absl::Now() > until) throw std::runtime_error("the gateway's screen did not start:\n" + log);
      absl::SleepFor(absl::Milliseconds(20));
    }
    screen_port_ = std::stoi(m[1]);
  }
  if (!WaitForServing(intake_address(), absl::Seconds(20))) {
    throw std::runtime_error("intake did not become SERVING:\n" + intake_->Log());
  }
  for (int i = 0; i < options.dispatch_replicas; ++i) {
    if (!WaitForServing(dispatch_address(i), absl::Seconds(20))) {
      throw std::runtime_error("dispatch did not become SERVING:\n" + dispatch_[i]->Log());
    }
  }
  if (!WaitForServing(gateway_address(), absl::Seconds(20))) {
    throw std::runtime_error("gateway did not become SERVING:\n" + gateway_->Log());
  }
  // Knowledge serves at once but answers searches once its index is built;
  // orders may cite the seed once it is stored.
  for (auto& replica : knowledge_) {
    const absl::Time until = absl::Now() + absl::Seconds(30);
    while (!(absl::StrContains(replica->Log(), "seed loaded") &&
             absl::StrContains(replica->Log(), "search index built"))) {
      if (absl::Now() > until) {
        throw std::runtime_error("knowledge did not load its seed:\n" + replica->Log());
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  redis::Options inspect{.connections = 2};
  if (redis_ha_ != nullptr) {
    absl::StatusOr<redis::Target> target = redis::ParseTarget(redis_ha_->url());
    inspect.sentinels = target->sentinels;
    inspect.master_name = target->master_name;
  } else {
    inspect.port = redis_->port();
  }
  redis_client_ = std::make_unique<redis::Client>(inspect);
  IssueTestTokens();
}

namespace {
absl::Mutex issued_mu;
absl::flat_hash_map<std::string, std::string>& Issued() {
  static auto* issued = new absl::flat_hash_map<std::string, std::string>;
  return *issued;
}
}  // namespace

std::string TokenFor(const std::string& identity) {
  absl::MutexLock lock(&issued_mu);
  auto it = Issued().find(identity);
  return it == Issued().end() ? identity : it->second;
}

void Stack::IssueTestTokens() {
  absl::StatusOr<auth::JwtKeys> keys = auth::JwtKeys::Load(jwt_keys_file());
  if (!keys.ok()) throw std::runtime_error(keys.status().ToString());
  auth::TokenRegistry registry(*redis_client_);
  struct Identity {
    const char* name;
    const char* user;
    const char* display;
    v1::Role role;
    const char* unit;
  };
  const Identity identities[] = {
      {kAgentToken, "agent-t1", "测试坐席", v1::ROLE_AGENT, "GZ12345"},
      {kHandlerToken, "handler-t1", "天河区处理人", v1::ROLE_UNIT_HANDLER, "440106"},
      {kDispatcherToken, "dispatcher-t1", "派单员", v1::ROLE_DISPATCHER, "GZ12345"},
      {kSupervisorToken, "supervisor-t1", "督办员", v1::ROLE_SUPERVISOR, "GZ12345"},
      {kStreetToken, "street-t1", "五山街道处理人", v1::ROLE_UNIT_HANDLER, "440106001"},
      {kEcologyToken, "ecology-t1", "生态环境局处理人", v1::ROLE_UNIT_HANDLER, "GZD002"},
      {kHousingToken, "housing-t1", "住建局处理人", v1::ROLE_UNIT_HANDLER, "GZD003"},
      {kKnowledgeEditorToken, "kbeditor-t1", "知识库管理员", v1::ROLE_KNOWLEDGE_EDITOR, "GZ12345"},
      {kHrToken, "hr-t1", "人社局处理人", v1::ROLE_UNIT_HANDLER, "GZD006"},
      {kYuexiuToken, "yuexiu-t1", "越秀区处理人", v1::ROLE_UNIT_HANDLER, "440104"},
      {kAuditorToken, "auditor-t1", "审计员", v1::ROLE_AUDITOR, "GZ12345"},
      {kAdminToken, "admin-t1", "管理员", v1::ROLE_ADMIN, "GZ12345"},
  };
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  for (const Identity& id : identities) {
    auth::TokenClaims claims{.jti = auth::NewTokenId(),
                             .user_id = id.user,
                             .display_name = id.display,
                             .role = id.role,
                             .unit_code = id.unit,
                             .issued_at = now,
                             .expires_at = now + absl::Hours(2)};
    absl::StatusOr<std::string> token = auth::SignToken(*keys, auth::Audience{}, claims);
    if (!token.ok()) throw std::runtime_error(token.status().ToString());
    if (absl::Status s = registry.Record(claims, auth::TokenHash(*token)); !s.ok()) {
      throw std::runtime_error(s.ToString());
    }
    absl::MutexLock lock(&issued_mu);
    Issued()[id.name] = *token;
  }
}

std::vector<std::string> Stack::AuthArgs() const {
  return Plus({"--jwt_keys=" + jwt_keys_file()}, RedisArgs());
}

std::vector<std::string> Stack::GatewayArgs() const {
  std::vector<std::string> args = {"--intake=" + intake_address(),
                                   "--dispatch=" + dispatch_address(),
                                   "--sla=" + sla_address(),
                                   "--knowledge=" + knowledge_address(),
                                   "--scoring=" + scoring_address(),
                                   "--screen_port=0",
                                   absl::StrCat("--rate_limit=", options_.rate_limit),
                                   absl::StrCat("--rate_burst=", options_.rate_burst),
                                   absl::StrCat("--max_in_flight=", options_.max_in_flight),
                                   "--revocation_poll=200ms"};
  for (std::string& a : AuthArgs()) args.push_back(std::move(a));
  if (!options_.tokens_file.empty()) args.push_back("--demo_tokens=" + options_.tokens_file);
  args.insert(args.end(), options_.gateway_args.begin(), options_.gateway_args.end());
  return args;
}

std::unique_ptr<ServiceProcess> Stack::StartGateway(std::vector<std::string> extra,
                                                    const std::string& log_name,
                                                    int* grpc_port) const {
  std::vector<std::string> args = {"--host=127.0.0.1", "--grpc_port=0", "--metrics_port=0",
                                   IdentityArg(HOTLINE_GATEWAY_BIN)};
  for (std::string& a : GatewayArgs()) args.push_back(std::move(a));
  args.insert(args.end(), extra.begin(), extra.end());
  auto gateway = std::make_unique<ServiceProcess>(HOTLINE_GATEWAY_BIN, args, dir_ + "/" + log_name);
  *grpc_port = gateway->WaitForServingPorts(absl::Seconds(20)).grpc;
  return gateway;
}

Stack::~Stack() {
  redis_client_.reset();
  gateway_.reset();
  scoring_.clear();
  sla_.clear();
  dispatch_.clear();
  knowledge_.clear();
  intake_.reset();
  redis_.reset();
  redis_ha_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string Stack::gateway_address() const { return absl::StrCat("127.0.0.1:", gateway_port_); }
std::string Stack::dispatch_address(int replica) const {
  // With no replica running, a port nothing listens on: calls answer UNAVAILABLE.
  return absl::StrCat("127.0.0.1:", dispatch_ports_.empty() ? 1 : dispatch_ports_[replica]);
}
std::string Stack::sla_address(int replica) const {
  return absl::StrCat("127.0.0.1:", sla_ports_.empty() ? 1 : sla_ports_[replica]);
}

void Stack::StartSla(int i) {
  // A restart keeps its ports: the gateway forwards to the first replica.
  std::vector<std::string> args = {                                 std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data",
                                   absl::StrCat("--consumer_name=sla-", i), "--reclaim_idle=2s",
                                   "--pass_interval=20ms"};
  for (std::string& a : RedisArgs()) args.push_back(std::move(a));
  if (postgres_) args.push_back("--postgres=" + postgres_->conninfo());  // the SLA view of archived orders
  args.insert(args.end(), clock_args_.begin(), clock_args_.end());
  args.insert(args.end(), options_.sla_args.begin(), options_.sla_args.end());
  // A log of its own per start: a restart must not read the "serving" line
  // (and ports) the killed process left in the old one.
  sla_[i].reset();
  sla_[i] = Relaunch(HOTLINE_SLA_BIN, std::move(args), sla_ports_[i], sla_metrics_[i], absl::StrCat("sla-", i));
  if (sla_ports_[i] == 0) {  // the first start: the ports it picked
    ServiceProcess::Ports ports = sla_[i]->WaitForServingPorts(absl::Seconds(1));
    sla_ports_[i] = ports.grpc;
    sla_metrics_[i] = ports.metrics;
  }
}

void Stack::RestartSla(int i, std::vector<std::string> sla_args) {
  sla_[i]->Terminate();
  options_.sla_args = std::move(sla_args);
  StartSla(i);
}


void Stack::SetCityClock(const std::string& start) {
  std::string error;
  absl::Time parsed;
  if (!absl::ParseTime(absl::RFC3339_full, start, &parsed, &error)) {
    throw std::runtime_error("bad city clock start: " + error);
  }
  clock_anchor_ = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  clock_start_ = parsed;
  clock_args_ = {"--clock_start=" + start, absl::StrCat("--clock_anchor=", absl::ToUnixSeconds(clock_anchor_)),
                 absl::StrCat("--clock_rate=", clock_rate_)};
  for (size_t i = 0; i < dispatch_.size(); ++i) {
    dispatch_[i]->Terminate();
    StartDispatch(static_cast<int>(i));
  }
  for (size_t i = 0; i < sla_.size(); ++i) {
    sla_[i]->Terminate();
    StartSla(static_cast<int>(i));
  }
  RestartIntake();
}

absl::Time Stack::CityNow() const { return clock_start_ + (absl::Now() - clock_anchor_) * clock_rate_; }

std::string Stack::knowledge_address(int replica) const {
  return absl::StrCat("127.0.0.1:", knowledge_ports_.empty() ? 1 : knowledge_ports_[replica]);
}
std::string Stack::scoring_address(int replica) const {
  return absl::StrCat("127.0.0.1:", scoring_ports_.empty() ? 1 : scoring_ports_[replica]);
}
std::string Stack::intake_address() const { return absl::StrCat("127.0.0.1:", intake_port_); }

std::vector<std::string> Stack::IntakeArgs() const {
  std::vector<std::string> args = Plus(
      {std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data", "--phone_keys=" + phone_keys_file()}, RedisArgs());
  if (postgres_) args.push_back("--postgres=" + postgres_->conninfo());
  return args;
}

void Stack::RestartIntake(absl::Duration down_for) {
  Kill(Process::kIntake);
  absl::SleepFor(down_for);
  StartIntake();
}

// ---- Supervision (issue 20) ----

std::string Stack::ProcessName(Process process, int replica) {
  switch (process) {
    case Process::kRedis: return "redis";
    case Process::kGateway: return "gateway";
    case Process::kIntake: return "intake";
    case Process::kDispatch: return absl::StrCat("dispatch-", replica);
    case Process::kSla: return absl::StrCat("sla-", replica);
    case Process::kKnowledge: return absl::StrCat("knowledge-", replica);
    case Process::kScoring: return absl::StrCat("scoring-", replica);
  }
  return "?";
}

int Stack::Replicas(Process process) const {
  switch (process) {
    case Process::kDispatch: return static_cast<int>(dispatch_.size());
    case Process::kSla: return static_cast<int>(sla_.size());
    case Process::kKnowledge: return static_cast<int>(knowledge_.size());
    case Process::kScoring: return static_cast<int>(scoring_.size());
    default: return 1;
  }
}

std::string Stack::AddressOf(Process process, int replica) const {
  switch (process) {
    case Process::kRedis: return "";
    case Process::kGateway: return gateway_address();
    case Process::kIntake: return intake_address();
    case Process::kDispatch: return dispatch_address(replica);
    case Process::kSla: return sla_address(replica);
    case Process::kKnowledge: return knowledge_address(replica);
    case Process::kScoring: return scoring_address(replica);
  }
  return "";
}

void Stack::Kill(Process process, int replica) {
  if (process == Process::kRedis) {
    redis_->Kill();
    return;
  }
  ServiceProcess* p = nullptr;
  switch (process) {
    case Process::kGateway: p = gateway_.get(); break;
    case Process::kIntake: p = intake_.get(); break;
    case Process::kDispatch: p = dispatch_.at(replica).get(); break;
    case Process::kSla: p = sla_.at(replica).get(); break;
    case Process::kKnowledge: p = knowledge_.at(replica).get(); break;
    case Process::kScoring: p = scoring_.at(replica).get(); break;
    case Process::kRedis: break;
  }
  if (p == nullptr || !p->Running()) return;
  ::kill(p->pid(), SIGKILL);
  p->Terminate();  // reaps it (SIGTERM to a dead process changes nothing)
}

void Stack::Start(Process process, int replica) {
  switch (process) {
    case Process::kRedis:
      redis_->Start();
      return;
    case Process::kGateway: {
      gateway_.reset();
      gateway_ = Relaunch(HOTLINE_GATEWAY_BIN, GatewayArgs(), gateway_port_, gateway_metrics_, "gateway");
      static const std::regex kScreen(R"re("msg":"screen serving","screen_port":"([0-9]+)")re");
      std::smatch m;
      const std::string log = gateway_->Log();
      if (std::regex_search(log, m, kScreen)) screen_port_ = std::stoi(m[1]);
      return;
    }
    case Process::kIntake:
      StartIntake();
      return;
    case Process::kDispatch:
      dispatch_.at(replica).reset();
      StartDispatch(replica);
      return;
    case Process::kSla:
      StartSla(replica);
      return;
    case Process::kKnowledge: {
      knowledge_.at(replica).reset();
      knowledge_[replica] = Relaunch(HOTLINE_KNOWLEDGE_BIN, KnowledgeArgs(), knowledge_ports_[replica],
                                     knowledge_metrics_[replica], ProcessName(process, replica));
      const absl::Time until = absl::Now() + absl::Seconds(30);
      while (!absl::StrContains(knowledge_[replica]->Log(), "search index built")) {
        if (absl::Now() > until) {
          throw std::runtime_error("knowledge did not build its index:\n" + knowledge_[replica]->Log());
        }
        absl::SleepFor(absl::Milliseconds(10));
      }
      return;
    }
    case Process::kScoring: {
      scoring_.at(replica).reset();
      std::vector<std::string> args = ScoringArgs(replica);
      args.insert(args.end(), clock_args_.begin(), clock_args_.end());
      scoring_[replica] = Relaunch(HOTLINE_SCORING_BIN, std::move(args), scoring_ports_[replica],
                                   scoring_metrics_[replica], ProcessName(process, replica));
      return;
    }
  }
}

std::unique_ptr<ServiceProcess> Stack::Relaunch(const char* binary, std::vector<std::string> args, int grpc_port,
                                                int metrics_port, const std::string& name) {
  args.insert(args.begin(), {"--host=127.0.0.1", absl::StrCat("--grpc_port=", grpc_port),
                             absl::StrCat("--metrics_port=", metrics_port), IdentityArg(binary)});
  // A log of its own per start: a restart must not read the "serving" line
  // (and ports) the killed process left in the old one.
  auto process = std::make_unique<ServiceProcess>(binary, args,
                                                  absl::StrCat(dir_, "/", name, "-", ++relaunches_, ".log"));
  const int port = grpc_port != 0 ? grpc_port : process->WaitForServingPorts(absl::Seconds(20)).grpc;
  process->WaitForServingPorts(absl::Seconds(20));
  if (!WaitForServing(absl::StrCat("127.0.0.1:", port), absl::Seconds(20))) {
    throw std::runtime_error(name + " did not become SERVING:\n" + process->Log());
  }
  return process;
}

std::string Stack::IdentityArg(const std::string& binary) const {
  if (binary == HOTLINE_GATEWAY_BIN) return "--backend_identity_secrets=" + identity_secrets_dir();
  for (const auto& [bin, name] : {std::pair<const char*, const char*>{HOTLINE_INTAKE_BIN, "intake"},
                                  {HOTLINE_DISPATCH_BIN, "dispatch"},
                                  {HOTLINE_SLA_BIN, "sla"},
                                  {HOTLINE_KNOWLEDGE_BIN, "knowledge"},
                                  {HOTLINE_SCORING_BIN, "scoring"}}) {
    if (binary == bin) return "--identity_secret_file=" + identity_secret_file(name);
  }
  throw std::runtime_error("no identity secret for " + binary);
}

void Stack::StartIntake() {
  std::vector<std::string> args = IntakeArgs();
  args.insert(args.end(), clock_args_.begin(), clock_args_.end());
  intake_.reset();
  intake_ = Relaunch(HOTLINE_INTAKE_BIN, std::move(args), intake_port_, intake_metrics_, "intake");
}

void Stack::StartDispatch(int i) {
  std::vector<std::string> args = dispatch_args_[i];
  args.insert(args.end(), clock_args_.begin(), clock_args_.end());
  dispatch_[i] = Relaunch(HOTLINE_DISPATCH_BIN, std::move(args), dispatch_ports_[i], dispatch_metrics_[i],
                          ProcessName(Process::kDispatch, i));
}

std::vector<std::string> Stack::KnowledgeArgs() const {
  return Plus({std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data", "--load_seed=true"}, RedisArgs());
}

std::vector<std::string> Stack::ScoringArgs(int i) const {
  return Plus({std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data", absl::StrCat("--consumer_name=scoring-", i),
               "--reclaim_idle=2s", "--gauge_interval=" + options_.scoring_gauge_interval},
              RedisArgs());
}

std::unique_ptr<v1::Hotline::Stub> Stack::NewClient() const {
  return v1::Hotline::NewStub(
      grpc::CreateChannel(gateway_address(), grpc::InsecureChannelCredentials()));
}

long long Stack::OrderCount() {
  absl::StatusOr<redis::Reply> r = redis_client_->Execute({"ZCARD", "hotline:idx:all"});
  return r.ok() ? r->integer : -1;
}

long long Stack::EventCount() {
  // Entries ever added, not XLEN: intake trims what every group has settled.
  absl::StatusOr<redis::Reply> r = redis_client_->Execute({"XINFO", "STREAM", "hotline:events"});
  if (!r.ok() || r->is_error()) return 0;  // no stream yet: no event
  for (size_t i = 0; i + 1 < r->elements.size(); i += 2) {
    if (r->elements[i].str == "entries-added") return r->elements[i + 1].integer;
  }
  return -1;
}

std::unique_ptr<grpc::ClientContext> CallContext(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + TokenFor(token));
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return ctx;
}

v1::WorkOrder GetOrder(v1::Hotline::Stub& stub, const std::string& id) {
  auto ctx = CallContext(kAgentToken);
  v1::GetWorkOrderRequest r;
  r.set_id(id);
  v1::GetWorkOrderResponse response;
  grpc::Status s = stub.GetWorkOrder(ctx.get(), r, &response);
  if (!s.ok()) throw std::runtime_error("GetWorkOrder " + id + ": " + s.error_message());
  return response.order();
}

v1::CreateWorkOrderRequest SampleComplaint() {
  v1::CreateWorkOrderRequest r;
  r.set_type(v1::ORDER_TYPE_COMPLAINT);
  r.set_channel(v1::CHANNEL_PHONE);
  r.mutable_caller()->set_name("张先生");
  r.mutable_caller()->set_phone("13812345678");
  r.mutable_location()->set_district_code("440106");
  r.mutable_location()->set_street_code("440106001");
  r.mutable_location()->set_address("五山路某小区3栋");
  r.set_category_code("0101");
  r.set_content("夜间工地施工噪声扰民，凌晨两点仍在打桩，请尽快处理。");
  return r;
}

v1::CreateWorkOrderRequest ComplaintIn(const std::string& category, const std::string& district) {
  v1::CreateWorkOrderRequest r = SampleComplaint();
  r.set_category_code(category);
  if (district != r.location().district_code()) r.mutable_location()->clear_street_code();
  r.mutable_location()->set_district_code(district);
  return r;
}

v1::WorkOrder FileOrder(v1::Hotline::Stub& stub, const v1::CreateWorkOrderRequest& request) {
  auto ctx = CallContext(kAgentToken);
  v1::CreateWorkOrderResponse response;
  grpc::Status s = stub.CreateWorkOrder(ctx.get(), request, &response);
  if (!s.ok()) throw std::runtime_error("CreateWorkOrder: " + s.error_message());
  return response.order();
}

}  // namespace hotline::testing
