#pragma once
// The personal-data and trail commands of the `hotline` CLI: reveal a
// caller's number (with a reason), look a caller's orders up by phone, and
// verify orders' hash-chained histories.
#include <string>

#include "absl/status/statusor.h"
#include "hotline/v1/intake.pb.h"
#include "tools/hotline/commands.h"

namespace hotline::cli {

ExitCode RunReveal(const CommandLine& cl, HotlineStub& stub, Output io);
ExitCode RunLookupPhone(const CommandLine& cl, HotlineStub& stub, Output io);
// Exits kRpcFailed (1) when a trail is broken, so scripts can alert on it.
ExitCode RunVerify(const CommandLine& cl, HotlineStub& stub, Output io);

// Requests from flags; INVALID_ARGUMENT naming the flag. Pure.
absl::StatusOr<v1::RevealCallerPhoneRequest> BuildRevealRequest(const CommandLine& cl);
absl::StatusOr<v1::FindOrdersByPhoneRequest> BuildLookupPhoneRequest(const CommandLine& cl);
absl::StatusOr<v1::VerifyOrderTrailRequest> BuildVerifyRequest(const CommandLine& cl);

// "GZ... 完整 (intact), 12 entries" or the first problem, one line per order.
std::string FormatVerify(const v1::VerifyOrderTrailResponse& response);

}  // namespace hotline::cli
