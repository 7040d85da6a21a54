#include "tools/desktop/gateway.h"

#include <grpcpp/create_channel.h>

#include "absl/strings/str_cat.h"
#include "server/channel_tls.h"

namespace hotline::desktop {

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Open(const GatewayOptions& options) {
  server::ChannelTls tls;
  tls.ca_file = options.tls_ca;
  tls.system_roots = options.tls_system;
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      server::ChannelCredentialsFrom(tls);
  if (!credentials.ok()) return credentials.status();
  // Reconnect quickly after a gateway restart (gRPC's default backoff grows
  // to two minutes): a submit waiting for it goes through within a second.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return std::unique_ptr<Gateway>(
      new Gateway(options, grpc::CreateCustomChannel(options.address, *credentials, args)));
}

Gateway::Gateway(GatewayOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)), channel_(std::move(channel)), stub_(v1::Hotline::NewStub(channel_)) {
  // Calls block their worker; a few at once (a search while the phone lookup
  // and a submit are out) is all a desk needs.
  pool_.setMaxThreadCount(6);
}

std::unique_ptr<grpc::ClientContext> Gateway::Context(std::chrono::milliseconds timeout) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
  if (!options_.token.empty()) ctx->AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
  return ctx;
}

}  // namespace hotline::desktop
