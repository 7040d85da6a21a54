#pragma once
// The real system for end-to-end tests: redis-server, hotline-intake and
// hotline-gateway as separate processes on free loopback ports. Every backend
// has an identity secret of its own (the gateway all of them); the gateway verifies signed
// tokens (JWT) with a key file of the test's own, and the stack issues one
// token per test identity below. Stops everything when destroyed.
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "hotline/v1/gateway.grpc.pb.h"
#include "redis/client.h"
#include "support/redis_ha.h"
#include "support/postgres_server.h"
#include "support/redis_server.h"
#include "support/service_process.h"

namespace hotline::testing {

// The test identities. Each names the token the running stack issued for it
// (a JWT, issued as hotline-admin does); CallContext(kAgentToken) sends it.
inline constexpr char kAgentToken[] = "test-agent-token-0123456789";
inline constexpr char kHandlerToken[] = "test-handler-token-0123456789";  // 天河区 440106
inline constexpr char kDispatcherToken[] = "test-dispatcher-token-0123456789";
inline constexpr char kSupervisorToken[] = "test-supervisor-token-0123456789";
inline constexpr char kStreetToken[] = "test-street-token-0123456789";    // 五山街道 440106001
inline constexpr char kEcologyToken[] = "test-ecology-token-0123456789";  // 生态环境局 GZD002
inline constexpr char kHousingToken[] = "test-housing-token-0123456789";  // 住建局 GZD003
inline constexpr char kKnowledgeEditorToken[] = "test-kbeditor-token-0123456789";
inline constexpr char kHrToken[] = "test-hr-token-0123456789";  // 人社局 GZD006
inline constexpr char kYuexiuToken[] = "test-yuexiu-token-0123456789";  // 越秀区 440104
inline constexpr char kAuditorToken[] = "test-auditor-token-0123456789";
inline constexpr char kAdminToken[] = "test-admin-token-0123456789";

class Stack {
 public:
  struct Options {
    std::string appendfsync = "always";
    int dispatch_replicas = 1;
    bool auto_dispatch = true;
    // DEMO MODE: the gateway also accepts the static tokens of this file
    // (--demo_tokens); empty: signed tokens only.
    std::string tokens_file = "";
    // The gateway's per-user rate limit (calls/s, burst); 0: none, so tests
    // that call fast are not throttled unless they ask for it.
    int rate_limit = 0;
    int rate_burst = 1;
    // The gateway's cap of calls in flight to the backends (--max_in_flight);
    // 0: none, so tests that drive load are not shed unless they ask for it.
    int max_in_flight = 0;
    // Extra flags for the gateway (TLS, reflection ...).
    std::vector<std::string> gateway_args = {};
    // Dispatch: take over another replica's events after this long idle; park
    // an event in events:dead after this many deliveries. Short enough for the
    // kill test, long enough that live replicas under a loaded CI do not take
    // slow batches from each other.
    std::string reclaim_idle = "5s";
    int max_deliveries = 5;
    // SLA monitors (hotline-sla); the gateway forwards SLA calls to the first.
    int sla_replicas = 0;
    // Extra flags for every SLA replica (e.g. --provisional_years=false).
    std::vector<std::string> sla_args = {};
    // The city clock every service reads (libs/clock/city_clock.h): empty
    // start = the wall clock; else the city time at the stack's start, running
    // `clock_rate` times as fast as the wall clock.
    std::string clock_start = "";
    std::string clock_rate = "1";
    // Knowledge replicas, each with its own index, all loading the seed of
    // data/knowledge; the gateway talks to the first.
    int knowledge_replicas = 1;
    // Scoring services (hotline-scoring); the gateway forwards scoring calls
    // and its screen API to the first. Score gauges refresh this often.
    int scoring_replicas = 0;
    std::string scoring_gauge_interval = "1s";
    // Redis as production runs it (support/redis_ha.h): a primary, two
    // replicas and three Sentinels; every process finds the master through
    // the Sentinels. redis() is then not there: use redis_ha().
    bool redis_ha = false;
    // --redis_wait_replicas / --redis_wait_timeout for every service.
    int redis_wait_replicas = 0;
    std::string redis_wait_timeout = "1s";
    // A PostgreSQL 15 cluster of the stack's own for the archive tier
    // (libs/archive): intake reads archived orders from it (--postgres).
    bool postgres = false;
  };
  Stack() : Stack(Options{}) {}
  explicit Stack(Options options);
  ~Stack();

