#include "refdata/live.h"

#include <google/protobuf/message.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "config/flags.h"
#include "log/log.h"
#include "refdata/kinds.h"

namespace hotline::refdata {

void AddLiveFlags(config::Flags& flags, LiveOptions* options) {
  flags.Duration("refdata_poll", "HOTLINE_REFDATA_POLL",
                 "how often the reference data versions are read (a load is used within this)",
                 &options->poll_interval);
  flags.Duration("refdata_wait", "HOTLINE_REFDATA_WAIT",
                 "at start, how long to wait for Redis before using data/ as is",
                 &options->redis_wait);
}

void RefSnapshot::Put(RefRecord record) {
  std::string kind = record.kind;
  records_[kind] = std::move(record);
}

absl::StatusOr<const RefRecord*> RefSnapshot::Get(const std::string& kind) const {
  auto it = records_.find(kind);
  if (it == records_.end())
    return absl::InternalError(absl::StrCat("refdata: the snapshot has no ", kind));
  return &it->second;
}

std::string RefSnapshot::Origin(const std::string& kind) const {
  auto it = records_.find(kind);
  if (it == records_.end()) return kind;
  if (it->second.version == 0) return absl::StrCat(kind, " (", it->second.file, ")");
  return absl::StrCat(kind, " v", it->second.version);
}

absl::Status RefSnapshot::Parse(const std::string& kind, google::protobuf::Message* out) const {
  absl::StatusOr<const RefRecord*> record = Get(kind);
  if (!record.ok()) return record.status();
  return ParseStored((*record)->content, Origin(kind), out);
}

std::map<std::string, int64_t> RefSnapshot::versions() const {
  std::map<std::string, int64_t> out;
  for (const auto& [kind, record] : records_) out[kind] = record.version;
  return out;
}

RefWatcher::RefWatcher(RefStore& store, std::vector<std::string> kinds, LiveOptions options,
                       Apply apply, std::string name)
    : store_(store),
      kinds_(std::move(kinds)),
      options_(std::move(options)),
      apply_(std::move(apply)),
      name_(std::move(name)) {}

RefWatcher::~RefWatcher() { Stop(); }

absl::Status RefWatcher::SeedMissing(const std::map<std::string, int64_t>& versions) {
  for (const auto& [kind, version] : versions) {
    if (version != 0) continue;
    const KindInfo* info = FindKind(kind);
    if (info == nullptr) return absl::InvalidArgumentError(absl::StrCat("kind: \"", kind, "\" is unknown"));
    const std::string path = absl::StrCat(options_.data_dir, "/", info->seed_file);
    absl::StatusOr<bool> seeded = store_.SeedIfAbsent(kind, path, absl::Now());
    if (!seeded.ok()) return seeded.status();
    if (*seeded) log::Info("reference data seeded from data/", {{"kind", kind}, {"file", path}});
  }
  return absl::OkStatus();
}

absl::StatusOr<RefSnapshot> RefWatcher::ReadRedis(const std::map<std::string, int64_t>& versions) {
  RefSnapshot snapshot;
  for (const auto& [kind, version] : versions) {
    absl::StatusOr<std::optional<RefRecord>> record = store_.Get(kind, version);
    if (!record.ok()) return record.status();
    if (!record->has_value())
      return absl::InternalError(absl::StrCat("refdata: ", kind, " v", version, " is missing"));
    snapshot.Put(std::move(**record));
  }
  return snapshot;
}

absl::StatusOr<RefRecord> ReadSeed(const std::string& kind, const std::string& data_dir) {
  const KindInfo* info = FindKind(kind);
  if (info == nullptr) return absl::InvalidArgumentError(absl::StrCat("kind: \"", kind, "\" is unknown"));
  const std::string path = absl::StrCat(data_dir, "/", info->seed_file);
  absl::StatusOr<std::string> content = ReadCanonicalFile(kind, path);
  if (!content.ok()) return content.status();
  RefRecord r;
  r.kind = kind;
  r.version = 0;
  r.content = std::move(*content);
  r.sha256 = Sha256Hex(r.content);
  r.loaded_by = "file";
  r.file = path;
  return r;
}

absl::StatusOr<RefSnapshot> RefWatcher::ReadFiles() {
  RefSnapshot snapshot;
  for (const std::string& kind : kinds_) {
    absl::StatusOr<RefRecord> seed = ReadSeed(kind, options_.data_dir);
    if (!seed.ok()) return seed.status();
    snapshot.Put(*std::move(seed));
  }
  return snapshot;
}

absl::Status RefWatcher::Init() {
  const absl::Time give_up = absl::Now() + options_.redis_wait;
  absl::Status last;
  while (true) {
    absl::StatusOr<std::map<std::string, int64_t>> versions = store_.Versions(kinds_);
    if (versions.ok()) {
      if (absl::Status s = SeedMissing(*versions); !s.ok()) {
        // A seed file that does not parse is the operator's to fix, as before.
        if (s.code() == absl::StatusCode::kInvalidArgument || s.code() == absl::StatusCode::kNotFound)
          return s;
        last = s;
      } else {
        versions = store_.Versions(kinds_);
        absl::StatusOr<RefSnapshot> snapshot =
            versions.ok() ? ReadRedis(*versions) : absl::StatusOr<RefSnapshot>(versions.status());
        if (snapshot.ok()) {
          if (absl::Status s = apply_(*snapshot); !s.ok()) return s;
          log::Info("reference data in force", {{"name", name_}, {"versions", FormatVersions(*versions)}});
          absl::MutexLock lock(&mu_);
          in_force_ = *versions;
          return absl::OkStatus();
        }
        last = snapshot.status();
      }
    } else {
      last = versions.status();
    }
    if (absl::Now() >= give_up) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  absl::StatusOr<RefSnapshot> files = ReadFiles();
  if (!files.ok()) return files.status();
  if (absl::Status s = apply_(*files); !s.ok()) return s;
  log::Warning("reference data from data/: Redis did not answer; Redis's versions are taken when it does",
               {{"name", name_}, {"error", last.ToString()}});
  absl::MutexLock lock(&mu_);
  in_force_ = files->versions();
  return absl::OkStatus();
}

void RefWatcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void RefWatcher::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void RefWatcher::Run() {
  while (!stop_.WaitForNotificationWithTimeout(options_.poll_interval)) Poll();
}

std::map<std::string, int64_t> RefWatcher::versions() const {
  absl::MutexLock lock(&mu_);
  return in_force_;
}

int64_t RefWatcher::reload_errors() const {
  absl::MutexLock lock(&mu_);
  return reload_errors_;
}

bool RefWatcher::Poll() {
  absl::MutexLock poll(&poll_mu_);
  absl::StatusOr<std::map<std::string, int64_t>> versions = store_.Versions(kinds_);
  if (versions.ok()) {
    bool missing = false;
    for (const auto& [kind, v] : *versions) missing = missing || v == 0;
    if (missing) {
      // Redis lost its data or was never seeded (it was away at start).
      absl::Status seeded = SeedMissing(*versions);
      versions = seeded.ok() ? store_.Versions(kinds_) : absl::StatusOr<std::map<std::string, int64_t>>(seeded);
    }
  }
  {
    absl::MutexLock lock(&mu_);
    if (!versions.ok()) {
      if (!redis_unreadable_) {
        log::Warning("cannot read the reference data versions; the ones in force stay",
                     {{"name", name_}, {"in_force", FormatVersions(in_force_)},
                      {"error", versions.status().ToString()}});
      }
      redis_unreadable_ = true;
      return false;
    }
    if (redis_unreadable_) log::Info("reference data versions readable again", {{"name", name_}});
    redis_unreadable_ = false;
    if (*versions == in_force_) return true;
    if (*versions == failed_) return false;
  }
  const absl::Time started = absl::Now();
  absl::StatusOr<RefSnapshot> snapshot = ReadRedis(*versions);
  absl::Status applied = snapshot.ok() ? apply_(*snapshot) : snapshot.status();
  absl::MutexLock lock(&mu_);
  if (!applied.ok()) {
    // A Redis error is tried again at the next poll; a build error waits for
    // the next version (it would fail the same way).
    if (snapshot.ok()) {
      failed_ = *versions;
      ++reload_errors_;
    }
    log::Error("cannot take the new reference data in; the one in force stays",
               {{"name", name_}, {"in_force", FormatVersions(in_force_)},
                {"seen", FormatVersions(*versions)}, {"error", applied.ToString()}});
    return false;
  }
  log::Info("reference data in force",
            {{"name", name_}, {"versions", FormatVersions(*versions)},
             {"previous", FormatVersions(in_force_)},
             {"rebuild_ms", absl::StrCat(absl::ToInt64Milliseconds(absl::Now() - started))}});
  in_force_ = *versions;
  failed_.clear();
  return true;
}

}  // namespace hotline::refdata
