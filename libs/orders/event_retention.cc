#include "orders/event_retention.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "log/log.h"

namespace hotline::orders {
namespace {

// A stream id "ms-seq" as a comparable pair; nullopt if malformed.
std::optional<std::pair<uint64_t, uint64_t>> ParseId(const std::string& id) {
  std::vector<std::string> parts = absl::StrSplit(id, '-');
  std::pair<uint64_t, uint64_t> out;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &out.first) ||
      !absl::SimpleAtoi(parts[1], &out.second)) {
    return std::nullopt;
  }
  return out;
}

const redis::Reply* FieldOf(const redis::Reply& flat, const std::string& name) {
  for (size_t i = 0; i + 1 < flat.elements.size(); i += 2) {
    if (flat.elements[i].str == name) return &flat.elements[i + 1];
  }
  return nullptr;
}

struct GroupState {
  std::string name;
  long long pending = 0;
  long long lag = -1;  // -1: Redis cannot tell (after a trim or XSETID)
  std::pair<uint64_t, uint64_t> floor;  // the lowest id this group still needs
};

absl::StatusOr<std::vector<GroupState>> ReadGroups(redis::Client& redis, const std::string& key) {
  absl::StatusOr<redis::Reply> groups = redis.Execute({"XINFO", "GROUPS", key});
  if (!groups.ok()) return groups.status();
  if (groups->is_error()) {
    // No stream yet: nothing to keep, nothing to trim.
    return std::vector<GroupState>{};
  }
  std::vector<GroupState> out;
  for (const redis::Reply& g : groups->elements) {
    const redis::Reply* name = FieldOf(g, "name");
    const redis::Reply* pending = FieldOf(g, "pending");
    const redis::Reply* last = FieldOf(g, "last-delivered-id");
    const redis::Reply* lag = FieldOf(g, "lag");
    if (name == nullptr || pending == nullptr || last == nullptr) {
      return absl::InternalError("XINFO GROUPS: unexpected reply");
    }
    std::optional<std::pair<uint64_t, uint64_t>> delivered = ParseId(last->str);
    if (!delivered) return absl::InternalError("XINFO GROUPS: bad last-delivered-id " + last->str);
    GroupState state{name->str, pending->integer,
                     lag != nullptr && lag->type == redis::Reply::Type::kInteger ? lag->integer : -1,
                     {delivered->first, delivered->second + 1}};
    if (state.pending > 0) {
      // XPENDING summary: [count, smallest id, greatest id, consumers]. Read
      // after XINFO: anything acknowledged in between only raises the floor.
      absl::StatusOr<redis::Reply> summary = redis.Execute({"XPENDING", key, state.name});
      if (!summary.ok()) return summary.status();
      if (summary->elements.size() == 4 && summary->elements[0].integer > 0) {
        std::optional<std::pair<uint64_t, uint64_t>> oldest = ParseId(summary->elements[1].str);
        if (!oldest) return absl::InternalError("XPENDING: bad id " + summary->elements[1].str);
        state.floor = std::min(state.floor, *oldest);
      }
    }
    out.push_back(std::move(state));
  }
  return out;
}

}  // namespace

absl::StatusOr<TrimResult> TrimSettledEvents(redis::Client& redis, const OrderKeys& keys) {
  absl::StatusOr<std::vector<GroupState>> groups = ReadGroups(redis, keys.Events());
  if (!groups.ok()) return groups.status();
  TrimResult result;
  for (const GroupState& g : *groups) result.groups.push_back({g.name, g.lag, g.pending});
  if (!groups->empty()) {
    std::pair<uint64_t, uint64_t> floor = groups->front().floor;
    for (const GroupState& g : *groups) floor = std::min(floor, g.floor);
    result.floor_id = absl::StrCat(floor.first, "-", floor.second);
    // Exact MINID: removes only entries with smaller ids, so an entry a
    // group still needs is never touched.
    absl::StatusOr<redis::Reply> trimmed =
        redis.Execute({"XTRIM", keys.Events(), "MINID", result.floor_id});
    if (!trimmed.ok()) return trimmed.status();
    if (trimmed->is_error()) return absl::InternalError("XTRIM: " + trimmed->str);
    result.removed = trimmed->integer;
  }
  absl::StatusOr<redis::Reply> length = redis.Execute({"XLEN", keys.Events()});
  if (!length.ok()) return length.status();
  result.length_after = length->integer;
  return result;
}

EventRetention::EventRetention(redis::Client& redis, const OrderKeys& keys,
                               prometheus::Registry& metrics, absl::Duration period)
    : redis_(redis),
      keys_(keys),
      period_(period),
      length_(prometheus::BuildGauge()
                  .Name("hotline_events_stream_length")
                  .Help("Entries on the order event stream (trimmed up to what every "
                        "consumer group has settled).")
                  .Register(metrics)
                  .Add({})),
      trimmed_(prometheus::BuildCounter()
                   .Name("hotline_events_trimmed_total")
                   .Help("Events removed from the stream after every consumer group settled them.")
                   .Register(metrics)
                   .Add({})),
      group_lag_(prometheus::BuildGauge()
                     .Name("hotline_events_group_lag")
                     .Help("Events not yet delivered to a consumer group (-1: unknown).")
                     .Register(metrics)),
      group_pending_(prometheus::BuildGauge()
                         .Name("hotline_events_group_pending")
                         .Help("Events delivered to a consumer group and not yet acknowledged.")
                         .Register(metrics)) {}

EventRetention::~EventRetention() { Stop(); }

void EventRetention::Start() {
  thread_ = std::thread([this] {
    while (!stop_) {
      RunOnce();
      // Short sleeps, so Stop() does not wait a whole period.
      for (absl::Time until = absl::Now() + period_; !stop_ && absl::Now() < until;) {
        absl::SleepFor(absl::Milliseconds(100));
      }
    }
  });
}

void EventRetention::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void EventRetention::RunOnce() {
  absl::StatusOr<TrimResult> trimmed = TrimSettledEvents(redis_, keys_);
  if (!trimmed.ok()) return;  // Redis down: the next pass tries again
  // Group names are the services' own (dispatch, sla, ...): a bounded set.
  for (const GroupBacklog& g : trimmed->groups) {
    group_lag_.Add({{"group", g.group}}).Set(static_cast<double>(g.lag));
    group_pending_.Add({{"group", g.group}}).Set(static_cast<double>(g.pending));
  }
  trimmed_.Increment(static_cast<double>(trimmed->removed));
  length_.Set(static_cast<double>(trimmed->length_after));
}

}  // namespace hotline::orders