  std::string gateway_address() const;
  std::string intake_address() const;
  int gateway_metrics_port() const { return gateway_metrics_; }
  int intake_metrics_port() const { return intake_metrics_; }
  RedisServer& redis() { return *redis_; }
  RedisHa& redis_ha() { return *redis_ha_; }
  // What the services are given as --redis: host:port or sentinel://...
  std::string redis_address() const;
  // The archive tier's cluster (Options::postgres), else nullptr.
  PostgresServer* postgres() { return postgres_.get(); }
  ServiceProcess& intake() { return *intake_; }
  ServiceProcess& gateway() { return *gateway_; }
  ServiceProcess& dispatch(int replica = 0) { return *dispatch_[replica]; }
  std::string dispatch_address(int replica = 0) const;
  int dispatch_metrics_port(int replica = 0) const { return dispatch_metrics_[replica]; }
  const std::string& dir() const { return dir_; }
  // Intake's phone key file (fresh random keys, written by the stack).
  std::string phone_keys_file() const { return dir_ + "/phone_keys"; }
  ServiceProcess& sla(int replica = 0) { return *sla_[replica]; }
  std::string sla_address(int replica = 0) const;
  int sla_metrics_port(int replica = 0) const { return sla_metrics_[replica]; }
  // SIGKILL an sla replica (a crash), and start it again with the same name
  // (Kill / Start with Process::kSla).
  void KillSla(int replica) { Kill(Process::kSla, replica); }
  void StartSla(int replica);
  // Stops an SLA replica gracefully and starts it again with these extra
  // flags instead of Options::sla_args (same ports).
  void RestartSla(int replica, std::vector<std::string> sla_args);
  // The city-clock flags every clocked service was started with (empty on
  // the wall clock): for another process that must read the same city time
  // (the simulator).
  const std::vector<std::string>& clock_args() const { return clock_args_; }
  // What the services' city clock reads now.
  absl::Time CityNow() const;
  // Sets the city clock to `start` (RFC 3339) from now on, at the same rate:
  // intake, every dispatch and SLA replica are restarted on their own ports
  // with it (the gateway keeps its backends). Scoring and knowledge are not.
  void SetCityClock(const std::string& start);

  // Kills intake (SIGKILL) and starts it again on the same ports; returns
  // once it is SERVING.
  // `down_for`: how long intake stays dead before it starts again.
  void RestartIntake(absl::Duration down_for = absl::ZeroDuration());
  ServiceProcess& knowledge(int replica = 0) { return *knowledge_[replica]; }
  std::string knowledge_address(int replica = 0) const;
  int knowledge_metrics_port(int replica = 0) const { return knowledge_metrics_[replica]; }

  ServiceProcess& scoring(int replica = 0) { return *scoring_[replica]; }
  std::string scoring_address(int replica = 0) const;
  int scoring_metrics_port(int replica = 0) const { return scoring_metrics_[replica]; }
  // The gateway's big-screen HTTP port (http://127.0.0.1:<port>/).
  int screen_port() const { return screen_port_; }

  std::unique_ptr<v1::Hotline::Stub> NewClient() const;

  // The files the services / the gateway were given: each backend's
  // identity secret ("intake", "dispatch", "sla", "knowledge", "scoring"),
  // the folder of all of them (the gateway's --backend_identity_secrets),
  // and the JWT keys.
  std::string identity_secret_file(const std::string& backend) const {
    return identity_secrets_dir() + "/" + backend + ".secret";
  }
  std::string identity_secrets_dir() const { return dir_ + "/identity"; }
  std::string jwt_keys_file() const { return dir_ + "/jwt_keys.textproto"; }
  // A backend's secret itself (the test process signs direct calls with it:
  // server/identity.h), and the key file's one key.
  static std::string IdentitySecret(const std::string& backend) {
    return "e2e-identity-secret-" + backend + "-0123456789abcdef";
  }
  static constexpr char kJwtKeyId[] = "e2e-1";
  static constexpr char kJwtSecret[] = "e2e-jwt-signing-secret-0123456789abcdef";
  // Flags that point a hotline-admin (or a second gateway) at this stack.
  std::vector<std::string> AuthArgs() const;
  // Starts one more gateway replica on free ports, wired like the first
  // (extra flags appended); the caller owns it.
  std::unique_ptr<ServiceProcess> StartGateway(std::vector<std::string> extra,
                                               const std::string& log_name,
                                               int* grpc_port) const;
  // The identity flag of a service binary: its own secret file, or for the
  // gateway the folder of all of them.
  std::string IdentityArg(const std::string& binary) const;
  // A Redis client on the stack's Redis, to look at what was written.
  redis::Client& redis_client() { return *redis_client_; }

