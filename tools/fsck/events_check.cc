// The event stream's consumer groups and pending entries: every group the
// services read with exists; no group has read past the stream's end; every
// pending entry is an event still on the stream (an entry trimmed or
// deleted while pending can never be processed or acknowledged by the
// consumers' normal path), at or before its group's last delivered id, and
// not idle for longer than a live replica would leave it (XAUTOCLAIM); and
// no event in the stream is older than what every group has settled and
// still in it (the trimmer's job) - that one is only counted.
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fsck/fsck.h"

namespace hotline::fsck {
namespace {

// Stream ids compare as (ms, seq).
std::pair<uint64_t, uint64_t> IdOf(const std::string& id) {
  std::vector<std::string> parts = absl::StrSplit(id, '-');
  uint64_t ms = 0, seq = 0;
  if (!parts.empty()) (void)absl::SimpleAtoi(parts[0], &ms);
  if (parts.size() > 1) (void)absl::SimpleAtoi(parts[1], &seq);
  return {ms, seq};
}

// A flat field, value reply (integers as text).
std::map<std::string, std::string> Flat(const redis::Reply& r) {
  std::map<std::string, std::string> f;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const redis::Reply& v = r.elements[i + 1];
    f[r.elements[i].str] = v.type == redis::Reply::Type::kInteger ? absl::StrCat(v.integer) : v.str;
  }
  return f;
}

// XINFO GROUPS by name.
absl::StatusOr<std::map<std::string, std::map<std::string, std::string>>> Groups(
    Context& ctx, const std::string& stream) {
  absl::StatusOr<redis::Reply> groups = ctx.Execute({"XINFO", "GROUPS", stream});
  if (!groups.ok()) return groups.status();
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const redis::Reply& g : groups->elements) {
    std::map<std::string, std::string> f = Flat(g);
    out[f["name"]] = f;
  }
  return out;
}

class EventsCheck final : public Check {
 public:
  std::string name() const override { return "events"; }

