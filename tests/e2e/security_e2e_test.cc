// End-to-end security: signed tokens at the gateway (every kind of bad token,
// revocation across replicas, hotline-admin), identities the backends verify,
// the per-user rate limit, metrics for unknown methods, TLS and mutual TLS.
// Real binaries and a real Redis (tests/e2e/stack.h).
#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <future>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "auth/jwt.h"
#include "e2e/stack.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "hotline/v1/dispatch.grpc.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline/v1/knowledge.grpc.pb.h"
#include "hotline/v1/sla.grpc.pb.h"
#include "server/identity.h"

namespace hotline::testing {
namespace {

grpc::Status WhoAmI(const std::string& address, const std::optional<std::string>& authorization,
                    v1::WhoAmIResponse* me = nullptr) {
  auto stub = v1::Hotline::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (authorization) ctx.AddMetadata("authorization", *authorization);
  v1::WhoAmIResponse ignored;
  return stub->WhoAmI(&ctx, v1::WhoAmIRequest(), me ? me : &ignored);
}

std::string Bearer(const std::string& token) { return "Bearer " + token; }

std::string Base64Url(const std::string& s) { return absl::WebSafeBase64Escape(s); }

auth::TokenClaims AgentClaims() {
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  return auth::TokenClaims{.jti = auth::NewTokenId(),
                           .user_id = "agent-x",
                           .display_name = "坐席",
                           .role = v1::ROLE_AGENT,
                           .unit_code = "GZ12345",
                           .issued_at = now,
                           .expires_at = now + absl::Hours(1)};
}

auth::JwtKeys Keys(const std::string& id, const std::string& secret) {
  v1::JwtKeyFile file;
  auto* k = file.add_keys();
  k->set_id(id);
  k->set_secret(secret);
  absl::StatusOr<auth::JwtKeys> keys = auth::JwtKeys::Build(file, "test");
  REQUIRE(keys.ok());
  return *keys;
}

std::string Sign(const auth::JwtKeys& keys, const auth::Audience& audience,
                 const auth::TokenClaims& claims) {
  absl::StatusOr<std::string> token = auth::SignToken(keys, audience, claims);
  REQUIRE(token.ok());
  return *token;
}

std::string Metrics(int port) { return HttpGet(port, "/metrics"); }

// hotline-admin against the stack; its stdout (the token, for issue).
std::string Admin(const Stack& stack, const std::string& args) {
  std::string flags;
  for (const std::string& a : stack.AuthArgs()) absl::StrAppend(&flags, " '", a, "'");
  // Its stderr (what was issued) to a file: stdout is the token alone.
  ShellResult r = RunShell(absl::StrCat("(", HOTLINE_ADMIN_BIN, " token ", args, flags,
                                        " 2>>", stack.dir(), "/admin.err)"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return std::string(absl::StripAsciiWhitespace(r.output));
}

}  // namespace

TEST_CASE("every kind of bad token is refused UNAUTHENTICATED and counted by reason",
          "[e2e][security]") {
  Stack stack;
  const std::string gw = stack.gateway_address();
  const auth::JwtKeys keys = Keys(Stack::kJwtKeyId, Stack::kJwtSecret);

  // The good one first: the claims are who is calling.
  v1::WhoAmIResponse me;
  REQUIRE(WhoAmI(gw, Bearer(Sign(keys, {}, AgentClaims())), &me).ok());
  CHECK(me.actor().user_id() == "agent-x");
  CHECK(me.actor().role() == v1::ROLE_AGENT);
  CHECK(me.actor().unit_code() == "GZ12345");

  auto refused = [&](const std::optional<std::string>& authorization, const std::string& words) {
    grpc::Status s = WhoAmI(gw, authorization);
    INFO(s.error_message());
    CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(absl::StrContains(s.error_message(), words));
  };
  refused(std::nullopt, "missing authorization");
  refused(Bearer("not-a-jwt-at-all-0123456789"), "not a signed token");
  refused(Bearer("abc.def.ghi"), "not a JWT");

  // alg none: a header and claims with no signature.
  const std::string none_header = Base64Url(R"({"alg":"none","typ":"JWT","kid":"e2e-1"})");
  const std::string claims_json = absl::StrCat(
      R"({"iss":"hotline","aud":"hotline-gateway","sub":"admin","jti":"x1","role":"ROLE_ADMIN",)",
      R"("exp":)", absl::ToUnixSeconds(absl::Now() + absl::Hours(1)), "}");
  refused(Bearer(none_header + "." + Base64Url(claims_json) + "."), "unsigned");

  auth::TokenClaims expired = AgentClaims();
  expired.issued_at -= absl::Hours(2);
  expired.expires_at = expired.issued_at + absl::Minutes(30);
  refused(Bearer(Sign(keys, {}, expired)), "expired");

  refused(Bearer(Sign(keys, {.audience = "someone-else"}, AgentClaims())), "audience");
  refused(Bearer(Sign(keys, {.issuer = "evil"}, AgentClaims())), "issued by someone else");

  // Tampered: the claims say supervisor now, the signature is the agent's.
  std::vector<std::string> parts = absl::StrSplit(Sign(keys, {}, AgentClaims()), '.');
  REQUIRE(parts.size() == 3);
  std::string payload;
  REQUIRE(absl::WebSafeBase64Unescape(parts[1], &payload));
  REQUIRE(absl::StrContains(payload, "ROLE_AGENT"));
  parts[1] = Base64Url(absl::StrReplaceAll(payload, {{"ROLE_AGENT", "ROLE_ADMIN"}}));
  refused(Bearer(absl::StrJoin(parts, ".")), "signature does not verify");
  // Signed with a key the gateway does not have, under its key id.
  refused(Bearer(Sign(Keys(Stack::kJwtKeyId, std::string(40, 'x')), {}, AgentClaims())),
          "signature does not verify");
  refused(Bearer(Sign(Keys("retired-key", Stack::kJwtSecret), {}, AgentClaims())),
          "key id \"retired-key\" is not known");

  // Revoked: issued and revoked with hotline-admin.
  const std::string token = Admin(stack, "issue --user agent-r --role agent --unit GZ12345 --ttl 1h");
  REQUIRE(WhoAmI(gw, Bearer(token)).ok());
  const std::string list = Admin(stack, "list");
  CHECK(absl::StrContains(list, "agent-r"));
  CHECK_FALSE(absl::StrContains(list, token));  // the registry keeps a hash, never the token
  std::string jti;
  for (absl::string_view line : absl::StrSplit(list, '\n')) {
    if (absl::StrContains(line, "agent-r")) jti = std::string(line.substr(0, line.find(' ')));
  }
  REQUIRE(jti.size() == 32);
  Admin(stack, "revoke " + jti);
  const absl::Time until = absl::Now() + absl::Seconds(1);
  while (WhoAmI(gw, Bearer(token)).ok() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(20));
  refused(Bearer(token), "revoked");
  CHECK(absl::StrContains(Admin(stack, "list"), "yes"));

  const std::string metrics = Metrics(stack.gateway_metrics_port());
  for (const char* reason : {"missing", "malformed", "unsigned", "expired", "wrong_audience",
                             "wrong_issuer", "bad_signature", "unknown_kid", "revoked"}) {
    INFO(reason);
    CHECK(absl::StrContains(metrics,
                            absl::StrCat("hotline_gateway_auth_failures_total{reason=\"", reason, "\"}")));
  }
}

TEST_CASE("a revocation is seen by two gateway replicas within a second", "[e2e][security]") {
  Stack stack;
  int second_port = 0;
  auto second = stack.StartGateway({}, "gateway-2.log", &second_port);
  const std::string gateways[] = {stack.gateway_address(), absl::StrCat("127.0.0.1:", second_port)};
  REQUIRE(WaitForServing(gateways[1], absl::Seconds(20)));
  const std::string token = Admin(stack, "issue --user disp-r --role dispatcher --unit GZ12345 --ttl 1h");
  for (const std::string& gw : gateways) REQUIRE(WhoAmI(gw, Bearer(token)).ok());
  std::string jti;
  for (absl::string_view line : absl::StrSplit(Admin(stack, "list"), '\n')) {
    if (absl::StrContains(line, "disp-r")) jti = std::string(line.substr(0, line.find(' ')));
  }
  REQUIRE_FALSE(jti.empty());
  Admin(stack, "revoke " + jti);
  const absl::Time revoked_at = absl::Now();
  for (const std::string& gw : gateways) {
    while (WhoAmI(gw, Bearer(token)).ok() && absl::Now() - revoked_at < absl::Seconds(3)) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    const absl::Duration took = absl::Now() - revoked_at;
    INFO(gw << " refused the token after " << absl::FormatDuration(took));
    CHECK(took < absl::Seconds(1));
    CHECK(WhoAmI(gw, Bearer(token)).error_code() == grpc::StatusCode::UNAUTHENTICATED);
  }

  // Redis away: a replica keeps the list it read (the revoked token stays
  // refused, others work) and says so in a gauge; back, the gauge clears.
  stack.redis().Stop();
  absl::SleepFor(absl::Milliseconds(600));
  CHECK(WhoAmI(gateways[0], Bearer(token)).error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(WhoAmI(gateways[0], Bearer(TokenFor(kAgentToken))).ok());
  CHECK(absl::StrContains(Metrics(stack.gateway_metrics_port()),
                          "hotline_gateway_revocation_list_stale 1"));
  CHECK(absl::StrContains(stack.gateway().Log(), "cannot read revoked tokens; keeping the last list"));
  stack.redis().Start();
  const absl::Time back_by = absl::Now() + absl::Seconds(5);
  while (!absl::StrContains(Metrics(stack.gateway_metrics_port()),
                            "hotline_gateway_revocation_list_stale 0") &&
         absl::Now() < back_by) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  CHECK(absl::StrContains(Metrics(stack.gateway_metrics_port()),
                          "hotline_gateway_revocation_list_stale 0"));
}

TEST_CASE("a gateway refuses a token file outside demo mode", "[e2e][security]") {
  Stack stack;
  ShellResult r = RunShell(absl::StrCat(
      HOTLINE_GATEWAY_BIN, " --host=127.0.0.1 --grpc_port=0 --metrics_port=0",
      " --backend_identity_secrets=", stack.identity_secrets_dir(), " --tokens=", HOTLINE_SOURCE_DIR,
      "/config/tokens.textproto"));
  CHECK(r.exit_code == 2);
  CHECK(absl::StrContains(r.output, "only in demo mode"));
  // Demo tokens work only when asked for; not on the stack's gateway.
  CHECK(WhoAmI(stack.gateway_address(), Bearer("demo-agent-01e06283a8513b08")).error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);
}

// Signs (or forges) the identity of one direct call: the backend it goes to,
// its method path and its request.
using IdentitySigner = std::function<void(grpc::ClientContext*, const std::string& backend,
                                const std::string& path, const google::protobuf::MessageLite& request)>;

// Calls a backend directly with hand-made identity metadata.
template <typename Call>
grpc::Status Direct(const std::string& address, const IdentitySigner& sign, Call call) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return call(channel, &ctx, sign);
}

TEST_CASE("backends refuse identities the gateway did not sign", "[e2e][security]") {
  Stack::Options options;
  options.sla_replicas = 1;
  options.scoring_replicas = 1;
  Stack stack(options);
  v1::Actor admin;
  admin.set_user_id("mallory");
  admin.set_role(v1::ROLE_ADMIN);
  admin.set_unit_code("GZ12345");
  const std::string exp = absl::StrCat(absl::ToUnixMillis(absl::Now() + absl::Seconds(30)));
  const std::string role = absl::StrCat(static_cast<int>(v1::ROLE_ADMIN));
  auto forged = [&](grpc::ClientContext* ctx) {  // the metadata, no signature
    ctx->AddMetadata("x-hotline-user", "mallory");
    ctx->AddMetadata("x-hotline-role", role);
    ctx->AddMetadata("x-hotline-unit", "GZ12345");
  };
  IdentitySigner unsigned_ = [&](grpc::ClientContext* ctx, const std::string&, const std::string&,
                                 const google::protobuf::MessageLite&) { forged(ctx); };
  IdentitySigner wrong_key = [&](grpc::ClientContext* ctx, const std::string&,
                                 const std::string& path,
                                 const google::protobuf::MessageLite& request) {
    forged(ctx);
    ctx->AddMetadata("x-hotline-exp", exp);
    ctx->AddMetadata("x-hotline-sig",
                     server::IdentitySignature(std::string(40, 'k'), path, server::RequestDigest(request),
                                               "mallory", role, "GZ12345", exp));
  };
  IdentitySigner stale = [&](grpc::ClientContext* ctx, const std::string& backend,
                             const std::string& path,
                             const google::protobuf::MessageLite& request) {
    const std::string old = absl::StrCat(absl::ToUnixMillis(absl::Now() - absl::Minutes(1)));
    forged(ctx);
    ctx->AddMetadata("x-hotline-exp", old);
    ctx->AddMetadata("x-hotline-sig",
                     server::IdentitySignature(Stack::IdentitySecret(backend), path,
                                               server::RequestDigest(request), "mallory", role,
                                               "GZ12345", old));
  };
  IdentitySigner signed_ok = [&](grpc::ClientContext* ctx, const std::string& backend,
                                 const std::string& path,
                                 const google::protobuf::MessageLite& request) {
    server::AttachIdentity(admin, Stack::IdentitySecret(backend), path, request, ctx);
  };

  auto list_orders = [](std::shared_ptr<grpc::Channel> ch, grpc::ClientContext* ctx,
                   const IdentitySigner& sign) {
    v1::ListWorkOrdersRequest q;
    sign(ctx, "intake", "/hotline.v1.Intake/ListWorkOrders", q);
    v1::ListWorkOrdersResponse r;
    return v1::Intake::NewStub(ch)->ListWorkOrders(ctx, q, &r);
  };
  auto queue = [](std::shared_ptr<grpc::Channel> ch, grpc::ClientContext* ctx,
                   const IdentitySigner& sign) {
    v1::ListQueueRequest q;
    q.set_unit_code("440106");
    q.set_state(v1::ORDER_STATE_DISPATCHED);
    sign(ctx, "dispatch", "/hotline.v1.Dispatch/ListQueue", q);
    v1::ListQueueResponse r;
    return v1::Dispatch::NewStub(ch)->ListQueue(ctx, q, &r);
  };
  auto search = [](std::shared_ptr<grpc::Channel> ch, grpc::ClientContext* ctx,
                   const IdentitySigner& sign) {
    v1::SearchKnowledgeRequest q;
    q.set_query("驾照");
    sign(ctx, "knowledge", "/hotline.v1.Knowledge/SearchKnowledge", q);
    v1::SearchKnowledgeResponse r;
    return v1::Knowledge::NewStub(ch)->SearchKnowledge(ctx, q, &r);
  };
  auto calendar = [](std::shared_ptr<grpc::Channel> ch, grpc::ClientContext* ctx,
                   const IdentitySigner& sign) {
    v1::QueryCalendarRequest q;
    q.set_add_working_days(1);
    sign(ctx, "sla", "/hotline.v1.Sla/QueryCalendar", q);
    v1::QueryCalendarResponse r;
    return v1::Sla::NewStub(ch)->QueryCalendar(ctx, q, &r);
  };
  IdentitySigner nothing = [](grpc::ClientContext*, const std::string&, const std::string&,
                              const google::protobuf::MessageLite&) {};
  for (const IdentitySigner& bad : {nothing, unsigned_, wrong_key, stale}) {
    grpc::Status s = Direct(stack.intake_address(), bad, list_orders);
    INFO(s.error_message());
    CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(Direct(stack.dispatch_address(), bad, queue).error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(Direct(stack.knowledge_address(), bad, search).error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(Direct(stack.sla_address(), bad, calendar).error_code() == grpc::StatusCode::UNAUTHENTICATED);
  }
  CHECK(absl::StrContains(Direct(stack.intake_address(), unsigned_, list_orders).error_message(), "not signed"));
  CHECK(absl::StrContains(Direct(stack.intake_address(), wrong_key, list_orders).error_message(),
                          "does not verify"));
  CHECK(absl::StrContains(Direct(stack.intake_address(), stale, list_orders).error_message(), "stale"));
  // Every method of every backend service, listed from the descriptors (so
  // a new RPC cannot be forgotten), refuses a call with a forged identity.
  const std::pair<const char*, std::string> services[] = {
      {"hotline.v1.Intake", stack.intake_address()},
      {"hotline.v1.Directory", stack.intake_address()},
      {"hotline.v1.Dispatch", stack.dispatch_address()},
      {"hotline.v1.Sla", stack.sla_address()},
      {"hotline.v1.Knowledge", stack.knowledge_address()},
      {"hotline.v1.Audit", stack.intake_address()},
      {"hotline.v1.Scoring", stack.scoring_address()}};
  int methods = 0;
  for (const auto& [name, address] : services) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    REQUIRE(service != nullptr);
    grpc::GenericStub stub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    for (int i = 0; i < service->method_count(); ++i, ++methods) {
      const std::string path = absl::StrCat("/", name, "/", service->method(i)->name());
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      forged(&ctx);
      grpc::Slice empty("");
      grpc::ByteBuffer request(&empty, 1), response;
      std::promise<grpc::Status> done;
      stub.UnaryCall(&ctx, path, grpc::StubOptions(), &request, &response,
                     [&done](grpc::Status st) { done.set_value(std::move(st)); });
      grpc::Status st = done.get_future().get();
      INFO(path << ": " << st.error_message());
      CHECK(st.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    }
  }
  CHECK(methods > 20);

  // Signed with the backend's secret for the call, as the gateway signs: it works.
  grpc::Status good = Direct(stack.intake_address(), signed_ok, list_orders);
  INFO(good.error_message());
  CHECK(good.ok());
  CHECK(Direct(stack.dispatch_address(), signed_ok, queue).ok());
  CHECK(Direct(stack.knowledge_address(), signed_ok, search).ok());
  CHECK(Direct(stack.sla_address(), signed_ok, calendar).ok());
}

// Stands in for knowledge behind a second gateway, keeping the identity
// metadata of what the gateway sends it: a captured header.
class CapturingKnowledge final : public v1::Knowledge::CallbackService {
 public:
  grpc::ServerUnaryReactor* SearchKnowledge(grpc::CallbackServerContext* context,
                                            const v1::SearchKnowledgeRequest*,
                                            v1::SearchKnowledgeResponse*) override {
    {
      absl::MutexLock lock(&mu_);
      captured_.clear();
      for (const auto& [key, value] : context->client_metadata()) {
        const std::string k(key.data(), key.size());
        if (absl::StartsWith(k, "x-hotline-")) captured_.emplace_back(k, std::string(value.data(), value.size()));
      }
    }
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  std::vector<std::pair<std::string, std::string>> captured() {
    absl::MutexLock lock(&mu_);
    return captured_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::pair<std::string, std::string>> captured_;
};

TEST_CASE("a captured identity header is good for its one call only", "[e2e][security]") {
  Stack::Options options;
  options.sla_replicas = 1;
  Stack stack(options);
  // A header as the gateway sends it: a second gateway forwards knowledge
  // calls to a server that keeps what it gets.
  CapturingKnowledge capture;
  int capture_port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &capture_port);
  builder.RegisterService(&capture);
  std::unique_ptr<grpc::Server> capture_server = builder.BuildAndStart();
  REQUIRE(capture_port != 0);
  int port = 0;
  auto gateway = stack.StartGateway({absl::StrCat("--knowledge=127.0.0.1:", capture_port)},
                                    "capturing-gateway.log", &port);
  v1::SearchKnowledgeRequest search;
  search.set_query("驾照");
  {
    auto client = v1::Hotline::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    auto ctx = CallContext(kAgentToken);
    v1::SearchKnowledgeResponse ignored;
    grpc::Status s = client->SearchKnowledge(ctx.get(), search, &ignored);
    INFO(s.error_message());
    REQUIRE(s.ok());
  }
  const std::vector<std::pair<std::string, std::string>> header = capture.captured();
  REQUIRE(header.size() == 5);  // user, role, unit, expiry, signature

  // Replays the header on `path` of the backend at `address` with `body`.
  auto replay = [&](const std::string& address, const std::string& path, const std::string& body) {
    grpc::GenericStub stub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    for (const auto& [key, value] : header) ctx.AddMetadata(key, value);
    grpc::Slice slice(body);
    grpc::ByteBuffer request(&slice, 1), response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, path, grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status st) { done.set_value(std::move(st)); });
    return done.get_future().get();
  };
  auto refused = [](const grpc::Status& s) {
    INFO(s.error_code() << ": " << s.error_message());
    CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(absl::StrContains(s.error_message(), "does not verify"));
  };
  // The call it was signed for: the real knowledge believes it (within the
  // minute it lives), so the refusals below are the binding's doing.
  grpc::Status same = replay(stack.knowledge_address(), "/hotline.v1.Knowledge/SearchKnowledge",
                             search.SerializeAsString());
  INFO(same.error_message());
  CHECK(same.ok());
  // (a) Another method of the same backend, the same bytes (they parse as
  // GetKnowledgePointRequest{code: "驾照"}).
  refused(replay(stack.knowledge_address(), "/hotline.v1.Knowledge/GetKnowledgePoint",
                 search.SerializeAsString()));
  // (b) The same method with another body.
  v1::SearchKnowledgeRequest other = search;
  other.set_query("护照");
  refused(replay(stack.knowledge_address(), "/hotline.v1.Knowledge/SearchKnowledge",
                 other.SerializeAsString()));
  // (c) Another backend: dispatch's and sla's methods with the same bytes.
  v1::ListQueueRequest queue;
  queue.set_unit_code("驾照");  // field 1, as the captured body's
  REQUIRE(queue.SerializeAsString() == search.SerializeAsString());
  refused(replay(stack.dispatch_address(), "/hotline.v1.Dispatch/ListQueue", search.SerializeAsString()));
  refused(replay(stack.sla_address(), "/hotline.v1.Sla/GetOrderSla", search.SerializeAsString()));
  refused(replay(stack.intake_address(), "/hotline.v1.Intake/ListWorkOrders", ""));
  // And each backend's secret is its own: what another backend's secret
  // signs (a compromised sla minting an identity) is good for nothing here.
  {
    v1::Actor admin;
    admin.set_user_id("mallory");
    admin.set_role(v1::ROLE_ADMIN);
    auto channel = grpc::CreateChannel(stack.knowledge_address(), grpc::InsecureChannelCredentials());
    for (const char* backend : {"sla", "intake", "dispatch", "scoring"}) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      server::AttachIdentity(admin, Stack::IdentitySecret(backend),
                             "/hotline.v1.Knowledge/SearchKnowledge", search, &ctx);
      v1::SearchKnowledgeResponse r;
      INFO(backend);
      refused(v1::Knowledge::NewStub(channel)->SearchKnowledge(&ctx, search, &r));
    }
  }
  capture_server->Shutdown();
}

TEST_CASE("a caller over the rate limit gets RESOURCE_EXHAUSTED with retry info",
          "[e2e][security]") {
  Stack stack(Stack::Options{.rate_limit = 1, .rate_burst = 3});
  auto stub = stack.NewClient();
  auto who = [&](const char* token, grpc::ClientContext* ctx) {
    ctx->AddMetadata("authorization", Bearer(TokenFor(token)));
    v1::WhoAmIResponse me;
    return stub->WhoAmI(ctx, v1::WhoAmIRequest(), &me);
  };
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    REQUIRE(who(kAgentToken, &ctx).ok());
  }
  grpc::ClientContext ctx;
  grpc::Status s = who(kAgentToken, &ctx);
  REQUIRE(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(absl::StrContains(s.error_message(), "rate limit"));
  auto retry_after = ctx.GetServerTrailingMetadata().find("retry-after");
  REQUIRE(retry_after != ctx.GetServerTrailingMetadata().end());
  CHECK(std::string(retry_after->second.data(), retry_after->second.size()) == "1");
  google::rpc::Status details;
  REQUIRE(details.ParseFromString(s.error_details()));
  REQUIRE(details.details_size() == 1);
  google::rpc::RetryInfo retry;
  REQUIRE(details.details(0).UnpackTo(&retry));
  const int64_t delay_ms = retry.retry_delay().seconds() * 1000 + retry.retry_delay().nanos() / 1000000;
  CHECK(delay_ms > 0);
  CHECK(delay_ms <= 1000);
  // Another user is not held back by the first one's calls.
  grpc::ClientContext other;
  CHECK(who(kDispatcherToken, &other).ok());
  CHECK(absl::StrContains(Metrics(stack.gateway_metrics_port()), "hotline_gateway_rate_limited_total 1"));
  // And the first one may call again once a token has refilled.
  absl::SleepFor(absl::Milliseconds(delay_ms + 50));
  grpc::ClientContext again;
  CHECK(who(kAgentToken, &again).ok());
}

grpc::Status GenericCall(const std::string& address, const std::string& method) {
  grpc::GenericStub stub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  auto ctx = CallContext(kAgentToken);
  grpc::Slice empty("");  // an empty message (a default ByteBuffer is no message at all)
  grpc::ByteBuffer request(&empty, 1), response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(ctx.get(), method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  return done.get_future().get();
}

TEST_CASE("unknown method paths share one metrics series, reflection is off on the gateway",
          "[e2e][security]") {
  Stack stack;
  for (int i = 0; i < 20; ++i) {
    CHECK(GenericCall(stack.gateway_address(), absl::StrCat("/scanner.Probe", i, "/Guess", i))
              .error_code() == grpc::StatusCode::UNIMPLEMENTED);
  }
  CHECK(GenericCall(stack.gateway_address(), "/hotline.v1.Hotline/NoSuchMethod").error_code() ==
        grpc::StatusCode::UNIMPLEMENTED);
  // Reflection is off (its method keeps its own, fixed, label).
  CHECK(GenericCall(stack.gateway_address(),
                    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
            .error_code() == grpc::StatusCode::UNIMPLEMENTED);
  const std::string metrics = Metrics(stack.gateway_metrics_port());
  CHECK_FALSE(absl::StrContains(metrics, "scanner"));
  CHECK_FALSE(absl::StrContains(metrics, "NoSuchMethod"));
  int unknown_started = 0;
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (absl::StartsWith(line, "hotline_grpc_server_started_total{") &&
        absl::StrContains(line, "grpc_method=\"unknown\"")) {
      ++unknown_started;
      INFO(line);
      CHECK(absl::EndsWith(line, " 21"));  // 20 scanner paths and NoSuchMethod
    }
  }
  // Whether gRPC runs interceptors for a path nothing serves, there is at
  // most one "unknown" series, never one per path.
  CHECK(unknown_started <= 1);
}

// A deployment's certificates, made by the script operators run
// (tools/make-certs.sh), in `dir`/tls.
std::string MakeCertificates(const std::string& dir) {
  ShellResult r = RunShell(absl::StrCat("bash ", HOTLINE_SOURCE_DIR, "/tools/make-certs.sh ", dir, " 2>&1"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return dir + "/tls";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST_CASE("TLS on the gateway's port, mutual TLS on a backend's", "[e2e][security]") {
  Stack stack;
  const std::string dir = MakeCertificates(stack.dir());
  int tls_port = 0;
  auto gateway = stack.StartGateway(
      {"--tls_cert=" + dir + "/gateway.crt", "--tls_key=" + dir + "/gateway.key"}, "gateway-tls.log",
      &tls_port);
  const std::string address = absl::StrCat("127.0.0.1:", tls_port);
  grpc::SslCredentialsOptions trust;
  trust.pem_root_certs = ReadFile(dir + "/ca.crt");
  auto tls_stub = v1::Hotline::NewStub(grpc::CreateChannel(address, grpc::SslCredentials(trust)));
  v1::WhoAmIResponse me;
  auto ctx = CallContext(kAgentToken);
  grpc::Status s = tls_stub->WhoAmI(ctx.get(), v1::WhoAmIRequest(), &me);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(me.actor().user_id() == "agent-t1");
  // Plaintext to the TLS port fails.
  CHECK_FALSE(WhoAmI(address, Bearer(TokenFor(kAgentToken))).ok());
  // The CLI trusts the deployment's CA with --tls-ca; without it, it cannot talk.
  const std::string cli = absl::StrCat(HOTLINE_CLI_BIN, " --gateway ", address, " --token ", TokenFor(kAgentToken));
  ShellResult by_cli = RunShell(absl::StrCat(cli, " --tls-ca ", dir, "/ca.crt whoami 2>&1"));
  INFO(by_cli.output);
  CHECK(by_cli.exit_code == 0);
  CHECK(by_cli.output.find("agent-t1") != std::string::npos);
  CHECK(RunShell(absl::StrCat(cli, " whoami 2>&1")).exit_code != 0);

  // A second intake with mutual TLS: no client certificate, no call; the
  // gateway's certificate (and a signed identity) and it works.
  ServiceProcess intake_process(
      HOTLINE_INTAKE_BIN,
      {"--host=127.0.0.1", "--grpc_port=0", "--metrics_port=0",
       "--identity_secret_file=" + stack.identity_secret_file("intake"),
       "--redis=" + stack.redis().address(), std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data",
       "--phone_keys=" + stack.phone_keys_file(),
       "--tls_cert=" + dir + "/backend.crt", "--tls_key=" + dir + "/backend.key",
       "--tls_client_ca=" + dir + "/ca.crt"},
      dir + "/intake-mtls.log");
  const std::string intake = absl::StrCat("127.0.0.1:", intake_process.WaitForServingPorts(absl::Seconds(20)).grpc);
  v1::Actor agent;
  agent.set_user_id("agent-t1");
  agent.set_role(v1::ROLE_AGENT);
  auto list = [&](std::shared_ptr<grpc::ChannelCredentials> creds) {
    auto stub = v1::Intake::NewStub(grpc::CreateChannel(intake, creds));
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    server::AttachIdentity(agent, Stack::IdentitySecret("intake"), "/hotline.v1.Intake/ListWorkOrders",
                           v1::ListWorkOrdersRequest(), &c);
    v1::ListWorkOrdersResponse r;
    return stub->ListWorkOrders(&c, v1::ListWorkOrdersRequest(), &r);
  };
  CHECK_FALSE(list(grpc::SslCredentials(trust)).ok());  // no client certificate
  grpc::SslCredentialsOptions mutual = trust;
  mutual.pem_cert_chain = ReadFile(dir + "/gateway-client.crt");
  mutual.pem_private_key = ReadFile(dir + "/gateway-client.key");
  grpc::Status with_cert = list(grpc::SslCredentials(mutual));
  INFO(with_cert.error_message());
  CHECK(with_cert.ok());
  // The container's healthcheck: TLS from the service's own environment (its
  // certificate as the client's); plaintext, or TLS with no certificate, is refused.
  const std::string probe = absl::StrCat(HOTLINE_HEALTHCHECK_BIN, " --addr ", intake, " 2>&1");
  const std::string own = absl::StrCat("HOTLINE_TLS_CA=", dir, "/ca.crt HOTLINE_TLS_CERT=", dir,
                                       "/backend.crt HOTLINE_TLS_KEY=", dir, "/backend.key ");
  ShellResult healthy = RunShell(own + probe);
  INFO(healthy.output);
  CHECK(healthy.exit_code == 0);
  CHECK(healthy.output == "SERVING\n");
  CHECK(RunShell(probe).exit_code == 1);
  CHECK(RunShell(absl::StrCat("HOTLINE_TLS_CA=", dir, "/ca.crt ", probe)).exit_code == 1);
  // The gateway's --backend_tls_* flags: a gateway that calls this intake over mutual TLS.
  int mtls_gateway_port = 0;
  auto mtls_gateway = stack.StartGateway(
      {"--intake=" + intake, "--backend_tls_ca=" + dir + "/ca.crt",
       "--backend_tls_cert=" + dir + "/gateway-client.crt", "--backend_tls_key=" + dir + "/gateway-client.key"},
      "gateway-mtls.log", &mtls_gateway_port);
  auto via = v1::Hotline::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", mtls_gateway_port),
                                                      grpc::InsecureChannelCredentials()));
  // The first call may meet the gateway's first handshake still under way.
  grpc::Status via_status;
  for (const absl::Time until = absl::Now() + absl::Seconds(10);;) {
    auto list_ctx = CallContext(kAgentToken);
    v1::ListWorkOrdersResponse listed;
    via_status = via->ListWorkOrders(list_ctx.get(), v1::ListWorkOrdersRequest(), &listed);
    if (via_status.error_code() != grpc::StatusCode::UNAVAILABLE || absl::Now() > until) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  INFO(via_status.error_message());
  CHECK(via_status.ok());
}

}  // namespace hotline::testing
