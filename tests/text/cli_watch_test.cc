// `hotline watch-queue`: the request it sends and the lines it prints, against
// an in-process fake gateway that streams canned messages.
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>

#include <sstream>
#include <thread>

#include "tools/hotline/cli_args.h"
#include "tools/hotline/commands.h"
#include "tools/hotline/watch_command.h"
#include "support/cli_harness.h"

namespace hotline::cli {
namespace {

v1::WatchQueueResponse Message(const std::string& position, v1::QueueChange change, const std::string& id = "",
                               v1::OrderState state = v1::ORDER_STATE_UNSPECIFIED,
                               v1::SlaColour colour = v1::SLA_COLOUR_UNSPECIFIED, const std::string& event = "") {
  v1::WatchQueueResponse m;
  m.set_position(position);
  m.set_change(change);
  m.set_order_id(id);
  m.set_state(state);
  m.set_sla_colour(colour);
  m.set_event(event);
  return m;
}

class FakeGateway final : public v1::Hotline::Service {
 public:
  grpc::Status WatchQueue(grpc::ServerContext* ctx, const v1::WatchQueueRequest* request,
                          grpc::ServerWriter<v1::WatchQueueResponse>* writer) override {
    request_ = *request;
    auto auth = ctx->client_metadata().find("authorization");
    if (auth != ctx->client_metadata().end()) authorization_ = std::string(auth->second.data(), auth->second.size());
    writer->Write(Message("5-0", v1::QUEUE_CHANGE_SNAPSHOT, "GZ20261207000001", v1::ORDER_STATE_DISPATCHED,
                          v1::SLA_COLOUR_GREEN));
    writer->Write(Message("5-0", v1::QUEUE_CHANGE_SNAPSHOT_END));
    writer->Write(Message("6-0", v1::QUEUE_CHANGE_ENTERED, "GZ20261207000002", v1::ORDER_STATE_DISPATCHED,
                          v1::SLA_COLOUR_GREEN, "order.dispatch"));
    writer->Write(Message("7-0", v1::QUEUE_CHANGE_SLA, "GZ20261207000001", v1::ORDER_STATE_DISPATCHED,
                          v1::SLA_COLOUR_YELLOW, "order.sla_warning"));
    if (end_with_.ok()) {
      // An endless stream until the client goes: --count must stop it.
      while (!ctx->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return end_with_;
  }
  v1::WatchQueueRequest request_;
  std::string authorization_;
  grpc::Status end_with_ = grpc::Status::OK;
};

using Harness = testing::CliHarness<FakeGateway>;

TEST_CASE("watch-queue prints one line per message and stops after --count changes", "[cli]") {
  Harness h;
  REQUIRE(h.Run({"watch-queue", "440106", "--from", "4-0", "--count", "2", "--token", "tok-123"}) == ExitCode::kOk);
  CHECK(h.gateway.request_.unit_code() == "440106");
  CHECK(h.gateway.request_.from_position() == "4-0");
  CHECK(h.gateway.authorization_ == "Bearer tok-123");
  CHECK(h.out.str() ==
        "5-0  snapshot  GZ20261207000001  dispatched  green\n"
        "5-0  snapshot_end\n"
        "6-0  entered  GZ20261207000002  dispatched  green  order.dispatch\n"
        "7-0  sla  GZ20261207000001  dispatched  yellow  order.sla_warning\n");
}

TEST_CASE("watch-queue reports how the stream ended, and wants a unit", "[cli]") {
  Harness h;
  h.gateway.end_with_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "dispatch is stopping");
  CHECK(h.Run({"watch-queue", "440106"}) == ExitCode::kRpcFailed);
  CHECK_THAT(h.err.str(), Catch::Contains("UNAVAILABLE: dispatch is stopping"));
  CHECK_FALSE(ParseCommandLine({"watch-queue"}, {}).ok());
  CHECK(h.Run({"watch-queue", "440106", "--count", "0"}) == ExitCode::kUsage);
}

TEST_CASE("a reset snapshot says so") {
  v1::WatchQueueResponse end = Message("9-1", v1::QUEUE_CHANGE_SNAPSHOT_END);
  end.set_reset(true);
  CHECK_THAT(FormatQueueChange(end), Catch::StartsWith("9-1  snapshot_end  (reset"));
}

}  // namespace
}  // namespace hotline::cli
