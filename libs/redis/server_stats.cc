#include "redis/server_stats.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace hotline::redis {
namespace {

prometheus::Gauge& Gauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

ServerStats::ServerStats(Client& redis, prometheus::Registry& metrics, absl::Duration period)
    : redis_(redis),
      period_(period),
      used_memory_(Gauge(metrics, "hotline_redis_used_memory_bytes",
                         "Memory Redis uses for its data (INFO used_memory).")),
      max_memory_(Gauge(metrics, "hotline_redis_maxmemory_bytes",
                        "Redis's memory limit (maxmemory; 0: none).")),
      rewrite_in_progress_(Gauge(metrics, "hotline_redis_aof_rewrite_in_progress",
                                 "1 while Redis rewrites its append-only file.")),
      aof_size_(Gauge(metrics, "hotline_redis_aof_size_bytes",
                      "Size of Redis's append-only file now.")) {}

ServerStats::~ServerStats() { Stop(); }

void ServerStats::Start() {
  thread_ = std::thread([this] {
    while (!stop_) {
      PollOnce();
      for (absl::Time until = absl::Now() + period_; !stop_ && absl::Now() < until;) {
        absl::SleepFor(absl::Milliseconds(100));
      }
    }
  });
}

void ServerStats::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

bool ServerStats::PollOnce() {
  absl::StatusOr<Reply> info = redis_.Execute({"INFO"});
  if (!info.ok() || info->is_error()) return false;
  absl::flat_hash_map<std::string, double> fields;
  for (absl::string_view line : absl::StrSplit(info->str, "\r\n")) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, absl::MaxSplits(':', 1));
    double v = 0;
    if (absl::SimpleAtod(kv.second, &v)) fields[kv.first] = v;
  }
  used_memory_.Set(fields["used_memory"]);
  max_memory_.Set(fields["maxmemory"]);
  rewrite_in_progress_.Set(fields["aof_rewrite_in_progress"]);
  aof_size_.Set(fields["aof_current_size"]);
  return true;
}

}  // namespace hotline::redis
