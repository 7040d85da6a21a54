#include "calendar/live_calendar.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "calendar/statutory_days.h"
#include "log/log.h"

namespace hotline::calendar {
namespace {

// ProvisionalYear computes new moons and solar terms from an ephemeris (tens
// of milliseconds a year); its answer never changes, so a rebuild after a
// load - which must be in force within a second - reuses it.
absl::StatusOr<v1::CalendarYear> CachedProvisionalYear(int year) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* cache = new std::map<int, v1::CalendarYear>();
  {
    absl::MutexLock lock(&mu);
    if (auto it = cache->find(year); it != cache->end()) return it->second;
  }
  absl::StatusOr<v1::CalendarYear> computed = ProvisionalYear(year);
  if (computed.ok() && absl::StrContains(computed->source(), "near midnight")) {
    log::Warning("a provisional holiday was decided within 10 minutes of midnight",
                 {{"year", absl::StrCat(year)}, {"source", computed->source()}});
  }
  if (computed.ok()) {
    absl::MutexLock lock(&mu);
    cache->emplace(year, *computed);
  }
  return computed;
}

// A load of next year's schedule adds one provisional year past the last:
// computed ahead, off the path of the swap.
void WarmNextProvisionalYear(const WorkingCalendar& cal, const LiveCalendarOptions& options) {
  const std::vector<int> years = cal.years();
  if (!options.provisional_years || years.empty() || years.back() >= kLastStatutoryYear) return;
  (void)CachedProvisionalYear(years.back() + 1);
}

}  // namespace

absl::StatusOr<WorkingCalendar> BuildCalendar(const StoredCalendar& stored, int current_year,
                                              const LiveCalendarOptions& options) {
  std::vector<std::pair<std::string, v1::CalendarYear>> official, provisional;
  for (const OfficialYear& y : stored.years) {
    official.emplace_back(
        absl::StrCat("calendar ", y.year.year(), " (version ", y.load.version(), ")"), y.year);
  }
  if (options.provisional_years) {
    int first = current_year, last = current_year;
    if (!stored.years.empty()) {
      first = std::min(first, stored.years.front().year.year());
      last = std::max(last, stored.years.back().year.year());
    }
    last += options.years_ahead;
    // The rules of 13 days hold from 2025 (earlier years had other rules):
    // a year outside them is better missing than guessed.
    first = std::max(first, kFirstStatutoryYear);
    last = std::min(last, kLastStatutoryYear);
    for (int year = first; year <= last; ++year) {
      const bool is_official =
          std::any_of(stored.years.begin(), stored.years.end(),
                      [year](const OfficialYear& y) { return y.year.year() == year; });
      if (is_official) continue;
      absl::StatusOr<v1::CalendarYear> p = CachedProvisionalYear(year);
      if (!p.ok()) {
        return absl::Status(p.status().code(),
                            absl::StrCat("provisional year ", year, ": ", p.status().message()));
      }
      provisional.emplace_back(absl::StrCat("provisional ", year), std::move(*p));
    }
  }
  absl::StatusOr<WorkingCalendar> cal = WorkingCalendar::FromYears(official, provisional);
  if (cal.ok()) cal->set_version(stored.version);
  return cal;
}

LiveCalendar::LiveCalendar(CalendarStore& store, const Clock& clock, LiveCalendarOptions options)
    : store_(store), clock_(clock), options_(options) {}

absl::StatusOr<std::unique_ptr<LiveCalendar>> LiveCalendar::Create(CalendarStore& store,
                                                                   const Clock& clock,
                                                                   LiveCalendarOptions options) {
  std::unique_ptr<LiveCalendar> live(new LiveCalendar(store, clock, options));
  const int year = live->CurrentYear();
  absl::StatusOr<StoredCalendar> stored = store.ReadAll();
  if (!stored.ok()) return stored.status();
  absl::StatusOr<WorkingCalendar> cal = BuildCalendar(*stored, year, options);
  if (!cal.ok()) return cal.status();
  log::Info("calendar in force", {{"version", absl::StrCat(cal->version())},
                                  {"official", absl::StrJoin(cal->official_years(), ",")},
                                  {"provisional", absl::StrJoin(cal->provisional_years(), ",")}});
  WarmNextProvisionalYear(*cal, options);
  absl::MutexLock lock(&live->mu_);
  live->current_ = std::make_shared<const WorkingCalendar>(std::move(*cal));
  live->built_year_ = year;
  return live;
}

