#include "tools/hotline/health_probe.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <catch2/catch.hpp>
#include <string>

#include "hotline/v1/gateway.grpc.pb.h"
#include "support/free_port.h"

namespace hotline::cli {
namespace {

TEST_CASE("Health check messages encode and decode by hand", "[cli][health]") {
  CHECK(EncodeHealthCheckRequest("").empty());
  CHECK(EncodeHealthCheckRequest("hotline.v1.Hotline") ==
        std::string("\x0A\x12") + "hotline.v1.Hotline");
  const std::string long_name(200, 'x');  // the length takes a two-byte varint
  CHECK(EncodeHealthCheckRequest(long_name) == std::string("\x0A\xC8\x01") + long_name);

  CHECK(*DecodeHealthCheckResponse("") == ServingStatus::kUnknown);
  CHECK(*DecodeHealthCheckResponse("\x08\x01") == ServingStatus::kServing);
  CHECK(*DecodeHealthCheckResponse("\x08\x02") == ServingStatus::kNotServing);
  // Unknown fields of every wire type are skipped.
  CHECK(*DecodeHealthCheckResponse(std::string("\x12\x02hi\x18\x05\x21", 7) + std::string(8, '\0') +
                                   std::string("\x2D\0\0\0\0\x08\x01", 7)) ==
        ServingStatus::kServing);

  CHECK_FALSE(DecodeHealthCheckResponse("\x08").ok());        // value missing
  CHECK_FALSE(DecodeHealthCheckResponse("\x12\x05hi").ok());  // length past the end
  CHECK_FALSE(DecodeHealthCheckResponse("\x0B").ok());        // group wire type
}

TEST_CASE("CheckHealth asks a real server", "[cli][health]") {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // gRPC builds no server without a service of its own; any will do.
  v1::Hotline::Service unimplemented;
  builder.RegisterService(&unimplemented);
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  REQUIRE(server != nullptr);
  REQUIRE(port > 0);
  server->GetHealthCheckService()->SetServingStatus("hotline.v1.Hotline", true);
  server->GetHealthCheckService()->SetServingStatus("hotline.v1.Intake", false);
  const auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());

  absl::StatusOr<ServingStatus> whole = CheckHealth(channel, "", absl::Seconds(5));
  REQUIRE(whole.ok());
  CHECK(*whole == ServingStatus::kServing);

  absl::StatusOr<ServingStatus> serving =
      CheckHealth(channel, "hotline.v1.Hotline", absl::Seconds(5));
  REQUIRE(serving.ok());
  CHECK(*serving == ServingStatus::kServing);

  absl::StatusOr<ServingStatus> not_serving =
      CheckHealth(channel, "hotline.v1.Intake", absl::Seconds(5));
  REQUIRE(not_serving.ok());
  CHECK(*not_serving == ServingStatus::kNotServing);

  CHECK(CheckHealth(channel, "no.such.Service", absl::Seconds(5)).status().code() ==
        absl::StatusCode::kNotFound);

  // Shutting down: the default service answers NOT_SERVING for everything.
  server->GetHealthCheckService()->SetServingStatus(false);
  CHECK(*CheckHealth(channel, "", absl::Seconds(5)) == ServingStatus::kNotServing);
  server->Shutdown();
}

TEST_CASE("CheckHealth reports a server that is not there", "[cli][health]") {
  const auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(testing::FreePort()),
                                           grpc::InsecureChannelCredentials());
  absl::StatusOr<ServingStatus> status = CheckHealth(channel, "", absl::Seconds(5));
  CHECK(status.status().code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("Serving status names", "[cli][health]") {
  CHECK(ServingStatusName(ServingStatus::kServing) == "SERVING");
  CHECK(ServingStatusName(ServingStatus::kNotServing) == "NOT_SERVING");
}

}  // namespace
}  // namespace hotline::cli
