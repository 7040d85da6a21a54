#include "calendar/calendar_store.h"

#include <dirent.h>
#include <google/protobuf/util/message_differencer.h>
#include <openssl/sha.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "calendar/statutory_days.h"
#include "clock/proto_time.h"
#include "config/text_proto.h"
#include "redis/reply_status.h"

namespace hotline::calendar {

namespace scripts {
extern const std::string_view kWriteCalendarYears;
extern const std::string_view kReadCalendar;
}  // namespace scripts

namespace {

// Writers that lose a race read again; this many losses in a row means
// something keeps writing, and the caller hears ABORTED.
constexpr int kMaxAttempts = 8;
constexpr char kSuffix[] = ".textproto";

const redis::Script& WriteScript() {
  static const redis::Script script(scripts::kWriteCalendarYears);
  return script;
}
const redis::Script& ReadScript() {
  static const redis::Script script(scripts::kReadCalendar);
  return script;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// 2027 for "2027.textproto", else 0.
int YearOfName(const std::string& name) {
  int year = 0;
  if (name.size() != 4 + sizeof(kSuffix) - 1 || !absl::EndsWith(name, kSuffix)) return 0;
  const std::string digits = name.substr(0, 4);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return absl::ascii_isdigit(c); }))
    return 0;
  return absl::SimpleAtoi(digits, &year) ? year : 0;
}

absl::StatusOr<redis::Reply> Checked(absl::StatusOr<redis::Reply> reply) {
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return redis::ErrorReplyToStatus(reply->str);
  return reply;
}

// The validation error with the file named, so an operator sees which one.
absl::Status Validate(const CalendarFile& file) {
  absl::Status s = ValidateOfficialYear(file.year, file.year.year());
  if (s.ok() || file.name.empty()) return s;
  return absl::Status(s.code(), absl::StrCat(file.name, ": ", s.message()));
}

v1::StoredCalendarYear ToStored(const CalendarFile& file, const std::string& user, absl::Time at,
                                int64_t version) {
  v1::StoredCalendarYear stored;
  *stored.mutable_year() = file.year;
  v1::CalendarLoad* load = stored.mutable_load();
  load->set_version(version);
  load->set_year(file.year.year());
  load->set_loaded_by(user);
  *load->mutable_loaded_at() = ToTimestamp(at);
  load->set_sha256(file.sha256);
  load->set_file(file.name);
  load->set_source(file.year.source());
  return stored;
}

const OfficialYear* Find(const StoredCalendar& calendar, int year) {
  for (const OfficialYear& y : calendar.years) {
    if (y.year.year() == year) return &y;
  }
  return nullptr;
}

bool SameSchedule(const v1::CalendarYear& a, const v1::CalendarYear& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

absl::StatusOr<CalendarFile> ReadCalendarFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  CalendarFile file;
  file.name = BaseName(path);
  if (absl::Status s = config::ParseTextProto(bytes, path, &file.year); !s.ok()) return s;
  if (const int named = YearOfName(file.name); named != 0 && named != file.year.year()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": year: ", file.year.year(),
                                                   " does not match the file name (", named, ")"));
  }
  file.sha256 = Sha256Hex(bytes);
  return file;
}

CalendarStore::CalendarStore(redis::Client& redis, CalendarKeys keys)
    : redis_(redis), keys_(std::move(keys)) {}

absl::StatusOr<StoredCalendar> CalendarStore::ReadAll() {
  absl::StatusOr<redis::Reply> reply =
      Checked(redis_.ExecuteScript(ReadScript(), {keys_.Years(), keys_.Version()}, {}));
  if (!reply.ok()) return reply.status();
  if (reply->elements.size() != 2)
    return absl::InternalError("calendar: unexpected reply reading the years");
  StoredCalendar out;
  if (!absl::SimpleAtoi(reply->elements[0].str, &out.version)) {
    return absl::InternalError(
        absl::StrCat(keys_.Version(), ": \"", reply->elements[0].str, "\" is not a number"));
  }
  const std::vector<redis::Reply>& fields = reply->elements[1].elements;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    v1::StoredCalendarYear stored;
    if (!stored.ParseFromString(fields[i + 1].str)) {
      return absl::InternalError(
          absl::StrCat(keys_.Years(), " ", fields[i].str, ": does not parse"));
    }
    out.years.push_back({std::move(*stored.mutable_year()), std::move(*stored.mutable_load())});
  }
  std::sort(out.years.begin(), out.years.end(), [](const OfficialYear& a, const OfficialYear& b) {
    return a.year.year() < b.year.year();
  });
  return out;
}

absl::StatusOr<int64_t> CalendarStore::Version() {
  absl::StatusOr<redis::Reply> reply = Checked(redis_.Execute({"GET", keys_.Version()}));
  if (!reply.ok()) return reply.status();
  if (reply->is_nil()) return 0;
  int64_t version = 0;
  if (!absl::SimpleAtoi(reply->str, &version)) {
    return absl::InternalError(
        absl::StrCat(keys_.Version(), ": \"", reply->str, "\" is not a number"));
  }
  return version;
}

