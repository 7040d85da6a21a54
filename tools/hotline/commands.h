#pragma once
// The subcommands of the `hotline` CLI, one function each. A command builds
// its request from the command line, makes one call to the gateway's
// hotline.v1.Hotline service (with the global deadline and bearer token), and
// prints the answer: text for people, or with --json the response message as
// one JSON object. Errors go to `err`:
//   usage error   "error: <what is wrong with which flag>"    -> ExitCode::kUsage
//   call failed   "error: INVALID_ARGUMENT: <server message>" -> ExitCode::kRpcFailed
// Not thread-safe: each call writes to the given streams.
#include <ostream>

#include "absl/status/statusor.h"
#include "hotline/v1/gateway.grpc.pb.h"
#include "tools/hotline/cli_args.h"
#include "tools/hotline/names.h"

namespace hotline::cli {

enum class ExitCode : int { kOk = 0, kRpcFailed = 1, kUsage = 2 };

struct Output {
  std::ostream& out;
  std::ostream& err;
};

using HotlineStub = v1::Hotline::StubInterface;

ExitCode RunWhoAmI(const CommandLine& cl, HotlineStub& stub, Output io);
ExitCode RunCreate(const CommandLine& cl, HotlineStub& stub, Output io);
ExitCode RunGet(const CommandLine& cl, HotlineStub& stub, Output io);
ExitCode RunList(const CommandLine& cl, HotlineStub& stub, Output io);
ExitCode RunAct(const CommandLine& cl, HotlineStub& stub, Output io);
ExitCode RunQueue(const CommandLine& cl, HotlineStub& stub, Output io);
ExitCode RunUnits(const CommandLine& cl, HotlineStub& stub, Output io);
ExitCode RunCategories(const CommandLine& cl, HotlineStub& stub, Output io);
// SLA (tables in sla_commands.h).
ExitCode RunSla(const CommandLine& cl, HotlineStub& stub, Output io);
ExitCode RunDeadlines(const CommandLine& cl, HotlineStub& stub, Output io);
ExitCode RunExtend(const CommandLine& cl, HotlineStub& stub, Output io);
ExitCode RunExtension(const CommandLine& cl, HotlineStub& stub, Output io);
ExitCode RunCalendar(const CommandLine& cl, HotlineStub& stub, Output io);
// The access log (auditors and administrators).
ExitCode RunAudit(const CommandLine& cl, HotlineStub& stub, Output io);
absl::StatusOr<v1::ListAuditEntriesRequest> BuildAuditRequest(const CommandLine& cl);
std::string FormatAuditEntries(const v1::ListAuditEntriesResponse& response);

// Runs `cl.command`; kUsage for a command it does not know.
ExitCode RunCommand(const CommandLine& cl, HotlineStub& stub, Output io);

// Requests from flags. INVALID_ARGUMENT, naming the flag, for a value that is
// malformed, out of range or not in the enum, or flags that go together given
// alone. Field rules that only the server knows (code formats, lengths) are
// left to the server.
absl::StatusOr<v1::CreateWorkOrderRequest> BuildCreateRequest(const CommandLine& cl);
absl::StatusOr<v1::ListWorkOrdersRequest> BuildListRequest(const CommandLine& cl);
absl::StatusOr<v1::ListUnitsRequest> BuildListUnitsRequest(const CommandLine& cl);
// ORDER_ID and ACTION are the two positional arguments. Which fields an action
// needs (--unit, --rating ...) is for the server's state machine to say.
absl::StatusOr<v1::ActRequest> BuildActRequest(const CommandLine& cl);
// --state takes to-sign, in-progress, replied, sent-back or any state's name.
absl::StatusOr<v1::ListQueueRequest> BuildQueueRequest(const CommandLine& cl);

// The human-readable order: aligned "label: value" lines (units and
// categories with their names when `names` knows them), then the history
// table when the order carries one.
std::string FormatOrder(const v1::WorkOrder& order, const Names& names = Names());

}  // namespace hotline::cli
