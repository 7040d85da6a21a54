// hotline-knowledge: the knowledge base. Store of record in Redis; each
// replica keeps its own in-memory search index, built at start and kept
// current from the change stream. Several replicas may run.
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "audit/audit_log.h"
#include "audit/read_recorder.h"
#include "config/flags.h"
#include "config/text_proto.h"
#include "directory/directory.h"
#include "knowledge/change_follower.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/knowledge_service.h"
#include "knowledge_points/redis_knowledge_store.h"
#include "knowledge/search_index.h"
#include "knowledge_points/seed.h"
#include "log/log.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "redis/health_probe.h"
#include "refdata/directory_source.h"
#include "server/dependency_watch.h"
#include "server/server.h"
#include "server/server_flags.h"

int main(int argc, char** argv) {
  using namespace hotline;
  server::BlockShutdownSignals();
  log::SetService("knowledge");

  server::ServerOptions options{.service_name = "knowledge", .grpc_port = 50055, .metrics_port = 9105};
  redis::RedisFlags redis_flags;
  std::string data_dir = "data";
  std::string knowledge_dir;
  std::string search_settings_path;
  bool load_seed = false;
  knowledge::ChangeFollowerOptions follower_options;
  config::Flags flags("hotline-knowledge", "the knowledge base: search, points, versions");
  server::AddServerFlags(flags, &options);
  redis::AddRedisFlags(flags, &redis_flags);
  flags.String("data_dir", "HOTLINE_DATA_DIR", "folder with units and categories .textproto",
               &data_dir);
  flags.String("knowledge_dir", "HOTLINE_KNOWLEDGE_DIR",
               "seed points and synonyms (default <data_dir>/knowledge)", &knowledge_dir);
  flags.String("search_settings", "HOTLINE_SEARCH_SETTINGS",
               "stopwords and field weights (default <data_dir>/knowledge_search.textproto)",
               &search_settings_path);
  flags.Bool("load_seed", "HOTLINE_LOAD_SEED",
             "store the seed points Redis does not have yet (published), at start", &load_seed);
  flags.Duration("index_check_interval", "HOTLINE_INDEX_CHECK_INTERVAL",
                 "how often the search index's versions are compared with Redis (drift fixed)",
                 &follower_options.drift_check_interval);
  refdata::LiveOptions refdata_options;
  refdata::AddLiveFlags(flags, &refdata_options);
  flags.ParseOrExit(argc, argv);
  if (follower_options.drift_check_interval <= absl::ZeroDuration()) {
    log::Error("--index_check_interval must be positive");
    return 2;
  }
  if (knowledge_dir.empty()) knowledge_dir = data_dir + "/knowledge";
  if (search_settings_path.empty()) search_settings_path = data_dir + "/knowledge_search.textproto";

  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags);
  if (!redis_options.ok()) {
    log::Error("bad Redis settings", {{"error", redis_options.status().ToString()}});
    return 2;
  }
  server::Server server(options);
  redis::Client redis(*redis_options, &server.metrics());
  // The directory from Redis (seeded from data/ when it has none), followed
  // live (libs/refdata). The seed points are checked against it at start.
  refdata::RefStore ref_store(redis);
  refdata_options.data_dir = data_dir;
  absl::StatusOr<std::unique_ptr<refdata::Live<directory::Directory>>> dir =
      refdata::MakeLiveDirectory(ref_store, refdata_options);
  if (!dir.ok()) {
    log::Error("cannot load the directory", {{"error", dir.status().ToString()}});
    return 1;
  }
  // The city (time zone, centre, order prefix) in force at start, for every
  // thread after (clock/city.h).
  refdata::LiveOptions city_options = refdata_options;
  if (refdata::FromDataDir((*dir)->versions())) city_options.redis_wait = absl::ZeroDuration();
  if (absl::StatusOr<directory::City> city = refdata::AdoptCity(ref_store, city_options); !city.ok()) {
    log::Error("cannot load the city profile", {{"error", city.status().ToString()}});
    return 1;
  }
  const std::shared_ptr<const directory::Directory> start_directory = (*dir)->Current();
  auto unit_exists = [&](absl::string_view code) { return start_directory->FindUnit(code) != nullptr; };
  absl::StatusOr<knowledge::SeedBase> seed = knowledge::LoadSeedDir(knowledge_dir, unit_exists);
  if (!seed.ok()) {
    log::Error("cannot load the knowledge seed", {{"error", seed.status().ToString()}});
    return 1;
  }
  v1::KnowledgeSearchSettings settings;
  if (absl::Status s = config::ReadTextProto(search_settings_path, &settings); !s.ok()) {
    log::Error("cannot load the search settings", {{"error", s.ToString()}});
    return 1;
  }
  knowledge::RedisKnowledgeStore store(redis);
  knowledge::SearchIndex index(settings, seed->synonyms);
  knowledge::KnowledgeBase base(store, index, **dir, SystemClock::Get());
  (*dir)->Start();
  // Reads of the unanswered queries go to the access log (libs/audit).
  audit::AuditLog access_log(redis, audit::AuditKeys(store.keys().prefix()));
  audit::ReadRecorder reads(access_log, SystemClock::Get());
  knowledge::KnowledgeService service(base, server.metrics(), reads);
  server.AddService(&service, "hotline.v1.Knowledge");
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  // NOT_SERVING on grpc.health.v1 while Redis is unreachable (issue 20).
  server::DependencyWatch redis_health(server, "redis", [&redis] { return redis::Answers(redis); });

  // The follower blocks on XREAD, so it gets connections of its own.
  redis::Options follow_options = *redis_options;
  follow_options.connections = 2;
  redis::Client follow_redis(follow_options);
  knowledge::ChangeFollower follower(follow_redis, store.keys(), index, base, server.metrics(),
                                     follower_options);
  follower.Start();

  // Seeding waits for Redis like the follower; points already stored stay as they are.
  std::atomic<bool> stopping{false};
  std::thread seeder;
  if (load_seed) {
    seeder = std::thread([&] {
      while (!stopping) {
        absl::StatusOr<int> written = base.LoadSeed(*seed);
        if (written.ok()) {
          log::Info("seed loaded", {{"points", absl::StrCat(seed->points.size())},
                                    {"written", absl::StrCat(*written)}});
          return;
        }
        log::Warning("cannot load the seed yet; retrying", {{"error", written.status().ToString()}});
        absl::SleepFor(absl::Seconds(1));
      }
    });
  }
  log::Info("knowledge loaded", {{"seed_points", absl::StrCat(seed->points.size())},
                        {"synonym_groups", absl::StrCat(seed->synonyms.groups_size())}});
  server::WaitForShutdownSignal();
  stopping = true;
  if (seeder.joinable()) seeder.join();
  follower.Stop();
  server.Shutdown();
  (*dir)->Stop();
  return 0;
}
