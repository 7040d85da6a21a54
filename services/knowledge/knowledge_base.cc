#include "knowledge/knowledge_base.h"

#include <memory>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "knowledge_points/kb_code.h"
#include "knowledge_points/point_validation.h"
#include "knowledge/rules.h"
#include "knowledge/unanswered.h"
#include "log/log.h"
#include "text/utf8.h"

namespace hotline::knowledge {
namespace {

constexpr size_t kMaxQuery = 200;
constexpr int kDefaultSearchLimit = 10;
constexpr int kMaxSearchLimit = 50;
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr int kDefaultExpiryWindowDays = 30;

absl::Status BadField(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

template <typename T>
void Fail(Done<T>& done, absl::Status status) {
  done(std::move(status));
}

void StampTime(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t nanos = absl::ToUnixNanos(t);
  ts->set_seconds(nanos / 1000000000);
  ts->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

v1::Actor SeedActor() {
  v1::Actor a;
  a.set_user_id("seed");
  a.set_role(v1::ROLE_KNOWLEDGE_EDITOR);
  return a;
}

}  // namespace

KnowledgeBase::KnowledgeBase(KnowledgeStore& store, SearchIndex& index,
                             refdata::SourceRef<directory::Directory> directory,
                             const Clock& clock)
    : store_(store), index_(index), directory_(std::move(directory)), clock_(clock) {}

absl::CivilDay KnowledgeBase::Today() const {
  return absl::ToCivilDay(clock_.Now(), CityTimeZone());
}

absl::StatusOr<v1::SearchKnowledgeResponse> KnowledgeBase::Search(
    const v1::SearchKnowledgeRequest& r) {
  if (!text::IsValidUtf8(r.query())) return BadField("query", "is not valid UTF-8");
  if (absl::StripAsciiWhitespace(r.query()).empty()) return BadField("query", "is required");
  if (size_t n = text::CodePointCount(r.query()); n > kMaxQuery) {
    return BadField("query", absl::StrCat("is too long (", n, " characters, at most ", kMaxQuery, ")"));
  }
  if (!r.code_prefix().empty()) {
    if (auto e = PrefixProblem(r.code_prefix())) return BadField("code_prefix", *e);
  }
  if (!v1::KnowledgeStatus_IsValid(r.status())) {
    return BadField("status", absl::StrCat("unknown status ", r.status()));
  }
  if (r.limit() < 0 || r.limit() > kMaxSearchLimit) {
    return BadField("limit", absl::StrCat("must be 0 (default ", kDefaultSearchLimit, ") to ",
                                            kMaxSearchLimit));
  }
  if (!index_ready_) return absl::UnavailableError("the search index is still being built");
  SearchQuery q{.text = r.query(),
                .code_prefix = r.code_prefix(),
                .owner_unit = r.owner_unit(),
                .status = r.status(),
                .include_expired = r.include_expired(),
                .include_retired = r.include_retired(),
                .limit = r.limit() == 0 ? kDefaultSearchLimit : r.limit(),
                .today = Today()};
  absl::StatusOr<SearchResult> found = index_.Search(q);
  if (!found.ok()) return found.status();
  if (found->hits.empty()) RecordUnanswered(r.query());
  v1::SearchKnowledgeResponse out;
  for (v1::KnowledgeHit& hit : found->hits) *out.add_hits() = std::move(hit);
  out.set_matches_estimated(found->matches_estimated);
  return out;
}

void KnowledgeBase::Get(const v1::GetKnowledgePointRequest& r,
                        Done<v1::GetKnowledgePointResponse> done) {
  if (auto e = CodeProblem(r.code())) return Fail(done, BadField("code", *e));
  if (r.version() < 0) return Fail(done, BadField("version", "must not be negative"));
  std::optional<absl::CivilDay> as_of;
  if (!r.as_of().empty()) {
    as_of = ParseDay(r.as_of());
    if (!as_of) return Fail(done, BadField("as_of", "must be a day YYYY-MM-DD"));
  }
  if (r.version() == 0 && !as_of) {
    store_.Get(r.code(), [done = std::move(done)](absl::StatusOr<v1::KnowledgePoint> p) mutable {
      if (!p.ok()) return done(p.status());
      v1::GetKnowledgePointResponse out;
      *out.mutable_point() = std::move(*p);
      done(std::move(out));
    });
    return;
  }
  store_.History(r.code(), [r, as_of, done = std::move(done)](
                               absl::StatusOr<std::vector<v1::KnowledgePoint>> versions) mutable {
    if (!versions.ok()) return done(versions.status());
    std::optional<v1::KnowledgePoint> chosen;
    if (r.version() > 0) {
      if (r.version() > static_cast<int64_t>(versions->size())) {
        return done(absl::NotFoundError(absl::StrCat("point ", r.code(), " has no version ",
                                                     r.version(), " (latest ", versions->size(), ")")));
      }
      chosen = (*versions)[r.version() - 1];
      if (as_of && VersionAsOf({chosen.value()}, *as_of) == std::nullopt) {
        return done(BadField("as_of", "version and as_of disagree: that version is newer"));
      }
    } else {
      chosen = VersionAsOf(*versions, *as_of);
      if (!chosen) {
        return done(absl::NotFoundError(
            absl::StrCat("point ", r.code(), " did not exist yet on ", r.as_of())));
      }
    }
    v1::GetKnowledgePointResponse out;
    *out.mutable_point() = std::move(*chosen);
    done(std::move(out));
  });
}

void KnowledgeBase::List(const v1::ListKnowledgePointsRequest& r,
                         Done<v1::ListKnowledgePointsResponse> done) {
  const std::string prefix = r.prefix().empty() ? "KB" : r.prefix();
  if (auto e = PrefixProblem(prefix)) return Fail(done, BadField("prefix", *e));
  if (r.page_size() < 0 || r.page_size() > kMaxPageSize) {
    return Fail(done, BadField("page_size", absl::StrCat("must be 0 (default ", kDefaultPageSize,
                                                           ") to ", kMaxPageSize)));
  }
  if (!r.page_token().empty() && (CodeProblem(r.page_token()) || !IsUnder(r.page_token(), prefix))) {
    return Fail(done, BadField("page_token", "not a token from a previous page of this prefix"));
  }
  const int size = r.page_size() == 0 ? kDefaultPageSize : r.page_size();
  // One more than asked tells whether there is a next page.
  store_.List(prefix, r.page_token(), size + 1,
              [size, done = std::move(done)](
                  absl::StatusOr<std::vector<v1::KnowledgeSummary>> page) mutable {
                if (!page.ok()) return done(page.status());
                v1::ListKnowledgePointsResponse out;
                for (int i = 0; i < static_cast<int>(page->size()) && i < size; ++i) {
                  *out.add_points() = std::move((*page)[i]);
                }
                if (static_cast<int>(page->size()) > size) {
                  out.set_next_page_token(out.points(size - 1).code());
                }
                done(std::move(out));
              });
}

void KnowledgeBase::Create(const std::optional<v1::Actor>& actor,
                           const v1::CreateKnowledgePointRequest& r,
                           Done<v1::KnowledgePointResponse> done) {
  auto unit_exists = [this](absl::string_view code) { return directory_.Current()->FindUnit(code) != nullptr; };
  if (auto e = ValidatePoint(r.point(), unit_exists, "point.")) {
    return Fail(done, absl::InvalidArgumentError(e->message));
  }
  if (absl::Status s = MayWrite(actor, r.point().owner_unit()); !s.ok()) return Fail(done, s);
  v1::KnowledgePoint next = r.point();
  next.set_status(r.publish() ? v1::KNOWLEDGE_STATUS_PUBLISHED : v1::KNOWLEDGE_STATUS_DRAFT);
  Write(std::move(next), 0, actor, std::move(done));
}

void KnowledgeBase::Edit(const std::optional<v1::Actor>& actor,
                         const v1::EditKnowledgePointRequest& r,
                         Done<v1::KnowledgePointResponse> done) {
  auto unit_exists = [this](absl::string_view code) { return directory_.Current()->FindUnit(code) != nullptr; };
  if (auto e = ValidatePoint(r.point(), unit_exists, "point.")) {
    return Fail(done, absl::InvalidArgumentError(e->message));
  }
  if (r.expected_version() <= 0) {
    return Fail(done, BadField("expected_version", "is required (the version the edit is based on)"));
  }
  if (absl::Status s = MayWrite(actor, r.point().owner_unit()); !s.ok()) return Fail(done, s);
  store_.Get(r.point().code(), [this, actor, r, done = std::move(done)](
                                   absl::StatusOr<v1::KnowledgePoint> current) mutable {
    if (!current.ok()) return done(current.status());
    if (absl::Status s = MayWrite(actor, current->owner_unit()); !s.ok()) return done(s);
    if (current->version() != r.expected_version()) {
      return done(absl::AbortedError(absl::StrCat("point ", r.point().code(), " is at version ",
                                                  current->version(), ", not ", r.expected_version(),
                                                  ": read it again and redo the edit")));
    }
    absl::StatusOr<v1::KnowledgeStatus> status = NextStatus(current->status(), StatusAction::kEdit);
    if (!status.ok()) return done(status.status());
    v1::KnowledgePoint next = r.point();
    next.set_status(*status);
    Write(std::move(next), r.expected_version(), actor, std::move(done));
  });
}

void KnowledgeBase::Publish(const std::optional<v1::Actor>& actor,
                            const v1::ChangeKnowledgeStatusRequest& r,
                            Done<v1::KnowledgePointResponse> done) {
  ChangeStatus(actor, r, static_cast<int>(StatusAction::kPublish), std::move(done));
}

void KnowledgeBase::Retire(const std::optional<v1::Actor>& actor,
                           const v1::ChangeKnowledgeStatusRequest& r,
                           Done<v1::KnowledgePointResponse> done) {
  ChangeStatus(actor, r, static_cast<int>(StatusAction::kRetire), std::move(done));
}

void KnowledgeBase::ChangeStatus(const std::optional<v1::Actor>& actor,
                                 const v1::ChangeKnowledgeStatusRequest& r, int action,
                                 Done<v1::KnowledgePointResponse> done) {
  if (auto e = CodeProblem(r.code())) return Fail(done, BadField("code", *e));
  if (r.expected_version() < 0) return Fail(done, BadField("expected_version", "must not be negative"));
  if (!text::IsValidUtf8(r.note()) || text::CodePointCount(r.note()) > kMaxNote) {
    return Fail(done, BadField("note", absl::StrCat("must be UTF-8, at most ", kMaxNote, " characters")));
  }
  store_.Get(r.code(), [this, actor, r, action, done = std::move(done)](
                           absl::StatusOr<v1::KnowledgePoint> current) mutable {
    if (!current.ok()) return done(current.status());
    if (absl::Status s = MayWrite(actor, current->owner_unit()); !s.ok()) return done(s);
    if (r.expected_version() != 0 && current->version() != r.expected_version()) {
      return done(absl::AbortedError(absl::StrCat("point ", r.code(), " is at version ",
                                                  current->version(), ", not ",
                                                  r.expected_version())));
    }
    absl::StatusOr<v1::KnowledgeStatus> status =
        NextStatus(current->status(), static_cast<StatusAction>(action));
    if (!status.ok()) return done(status.status());
    const int64_t expected = current->version();
    v1::KnowledgePoint next = std::move(*current);
    next.set_status(*status);
    next.set_change_note(r.note());
    Write(std::move(next), expected, actor, std::move(done));
  });
}

void KnowledgeBase::Write(v1::KnowledgePoint next, int64_t expected,
                          const std::optional<v1::Actor>& actor,
                          Done<v1::KnowledgePointResponse> done) {
  next.set_version(expected + 1);
  StampTime(clock_.Now(), next.mutable_updated_at());
  if (actor) *next.mutable_updated_by() = *actor;
  next.clear_use_count();
  next.clear_first_contact_resolutions();
  next.clear_not_helpful_count();
  store_.Put(std::move(next), expected,
             [this, done = std::move(done)](absl::StatusOr<v1::KnowledgePoint> written) mutable {
               if (!written.ok()) return done(written.status());
               index_.Upsert(*written);
               v1::KnowledgePointResponse out;
               *out.mutable_point() = std::move(*written);
               done(std::move(out));
             });
}

void KnowledgeBase::MarkNotHelpful(const std::optional<v1::Actor>& actor,
                                   const v1::MarkKnowledgeNotHelpfulRequest& r,
                                   Done<v1::MarkKnowledgeNotHelpfulResponse> done) {
  if (!actor) return Fail(done, absl::UnauthenticatedError("no caller identity"));
  if (auto e = CodeProblem(r.code())) return Fail(done, BadField("code", *e));
  store_.MarkNotHelpful(r.code(), [done = std::move(done)](absl::StatusOr<int64_t> n) mutable {
    if (!n.ok()) return done(n.status());
    v1::MarkKnowledgeNotHelpfulResponse out;
    out.set_not_helpful_count(*n);
    done(std::move(out));
  });
}

absl::StatusOr<v1::ListExpiringKnowledgeResponse> KnowledgeBase::ListExpiring(
    const v1::ListExpiringKnowledgeRequest& r) {
  if (r.owner_unit().empty()) return BadField("owner_unit", "is required");
  if (directory_.Current()->FindUnit(r.owner_unit()) == nullptr) {
    return BadField("owner_unit", absl::StrCat("unknown unit \"", r.owner_unit(), "\""));
  }
  if (r.within_days() < 0 || r.within_days() > 3660) {
    return BadField("within_days", "must be 0 (default 30) to 3660");
  }
  if (!index_ready_) return absl::UnavailableError("the index is still being built");
  const absl::CivilDay today = Today();
  const int days = r.within_days() == 0 ? kDefaultExpiryWindowDays : r.within_days();
  v1::ListExpiringKnowledgeResponse out;
  out.set_today(absl::FormatCivilTime(today));
  for (v1::KnowledgeSummary& s : index_.Expiring(r.owner_unit(), today + days)) {
    *out.add_points() = std::move(s);
  }
  return out;
}

void KnowledgeBase::RecordUnanswered(const std::string& query) {
  std::string kept = NormalizeUnansweredQuery(query);
  if (kept.empty()) return;
  // Not waited for: the agent's search must not wait on upkeep statistics.
  store_.RecordUnanswered(std::move(kept), [](absl::StatusOr<int64_t> n) {
    if (!n.ok()) log::Warning("cannot count a zero-hit search", {{"error", n.status().ToString()}});
  });
}

void KnowledgeBase::ListUnanswered(const v1::ListUnansweredQueriesRequest& r,
                                   Done<v1::ListUnansweredQueriesResponse> done) {
  const int limit = r.limit() <= 0 ? 20 : std::min(r.limit(), 200);
  store_.TopUnanswered(
      limit, [done = std::move(done)](absl::StatusOr<std::vector<UnansweredCount>> top) mutable {
        if (!top.ok()) return done(top.status());
        v1::ListUnansweredQueriesResponse out;
        for (UnansweredCount& c : *top) {
          v1::UnansweredQuery& q = *out.add_queries();
          q.set_query(std::move(c.query));
          q.set_count(c.count);
        }
        done(std::move(out));
      });
}

absl::StatusOr<int> KnowledgeBase::LoadSeed(const SeedBase& seed) {
  const int n = static_cast<int>(seed.points.size());
  absl::BlockingCounter pending(n);
  std::mutex mu;
  int written = 0;
  absl::Status first_error;
  for (const v1::KnowledgeSeedPoint& s : seed.points) {
    v1::KnowledgePoint p = FromSeed(s);
    p.set_status(v1::KNOWLEDGE_STATUS_PUBLISHED);
    p.set_change_note("seed");
    Write(std::move(p), 0, SeedActor(),
          [&](absl::StatusOr<v1::KnowledgePointResponse> r) {
            {
              std::lock_guard lock(mu);
              if (r.ok()) {
                ++written;
              } else if (!absl::IsAlreadyExists(r.status()) && first_error.ok()) {
                first_error = r.status();
              }
            }
            pending.DecrementCount();
          });
  }
  pending.Wait();
  if (!first_error.ok()) return first_error;
  return written;
}

void KnowledgeBase::LoadSeedRetrying(const SeedBase& seed, const std::atomic<bool>& stop) {
  while (!stop) {
    absl::StatusOr<int> written = LoadSeed(seed);
    if (written.ok()) {
      log::Info("seed loaded", {{"points", absl::StrCat(seed.points.size())}, {"written", absl::StrCat(*written)}});
      return;
    }
    log::Warning("cannot load the seed yet; retrying", {{"error", written.status().ToString()}});
    absl::SleepFor(absl::Seconds(1));
  }
}

}  // namespace hotline::knowledge
