#include "audit/audit_log.h"

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "redis/reply_status.h"

namespace hotline::audit {

namespace scripts {
extern const std::string_view kAppendAudit;
extern const std::string_view kListOrderAudit;
}  // namespace scripts

namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 500;

const redis::Script& AppendScript() {
  static const redis::Script script(scripts::kAppendAudit);
  return script;
}

const redis::Script& ListOrderScript() {
  static const redis::Script script(scripts::kListOrderAudit);
  return script;
}

// A stream id as Redis prints it: digits, a dash, digits.
bool IsStreamId(absl::string_view id) {
  size_t dash = id.find('-');
  if (dash == absl::string_view::npos || dash == 0 || dash + 1 == id.size()) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i != dash && !absl::ascii_isdigit(static_cast<unsigned char>(id[i]))) return false;
  }
  return true;
}

// A stream id's two numbers, for ordering ids of both tiers.
std::pair<uint64_t, uint64_t> IdKey(const std::string& id) {
  std::pair<uint64_t, uint64_t> key{0, 0};
  const size_t dash = id.find('-');
  (void)absl::SimpleAtoi(absl::string_view(id).substr(0, dash), &key.first);
  if (dash != std::string::npos) {
    (void)absl::SimpleAtoi(absl::string_view(id).substr(dash + 1), &key.second);
  }
  return key;
}

// Entries shaped as XREVRANGE answers them, [id, [field, value, ...]]; an
// indexed id the log lacks comes back marked missing.
constexpr char kMissing[] = {'\0'};  // no serialized entry is one zero byte

absl::StatusOr<std::vector<StoredEntry>> FromReply(const redis::Reply& reply) {
  std::vector<StoredEntry> out;
  for (const redis::Reply& item : reply.elements) {
    if (item.elements.size() != 2) {
      return absl::InternalError("audit log: an entry of an unexpected shape");
    }
    const std::vector<redis::Reply>& fields = item.elements[1].elements;
    out.push_back(
        {item.elements[0].str, fields.size() < 2 ? std::string(kMissing, 1) : fields[1].str});
  }
  return out;
}

bool Missing(const StoredEntry& e) { return e.bytes == std::string(kMissing, 1); }

// One page from both tiers' candidates (each newest first, each at most one
// more than a page): merged by id, newest first, each id once (an entry in
// both tiers during its move reads from the tier that has it whole).
absl::StatusOr<v1::ListAuditEntriesResponse> MergePage(std::vector<StoredEntry> live,
                                                       std::vector<StoredEntry> archived,
                                                       int page_size) {
  std::map<std::pair<uint64_t, uint64_t>, StoredEntry, std::greater<>> merged;
  for (StoredEntry& e : archived) merged.emplace(IdKey(e.id), std::move(e));
  for (StoredEntry& e : live) {
    auto [it, inserted] = merged.emplace(IdKey(e.id), e);
    if (!inserted && !Missing(e)) it->second = std::move(e);
  }
  v1::ListAuditEntriesResponse page;
  for (auto& [key, e] : merged) {
    if (page.entries_size() == page_size) {
      page.set_next_page_token(page.entries(page_size - 1).id());
      break;
    }
    if (Missing(e)) {
      return absl::InternalError(
          absl::StrCat("audit log: entry ", e.id, " is indexed but missing from the log"));
    }
    v1::AuditEntry* entry = page.add_entries();
    if (!entry->ParseFromString(e.bytes)) {
      return absl::InternalError(absl::StrCat("audit log: entry ", e.id, " does not parse"));
    }
    entry->set_id(e.id);
  }
  return page;
}

}  // namespace

std::string AuditKeys::Log() const { return absl::StrCat(prefix_, "audit"); }
std::string AuditKeys::OrderIndex(absl::string_view order_id) const {
  return absl::StrCat(prefix_, "audit:order:{", order_id, "}:ids");
}
std::string AuditKeys::LegacyOrderLog(absl::string_view order_id) const {
  return absl::StrCat(prefix_, "audit:order:{", order_id, "}");
}

AuditLog::AuditLog(redis::Client& redis, AuditKeys keys, AuditArchive* archive)
    : redis_(redis), keys_(std::move(keys)), archive_(archive) {}

void AuditLog::Append(const v1::AuditEntry& entry,
                      absl::AnyInvocable<void(absl::StatusOr<std::string>)> done) {
  std::vector<std::string> keys = {keys_.Log()};
  std::set<absl::string_view> named;  // each order's index gets the id once
  if (!entry.order_id().empty()) named.insert(entry.order_id());
  for (const std::string& id : entry.order_ids()) named.insert(id);
  for (absl::string_view id : named) keys.push_back(keys_.OrderIndex(id));
  v1::AuditEntry stored = entry;
  stored.clear_id();
  redis_.SubmitScript(AppendScript(), std::move(keys), {stored.SerializeAsString()},
                      [done = std::move(done)](absl::StatusOr<redis::Reply> reply) mutable {
                        if (!reply.ok()) return done(reply.status());
                        if (reply->is_error()) return done(redis::ErrorReplyToStatus(reply->str));
                        done(std::move(reply->str));
                      });
}

absl::Status ValidateListRequest(const v1::ListAuditEntriesRequest& request) {
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be 0..", kMaxPageSize, ", got ", request.page_size()));
  }
  if (!request.page_token().empty() && !IsStreamId(request.page_token())) {
    return absl::InvalidArgumentError("page_token: not a token this API gave out");
  }
  return absl::OkStatus();
}

void AuditLog::List(const v1::ListAuditEntriesRequest& request,
                    absl::AnyInvocable<void(absl::StatusOr<v1::ListAuditEntriesResponse>)> done) {
  if (absl::Status valid = ValidateListRequest(request); !valid.ok()) return done(valid);
  const int page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  // One more than a page tells whether another page follows.
  const std::string count = absl::StrCat(page_size + 1);
  auto answer = [this, done = std::move(done), page_size, order_id = request.order_id(),
                 token = request.page_token()](absl::StatusOr<redis::Reply> reply) mutable {
    if (!reply.ok()) return done(reply.status());
    if (reply->is_error()) return done(redis::ErrorReplyToStatus(reply->str));
    absl::StatusOr<std::vector<StoredEntry>> live = FromReply(*reply);
    if (!live.ok()) return done(live.status());
    std::vector<StoredEntry> entries = std::move(*live);
    if (archive_ == nullptr) return done(MergePage(std::move(entries), {}, page_size));
    // The archive holds the older entries; both are asked for a page below
    // the token and merged (cheap: one indexed query).
    archive_->ListOlder(std::move(order_id), std::move(token), page_size + 1,
                        [done = std::move(done), entries = std::move(entries),
                         page_size](absl::StatusOr<std::vector<StoredEntry>> archived) mutable {
                          if (!archived.ok()) return done(archived.status());
                          done(MergePage(std::move(entries), std::move(*archived), page_size));
                        });
  };
  if (request.order_id().empty()) {
    std::string from = request.page_token().empty() ? "+" : absl::StrCat("(", request.page_token());
    return redis_.Submit({"XREVRANGE", keys_.Log(), std::move(from), "-", "COUNT", count},
                         std::move(answer));
  }
  redis_.SubmitScript(
      ListOrderScript(),
      {keys_.Log(), keys_.OrderIndex(request.order_id()), keys_.LegacyOrderLog(request.order_id())},
      {count, request.page_token()}, std::move(answer));
}

}  // namespace hotline::audit
