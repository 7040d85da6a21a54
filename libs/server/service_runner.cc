#include "server/service_runner.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "log/log.h"
#include "redis/health_probe.h"
#include "refdata/directory_source.h"
#include "server/dependency_watch.h"
#include "server/server_flags.h"
#include "stream/group_flags.h"

namespace hotline::server {
namespace {

// Where Fail() keeps the exit code in the status it returns.
constexpr char kExitCodeUrl[] = "hotline/exit_code";

int ExitCodeOf(const absl::Status& status) {
  auto code = status.GetPayload(kExitCodeUrl);
  return code && *code == "2" ? 2 : 1;
}

}  // namespace

absl::Status Fail(int exit_code, std::string_view what, const absl::Status& cause) {
  if (cause.ok()) {
    log::Error(what);
  } else {
    log::Error(what, {{"error", cause.ToString()}});
  }
  return ExitWith(exit_code, absl::Status(cause.ok() ? absl::StatusCode::kInvalidArgument : cause.code(), std::string(what)));
}

absl::Status ExitWith(int exit_code, absl::Status cause) {
  cause.SetPayload(kExitCodeUrl, absl::Cord(absl::StrCat(exit_code)));
  return cause;
}

ServiceRunner::ServiceRunner(ServiceSpec spec)
    : spec_(std::move(spec)),
      flags_("hotline-" + spec_.server.service_name, spec_.summary) {
  BlockShutdownSignals();
  log::SetService(spec_.server.service_name);
  AddServerFlags(flags_, &spec_.server);
  redis::AddRedisFlags(flags_, &redis_flags_);
  if (!spec_.data_dir_help.empty()) {
    flags_.String("data_dir", "HOTLINE_DATA_DIR", spec_.data_dir_help, &refdata_options_.data_dir);
    refdata::AddLiveFlags(flags_, &refdata_options_);
  }
  if (spec_.city_clock) AddCityClockFlags(flags_, &clock_flags_);
  if (!spec_.consumer_group.empty()) {
    events_.group = spec_.consumer_group;
    events_.consumer = absl::StrCat(spec_.consumer_group, "-", ::getpid());
    events_.metric_prefix = "hotline_" + spec_.consumer_group;
    stream::AddGroupFlags(flags_, &events_);
  }
}

ServiceRunner::~ServiceRunner() {
  // What the setup made may hold the clients and the server's registry.
  while (!owned_.empty()) owned_.pop_back();
}

redis::Client& ServiceRunner::redis() {
  if (redis_ == nullptr) {
    clients_.push_back(std::make_unique<redis::Client>(redis_options_, &server_->metrics()));
    redis_ = clients_.back().get();
  }
  return *redis_;
}

redis::Client& ServiceRunner::OwnRedis(int connections) {
  redis::Options options = redis_options_;
  options.connections = connections;
  clients_.push_back(std::make_unique<redis::Client>(options));
  return *clients_.back();
}

refdata::RefStore& ServiceRunner::ref_store() {
  if (ref_store_ == nullptr) ref_store_ = std::make_unique<refdata::RefStore>(redis());
  return *ref_store_;
}

absl::Status ServiceRunner::AdoptCity(const std::map<std::string, int64_t>& versions) {
  if (city_adopted_) return absl::OkStatus();
  // The city (time zone, centre, order prefix) for every thread
  // (clock/city.h), followed live like the other kinds (the zone stays the
  // one of the start: refdata::MakeLiveCity). When Redis did not answer for
  // the first source, it is not waited for again.
  refdata::LiveOptions city_options = refdata_options_;
  if (refdata::FromDataDir(versions)) city_options.redis_wait = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<refdata::Live<directory::City>>> city =
      refdata::MakeLiveCity(ref_store(), city_options);
  if (!city.ok()) return Fail(1, "cannot load the city profile", city.status());
  refdata::Live<directory::City>* raw = city->get();
  city_ = raw;
  references_.push_back({[raw] { return raw->Start(), absl::OkStatus(); }, [raw] { raw->Stop(); }});
  Own(std::shared_ptr<refdata::Live<directory::City>>(std::move(*city)));
  city_adopted_ = true;
  return absl::OkStatus();
}

void ServiceRunner::Serve(grpc::Service& service, std::string health_name) {
  server_->AddService(&service, std::move(health_name));
}

void ServiceRunner::Background(std::function<absl::Status()> start, std::function<void()> stop) {
  workers_.push_back({std::move(start), std::move(stop)});
}

stream::ConsumerGroup& ServiceRunner::ConsumeEvents(std::string stream, std::string dead_letter,
                                                    stream::BatchHandler handler) {
  stream::GroupOptions group = events_;
  group.stream = std::move(stream);
  group.dead_letter = std::move(dead_letter);
  // The consumer blocks on XREADGROUP, so it gets a connection of its own.
  return Background(Make<stream::ConsumerGroup>(OwnRedis(1), group, std::move(handler), metrics()));
}

int ServiceRunner::Run(int argc, char** argv, const Setup& setup) {
  flags_.ParseOrExit(argc, argv);
  if (spec_.city_clock) {
    absl::StatusOr<std::unique_ptr<Clock>> clock = MakeCityClock(clock_flags_);
    if (!clock.ok()) return ExitCodeOf(Fail(2, "bad clock settings", clock.status()));
    clock_ = *std::move(clock);
  } else {
    clock_ = std::make_unique<SystemClock>();
  }
  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags_);
  if (!redis_options.ok()) return ExitCodeOf(Fail(2, "bad Redis settings", redis_options.status()));
  redis_options_ = *std::move(redis_options);
  if (spec_.redis_connections > 0) redis_options_.connections = spec_.redis_connections;

  server_ = std::make_unique<Server>(spec_.server);
  if (absl::Status s = setup(*this); !s.ok()) return ExitCodeOf(s);
  return Serve();
}

int ServiceRunner::Serve() {
  // Reference data is followed before the first request is served.
  for (StartStop& reference : references_) (void)reference.start();
  int exit_code = 0;
  std::unique_ptr<DependencyWatch> redis_health;
  size_t started = 0;
  if (absl::Status s = server_->Start(); !s.ok()) {
    exit_code = ExitCodeOf(Fail(1, "cannot start", s));
  } else {
    // NOT_SERVING on grpc.health.v1 while Redis is unreachable (issue 20).
    if (redis_ != nullptr) {
      redis_health = std::make_unique<DependencyWatch>(*server_, "redis",
                                                       [client = redis_] { return redis::Answers(*client); });
    }
    for (; started < workers_.size(); ++started) {
      if (workers_[started].start && !workers_[started].start().ok()) {
        exit_code = 1;
        break;
      }
    }
    if (exit_code == 0) WaitForShutdownSignal();
  }
  while (started > 0) workers_[--started].stop();
  server_->Shutdown();
  if (redis_health) redis_health->Stop();
  for (auto it = references_.rbegin(); it != references_.rend(); ++it) it->stop();
  return exit_code;
}

}  // namespace hotline::server