  absl::Status Run(Context& ctx) override {
    const std::string stream = ctx.keys().Events();
    absl::StatusOr<redis::Reply> type = ctx.Execute({"TYPE", stream});
    if (!type.ok()) return type.status();
    if (type->str == "none") {
      ctx.Report({"events_stream_missing", "-", absl::StrCat(stream, " does not exist")});
      return absl::OkStatus();
    }
    // Read in an order that a moving system cannot fake a fault with: the
    // groups first, then the stream (its last id only grows), and each
    // group's last delivered id again after its pending entries.
    absl::StatusOr<std::map<std::string, std::map<std::string, std::string>>> groups =
        Groups(ctx, stream);
    if (!groups.ok()) return groups.status();
    const std::map<std::string, std::map<std::string, std::string>>& by_name = *groups;
    absl::StatusOr<redis::Reply> info = ctx.Execute({"XINFO", "STREAM", stream});
    if (!info.ok()) return info.status();
    std::map<std::string, std::string> si = Flat(*info);
    const std::string last_generated = si["last-generated-id"];
    int64_t length = 0;
    (void)absl::SimpleAtoi(si["length"], &length);
    ctx.Count("events in the stream", length);
    for (const std::string& want : ctx.options().groups) {
      if (by_name.count(want) == 0) {
        ctx.Report({"events_group_missing", "-",
                    absl::StrCat("consumer group \"", want, "\" on ", stream, " does not exist")});
      }
    }
    int64_t pending_total = 0;
    for (const auto& [group, f] : by_name) {
      const std::string last_delivered = f.at("last-delivered-id");
      if (IdOf(last_delivered) > IdOf(last_generated)) {
        ctx.Report({"events_group_ahead", "-",
                    absl::StrCat("group ", group, " has delivered up to ", last_delivered,
                                 ", past the stream's last id ", last_generated)});
      }
      // Every pending entry, a page at a time (XPENDING's extended form).
      std::string from = "-";
      for (;;) {
        absl::StatusOr<redis::Reply> page =
            ctx.Execute({"XPENDING", stream, group, from, "+", absl::StrCat(ctx.options().batch)});
        if (!page.ok()) return page.status();
        if (page->elements.empty()) break;
        std::vector<std::string> ids;
        std::vector<int64_t> idle;
        std::vector<std::string> consumers;
        for (const redis::Reply& e : page->elements) {
          if (e.elements.size() < 4) continue;
          ids.push_back(e.elements[0].str);
          consumers.push_back(e.elements[1].str);
          idle.push_back(e.elements[2].integer);
        }
        pending_total += static_cast<int64_t>(ids.size());
        if (ids.empty()) break;
        std::vector<redis::Command> reads;
        for (const std::string& id : ids) reads.push_back({"XRANGE", stream, id, id});
        std::vector<absl::StatusOr<redis::Reply>> got = ctx.ExecuteAll(std::move(reads));
        // The group's last delivered id now, after the page: it only grows,
        // so a pending entry past it is really ahead.
        absl::StatusOr<std::map<std::string, std::map<std::string, std::string>>> now =
            Groups(ctx, stream);
        if (!now.ok()) return now.status();
        const std::string delivered_now =
            now->count(group) > 0 ? now->at(group).at("last-delivered-id") : last_delivered;
        std::vector<std::pair<std::string, Finding>> orphans;  // (id, finding) to look at again
        for (size_t i = 0; i < ids.size(); ++i) {
          if (absl::Status st = StatusOf(got[i]); !st.ok()) return st;
          std::string order = "-";
          if (!got[i]->elements.empty() && got[i]->elements[0].elements.size() == 2) {
            if (std::string named = EventOrderId(got[i]->elements[0].elements[1]); !named.empty()) {
              order = std::move(named);
            }
          }
          if (got[i]->elements.empty()) {
            orphans.push_back(
                {ids[i],
                 {"events_pending_orphan", order,
                  absl::StrCat("group ", group, " has ", ids[i], " pending (consumer ",
                               consumers[i], ") but the event is no longer on the stream")}});
          } else if (IdOf(ids[i]) > IdOf(delivered_now)) {
            ctx.Report({"events_pending_ahead", order,
                        absl::StrCat("group ", group, " has ", ids[i],
                                     " pending, past its last delivered id ", delivered_now)});
          } else if (absl::Milliseconds(idle[i]) > ctx.options().stuck_pending) {
            ctx.Report(
                {"events_pending_stuck", order,
                 absl::StrCat("group ", group, ": ", ids[i], " pending at consumer ", consumers[i],
                              " idle for ", idle[i] / 1000, " s: no replica reclaims it")});
          }
        }
        // An entry acknowledged and trimmed between the two reads is not an
        // orphan: look again, and report it only if still pending and gone.
        if (!orphans.empty()) absl::SleepFor(ctx.options().recheck_after);
        for (auto& [id, finding] : orphans) {
          std::vector<absl::StatusOr<redis::Reply>> again = ctx.ExecuteAll(
              {{"XPENDING", stream, group, id, id, "1"}, {"XRANGE", stream, id, id}});
          if (!StatusOf(again[0]).ok() || !StatusOf(again[1]).ok()) continue;
          if (!again[0]->elements.empty() && again[1]->elements.empty())
            ctx.Report(std::move(finding));
        }
        // Next page: just after the last id seen.
        const auto [ms, seq] = IdOf(ids.back());
        from = absl::StrCat(ms, "-", seq + 1);
      }
      ctx.Progress(absl::StrCat("events: group ", group, " checked"));
    }
    ctx.Count("consumer groups", static_cast<int64_t>(by_name.size()));
    ctx.Count("pending events", pending_total);
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Check> MakeEventsCheck() { return std::make_unique<EventsCheck>(); }

}  // namespace hotline::fsck
