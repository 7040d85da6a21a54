#include "stream/consumer_group.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "log/log.h"

namespace hotline::stream {
namespace {

std::string FieldOf(const redis::Reply& fields, const std::string& name) {
  for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    if (fields.elements[i].str == name) return fields.elements[i + 1].str;
  }
  return "";
}

// Milliseconds since the epoch encoded in a stream id "ms-seq".
constexpr int kDeadLetterMaxLength = 10000;

int64_t IdMillis(const std::string& id) {
  int64_t ms = 0;
  (void)absl::SimpleAtoi(id.substr(0, id.find('-')), &ms);
  return ms;
}

double NowSeconds() { return static_cast<double>(absl::ToUnixMicros(absl::Now())) / 1e6; }

}  // namespace

const std::string& Entry::Field(const std::string& name) const {
  static const std::string kEmpty;
  for (const auto& [k, v] : fields) {
    if (k == name) return v;
  }
  return kEmpty;
}

ConsumerGroup::ConsumerGroup(redis::Client& redis, GroupOptions options, BatchHandler handler,
                             prometheus::Registry& metrics)
    : redis_(redis),
      options_(std::move(options)),
      handler_(std::move(handler)),
      events_(prometheus::BuildCounter()
                  .Name(options_.metric_prefix + "_events_total")
                  .Help("Stream events handled by this consumer group, by outcome.")
                  .Register(metrics)),
      lag_(prometheus::BuildGauge()
               .Name(options_.metric_prefix + "_stream_lag")
               .Help("Events on the stream not yet delivered to the group.")
               .Register(metrics)
               .Add({})),
      pending_(prometheus::BuildGauge()
                   .Name(options_.metric_prefix + "_stream_pending")
                   .Help("Events delivered to the group and not yet acknowledged.")
                   .Register(metrics)
                   .Add({})),
      oldest_pending_age_(prometheus::BuildGauge()
                              .Name(options_.metric_prefix + "_oldest_pending_age_seconds")
                              .Help("Age of the oldest unacknowledged event (0 if none).")
                              .Register(metrics)
                              .Add({})),
      last_poll_(prometheus::BuildGauge()
                     .Name(options_.metric_prefix + "_consumer_last_poll_timestamp_seconds")
                     .Help("When the consumer loop last came back from reading the stream (Unix "
                           "time); it stands still when the loop hangs.")
                     .Register(metrics)
                     .Add({})) {
  // Every outcome shows from the start (at 0), so rate() sees the first one.
  for (const char* result : {"done", "moot", "failed", "reclaimed", "dead_lettered", "read_error"}) {
    events_.Add({{"result", result}});
  }
}

ConsumerGroup::~ConsumerGroup() { Stop(); }

void ConsumerGroup::Count(const char* result, double n) { events_.Add({{"result", result}}).Increment(n); }

absl::Status ConsumerGroup::CreateGroup() {
  absl::StatusOr<redis::Reply> created = redis_.Execute({"XGROUP", "CREATE", options_.stream, options_.group,
                                                         options_.from_start ? "0" : "$", "MKSTREAM"});
  if (!created.ok()) return created.status();
  if (created->is_error() && !absl::StartsWith(created->str, "BUSYGROUP")) {
    return absl::InternalError("XGROUP CREATE: " + created->str);
  }
  if (!created->is_error()) WarnIfTrimmedBefore();
  return absl::OkStatus();
}

void ConsumerGroup::WarnIfTrimmedBefore() {
  // A group made now reads only what is left on the stream: the events
  // trimmed before (entries-added - length, Redis 7) never reach it, nor do
  // the orders they named. Said once, loudly; the remedy is the service's
  // rebuild from the orders (hotline-admin rebuild).
  absl::StatusOr<redis::Reply> info = redis_.Execute({"XINFO", "STREAM", options_.stream});
  if (!info.ok() || info->is_error()) return;
  long long added = -1, length = -1;
  for (size_t i = 0; i + 1 < info->elements.size(); i += 2) {
    if (info->elements[i].str == "entries-added") added = info->elements[i + 1].integer;
    if (info->elements[i].str == "length") length = info->elements[i + 1].integer;
  }
  if (added < 0 || length < 0 || added <= length) return;
  log::Warning("consumer group created on a stream whose earlier events were trimmed: the orders they named "
               "are not in this group's state; rebuild it from the orders (hotline-admin rebuild)",
               {{"group", options_.group}, {"stream", options_.stream}, {"events_missed", absl::StrCat(added - length)}});
}

void ConsumerGroup::Start() {
  last_poll_.Set(NowSeconds());
  thread_ = std::thread([this] { Run(); });
}

void ConsumerGroup::Stop() {
  stop_ = true;
  if (!thread_.joinable()) return;
  thread_.join();
  absl::StatusOr<redis::Reply> mine = redis_.Execute(
      {"XPENDING", options_.stream, options_.group, "-", "+", "1", options_.consumer});
  if (mine.ok() && mine->type == redis::Reply::Type::kArray && mine->elements.empty()) {
    (void)redis_.Execute({"XGROUP", "DELCONSUMER", options_.stream, options_.group, options_.consumer});
    log::Info("left the consumer group", {{"group", options_.group}, {"consumer", options_.consumer}});
  }
}

