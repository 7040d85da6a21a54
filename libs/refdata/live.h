#pragma once
// Reference data in force on a running service, followed live: the
// generalisation of calendar/live_calendar.h to every kind (kinds.h).
//
// A Live<T> watches the kinds T is built from (the directory: units and
// categories; dispatch's catalogue: those and the catalogue). A thread reads
// their versions (one MGET) every poll interval (200 ms by default) and, when
// one moved, reads those versions' records, builds a new T with the service's
// builder (which validates, as at start-up) and swaps it in: every replica
// uses a load within about one interval, with no restart. A build that fails
// keeps the value in force, is logged and counted (reload_errors()) once per
// set of versions, and is not retried until a version moves again.
//
// At start (Create): each watched kind with no version in Redis is seeded
// from its file in data/ (ref_store.h: SeedIfAbsent), then the versions in
// Redis are read and built; a build error fails Create, as a bad file did.
// When Redis does not answer within options.redis_wait, T is built from the
// files of data/ (versions 0) and the poller takes Redis's versions as soon as
// it answers.
//
// Thread-safe. Register OnChange callbacks before Start().
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "refdata/ref_store.h"
#include "refdata/source.h"

namespace google::protobuf {
class Message;
}

namespace hotline::config {
class Flags;
}

namespace hotline::refdata {

struct LiveOptions {
  std::string data_dir = "data";  // the seed files (kinds.h: KindInfo::seed_file)
  absl::Duration poll_interval = absl::Milliseconds(200);
  // At start, how long to wait for Redis before building from data/ (what
  // is built then is replaced by Redis's versions at the first poll that
  // reaches it, so waiting long buys little).
  absl::Duration redis_wait = absl::Seconds(5);
};

// True when some of `versions` are 0: built from data/ because Redis did not
// answer. A second source created right after need not wait for Redis again.
inline bool FromDataDir(const std::map<std::string, int64_t>& versions) {
  for (const auto& [kind, version] : versions) {
    if (version == 0) return true;
  }
  return false;
}

// --refdata_poll (HOTLINE_REFDATA_POLL) and --refdata_wait
// (HOTLINE_REFDATA_WAIT) into `options`; data_dir is the service's own flag.
void AddLiveFlags(config::Flags& flags, LiveOptions* options);

// The records a value is built from: one version of each watched kind.
class RefSnapshot {
 public:
  void Put(RefRecord record);
  // The record of `kind`; INTERNAL when the snapshot does not hold it.
  absl::StatusOr<const RefRecord*> Get(const std::string& kind) const;
  // Parses the kind's content into `out` (its schema message); errors name
  // the kind and version ("units v3: line ...").
  absl::Status Parse(const std::string& kind, google::protobuf::Message* out) const;
  // "units v3" (or "units (data/units.textproto)" when read from a file):
  // for error messages.
  std::string Origin(const std::string& kind) const;
  std::map<std::string, int64_t> versions() const;

 private:
  std::map<std::string, RefRecord> records_;
};

// The seed file of `kind` in `data_dir` as a record of version 0.
absl::StatusOr<RefRecord> ReadSeed(const std::string& kind, const std::string& data_dir);

// The poller and start-up behind every Live<T>; `apply` builds and swaps.
class RefWatcher {
 public:
  using Apply = std::function<absl::Status(const RefSnapshot&)>;
  RefWatcher(RefStore& store, std::vector<std::string> kinds, LiveOptions options, Apply apply,
             std::string name);
  ~RefWatcher();  // Stop()

  // Seeds, reads and applies once (see the header comment).
  absl::Status Init();
  void Start();  // at most once
  void Stop();   // joins the poller; idempotent
  // One poll now: true when what is in force is Redis's latest (or nothing
  // moved), false when Redis did not answer or a build failed.
  bool Poll();
  std::map<std::string, int64_t> versions() const;
  int64_t reload_errors() const;

