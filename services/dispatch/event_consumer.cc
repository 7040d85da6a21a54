#include "dispatch/event_consumer.h"

#include <future>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "log/log.h"

namespace hotline::dispatch {
namespace {

constexpr int kDeadEventsMaxLength = 10000;

// The value of `name` in a stream entry's flat field list.
std::string FieldOf(const redis::Reply& fields, const std::string& name) {
  for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    if (fields.elements[i].str == name) return fields.elements[i + 1].str;
  }
  return "";
}

// Milliseconds since the epoch encoded in a stream id "ms-seq".
int64_t IdMillis(const std::string& id) {
  int64_t ms = 0;
  (void)absl::SimpleAtoi(id.substr(0, id.find('-')), &ms);
  return ms;
}

}  // namespace

EventConsumer::EventConsumer(redis::Client& redis, const orders::OrderKeys& keys,
                             Dispatcher& dispatcher, ConsumerOptions options,
                             prometheus::Registry& metrics)
    : redis_(redis),
      keys_(keys),
      dispatcher_(dispatcher),
      options_(std::move(options)),
      events_(prometheus::BuildCounter()
                  .Name("hotline_dispatch_events_total")
                  .Help("Order events handled by auto-dispatch, by outcome.")
                  .Register(metrics)),
      lag_(prometheus::BuildGauge()
               .Name("hotline_dispatch_stream_lag")
               .Help("Events on the stream not yet delivered to the dispatch group.")
               .Register(metrics)
               .Add({})),
      pending_(prometheus::BuildGauge()
                   .Name("hotline_dispatch_stream_pending")
                   .Help("Events delivered to the dispatch group and not yet acknowledged.")
                   .Register(metrics)
                   .Add({})),
      oldest_pending_age_(prometheus::BuildGauge()
                              .Name("hotline_dispatch_oldest_pending_age_seconds")
                              .Help("Age of the oldest unacknowledged event (0 if none).")
                              .Register(metrics)
                              .Add({})),
      last_poll_(prometheus::BuildGauge()
                     .Name("hotline_dispatch_consumer_last_poll_timestamp_seconds")
                     .Help("When the auto-dispatch loop last came back from reading the stream "
                           "(Unix time); it stands still when the loop hangs.")
                     .Register(metrics)
                     .Add({})) {
  // Every outcome shows from the start (at 0), so rate() and increase() see
  // the first event of each kind.
  for (const char* result : {"routed", "moot", "failed", "reclaimed", "dead_lettered", "read_error"}) {
    events_.Add({{"result", result}});
  }
}

EventConsumer::~EventConsumer() { Stop(); }

absl::Status EventConsumer::CreateGroup() {
  absl::StatusOr<redis::Reply> created = redis_.Execute(
      {"XGROUP", "CREATE", keys_.Events(), options_.group, "0", "MKSTREAM"});
  if (!created.ok()) return created.status();
  if (created->is_error() && !absl::StartsWith(created->str, "BUSYGROUP")) {
    return absl::InternalError("XGROUP CREATE: " + created->str);
  }
  return absl::OkStatus();
}

void EventConsumer::Start() {
  last_poll_.Set(static_cast<double>(absl::ToUnixMicros(absl::Now())) / 1e6);
  thread_ = std::thread([this] { Run(); });
}

void EventConsumer::Stop() {
  stop_ = true;
  if (!thread_.joinable()) return;
  thread_.join();
  // XPENDING summary: [count, ...]. What is still pending keeps the name, so
  // another replica can claim it; otherwise the name goes.
  absl::StatusOr<redis::Reply> mine = redis_.Execute(
      {"XPENDING", keys_.Events(), options_.group, "-", "+", "1", options_.consumer});
  if (mine.ok() && mine->type == redis::Reply::Type::kArray && mine->elements.empty()) {
    (void)redis_.Execute({"XGROUP", "DELCONSUMER", keys_.Events(), options_.group, options_.consumer});
    log::Info("left the consumer group", {{"consumer", options_.consumer}});
  }
}

