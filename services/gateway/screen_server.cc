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

ScreenServer::ScreenServer(std::shared_ptr<grpc::Channel> scoring, absl::Duration timeout)
    : scoring_(scoring ? v1::Scoring::NewStub(scoring) : nullptr), timeout_(timeout) {}

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
  if (!self->scoring_) {
    Reply(conn, 503, "application/json", R"({"error":"scoring: no address configured"})");
    return 1;
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + self->timeout_));
  // Scoring believes only signed identities; the screen reads as the centre's
  // wall (its answer has no personal data and does not depend on the role).
  v1::Actor wall;
  wall.set_user_id("big-screen");
  wall.set_role(v1::ROLE_SUPERVISOR);
  wall.set_unit_code("GZ12345");
  server::AttachIdentity(wall, &ctx);
  v1::GetScreenResponse screen;
  const grpc::Status status = self->scoring_->GetScreen(&ctx, v1::GetScreenRequest(), &screen);
  if (!status.ok()) {
    Reply(conn, 503, "application/json",
          absl::StrCat(R"({"error":"scoring: )", grpc::StatusCode(status.error_code()) == grpc::StatusCode::UNAVAILABLE
                                                     ? "unavailable"
                                                     : "failed",
                       R"("})"));
    return 1;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  if (!google::protobuf::util::MessageToJsonString(screen, &json, options).ok()) {
    Reply(conn, 500, "application/json", R"({"error":"cannot encode"})");
    return 1;
  }
  Reply(conn, 200, "application/json; charset=utf-8", json);
  return 1;
}

}  // namespace hotline::gateway