 private:
  absl::StatusOr<RefSnapshot> ReadRedis(const std::map<std::string, int64_t>& versions);
  absl::StatusOr<RefSnapshot> ReadFiles();
  absl::Status SeedMissing(const std::map<std::string, int64_t>& versions);
  void Run();

  RefStore& store_;
  const std::vector<std::string> kinds_;
  const LiveOptions options_;
  const Apply apply_;
  const std::string name_;

  mutable absl::Mutex mu_;
  std::map<std::string, int64_t> in_force_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> failed_ ABSL_GUARDED_BY(mu_);
  int64_t reload_errors_ ABSL_GUARDED_BY(mu_) = 0;
  bool redis_unreadable_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex poll_mu_;  // serialises Poll() (the thread, a test calling it)
  absl::Notification stop_;
  std::thread thread_;
};

template <typename T>
class Live final : public Source<T> {
 public:
  // Builds T from a snapshot of the watched kinds, validating it; an error
  // keeps the value in force.
  using Builder = std::function<absl::StatusOr<T>(const RefSnapshot&)>;
  using ChangeCallback = std::function<void(const std::map<std::string, int64_t>& versions)>;

  // `name` names the value in logs ("directory"). Seeds, reads and builds
  // the first value; the poller is not started.
  static absl::StatusOr<std::unique_ptr<Live>> Create(RefStore& store, std::vector<std::string> kinds,
                                                      Builder builder, LiveOptions options,
                                                      std::string name) {
    std::unique_ptr<Live> live(new Live(std::move(builder)));
    Live* raw = live.get();
    live->watcher_ = std::make_unique<RefWatcher>(
        store, std::move(kinds), std::move(options),
        [raw](const RefSnapshot& snapshot) { return raw->Apply(snapshot); }, std::move(name));
    if (absl::Status s = live->watcher_->Init(); !s.ok()) return s;
    return live;
  }
  ~Live() override { Stop(); }

  // The value in force and the versions of the kinds it was built from,
  // taken in one read: Current() and versions() called apart may straddle
  // a load and pair a value with another value's versions.
  struct InForce {
    std::shared_ptr<const T> value;
    std::map<std::string, int64_t> versions;
  };
  InForce Snapshot() const {
    absl::MutexLock lock(&mu_);
    return {current_, versions_};
  }
  std::shared_ptr<const T> Current() const override {
    absl::MutexLock lock(&mu_);
    return current_;
  }
  void OnChange(ChangeCallback callback) { callbacks_.push_back(std::move(callback)); }
  void Start() { watcher_->Start(); }
  void Stop() {
    if (watcher_) watcher_->Stop();
  }
  bool Poll() { return watcher_->Poll(); }
  // The versions Current() was built from (Snapshot() for both at once).
  std::map<std::string, int64_t> versions() const {
    absl::MutexLock lock(&mu_);
    return versions_;
  }
  int64_t reload_errors() const { return watcher_->reload_errors(); }

 private:
  explicit Live(Builder builder) : builder_(std::move(builder)) {}
  absl::Status Apply(const RefSnapshot& snapshot) {
    absl::StatusOr<T> built = builder_(snapshot);
    if (!built.ok()) return built.status();
    auto next = std::make_shared<const T>(std::move(*built));
    bool first = false;
    {
      absl::MutexLock lock(&mu_);
      first = current_ == nullptr;
      current_ = std::move(next);
      versions_ = snapshot.versions();
    }
    if (!first) {
      for (const ChangeCallback& callback : callbacks_) callback(snapshot.versions());
    }
    return absl::OkStatus();
  }

  Builder builder_;
  std::vector<ChangeCallback> callbacks_;  // set before Start
  mutable absl::Mutex mu_;
  std::shared_ptr<const T> current_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> versions_ ABSL_GUARDED_BY(mu_);  // current_'s
  std::unique_ptr<RefWatcher> watcher_;
};

}  // namespace hotline::refdata
