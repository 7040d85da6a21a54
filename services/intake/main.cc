// hotline-intake: takes work orders in, keeps them in Redis, serves the
// directory. Settings come from flags or the environment (--help lists them).
#include <cstdio>

#include "config/flags.h"
#include "directory/directory.h"
#include "intake/intake.h"
#include "intake/intake_service.h"
#include "log/log.h"
#include "orders/redis_order_store.h"
#include "redis/client.h"
#include "server/server.h"
#include "server/server_flags.h"

int main(int argc, char** argv) {
  using namespace hotline;
  server::BlockShutdownSignals();
  log::SetService("intake");

  server::ServerOptions options{.service_name = "intake", .grpc_port = 50052, .metrics_port = 9102};
  std::string redis_address = "127.0.0.1:6379";
  std::string data_dir = "data";
  int redis_connections = 16;
  config::Flags flags("hotline-intake", "takes work orders in and serves the unit directory");
  server::AddServerFlags(flags, &options);
  flags.String("redis", "HOTLINE_REDIS", "Redis host:port", &redis_address);
  flags.Int("redis_connections", "HOTLINE_REDIS_CONNECTIONS",
            "Redis connections (each pipelines many commands)", &redis_connections);
  flags.String("data_dir", "HOTLINE_DATA_DIR",
               "folder with units.textproto and categories.textproto", &data_dir);
  flags.ParseOrExit(argc, argv);

  absl::StatusOr<directory::Directory> dir =
      directory::Directory::Load(data_dir + "/units.textproto", data_dir + "/categories.textproto");
  if (!dir.ok()) {
    log::Error("cannot load the directory", {{"error", dir.status().ToString()}});
    return 1;
  }
  absl::StatusOr<std::pair<std::string, int>> redis_at = redis::ParseAddress(redis_address);
  if (!redis_at.ok() || redis_connections < 1) {
    log::Error("bad --redis or --redis_connections", {{"redis", redis_address}});
    return 2;
  }

  server::Server server(options);
  redis::Client redis(
      redis::Options{
          .host = redis_at->first, .port = redis_at->second, .connections = redis_connections},
      &server.metrics());
  orders::RedisOrderStore store(redis);
  intake::IntakeMetrics metrics(server.metrics());
  intake::Intake core(store, *dir, SystemClock::Get(), metrics);
  intake::IntakeService intake_service(core);
  intake::DirectoryService directory_service(*dir);
  server.AddService(&intake_service, "hotline.v1.Intake");
  server.AddService(&directory_service, "hotline.v1.Directory");

  if (absl::Status s = redis.Execute({"PING"}).status(); !s.ok()) {
    // Not fatal: requests answer UNAVAILABLE until Redis is reachable.
    log::Warning("redis not reachable at start", {{"redis", redis_address}, {"error", s.ToString()}});
  }
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  log::Info("directory loaded", {{"units", absl::StrCat(dir->unit_count())},
                                 {"categories", absl::StrCat(dir->category_count())}});
  server::WaitForShutdownSignal();
  server.Shutdown();
  return 0;
}
