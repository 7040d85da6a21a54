#pragma once
// `hotline watch-queue UNIT`: a unit's queue live (WatchQueue), one line per
// message as it comes, until the stream ends, --count changes came, or the
// command is interrupted. Each line starts with the stream position to pass
// to --from after a disconnect.
#include <string>

#include "hotline/v1/dispatch.pb.h"
#include "tools/hotline/commands.h"

namespace hotline::cli {

// "1765100000000-3  entered  GZ20261207000001  dispatched  yellow  order.dispatch"
std::string FormatQueueChange(const v1::WatchQueueResponse& message);

ExitCode RunWatchQueue(const CommandLine& cl, HotlineStub& stub, Output io);

}  // namespace hotline::cli