LiveCalendar::~LiveCalendar() { Stop(); }

std::shared_ptr<const WorkingCalendar> LiveCalendar::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

void LiveCalendar::OnChange(ChangeCallback callback) { callbacks_.push_back(std::move(callback)); }

void LiveCalendar::Start() {
  thread_ = std::thread([this] { Run(); });
}

void LiveCalendar::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

int64_t LiveCalendar::reload_errors() const {
  absl::MutexLock lock(&mu_);
  return reload_errors_;
}

int LiveCalendar::CurrentYear() const {
  return static_cast<int>(absl::ToCivilYear(clock_.Now(), CityTimeZone()).year());
}

void LiveCalendar::Run() {
  while (!stop_.WaitForNotificationWithTimeout(options_.poll_interval)) Poll();
}

bool LiveCalendar::Poll() {
  absl::MutexLock poll(&poll_mu_);
  const int year = CurrentYear();
  absl::StatusOr<int64_t> version = store_.Version();
  {
    absl::MutexLock lock(&mu_);
    if (!version.ok()) {
      // Redis being down is its own alert; here it only means no news.
      if (!version_unreadable_) {
        log::Warning("cannot read the calendar version; the calendar in force stays",
                     {{"version", absl::StrCat(current_->version())},
                      {"error", version.status().ToString()}});
      }
      version_unreadable_ = true;
      return false;
    }
    if (version_unreadable_) log::Info("calendar version readable again");
    version_unreadable_ = false;
    if (*version == current_->version() && year == built_year_) return true;
  }
  return Rebuild(year, *version);
}

bool LiveCalendar::Rebuild(int year, int64_t seen_version) {
  const absl::Time started = absl::Now();
  absl::StatusOr<StoredCalendar> stored = store_.ReadAll();
  absl::StatusOr<WorkingCalendar> cal = stored.ok()
                                            ? BuildCalendar(*stored, year, options_)
                                            : absl::StatusOr<WorkingCalendar>(stored.status());
  if (!cal.ok()) {
    absl::MutexLock lock(&mu_);
    if (failed_ != std::make_pair(seen_version, year)) {
      failed_ = {seen_version, year};
      ++reload_errors_;
      log::Error("cannot rebuild the calendar; the one in force stays",
                 {{"in_force_version", absl::StrCat(current_->version())},
                  {"seen_version", absl::StrCat(seen_version)},
                  {"error", cal.status().ToString()}});
    }
    return false;
  }
  auto next = std::make_shared<const WorkingCalendar>(std::move(*cal));
  std::shared_ptr<const WorkingCalendar> previous;
  {
    absl::MutexLock lock(&mu_);
    previous = std::move(current_);
    current_ = next;
    built_year_ = year;
    failed_ = {-1, 0};
  }
  const std::vector<int> was_official = previous->official_years();
  std::vector<int> newly_official;
  for (int y : next->official_years()) {
    if (!std::binary_search(was_official.begin(), was_official.end(), y))
      newly_official.push_back(y);
  }
  log::Info("calendar in force",
            {{"version", absl::StrCat(next->version())},
             {"previous_version", absl::StrCat(previous->version())},
             {"official", absl::StrJoin(next->official_years(), ",")},
             {"provisional", absl::StrJoin(next->provisional_years(), ",")},
             {"newly_official", absl::StrJoin(newly_official, ",")},
             {"rebuild_ms", absl::StrCat(absl::ToInt64Milliseconds(absl::Now() - started))}});
  if (next->version() != previous->version()) {
    for (const ChangeCallback& callback : callbacks_) callback(next->version(), newly_official);
  }
  WarmNextProvisionalYear(*next, options_);
  return true;
}

}  // namespace hotline::calendar
