#include "tools/hotline/watch_command.h"

#include <grpcpp/client_context.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "enums/enum_names.h"
#include "tools/hotline/rpc_call.h"

namespace hotline::cli {
namespace {

// "entered" from QUEUE_CHANGE_ENTERED, "yellow" from SLA_COLOUR_YELLOW.
std::string Lower(const std::string& name, absl::string_view prefix) {
  return absl::AsciiStrToLower(absl::StripPrefix(name, prefix));
}

}  // namespace

std::string FormatQueueChange(const v1::WatchQueueResponse& m) {
  std::vector<std::string> parts = {m.position(), Lower(v1::QueueChange_Name(m.change()), "QUEUE_CHANGE_")};
  if (m.change() == v1::QUEUE_CHANGE_SNAPSHOT_END) {
    if (m.reset()) parts.push_back("(reset: the stream no longer held the position; this snapshot replaces all)");
    return absl::StrJoin(parts, "  ");
  }
  parts.push_back(m.order_id());
  parts.push_back(enums::ShortName(m.state()));
  if (m.sla_colour() != v1::SLA_COLOUR_UNSPECIFIED) {
    parts.push_back(Lower(v1::SlaColour_Name(m.sla_colour()), "SLA_COLOUR_"));
  }
  if (!m.event().empty()) parts.push_back(m.event());
  if (!m.mark().empty()) parts.push_back(m.mark());
  return absl::StrJoin(parts, "  ");
}

ExitCode RunWatchQueue(const CommandLine& cl, HotlineStub& stub, Output io) {
  if (cl.positional.size() != 1) {
    io.err << "error: 'watch-queue' needs the UNIT whose queue to watch\n";
    return ExitCode::kUsage;
  }
  int64_t count = 0;  // 0: no end
  if (cl.Has("count") && (!absl::SimpleAtoi(cl.Get("count"), &count) || count <= 0)) {
    io.err << "error: --count wants a positive number; got '" << cl.Get("count") << "'\n";
    return ExitCode::kUsage;
  }
  v1::WatchQueueRequest request;
  request.set_unit_code(cl.positional[0]);
  request.set_from_position(cl.Get("from"));
  // No deadline: a watch runs until it is stopped.
  grpc::ClientContext ctx;
  if (!cl.global.token.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", cl.global.token));
  std::unique_ptr<grpc::ClientReaderInterface<v1::WatchQueueResponse>> reader = stub.WatchQueue(&ctx, request);
  v1::WatchQueueResponse m;
  int64_t changes = 0;
  while (reader->Read(&m)) {
    if (cl.global.json) {
      if (ExitCode printed = PrintMessageJson(m, io); printed != ExitCode::kOk) return printed;
    } else {
      io.out << FormatQueueChange(m) << std::endl;  // flushed: a live view
    }
    const bool snapshot = m.change() == v1::QUEUE_CHANGE_SNAPSHOT || m.change() == v1::QUEUE_CHANGE_SNAPSHOT_END;
    if (!snapshot && count > 0 && ++changes >= count) {
      ctx.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (status.ok() || (count > 0 && changes >= count)) return ExitCode::kOk;
  PrintCallError(status, cl, io);
  return ExitCode::kRpcFailed;
}

}  // namespace hotline::cli