absl::StatusOr<std::vector<v1::CalendarLoad>> CalendarStore::Loads() {
  absl::StatusOr<redis::Reply> reply = Checked(redis_.Execute({"XRANGE", keys_.Loads(), "-", "+"}));
  if (!reply.ok()) return reply.status();
  std::vector<v1::CalendarLoad> out;
  for (const redis::Reply& entry : reply->elements) {
    // [id, [field, value, ...]]
    if (entry.elements.size() != 2 || entry.elements[1].elements.size() < 2) {
      return absl::InternalError(absl::StrCat(keys_.Loads(), ": an entry of an unexpected shape"));
    }
    v1::CalendarLoad load;
    if (!load.ParseFromString(entry.elements[1].elements[1].str)) {
      return absl::InternalError(
          absl::StrCat(keys_.Loads(), " ", entry.elements[0].str, ": does not parse"));
    }
    out.push_back(std::move(load));
  }
  return out;
}

absl::StatusOr<CalendarStore::WriteOutcome> CalendarStore::Write(
    int64_t expected, bool replace, const std::vector<v1::StoredCalendarYear>& years) {
  std::vector<std::string> args = {absl::StrCat(expected), replace ? "replace" : "add"};
  for (const v1::StoredCalendarYear& y : years) {
    args.push_back(absl::StrCat(y.year().year()));
    args.push_back(y.SerializeAsString());
    args.push_back(y.load().SerializeAsString());
  }
  absl::StatusOr<redis::Reply> reply = Checked(redis_.ExecuteScript(
      WriteScript(), {keys_.Years(), keys_.Version(), keys_.Loads()}, std::move(args)));
  if (!reply.ok()) return reply.status();
  const std::vector<redis::Reply>& e = reply->elements;
  if (e.size() < 2) return absl::InternalError("calendar: unexpected reply writing the years");
  WriteOutcome out;
  out.applied = e[0].integer == 1;
  out.version = e[1].integer;
  if (out.applied && e.size() >= 3) out.written = static_cast<int>(e[2].integer);
  return out;
}

absl::StatusOr<LoadResult> CalendarStore::Load(const CalendarFile& file, const std::string& user,
                                               absl::Time at) {
  if (user.empty()) return absl::InvalidArgumentError("user: who loads the calendar is required");
  if (absl::Status s = Validate(file); !s.ok()) return s;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    absl::StatusOr<StoredCalendar> now = ReadAll();
    if (!now.ok()) return now.status();
    if (const OfficialYear* in_force = Find(*now, file.year.year());
        in_force != nullptr && SameSchedule(in_force->year, file.year)) {
      return LoadResult{.version = now->version, .changed = false, .load = in_force->load};
    }
    v1::StoredCalendarYear stored = ToStored(file, user, at, now->version + 1);
    absl::StatusOr<WriteOutcome> written = Write(now->version, /*replace=*/true, {stored});
    if (!written.ok()) return written.status();
    if (written->applied) {
      return LoadResult{.version = written->version, .changed = true, .load = stored.load()};
    }
  }
  return absl::AbortedError("calendar: the version kept moving while loading; try again");
}

absl::StatusOr<SeedResult> CalendarStore::Seed(const std::string& dir, absl::Time at) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (YearOfName(e->d_name) != 0) names.push_back(e->d_name);
    }
    ::closedir(d);
  } else {
    return absl::NotFoundError(absl::StrCat(dir, ": calendar folder cannot be read"));
  }
  std::sort(names.begin(), names.end());
  std::vector<CalendarFile> files;
  for (const std::string& name : names) {
    absl::StatusOr<CalendarFile> file = ReadCalendarFile(absl::StrCat(dir, "/", name));
    if (!file.ok()) return file.status();
    if (absl::Status s = Validate(*file); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(dir, "/", s.message()));
    }
    files.push_back(std::move(*file));
  }
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    absl::StatusOr<StoredCalendar> now = ReadAll();
    if (!now.ok()) return now.status();
    SeedResult result;
    result.version = now->version;
    std::vector<v1::StoredCalendarYear> missing;
    for (const CalendarFile& file : files) {
      const OfficialYear* in_force = Find(*now, file.year.year());
      if (in_force == nullptr) {
        missing.push_back(ToStored(file, kSeedUser, at, now->version + 1));
      } else if (!SameSchedule(in_force->year, file.year)) {
        result.differing.push_back(file.year.year());
      }
    }
    if (missing.empty()) return result;
    absl::StatusOr<WriteOutcome> written = Write(now->version, /*replace=*/false, missing);
    if (!written.ok()) return written.status();
    if (written->applied) {
      result.version = written->version;
      for (const v1::StoredCalendarYear& y : missing) result.added.push_back(y.year().year());
      return result;
    }
  }
  return absl::AbortedError("calendar: the version kept moving while seeding; try again");
}

}  // namespace hotline::calendar
