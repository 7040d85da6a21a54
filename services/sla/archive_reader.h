#pragma once
// The SLA view of archived orders: with --postgres (HOTLINE_POSTGRES), the
// monitor's Get reads an order Redis no longer holds from the archive tier
// (libs/archive), whole history and all, so GetOrderSla answers for last
// year's order as for today's. One primary-key query per read, on a small
// pool of connections; the calling handler waits for it.
#include <string>

#include "config/flags.h"
#include "server/service_runner.h"
#include "sla/monitor.h"

namespace hotline::sla {

struct ArchiveFlags {
  std::string postgres;  // libpq connection string; empty: live orders only
  int connections = 2;
};
void AddArchiveFlags(config::Flags& flags, ArchiveFlags* out);

// Gives `monitor` a reader of the archive tier when flags.postgres is set
// (the pool is owned by the runner).
void ReadArchivedOrders(server::ServiceRunner& runner, const ArchiveFlags& flags, Monitor& monitor);

}  // namespace hotline::sla