  // ---- Supervision: crash any process and start it again (issue 20) ----
  // Every process of the stack, for the chaos harness and crash tests.
  enum class Process { kRedis, kGateway, kIntake, kDispatch, kSla, kKnowledge, kScoring };
  // "redis", "gateway", "intake", "dispatch-0", "sla-1", ...
  static std::string ProcessName(Process process, int replica = 0);
  // How many replicas of it the stack runs (Redis, gateway, intake: 1).
  int Replicas(Process process) const;
  // SIGKILL (a crash; Redis too); returns once the process is reaped.
  void Kill(Process process, int replica = 0);
  // Starts a killed (or stopped) process again on its own ports, wired as
  // before; returns once it serves: a service SERVING on grpc.health.v1
  // (knowledge: its index built too), Redis answering PING with its data dir
  // and append-only file. Throws if it does not come up within 20 s.
  void Start(Process process, int replica = 0);
  // The gRPC address of a service replica ("" for Redis).
  std::string AddressOf(Process process, int replica = 0) const;
  // The city clock flags every service got (empty: the wall clock), for a
  // tool (hotline-admin, hotline-fsck) that must read the same clock.
  const std::vector<std::string>& ClockArgs() const { return clock_args_; }
  // Counts: orders indexed, events ever added to the stream (some may be
  // trimmed already).
  long long OrderCount();
  long long EventCount();

 private:
  std::vector<std::string> IntakeArgs() const;
  std::vector<std::string> GatewayArgs() const;
  void IssueTestTokens();
  // Supervision helpers (see Kill / Start): a service binary started again on
  // its own ports with a fresh log file; returns once it is SERVING.
  std::unique_ptr<ServiceProcess> Relaunch(const char* binary, std::vector<std::string> args, int grpc_port,
                                           int metrics_port, const std::string& name);
  std::vector<std::string> KnowledgeArgs() const;
  std::vector<std::string> ScoringArgs(int replica) const;
  void StartIntake();
  void StartDispatch(int replica);
  int relaunches_ = 0;

  std::string dir_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisHa> redis_ha_;
  // --redis and the WAIT flags, as every service gets them.
  std::vector<std::string> RedisArgs() const;
  std::unique_ptr<PostgresServer> postgres_;
  int intake_port_, intake_metrics_, gateway_port_, gateway_metrics_;
  std::vector<int> dispatch_ports_, dispatch_metrics_;
  std::vector<std::vector<std::string>> dispatch_args_;  // without ports and clock
  std::unique_ptr<ServiceProcess> intake_, gateway_;
  std::vector<std::unique_ptr<ServiceProcess>> dispatch_;
  std::vector<std::unique_ptr<ServiceProcess>> sla_;
  std::vector<int> sla_ports_, sla_metrics_;
  int sla_starts_ = 0;
  std::vector<std::string> clock_args_;
  absl::Time clock_start_, clock_anchor_;
  double clock_rate_ = 1;
  std::vector<int> knowledge_ports_, knowledge_metrics_;
  std::vector<std::unique_ptr<ServiceProcess>> knowledge_;
  std::unique_ptr<redis::Client> redis_client_;
  Options options_;
  std::vector<int> scoring_ports_, scoring_metrics_;
  std::vector<std::unique_ptr<ServiceProcess>> scoring_;
  int screen_port_ = 0;
};

// The token the latest stack issued for a test identity (kAgentToken ...);
// any other string is returned as it is.
std::string TokenFor(const std::string& identity);

// A ClientContext with a bearer token (TokenFor(token)) and a 10 s deadline.
std::unique_ptr<grpc::ClientContext> CallContext(const std::string& token);

// A valid complaint in Chinese, in 天河区 / 五山街道.
v1::CreateWorkOrderRequest SampleComplaint();

// SampleComplaint under `category` in `district` (the sample's street only
// in its own district).
v1::CreateWorkOrderRequest ComplaintIn(const std::string& category, const std::string& district);

// Files `request` as the agent: the order as acknowledged (the test fails
// with the gateway's message if it is refused).
v1::WorkOrder FileOrder(v1::Hotline::Stub& stub, const v1::CreateWorkOrderRequest& request);

// An order with its history, read through the gateway as an agent (the
// test fails if it cannot be read).
v1::WorkOrder GetOrder(v1::Hotline::Stub& stub, const std::string& id);

}  // namespace hotline::testing
