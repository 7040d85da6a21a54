#include "gateway/screen_server.h"

#include <civetweb.h>
#include <google/protobuf/util/json_util.h>

#include <string_view>

#include "absl/strings/str_cat.h"
#include "server/identity.h"

namespace hotline::gateway {

namespace screen {
extern const std::string_view kIndexHtml;
extern const std::string_view kStyleCss;
extern const std::string_view kAppJs;
}  // namespace screen

namespace {

void Reply(mg_connection* conn, int code, const char* type, std::string_view body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
            code, mg_get_response_code_text(conn, code), type, body.size());
  mg_write(conn, body.data(), body.size());
}

}  // namespace

v1::Actor ScreenActor() {
  v1::Actor wall;
  wall.set_user_id("big-screen");
  wall.set_role(v1::ROLE_SCREEN);
  return wall;
}

ScreenServer::ScreenServer(std::shared_ptr<grpc::Channel> scoring,
                           std::string scoring_identity_secret, absl::Duration timeout,
                           absl::Duration cache_ttl, prometheus::Registry* metrics,
                           const Clock& clock)
    : scoring_(scoring ? v1::Scoring::NewStub(scoring) : nullptr),
      scoring_secret_(std::move(scoring_identity_secret)),
      timeout_(timeout),
      cache_(cache_ttl, clock, [this] { return Compute(); }) {
  if (metrics != nullptr) {
    auto& family = prometheus::BuildCounter()
                       .Name("hotline_gateway_screen_requests_total")
                       .Help("GETs of /api/screen by where the answer came from: cache (kept "
                             "answer), computed (one scoring query), shared (waited for the "
                             "query under way).")
                       .Register(*metrics);
    from_cache_ = &family.Add({{"source", "cache"}});
    computed_ = &family.Add({{"source", "computed"}});
    shared_ = &family.Add({{"source", "shared"}});
  }
}

ScreenServer::~ScreenServer() { Stop(); }

absl::Status ScreenServer::Start(const std::string& host, int port) {
  const std::string listen = absl::StrCat(host, ":", port);
  const char* options[] = {"listening_ports", listen.c_str(), "num_threads", "4", nullptr};
  mg_callbacks callbacks{};
  context_ = mg_start(&callbacks, this, options);
  if (context_ == nullptr) return absl::UnavailableError(absl::StrCat("screen: cannot listen on ", listen));
  mg_server_port ports[1];
  if (mg_get_server_ports(context_, 1, ports) < 1) {
    Stop();
    return absl::UnavailableError("screen: no listening port");
  }
  port_ = ports[0].port;
  mg_set_request_handler(context_, "/api/screen", &ScreenServer::HandleApi, this);
  mg_set_request_handler(context_, "/", &ScreenServer::HandlePage, this);
  return absl::OkStatus();
}

void ScreenServer::Stop() {
  if (context_ != nullptr) mg_stop(context_);
  context_ = nullptr;
}

int ScreenServer::HandlePage(mg_connection* conn, void*) {
  const mg_request_info* info = mg_get_request_info(conn);
  const std::string_view uri = info->local_uri ? info->local_uri : "/";
  if (std::string_view(info->request_method) != "GET") {
    Reply(conn, 405, "text/plain; charset=utf-8", "GET only\n");
  } else if (uri == "/" || uri == "/index.html") {
    Reply(conn, 200, "text/html; charset=utf-8", screen::kIndexHtml);
  } else if (uri == "/style.css") {
    Reply(conn, 200, "text/css; charset=utf-8", screen::kStyleCss);
  } else if (uri == "/app.js") {
    Reply(conn, 200, "application/javascript; charset=utf-8", screen::kAppJs);
  } else {
    Reply(conn, 404, "text/plain; charset=utf-8", "not found\n");
  }
  return 1;
}

int ScreenServer::HandleApi(mg_connection* conn, void* self_ptr) {
  auto* self = static_cast<ScreenServer*>(self_ptr);
  if (std::string_view(mg_get_request_info(conn)->request_method) != "GET") {
    Reply(conn, 405, "text/plain; charset=utf-8", "GET only\n");
    return 1;
  }
  ScreenCache::Source source;
  const ScreenCache::Answer answer = self->cache_.Get(&source);
  prometheus::Counter* counter = source == ScreenCache::Source::kCache      ? self->from_cache_
                                 : source == ScreenCache::Source::kComputed ? self->computed_
                                                                            : self->shared_;
  if (counter != nullptr) counter->Increment();
  Reply(conn, answer.http_status,
        answer.http_status == 200 ? "application/json; charset=utf-8" : "application/json",
        answer.body);
  return 1;
}

ScreenCache::Answer ScreenServer::Compute() {
  if (!scoring_) return {503, R"({"error":"scoring: no address configured"})"};
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  // Scoring believes only signed identities; the screen reads as the wall,
  // whose role scoring accepts for GetScreen only (the answer has no personal
  // data and does not depend on the role).
  const v1::GetScreenRequest request;
  server::AttachIdentity(ScreenActor(), scoring_secret_, "/hotline.v1.Scoring/GetScreen", request,
                         &ctx);
  v1::GetScreenResponse screen;
  const grpc::Status status = scoring_->GetScreen(&ctx, request, &screen);
  if (!status.ok()) {
    return {503, absl::StrCat(R"({"error":"scoring: )",
                              status.error_code() == grpc::StatusCode::UNAVAILABLE ? "unavailable"
                                                                                   : "failed",
                              R"("})")};
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  if (!google::protobuf::util::MessageToJsonString(screen, &json, options).ok()) {
    return {500, R"({"error":"cannot encode"})"};
  }
  return {200, std::move(json)};
}

}  // namespace hotline::gateway