void EventConsumer::Run() {
  // If Redis is not there yet, the loop below makes the group once it is
  // (NOGROUP); a failure here costs nothing.
  (void)CreateGroup();
  absl::Time next_reclaim = absl::Now();
  while (!stop_) {
    absl::StatusOr<redis::Reply> read = redis_.Execute(
        {"XREADGROUP", "GROUP", options_.group, options_.consumer, "COUNT",
         absl::StrCat(options_.batch), "BLOCK", absl::StrCat(absl::ToInt64Milliseconds(options_.block)),
         "STREAMS", keys_.Events(), ">"});
    // The other gauges are this loop's own reports; this one shows it is alive.
    last_poll_.Set(static_cast<double>(absl::ToUnixMicros(absl::Now())) / 1e6);
    if (!read.ok() || read->is_error()) {
      // Redis down or restarting: back off a little; nothing is lost, the
      // stream and the group keep the events. A group that is gone (Redis
      // flushed, or restored from an older backup) is made again; routing is
      // idempotent, so re-reading the stream from its start is safe.
      events_.Add({{"result", "read_error"}}).Increment();
      if (read.ok() && absl::StartsWith(read->str, "NOGROUP")) {
        log::Warning("consumer group missing; creating it again", {{"group", options_.group}});
        (void)CreateGroup();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } else if (!read->is_nil()) {
      // [[stream, [[id, fields], ...]]]
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

void EventConsumer::Handle(const redis::Reply& entries) {
  using Result = Dispatcher::AutoDispatchResult;
  struct Pending {
    std::string id;
    std::string order_id;
    std::future<absl::StatusOr<Result>> result;
  };
  static const std::string kCreated = absl::StrCat(v1::ORDER_STATE_CREATED);
  std::vector<Pending> routing;
  std::vector<std::string> settled;
  for (const redis::Reply& entry : entries.elements) {
    if (entry.elements.size() != 2) continue;
    const std::string& id = entry.elements[0].str;
    const redis::Reply& fields = entry.elements[1];
    // Only new orders that wait for dispatch concern us.
    if (FieldOf(fields, "event") != "order.created" || FieldOf(fields, "state") != kCreated) {
      settled.push_back(id);
      continue;
    }
    auto promise = std::make_shared<std::promise<absl::StatusOr<Result>>>();
    routing.push_back({id, FieldOf(fields, "order_id"), promise->get_future()});
    dispatcher_.AutoDispatch(routing.back().order_id,
                             [promise](absl::StatusOr<Result> result) {
                               promise->set_value(std::move(result));
                             });
  }
  // All routes run concurrently (their Redis calls pipeline); wait for all.
  for (Pending& p : routing) {
    absl::StatusOr<Result> result = p.result.get();
    if (result.ok()) {
      // Moot (the order moved on, e.g. a group re-reading the stream from its
      // start) is counted, not logged: it can be every event of a replay.
      events_.Add({{"result", result->routed ? "routed" : "moot"}}).Increment();
      settled.push_back(p.id);
    } else {
      // Left pending: reclaimed and retried, dead-lettered after max_deliveries.
      events_.Add({{"result", "failed"}}).Increment();
      log::Warning("auto-dispatch failed; will retry",
                   {{"event_id", p.id}, {"order_id", p.order_id}, {"error", result.status().ToString()}});
    }
  }
  if (settled.empty()) return;
  redis::Command ack = {"XACK", keys_.Events(), options_.group};
  ack.insert(ack.end(), settled.begin(), settled.end());
  (void)redis_.Execute(std::move(ack));
}

void EventConsumer::Reclaim() {
  const std::string idle = absl::StrCat(absl::ToInt64Milliseconds(options_.reclaim_idle));
  // [[id, consumer, idle ms, deliveries], ...] of entries idle long enough.
  absl::StatusOr<redis::Reply> stale =
      redis_.Execute({"XPENDING", keys_.Events(), options_.group, "IDLE", idle, "-", "+",
                      absl::StrCat(options_.batch)});
  if (!stale.ok() || stale->type != redis::Reply::Type::kArray || stale->elements.empty()) return;
  redis::Command claim = {"XCLAIM", keys_.Events(), options_.group, options_.consumer, idle};
  for (const redis::Reply& p : stale->elements) {
    if (p.elements.size() != 4) continue;
    const std::string& id = p.elements[0].str;
    if (p.elements[3].integer >= options_.max_deliveries) {
      // A poison event: park it with its fields for a human, and let go.
      absl::StatusOr<redis::Reply> entry = redis_.Execute({"XRANGE", keys_.Events(), id, id});
      // Capped: a flood of poison events (a bad catalogue entry, say) must
      // not fill Redis; the alert and the log have each one.
      redis::Command dead = {"XADD", keys_.DeadEvents(), "MAXLEN", "~",
                             absl::StrCat(kDeadEventsMaxLength), "*", "source_id", id};
      if (entry.ok() && entry->elements.size() == 1 && entry->elements[0].elements.size() == 2) {
        for (const redis::Reply& f : entry->elements[0].elements[1].elements) dead.push_back(f.str);
      }
      if (redis_.Execute(std::move(dead)).ok()) {
        (void)redis_.Execute({"XACK", keys_.Events(), options_.group, id});
        events_.Add({{"result", "dead_lettered"}}).Increment();
        log::Error("event dead-lettered", {{"event_id", id}});
      }
      continue;
    }
    claim.push_back(id);
  }
  if (claim.size() == 5) return;
  absl::StatusOr<redis::Reply> claimed = redis_.Execute(std::move(claim));
  if (claimed.ok() && claimed->type == redis::Reply::Type::kArray) {
    events_.Add({{"result", "reclaimed"}}).Increment(static_cast<double>(claimed->elements.size()));
    Handle(*claimed);
  }
}

void EventConsumer::UpdateBacklog() {
  absl::StatusOr<redis::Reply> groups = redis_.Execute({"XINFO", "GROUPS", keys_.Events()});
  if (groups.ok() && groups->type == redis::Reply::Type::kArray) {
    for (const redis::Reply& g : groups->elements) {
      if (FieldOf(g, "name") != options_.group) continue;
      for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
        if (g.elements[i].str == "lag") lag_.Set(static_cast<double>(g.elements[i + 1].integer));
        if (g.elements[i].str == "pending") pending_.Set(static_cast<double>(g.elements[i + 1].integer));
      }
    }
  }
  // XPENDING summary: [count, smallest id, greatest id, consumers].
  // Its age by Redis's own clock (TIME), the clock that stamped the id: this
  // host's clock may differ from Redis's.
  absl::StatusOr<redis::Reply> summary = redis_.Execute({"XPENDING", keys_.Events(), options_.group});
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

}  // namespace hotline::dispatch
