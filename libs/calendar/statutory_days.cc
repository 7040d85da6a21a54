#include "calendar/statutory_days.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "calendar/lunisolar.h"
#include "calendar/working_calendar.h"

namespace hotline::calendar {
namespace {

constexpr char kProvisionalSource[] =
    "provisional: weekends and the statutory days of the national rules (no published schedule yet)";

// ΔT for a future year is a prediction good to a minute or two, and
// ephemerides differ by seconds: a moment this close to midnight could land
// on the other day.
constexpr absl::Duration kNearMidnight = absl::Minutes(10);

std::string Beijing(absl::Time t) { return absl::FormatTime("%Y-%m-%d %H:%M CST", t, BeijingTime()); }
std::string Day(absl::CivilDay day) { return absl::FormatCivilTime(day); }

absl::Duration SinceMidnight(absl::Time t) {
  return t - absl::FromCivil(absl::ToCivilDay(t, BeijingTime()), BeijingTime());
}

bool NearMidnight(absl::Time t) {
  const absl::Duration since = SinceMidnight(t);
  return since <= kNearMidnight || absl::Hours(24) - since <= kNearMidnight;
}

// The Beijing day `t` would fall on if it crossed the nearer midnight.
absl::CivilDay OtherSide(absl::Time t) {
  const absl::CivilDay day = absl::ToCivilDay(t, BeijingTime());
  return SinceMidnight(t) < absl::Hours(12) ? day - 1 : day + 1;
}

// A statutory day fixed by a lunar date; `new_moon` begins its month.
struct LunarDay {
  absl::CivilDay day;
  const char* name;
  const char* detail;
  const char* month;
  int new_moon;
};

// 除夕, 正月初一..初三, 五月初五 and 八月十五 of the lunar year that begins in
// the suì's second Gregorian year.
absl::StatusOr<std::vector<LunarDay>> LunarDays(const SuiDays& days) {
  absl::StatusOr<std::vector<LunarMonth>> months = NumberMonths(days);
  if (!months.ok()) return months.status();
  // The ordinary month of a number: a leap month repeats the number of the
  // one before it, and the festivals keep to the first.
  auto month = [&](int number) -> const LunarMonth* {
    for (const LunarMonth& m : *months) {
      if (m.number == number && !m.leap) return &m;
    }
    return nullptr;
  };
  const LunarMonth* first = month(1);
  const LunarMonth* fifth = month(5);
  const LunarMonth* eighth = month(8);
  if (first == nullptr || fifth == nullptr || eighth == nullptr) {
    return absl::InternalError("lunisolar: a suì without months 1, 5 and 8");
  }
  return std::vector<LunarDay>{
      {first->first_day - 1, "春节", "除夕", "正月", first->new_moon},
      {first->first_day, "春节", "正月初一", "正月", first->new_moon},
      {first->first_day + 1, "春节", "正月初二", "正月", first->new_moon},
      {first->first_day + 2, "春节", "正月初三", "正月", first->new_moon},
      {fifth->first_day + 4, "端午节", "五月初五", "五月", fifth->new_moon},
      {eighth->first_day + 14, "中秋节", "八月十五", "八月", eighth->new_moon},
  };
}

std::string WeekdayName(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday: return "Monday";
    case absl::Weekday::tuesday: return "Tuesday";
    case absl::Weekday::wednesday: return "Wednesday";
    case absl::Weekday::thursday: return "Thursday";
    case absl::Weekday::friday: return "Friday";
    case absl::Weekday::saturday: return "Saturday";
    case absl::Weekday::sunday: return "Sunday";
  }
  return "";
}

bool IsWeekend(absl::CivilDay day) {
  const absl::Weekday w = absl::GetWeekday(day);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

}  // namespace

absl::StatusOr<std::vector<StatutoryDay>> StatutoryDays(int year) {
  if (year < kFirstStatutoryYear || year > kLastStatutoryYear) {
    return absl::InvalidArgumentError(absl::StrCat("year: ", year, " is outside ", kFirstStatutoryYear, "..",
                                                   kLastStatutoryYear,
                                                   " (the rules of 13 statutory days apply from 2025)"));
  }
  absl::StatusOr<SuiEvents> events = ComputeSuiEvents(year);
  if (!events.ok()) return events.status();
  const SuiDays days = ToDays(*events);
  absl::StatusOr<std::vector<LunarDay>> lunar = LunarDays(days);
  if (!lunar.ok()) return lunar.status();

  // Which lunar days would move if one event crossed midnight: the month's
  // own new moon, or a solstice, major term or new moon that decides the
  // months' numbers. Numbering is cheap, so try each close call.
  std::vector<std::vector<std::string>> close_calls(lunar->size());
  auto try_other_side = [&](absl::Time t, const std::string& what, auto set_day) {
    if (!NearMidnight(t)) return;
    SuiDays other = days;
    set_day(other, OtherSide(t));
    absl::StatusOr<std::vector<LunarDay>> moved = LunarDays(other);
    for (size_t i = 0; i < lunar->size(); ++i) {
      if (!moved.ok() || (*moved)[i].day != (*lunar)[i].day) {
        close_calls[i].push_back(absl::StrCat(what, " ", Beijing(t)));
      }
    }
  };
  for (size_t i = 0; i < events->new_moons.size(); ++i) {
    try_other_side(events->new_moons[i], "new moon", [i](SuiDays& d, absl::CivilDay day) { d.new_moons[i] = day; });
  }
  try_other_side(events->solstice_before, "冬至", [](SuiDays& d, absl::CivilDay day) { d.solstice_before = day; });
  try_other_side(events->solstice, "冬至", [](SuiDays& d, absl::CivilDay day) { d.solstice = day; });
  for (size_t i = 0; i < events->major_terms.size(); ++i) {
    try_other_side(events->major_terms[i], "中气",
                   [i](SuiDays& d, absl::CivilDay day) { d.major_terms[i] = day; });
  }

  std::vector<StatutoryDay> out;
  auto fixed = [&](int month, int day, const char* name) {
    out.push_back({absl::CivilDay(year, month, day), name, absl::StrCat(month, "月", day, "日"), false, "fixed date"});
  };
  fixed(1, 1, "元旦");
  for (size_t i = 0; i < lunar->size(); ++i) {
    const LunarDay& l = (*lunar)[i];
    StatutoryDay s{l.day, l.name, l.detail, !close_calls[i].empty(),
                   absl::StrCat("new moon ", Beijing(events->new_moons[l.new_moon]), " begins ", l.month)};
    if (s.near_midnight) {
      absl::StrAppend(&s.basis, "; within 10 minutes of midnight: ", absl::StrJoin(close_calls[i], ", "));
    }
    out.push_back(std::move(s));
  }
  absl::StatusOr<absl::Time> qingming = SolarTermMoment(year, 15);
  if (!qingming.ok()) return qingming.status();
  StatutoryDay q{absl::ToCivilDay(*qingming, BeijingTime()), "清明节", "清明", NearMidnight(*qingming),
                 absl::StrCat("清明 (the Sun at 15°) ", Beijing(*qingming))};
  if (q.near_midnight) absl::StrAppend(&q.basis, "; within 10 minutes of midnight");
  out.push_back(std::move(q));
  fixed(5, 1, "劳动节");
  fixed(5, 2, "劳动节");
  fixed(10, 1, "国庆节");
  fixed(10, 2, "国庆节");
  fixed(10, 3, "国庆节");
  // Stable: a day 中秋节 shares with 国庆节 keeps the rules' order.
  std::stable_sort(out.begin(), out.end(),
                   [](const StatutoryDay& a, const StatutoryDay& b) { return a.day < b.day; });
  return out;
}

absl::StatusOr<v1::CalendarYear> ProvisionalYear(int year) {
  absl::StatusOr<std::vector<StatutoryDay>> days = StatutoryDays(year);
  if (!days.ok()) return days.status();
  // A day has one holiday entry; one both 中秋节 and 国庆节 is named by both.
  std::map<absl::CivilDay, std::vector<std::string>> names;
  // Days decided by a moment within 10 minutes of midnight are named in the
  // source, so that operators check them against the published schedule.
  std::map<std::string, std::vector<std::string>> near_midnight;  // basis -> days
  for (const StatutoryDay& d : *days) {
    names[d.day].push_back(d.name);
    if (d.near_midnight) near_midnight[d.basis].push_back(absl::StrCat(Day(d.day), " ", d.name));
  }
  v1::CalendarYear out;
  out.set_year(year);
  std::string source = kProvisionalSource;
  for (const auto& [basis, which] : near_midnight) {
    absl::StrAppend(&source, "; near midnight, check against the notice: ", absl::StrJoin(which, ", "), " (",
                    basis, ")");
  }
  out.set_source(source);
  absl::CivilDay last_day;
  for (const auto& [day, day_names] : names) {
    const std::string name = absl::StrJoin(day_names, "、");
    if (out.holidays_size() > 0 && out.holidays(out.holidays_size() - 1).name() == name && last_day + 1 == day) {
      out.mutable_holidays(out.holidays_size() - 1)->set_last(Day(day));
    } else {
      v1::Holiday* h = out.add_holidays();
      h->set_name(name);
      h->set_first(Day(day));
      h->set_last(Day(day));
    }
    last_day = day;
  }
  return out;
}

absl::Status ValidateOfficialYear(const v1::CalendarYear& year, int expected_year) {
  if (year.year() != expected_year) {
    return absl::InvalidArgumentError(absl::StrCat("year: ", year.year(), " does not match ", expected_year));
  }
  absl::StatusOr<std::vector<StatutoryDay>> statutory = StatutoryDays(expected_year);
  if (!statutory.ok()) return statutory.status();
  auto in_year = [&](const std::string& text, absl::CivilDay* day) {
    return ParseDay(text, day) && day->year() == expected_year;
  };
  std::map<absl::CivilDay, std::string> holidays;  // day -> the entry that gives it
  std::map<absl::CivilDay, std::string> make_up;
  for (int i = 0; i < year.holidays_size(); ++i) {
    const v1::Holiday& h = year.holidays(i);
    const std::string field = absl::StrCat("holidays[", i, "]");
    if (h.name().empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": name: is required"));
    absl::CivilDay first, last;
    if (!in_year(h.first(), &first)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": first: \"", h.first(), "\" is not a date YYYY-MM-DD of ", expected_year));
    }
    if (!in_year(h.last(), &last)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": last: \"", h.last(), "\" is not a date YYYY-MM-DD of ", expected_year));
    }
    if (last < first) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": last: ", Day(last), " is before first ", Day(first)));
    }
    for (absl::CivilDay d = first; d <= last; ++d) {
      auto [it, added] = holidays.emplace(d, field);
      if (!added) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": ", Day(d), " is given twice (also in ", it->second, ")"));
      }
    }
  }
  for (int i = 0; i < year.make_up_days_size(); ++i) {
    const v1::MakeUpDay& m = year.make_up_days(i);
    const std::string field = absl::StrCat("make_up_days[", i, "]");
    absl::CivilDay day;
    if (!in_year(m.date(), &day)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": date: \"", m.date(), "\" is not a date YYYY-MM-DD of ", expected_year));
    }
    if (!IsWeekend(day)) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": date: ", Day(day), " is a ", WeekdayName(day),
                                                     "; make-up days fall on weekends"));
    }
    if (auto it = holidays.find(day); it != holidays.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": date: ", Day(day), " is also a holiday (", it->second, ")"));
    }
    auto [it, added] = make_up.emplace(day, field);
    if (!added) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": date: ", Day(day), " is given twice (also in ", it->second, ")"));
    }
  }
  for (const StatutoryDay& s : *statutory) {
    if (!holidays.contains(s.day)) {
      return absl::InvalidArgumentError(
          absl::StrCat("holidays: statutory day ", Day(s.day), " (", s.name, ", ", s.detail, ") is not off"));
    }
  }
  return absl::OkStatus();
}

}  // namespace hotline::calendar
