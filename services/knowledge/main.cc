// hotline-knowledge: the knowledge base. Store of record in Redis; each
// replica keeps its own search index, built at start (or kept on disk and
// caught up) and kept current from the change stream. Several replicas may run.
#include <atomic>
#include <thread>

#include "audit/audit_log.h"
#include "audit/read_recorder.h"
#include "config/text_proto.h"
#include "knowledge/change_follower.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/knowledge_service.h"
#include "knowledge/search_index.h"
#include "knowledge_points/redis_knowledge_store.h"
#include "knowledge_points/seed.h"
#include "log/log.h"
#include "refdata/directory_source.h"
#include "server/service_runner.h"

int main(int argc, char** argv) {
  using namespace hotline;
  server::ServiceRunner runner({.server = {.service_name = "knowledge", .grpc_port = 50055, .metrics_port = 9105},
                                .summary = "the knowledge base: search, points, versions",
                                .data_dir_help = "folder with units and categories .textproto"});
  std::string knowledge_dir, search_settings_path, index_dir;
  bool load_seed = false;
  knowledge::ChangeFollowerOptions follower_options;
  config::Flags& flags = runner.flags();
  flags.String("knowledge_dir", "HOTLINE_KNOWLEDGE_DIR", "seed points and synonyms (default <data_dir>/knowledge)",
               &knowledge_dir);
  flags.String("search_settings", "HOTLINE_SEARCH_SETTINGS",
               "stopwords and field weights (default <data_dir>/knowledge_search.textproto)", &search_settings_path);
  flags.Bool("load_seed", "HOTLINE_LOAD_SEED", "store the seed points Redis does not have yet (published), at start",
             &load_seed);
  flags.String("index_dir", "HOTLINE_INDEX_DIR",
               "keep the search index in this folder across restarts (a replica-N subfolder per "
               "running replica) and catch up from the change stream at start; default: a "
               "temporary folder, rebuilt from Redis at every start",
               &index_dir);
  flags.Duration("index_check_interval", "HOTLINE_INDEX_CHECK_INTERVAL",
                 "how often the search index's versions are compared with Redis (drift fixed)",
                 &follower_options.drift_check_interval);
  return runner.Run(argc, argv, [&](server::ServiceRunner& s) -> absl::Status {
    if (follower_options.drift_check_interval <= absl::ZeroDuration()) {
      return server::Fail(2, "--index_check_interval must be positive");
    }
    if (knowledge_dir.empty()) knowledge_dir = s.data_dir() + "/knowledge";
    if (search_settings_path.empty()) search_settings_path = s.data_dir() + "/knowledge_search.textproto";
    // The directory followed live; the seed points are checked against it at start.
    absl::StatusOr<refdata::Live<directory::Directory>*> dir = s.Reference(refdata::MakeLiveDirectory, "cannot load the directory");
    if (!dir.ok()) return dir.status();
    const std::shared_ptr<const directory::Directory> start_directory = (*dir)->Current();
    auto unit_exists = [&](absl::string_view code) { return start_directory->FindUnit(code) != nullptr; };
    absl::StatusOr<knowledge::SeedBase> loaded = knowledge::LoadSeedDir(knowledge_dir, unit_exists);
    if (!loaded.ok()) return server::Fail(1, "cannot load the knowledge seed", loaded.status());
    auto& seed = s.Make<knowledge::SeedBase>(*std::move(loaded));
    v1::KnowledgeSearchSettings settings;
    if (absl::Status st = config::ReadTextProto(search_settings_path, &settings); !st.ok()) {
      return server::Fail(1, "cannot load the search settings", st);
    }
    auto& store = s.Make<knowledge::RedisKnowledgeStore>(s.redis());
    knowledge::SearchIndex* made = nullptr;
    try {
      made = &s.Make<knowledge::SearchIndex>(settings, seed.synonyms, index_dir);
    } catch (const std::runtime_error& e) {
      return server::Fail(1, "cannot open the search index folder", absl::InternalError(e.what()));
    }
    auto& index = *made;
    log::Info("search index folder", {{"dir", index.dir()}, {"found", index.opened()}});
    auto& base = s.Make<knowledge::KnowledgeBase>(store, index, **dir, s.clock());
    // Reads of the unanswered queries go to the access log (libs/audit).
    auto& access_log = s.Make<audit::AuditLog>(s.redis(), audit::AuditKeys(store.keys().prefix()));
    auto& reads = s.Make<audit::ReadRecorder>(access_log, s.clock());
    s.Serve(s.Make<knowledge::KnowledgeService>(base, s.metrics(), reads), "hotline.v1.Knowledge");
    // The follower blocks on XREAD, so it gets connections of its own.
    s.Background(s.Make<knowledge::ChangeFollower>(s.OwnRedis(2), store.keys(), index, base, s.metrics(),
                                                   follower_options));
    // Seeding waits for Redis like the follower; points already stored stay as they are.
    if (load_seed) {
      auto& stopping = s.Make<std::atomic<bool>>(false);
      auto& seeder = s.Make<std::thread>();
      s.Background([&] { return seeder = std::thread([&] { base.LoadSeedRetrying(seed, stopping); }),
                               absl::OkStatus(); },
                   [&] { stopping = true; seeder.join(); });
    }
    log::Info("knowledge loaded", {{"seed_points", absl::StrCat(seed.points.size())},
                                   {"synonym_groups", absl::StrCat(seed.synonyms.groups_size())}});
    return absl::OkStatus();
  });
}