void ConsumerGroup::Run() {
  (void)CreateGroup();  // if Redis is not there yet, NOGROUP below makes it later
  absl::Time next_reclaim = absl::Now();
  while (!stop_) {
    absl::StatusOr<redis::Reply> read = redis_.Execute(
        {"XREADGROUP", "GROUP", options_.group, options_.consumer, "COUNT", absl::StrCat(options_.batch),
         "BLOCK", absl::StrCat(absl::ToInt64Milliseconds(options_.block)), "STREAMS", options_.stream, ">"});
    last_poll_.Set(NowSeconds());
    if (!read.ok() || read->is_error()) {
      Count("read_error");
      if (read.ok() && absl::StartsWith(read->str, "NOGROUP")) {
        log::Warning("consumer group missing; creating it again", {{"group", options_.group}});
        (void)CreateGroup();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } else if (!read->is_nil()) {
      for (const redis::Reply& stream : read->elements) {
        if (stream.elements.size() == 2) Handle(stream.elements[1]);
      }
    }
    if (absl::Now() >= next_reclaim) {
      Reclaim();
      UpdateBacklog();
      next_reclaim = absl::Now() + absl::Seconds(1);
    }
  }
}

void ConsumerGroup::Handle(const redis::Reply& entries) {
  std::vector<Entry> batch;
  for (const redis::Reply& e : entries.elements) {
    if (e.elements.size() != 2) continue;
    Entry entry;
    entry.id = e.elements[0].str;
    const redis::Reply& fields = e.elements[1];
    for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
      entry.fields.emplace_back(fields.elements[i].str, fields.elements[i + 1].str);
    }
    batch.push_back(std::move(entry));
  }
  if (batch.empty()) return;
  std::vector<absl::Status> results = handler_(batch);
  redis::Command ack = {"XACK", options_.stream, options_.group};
  for (size_t i = 0; i < batch.size(); ++i) {
    const absl::Status s = i < results.size() ? results[i] : absl::InternalError("handler gave no answer");
    if (s.ok()) {
      Count("done");
      ack.push_back(batch[i].id);
    } else if (absl::IsFailedPrecondition(s) || absl::IsNotFound(s)) {
      Count("moot");
      ack.push_back(batch[i].id);
    } else {
      Count("failed");
      log::Warning("event handling failed; will retry", {{"group", options_.group},
                                                          {"event_id", batch[i].id},
                                                          {"error", s.ToString()}});
    }
  }
  if (ack.size() > 3) (void)redis_.Execute(std::move(ack));
}

void ConsumerGroup::Reclaim() {
  const std::string idle = absl::StrCat(absl::ToInt64Milliseconds(options_.reclaim_idle));
  absl::StatusOr<redis::Reply> stale = redis_.Execute({"XPENDING", options_.stream, options_.group, "IDLE", idle,
                                                       "-", "+", absl::StrCat(options_.batch)});
  if (!stale.ok() || stale->type != redis::Reply::Type::kArray || stale->elements.empty()) return;
  redis::Command claim = {"XCLAIM", options_.stream, options_.group, options_.consumer, idle};
  for (const redis::Reply& p : stale->elements) {
    if (p.elements.size() != 4) continue;
    const std::string& id = p.elements[0].str;
    if (p.elements[3].integer >= options_.max_deliveries) {
      // A poison event: park it with its fields for a human, and let go.
      absl::StatusOr<redis::Reply> entry = redis_.Execute({"XRANGE", options_.stream, id, id});
      // Capped: a flood of poison events (a bad data file, say) must not fill
      // Redis; the alert and the log have each one.
      redis::Command dead = {"XADD", options_.dead_letter, "MAXLEN", "~",
                             absl::StrCat(kDeadLetterMaxLength), "*",
                             "source_id", id, "group", options_.group};
      if (entry.ok() && entry->elements.size() == 1 && entry->elements[0].elements.size() == 2) {
        for (const redis::Reply& f : entry->elements[0].elements[1].elements) dead.push_back(f.str);
      }
      if (absl::StatusOr<redis::Reply> added = redis_.Execute(std::move(dead)); added.ok() && !added->is_error()) {
        (void)redis_.Execute({"XACK", options_.stream, options_.group, id});
        Count("dead_lettered");
        log::Error("event dead-lettered", {{"group", options_.group}, {"event_id", id}});
      }
      continue;
    }
    claim.push_back(id);
  }
  if (claim.size() == 5) return;
  absl::StatusOr<redis::Reply> claimed = redis_.Execute(std::move(claim));
  if (claimed.ok() && claimed->type == redis::Reply::Type::kArray) {
    Count("reclaimed", static_cast<double>(claimed->elements.size()));
    Handle(*claimed);
  }
}

void ConsumerGroup::UpdateBacklog() {
  absl::StatusOr<redis::Reply> groups = redis_.Execute({"XINFO", "GROUPS", options_.stream});
  if (groups.ok() && groups->type == redis::Reply::Type::kArray) {
    for (const redis::Reply& g : groups->elements) {
      if (FieldOf(g, "name") != options_.group) continue;
      for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
        if (g.elements[i].str == "lag") lag_.Set(static_cast<double>(g.elements[i + 1].integer));
        if (g.elements[i].str == "pending") pending_.Set(static_cast<double>(g.elements[i + 1].integer));
      }
    }
  }
  // The oldest pending entry's age by Redis's own clock (TIME), the clock
  // that stamped its id: this host's clock may differ from Redis's.
  absl::StatusOr<redis::Reply> summary = redis_.Execute({"XPENDING", options_.stream, options_.group});
  absl::StatusOr<redis::Reply> now = redis_.Execute({"TIME"});
  int64_t now_s = 0, now_us = 0;
  if (summary.ok() && summary->elements.size() == 4 && summary->elements[0].integer > 0 &&
      now.ok() && now->elements.size() == 2 && absl::SimpleAtoi(now->elements[0].str, &now_s) &&
      absl::SimpleAtoi(now->elements[1].str, &now_us)) {
    const double age = (now_s * 1000 + now_us / 1000 - IdMillis(summary->elements[1].str)) / 1000.0;
    oldest_pending_age_.Set(age > 0 ? age : 0);
  } else {
    oldest_pending_age_.Set(0);
  }
}

}  // namespace hotline::stream
