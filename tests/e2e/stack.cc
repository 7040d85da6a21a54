#include "e2e/stack.h"

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "support/free_port.h"

namespace hotline::testing {

Stack::Stack(const std::string& appendfsync) {
  char tmpl[] = "/tmp/hotline-e2e-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  redis_ = std::make_unique<RedisServer>(RedisServer::Options{.appendfsync = appendfsync});

  std::ofstream(dir_ + "/tokens.textproto")
      << "tokens { token: \"" << kAgentToken
      << "\" user_id: \"agent-t1\" display_name: \"测试坐席\" role: ROLE_AGENT unit_code: "
         "\"GZ12345\" }\n"
      << "tokens { token: \"" << kHandlerToken
      << "\" user_id: \"handler-t1\" display_name: \"天河区处理人\" role: ROLE_UNIT_HANDLER "
         "unit_code: \"440106\" }\n";

  intake_port_ = FreePort();
  intake_metrics_ = FreePort();
  gateway_port_ = FreePort();
  gateway_metrics_ = FreePort();
  intake_ = std::make_unique<ServiceProcess>(
      HOTLINE_INTAKE_BIN,
      std::vector<std::string>{"--host=127.0.0.1", absl::StrCat("--grpc_port=", intake_port_),
                               absl::StrCat("--metrics_port=", intake_metrics_),
                               "--redis=" + redis_->address(),
                               std::string("--data_dir=") + HOTLINE_SOURCE_DIR + "/data"},
      dir_ + "/intake.log");
  gateway_ = std::make_unique<ServiceProcess>(
      HOTLINE_GATEWAY_BIN,
      std::vector<std::string>{"--host=127.0.0.1", absl::StrCat("--grpc_port=", gateway_port_),
                               absl::StrCat("--metrics_port=", gateway_metrics_),
                               "--intake=" + intake_address(),
                               "--tokens=" + dir_ + "/tokens.textproto"},
      dir_ + "/gateway.log");
  if (!WaitForServing(intake_address(), absl::Seconds(20))) {
    throw std::runtime_error("intake did not become SERVING:\n" + intake_->Log());
  }
  if (!WaitForServing(gateway_address(), absl::Seconds(20))) {
    throw std::runtime_error("gateway did not become SERVING:\n" + gateway_->Log());
  }
  redis_client_ = std::make_unique<redis::Client>(
      redis::Options{.port = redis_->port(), .connections = 2});
}

Stack::~Stack() {
  redis_client_.reset();
  gateway_.reset();
  intake_.reset();
  redis_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string Stack::gateway_address() const { return absl::StrCat("127.0.0.1:", gateway_port_); }
std::string Stack::intake_address() const { return absl::StrCat("127.0.0.1:", intake_port_); }

std::unique_ptr<v1::Hotline::Stub> Stack::NewClient() const {
  return v1::Hotline::NewStub(
      grpc::CreateChannel(gateway_address(), grpc::InsecureChannelCredentials()));
}

long long Stack::OrderCount() {
  absl::StatusOr<redis::Reply> r = redis_client_->Execute({"ZCARD", "hotline:idx:all"});
  return r.ok() ? r->integer : -1;
}

long long Stack::EventCount() {
  absl::StatusOr<redis::Reply> r = redis_client_->Execute({"XLEN", "hotline:events"});
  return r.ok() ? r->integer : -1;
}

std::unique_ptr<grpc::ClientContext> CallContext(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return ctx;
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

}  // namespace hotline::testing
