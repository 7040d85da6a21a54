#include "sla/archive_reader.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "archive/archive_store.h"
#include "archive/pg.h"
#include "log/log.h"

namespace hotline::sla {

void AddArchiveFlags(config::Flags& flags, ArchiveFlags* out) {
  flags.String("postgres", "HOTLINE_POSTGRES",
               "libpq connection string of the archive tier (libs/archive); empty: the SLA view of an "
               "order moved out of Redis is NOT_FOUND",
               &out->postgres);
  flags.Int("postgres_connections", "HOTLINE_POSTGRES_CONNECTIONS", "connections (and threads) reading the archive",
            &out->connections);
}

void ReadArchivedOrders(server::ServiceRunner& runner, const ArchiveFlags& flags, Monitor& monitor) {
  if (flags.postgres.empty()) return;
  auto& pool = runner.Make<archive::PgPool>(flags.postgres, std::max(1, flags.connections));
  monitor.ReadArchive([&pool](const std::string& id) -> absl::StatusOr<v1::WorkOrder> {
    absl::StatusOr<v1::WorkOrder> order = absl::UnknownError("not read");
    absl::Notification done;
    pool.Submit([&](archive::PgConnection& pg) {
      // The whole history: the timeline is built from every step (2^20
      // entries is beyond any order, and far from int overflow in SQL).
      absl::StatusOr<archive::StoredOrder> stored = archive::ReadOrder(pg, id, {.offset = 0, .limit = 1 << 20});
      order = stored.ok() ? archive::ToWorkOrder(id, *stored) : stored.status();
      done.Notify();
    });
    done.WaitForNotification();
    return order;
  });
  log::Info("archive tier on", {{"postgres_connections", absl::StrCat(flags.connections)}});
}

}  // namespace hotline::sla
