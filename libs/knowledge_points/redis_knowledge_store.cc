#include "knowledge_points/redis_knowledge_store.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "redis/reply_status.h"

namespace hotline::knowledge {

// Lua sources, embedded at build time from scripts/*.lua.
namespace scripts {
extern const std::string_view kPutVersion;
extern const std::string_view kListPoints;
extern const std::string_view kMarkNotHelpful;
extern const std::string_view kRecordUnanswered;
}  // namespace scripts

namespace {

const redis::Script& PutScript() {
  static const redis::Script script(scripts::kPutVersion);
  return script;
}
const redis::Script& ListScript() {
  static const redis::Script script(scripts::kListPoints);
  return script;
}
const redis::Script& RecordUnansweredScript() {
  static const redis::Script script(scripts::kRecordUnanswered);
  return script;
}
const redis::Script& NotHelpfulScript() {
  static const redis::Script script(scripts::kMarkNotHelpful);
  return script;
}

int64_t ToInt(const redis::Reply& reply) {
  if (reply.type == redis::Reply::Type::kInteger) return reply.integer;
  int64_t n = 0;
  return absl::SimpleAtoi(reply.str, &n) ? n : 0;
}

absl::StatusOr<v1::KnowledgePoint> ParsePoint(const std::string& bytes) {
  v1::KnowledgePoint point;
  if (!point.ParseFromString(bytes)) return absl::InternalError("redis: a stored point does not parse");
  return point;
}

}  // namespace

v1::KnowledgeSummary SummaryOf(const v1::KnowledgePoint& p) {
  v1::KnowledgeSummary s;
  s.set_code(p.code());
  s.set_title(p.title());
  s.set_status(p.status());
  s.set_version(p.version());
  s.set_owner_unit(p.owner_unit());
  s.set_expires_on(p.expires_on());
  return s;
}

const char* StatusName(v1::KnowledgeStatus status) {
  switch (status) {
    case v1::KNOWLEDGE_STATUS_DRAFT: return kStatusDraft;
    case v1::KNOWLEDGE_STATUS_PUBLISHED: return kStatusPublished;
    case v1::KNOWLEDGE_STATUS_RETIRED: return kStatusRetired;
    default: return "unspecified";
  }
}

RedisKnowledgeStore::RedisKnowledgeStore(redis::Client& redis, RedisKnowledgeStoreOptions options)
    : redis_(redis), options_(std::move(options)), keys_(options_.key_prefix) {}

void RedisKnowledgeStore::Put(v1::KnowledgePoint point, int64_t expected_version,
                              Done<v1::KnowledgePoint> done) {
  const std::string code = point.code();
  std::vector<std::string> keys = {keys_.Point(code), keys_.Versions(code), keys_.Codes(),
                                   keys_.Summaries(), keys_.Changes()};
  std::vector<std::string> args = {
      code,
      absl::StrCat(expected_version),
      point.SerializeAsString(),
      StatusName(point.status()),
      SummaryOf(point).SerializeAsString(),
      absl::StrCat(absl::ToUnixMillis(absl::FromUnixSeconds(point.updated_at().seconds()) +
                                      absl::Nanoseconds(point.updated_at().nanos()))),
      absl::StrCat(options_.changes_max_length)};
  redis_.SubmitScript(
      PutScript(), std::move(keys), std::move(args),
      [point = std::move(point), done = std::move(done)](absl::StatusOr<redis::Reply> r) mutable {
        if (!r.ok()) return done(r.status());
        if (r->is_error()) {
          const std::string& e = r->str;
          if (absl::StartsWith(e, "KB_EXISTS")) {
            return done(absl::AlreadyExistsError(absl::StrCat("point ", point.code(), " already exists")));
          }
          if (absl::StartsWith(e, "KB_NOT_FOUND")) {
            return done(absl::NotFoundError(absl::StrCat("point ", point.code(), " not found")));
          }
          if (absl::StartsWith(e, "KB_STALE ")) {
            return done(absl::AbortedError(absl::StrCat("point ", point.code(), " is at version ",
                                                        e.substr(9), ", not ",
                                                        point.version() - 1,
                                                        ": read it again and redo the change")));
          }
          return done(redis::ErrorReplyToStatus(e));
        }
        done(std::move(point));
      });
}

void RedisKnowledgeStore::Get(std::string code, Done<v1::KnowledgePoint> done) {
  redis_.Submit({"HMGET", keys_.Point(code), "point", "use_count", "fcr_count", "not_helpful_count"},
                [code, done = std::move(done)](absl::StatusOr<redis::Reply> r) mutable {
                  if (!r.ok()) return done(r.status());
                  if (r->is_error()) return done(redis::ErrorReplyToStatus(r->str));
                  if (r->elements.size() != 4 || r->elements[0].is_nil()) {
                    return done(absl::NotFoundError(absl::StrCat("point ", code, " not found")));
                  }
                  absl::StatusOr<v1::KnowledgePoint> point = ParsePoint(r->elements[0].str);
                  if (!point.ok()) return done(point.status());
                  point->set_use_count(ToInt(r->elements[1]));
                  point->set_first_contact_resolutions(ToInt(r->elements[2]));
                  point->set_not_helpful_count(ToInt(r->elements[3]));
                  done(std::move(point));
                });
}

void RedisKnowledgeStore::History(std::string code, Done<std::vector<v1::KnowledgePoint>> done) {
  redis_.Submit({"LRANGE", keys_.Versions(code), "0", "-1"},
                [code, done = std::move(done)](absl::StatusOr<redis::Reply> r) mutable {
                  if (!r.ok()) return done(r.status());
                  if (r->is_error()) return done(redis::ErrorReplyToStatus(r->str));
                  if (r->elements.empty()) {
                    return done(absl::NotFoundError(absl::StrCat("point ", code, " not found")));
                  }
                  std::vector<v1::KnowledgePoint> versions;
                  for (const redis::Reply& e : r->elements) {
                    absl::StatusOr<v1::KnowledgePoint> p = ParsePoint(e.str);
                    if (!p.ok()) return done(p.status());
                    versions.push_back(std::move(*p));
                  }
                  done(std::move(versions));
                });
}

void RedisKnowledgeStore::List(std::string prefix, std::string after, int limit,
                               Done<std::vector<v1::KnowledgeSummary>> done) {
  // Fixed-width codes: everything under "KB.06" sorts between "KB.06" and
  // "KB.06\xff".
  std::string start = after.empty() ? absl::StrCat("[", prefix) : absl::StrCat("(", after);
  std::string end = absl::StrCat("[", prefix, "\xff");
  redis_.SubmitScript(ListScript(), {keys_.Codes(), keys_.Summaries()},
                      {std::move(start), std::move(end), absl::StrCat(limit)},
                      [done = std::move(done)](absl::StatusOr<redis::Reply> r) mutable {
                        if (!r.ok()) return done(r.status());
                        if (r->is_error()) return done(redis::ErrorReplyToStatus(r->str));
                        std::vector<v1::KnowledgeSummary> out;
                        for (const redis::Reply& e : r->elements) {
                          v1::KnowledgeSummary s;
                          if (e.is_nil() || !s.ParseFromString(e.str)) {
                            return done(absl::InternalError("redis: a listed point has no summary"));
                          }
                          out.push_back(std::move(s));
                        }
                        done(std::move(out));
                      });
}

void RedisKnowledgeStore::MarkNotHelpful(std::string code, Done<int64_t> done) {
  redis_.SubmitScript(NotHelpfulScript(), {keys_.Point(code)}, {},
                      [code, done = std::move(done)](absl::StatusOr<redis::Reply> r) mutable {
                        if (!r.ok()) return done(r.status());
                        if (r->is_error()) {
                          if (absl::StartsWith(r->str, "KB_NOT_FOUND")) {
                            return done(absl::NotFoundError(absl::StrCat("point ", code, " not found")));
                          }
                          return done(redis::ErrorReplyToStatus(r->str));
                        }
                        done(r->integer);
                      });
}

void RedisKnowledgeStore::RecordUnanswered(std::string query, Done<int64_t> done) {
  redis_.SubmitScript(RecordUnansweredScript(), {keys_.Unanswered()},
                      {std::move(query), absl::StrCat(options_.unanswered_capacity)},
                      [done = std::move(done)](absl::StatusOr<redis::Reply> r) mutable {
                        if (!r.ok()) return done(r.status());
                        if (r->is_error()) return done(redis::ErrorReplyToStatus(r->str));
                        done(r->integer);
                      });
}

void RedisKnowledgeStore::TopUnanswered(int limit, Done<std::vector<UnansweredCount>> done) {
  if (limit <= 0) return done(std::vector<UnansweredCount>{});
  redis_.Submit(
      {"ZREVRANGE", keys_.Unanswered(), "0", absl::StrCat(limit - 1), "WITHSCORES"},
      [done = std::move(done)](absl::StatusOr<redis::Reply> r) mutable {
        if (!r.ok()) return done(r.status());
        if (r->is_error()) return done(redis::ErrorReplyToStatus(r->str));
        std::vector<UnansweredCount> out;
        for (size_t i = 0; i + 1 < r->elements.size(); i += 2) {
          UnansweredCount c{.query = r->elements[i].str};
          if (!absl::SimpleAtoi(r->elements[i + 1].str, &c.count)) {
            return done(absl::InternalError("redis: an unanswered count is not a number"));
          }
          out.push_back(std::move(c));
        }
        // Redis orders equal counts by reverse text; the list reads by text.
        std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
          return a.count != b.count ? a.count > b.count : a.query < b.query;
        });
        done(std::move(out));
      });
}

}  // namespace hotline::knowledge
