#pragma once
// How the gateway tells backends who is calling: three metadata entries set on
// the backend call. Backends trust them; only the gateway is reachable from
// outside (see deploy/ for the network layout).
#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <optional>

#include "hotline/v1/work_order.pb.h"

namespace hotline::server {

void AttachIdentity(const v1::Actor& actor, grpc::ClientContext* context);
// nullopt when the call carries no (or an incomplete) identity.
std::optional<v1::Actor> IdentityOf(const grpc::ServerContextBase& context);

}  // namespace hotline::server
