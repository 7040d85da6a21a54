#include "fsck/fsck.h"

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "orders/order_event.h"
#include "redis/reply_status.h"

namespace hotline::fsck {

std::map<std::string, std::string> FieldsOf(const redis::Reply& reply) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2)
    out[reply.elements[i].str] = reply.elements[i + 1].str;
  return out;
}

std::string EventOrderId(const redis::Reply& fields) {
  orders::StreamFields flat;
  for (size_t i = 0; i + 1 < fields.elements.size(); i += 2)
    flat.emplace_back(fields.elements[i].str, fields.elements[i + 1].str);
  absl::StatusOr<v1::OrderEvent> event = orders::DecodeOrderEvent(flat);
  return event.ok() ? event->order_id() : "";
}

absl::Status StatusOf(const absl::StatusOr<redis::Reply>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return redis::ErrorReplyToStatus(reply->str);
  return absl::OkStatus();
}

void Context::Report(Finding f) { findings_.push_back(std::move(f)); }

void Context::Progress(const std::string& line) {
  if (options_.progress) {
    options_.progress(line);
  } else {
    std::fprintf(stderr, "fsck: %s\n", line.c_str());
  }
}

void Context::Confirm(const std::vector<Finding>& suspects,
                      const std::function<std::vector<Finding>(const std::string&)>& check) {
  if (suspects.empty()) return;
  absl::SleepFor(options_.recheck_after);
  std::set<std::string> ids;
  for (const Finding& f : suspects) ids.insert(f.order_id);
  for (const std::string& id : ids) {
    std::set<std::string> before;
    for (const Finding& f : suspects) {
      if (f.order_id == id) before.insert(f.invariant);
    }
    for (Finding& f : check(id)) {
      // Still broken, the same way: a real finding. (A different fault now
      // is the order moving on: it will be seen by the next run.)
      if (before.count(f.invariant) > 0) Report(std::move(f));
    }
  }
}

