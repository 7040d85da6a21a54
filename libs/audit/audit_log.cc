#include "audit/audit_log.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "redis/reply_status.h"

namespace hotline::audit {

namespace scripts {
extern const std::string_view kAppendAudit;
}  // namespace scripts

namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 500;

const redis::Script& AppendScript() {
  static const redis::Script script(scripts::kAppendAudit);
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

}  // namespace

std::string AuditKeys::Log() const { return absl::StrCat(prefix_, "audit"); }
std::string AuditKeys::OrderLog(absl::string_view order_id) const {
  return absl::StrCat(prefix_, "audit:order:{", order_id, "}");
}

AuditLog::AuditLog(redis::Client& redis, AuditKeys keys) : redis_(redis), keys_(std::move(keys)) {}

void AuditLog::Append(const v1::AuditEntry& entry,
                      absl::AnyInvocable<void(absl::StatusOr<std::string>)> done) {
  std::vector<std::string> keys = {keys_.Log()};
  if (!entry.order_id().empty()) keys.push_back(keys_.OrderLog(entry.order_id()));
  for (const std::string& id : entry.order_ids()) {
    if (id != entry.order_id()) keys.push_back(keys_.OrderLog(id));
  }
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
  std::string key = request.order_id().empty() ? keys_.Log() : keys_.OrderLog(request.order_id());
  std::string from = request.page_token().empty() ? "+" : absl::StrCat("(", request.page_token());
  // One more than a page tells whether another page follows.
  redis_.Submit(
      {"XREVRANGE", std::move(key), std::move(from), "-", "COUNT", absl::StrCat(page_size + 1)},
      [done = std::move(done), page_size](absl::StatusOr<redis::Reply> reply) mutable {
        if (!reply.ok()) return done(reply.status());
        if (reply->is_error()) return done(redis::ErrorReplyToStatus(reply->str));
        v1::ListAuditEntriesResponse page;
        for (const redis::Reply& item : reply->elements) {
          if (page.entries_size() == page_size) {
            page.set_next_page_token(page.entries(page_size - 1).id());
            break;
          }
          // [id, [field, value, ...]]
          if (item.elements.size() != 2 || item.elements[1].elements.size() < 2) {
            return done(absl::InternalError("audit log: an entry of an unexpected shape"));
          }
          v1::AuditEntry* entry = page.add_entries();
          if (!entry->ParseFromString(item.elements[1].elements[1].str)) {
            return done(absl::InternalError(
                absl::StrCat("audit log: entry ", item.elements[0].str, " does not parse")));
          }
          entry->set_id(item.elements[0].str);
        }
        done(std::move(page));
      });
}

}  // namespace hotline::audit
