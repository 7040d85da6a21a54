#include "audit/audit_log.h"

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
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

// A page from entries shaped as XREVRANGE answers them, [id, [field, value,
// ...]] newest first, one more than `page_size` when another page follows.
absl::StatusOr<v1::ListAuditEntriesResponse> ParsePage(const redis::Reply& reply, int page_size) {
  v1::ListAuditEntriesResponse page;
  for (const redis::Reply& item : reply.elements) {
    if (page.entries_size() == page_size) {
      page.set_next_page_token(page.entries(page_size - 1).id());
      break;
    }
    if (item.elements.size() != 2) {
      return absl::InternalError("audit log: an entry of an unexpected shape");
    }
    const std::string& id = item.elements[0].str;
    const std::vector<redis::Reply>& fields = item.elements[1].elements;
    if (fields.size() < 2) {
      return absl::InternalError(
          absl::StrCat("audit log: entry ", id, " is indexed but missing from the log"));
    }
    v1::AuditEntry* entry = page.add_entries();
    if (!entry->ParseFromString(fields[1].str)) {
      return absl::InternalError(absl::StrCat("audit log: entry ", id, " does not parse"));
    }
    entry->set_id(id);
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

AuditLog::AuditLog(redis::Client& redis, AuditKeys keys) : redis_(redis), keys_(std::move(keys)) {}

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

void AuditLog::List(
    const v1::ListAuditEntriesRequest& request,
    absl::AnyInvocable<void(absl::StatusOr<v1::ListAuditEntriesResponse>)> done) {
  if (absl::Status valid = ValidateListRequest(request); !valid.ok()) return done(valid);
  const int page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  // One more than a page tells whether another page follows.
  const std::string count = absl::StrCat(page_size + 1);
  auto answer = [done = std::move(done), page_size](absl::StatusOr<redis::Reply> reply) mutable {
    if (!reply.ok()) return done(reply.status());
    if (reply->is_error()) return done(redis::ErrorReplyToStatus(reply->str));
    done(ParsePage(*reply, page_size));
  };
  if (request.order_id().empty()) {
    std::string from = request.page_token().empty() ? "+" : absl::StrCat("(", request.page_token());
    return redis_.Submit({"XREVRANGE", keys_.Log(), std::move(from), "-", "COUNT", count},
                         std::move(answer));
  }
  redis_.SubmitScript(ListOrderScript(),
                      {keys_.Log(), keys_.OrderIndex(request.order_id()),
                       keys_.LegacyOrderLog(request.order_id())},
                      {count, request.page_token()}, std::move(answer));
}

}  // namespace hotline::audit