namespace {
// KEYS[1] the order record, KEYS[2..] sets or sorted sets; ARGV[1] the order
// id, ARGV[2] n fields, then the fields, then per probe key "z" or "s".
// Reads only.
const redis::Script& ProbeScript() {
  static const redis::Script script(R"lua(
local n = tonumber(ARGV[2])
local fields = {}
for i = 1, n do fields[i] = ARGV[2 + i] end
local out = {redis.call("HMGET", KEYS[1], unpack(fields))}
for k = 2, #KEYS do
  if ARGV[2 + n + k - 1] == "z" then
    out[#out + 1] = redis.call("ZSCORE", KEYS[k], ARGV[1]) or false
  else
    out[#out + 1] = redis.call("SISMEMBER", KEYS[k], ARGV[1])
  end
end
return out
)lua");
  return script;
}
}  // namespace

absl::StatusOr<Context::AtomicRead> Context::ReadAtomically(const std::string& order_id,
                                                            const std::vector<std::string>& fields,
                                                            const std::vector<Probe>& probes) {
  std::vector<std::string> keys = {keys_.Order(order_id)};
  std::vector<std::string> args = {order_id, absl::StrCat(fields.size())};
  args.insert(args.end(), fields.begin(), fields.end());
  for (const Probe& p : probes) {
    keys.push_back(p.key);
    args.push_back(p.sorted ? "z" : "s");
  }
  absl::StatusOr<redis::Reply> r =
      redis_.ExecuteScript(ProbeScript(), std::move(keys), std::move(args));
  if (absl::Status s = StatusOf(r); !s.ok()) return s;
  if (r->elements.size() != 1 + probes.size() || r->elements[0].elements.size() != fields.size()) {
    return absl::InternalError("probe script: unexpected reply");
  }
  AtomicRead out;
  for (size_t i = 0; i < fields.size(); ++i) out.fields[fields[i]] = r->elements[0].elements[i].str;
  for (size_t k = 0; k < probes.size(); ++k) {
    const redis::Reply& m = r->elements[1 + k];
    if (probes[k].sorted) {
      out.members.push_back(m.type == redis::Reply::Type::kNil ? std::nullopt
                                                               : std::optional<std::string>(m.str));
    } else {
      out.members.push_back(m.integer == 1 ? std::optional<std::string>("1") : std::nullopt);
    }
  }
  return out;
}

std::vector<absl::StatusOr<redis::Reply>> Context::ExecuteAll(
    std::vector<redis::Command> commands) {
  std::vector<absl::StatusOr<redis::Reply>> out(commands.size(), absl::UnknownError("no reply"));
  if (commands.empty()) return out;
  std::mutex mu;
  std::condition_variable cv;
  size_t left = commands.size();
  for (size_t i = 0; i < commands.size(); ++i) {
    redis_.Submit(std::move(commands[i]), [&, i](absl::StatusOr<redis::Reply> reply) {
      std::lock_guard<std::mutex> lock(mu);
      out[i] = std::move(reply);
      if (--left == 0) cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return left == 0; });
  return out;
}

absl::StatusOr<redis::Reply> Context::Execute(redis::Command command) {
  absl::StatusOr<redis::Reply> r = redis_.Execute(std::move(command));
  if (absl::Status s = StatusOf(r); !s.ok()) return s;
  return r;
}

absl::Status Context::ScanKeys(
    const std::string& pattern, const std::string& type,
    const std::function<absl::Status(const std::vector<std::string>&)>& visit) {
  std::string cursor = "0";
  std::set<std::string> seen;  // SCAN may return a key twice
  do {
    redis::Command scan = {"SCAN",  cursor,  "MATCH",
                           pattern, "COUNT", absl::StrCat(options_.batch * 5)};
    if (!type.empty()) {
      scan.push_back("TYPE");
      scan.push_back(type);
    }
    absl::StatusOr<redis::Reply> r = Execute(std::move(scan));
    if (!r.ok()) return r.status();
    if (r->elements.size() != 2) return absl::InternalError("SCAN: unexpected reply");
    cursor = r->elements[0].str;
    std::vector<std::string> keys;
    for (const redis::Reply& k : r->elements[1].elements) {
      if (seen.insert(k.str).second) keys.push_back(k.str);
    }
    if (!keys.empty()) {
      if (absl::Status s = visit(keys); !s.ok()) return s;
    }
  } while (cursor != "0");
  return absl::OkStatus();
}

absl::Status Context::ScanMembers(
    const std::string& key, bool sorted,
    const std::function<absl::Status(const std::vector<std::pair<std::string, std::string>>&)>&
        visit) {
  std::string cursor = "0";
  do {
    absl::StatusOr<redis::Reply> r =
        Execute({sorted ? "ZSCAN" : "SSCAN", key, cursor, "COUNT", absl::StrCat(options_.batch)});
    if (!r.ok()) return r.status();
    if (r->elements.size() != 2) return absl::InternalError("ZSCAN/SSCAN: unexpected reply");
    cursor = r->elements[0].str;
    std::vector<std::pair<std::string, std::string>> members;
    const auto& e = r->elements[1].elements;
    if (sorted) {
      for (size_t i = 0; i + 1 < e.size(); i += 2) members.emplace_back(e[i].str, e[i + 1].str);
    } else {
      for (const redis::Reply& m : e) members.emplace_back(m.str, "");
    }
    if (!members.empty()) {
      if (absl::Status s = visit(members); !s.ok()) return s;
    }
  } while (cursor != "0");
  return absl::OkStatus();
}

std::vector<std::unique_ptr<Check>> DefaultChecks() {
  std::vector<std::unique_ptr<Check>> out;
  out.push_back(MakeOrderIndexCheck());
  out.push_back(MakeTrailCheck());
  out.push_back(MakeSlaCheck());
  out.push_back(MakeScoringCheck());
  out.push_back(MakeEventsCheck());
  out.push_back(MakeTierCheck());  // with --postgres
  out.push_back(MakeLegacyAuditCheck());
  return out;
}

std::vector<std::string> CheckNames() {
  std::vector<std::string> out;
  for (const auto& c : DefaultChecks()) out.push_back(c->name());
  return out;
}

}  // namespace hotline::fsck
