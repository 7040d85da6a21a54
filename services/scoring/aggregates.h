#pragma once
// Pure: what one order adds to the per-day aggregates the queries read
// instead of every order's facts, and how summed aggregates fold back into
// the figures. The store applies an order's new contribution minus its old
// one in the same script that writes its facts, so the aggregates are always
// the sum over the stored facts (replays add nothing, counts stay exact).
//
// Bucket fields (all integer counts, rules-independent):
//   unit day (a unit and every unit above it, per city day of the fact):
//     <fact kind>      facts of that kind (FactName: signed_on_time, bounce ...)
//     orders|<prev>    orders with a fact for the unit's subtree that day whose
//                      previous such day is <prev> (YYYYMMDD, "0" if none):
//                      a period counts an order once, on its first day in the
//                      period, by summing the fields whose <prev> is before it
//   city day, one bucket per list so a top list reads only its own counts
//   (per city day of creation, except dept):
//     cat       cat:<category>
//     dcat      dcat:<district>|<category>
//     street    street:<street>
//     volume    type:<n>  channel:<n>
//     agent     agent:<id>  agent_consult:<id>  agent_onspot:<id>
//               agent_timed:<id> (contacts with a reported handling time)
//               agent_handling_ms:<id> (the sum of those times, milliseconds)
//     dept      dept:<department>|<prev>: orders dispatched to the department
//               that day (by the day of the dispatch; <prev> as for orders|)
//   load (no day): open:<district>  overdue:<district>
//   city month (per city month of creation; a sorted set, not a hash: a
//   month's addresses are ~800,000 at city scale and a query reads only the
//   top, never sums days):
//     addr      <street>|<normalised address> (address.h): orders created
// Every unit-day and city-day bucket has a month rollup: the same fields
// summed over the month's days, in the bucket whose day is YYYYMM, moved
// with the days. A period of whole months (month, quarter, year) sums a few
// rollups instead of every day (BucketDaysCovering).
#include <compare>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "directory/directory.h"
#include "hotline/v1/scoring.pb.h"

namespace hotline::scoring {

using Counts = std::map<std::string, int64_t>;

enum class BucketKind { kUnitDay, kCityDay, kLoad, kCityMonth };
struct Bucket {
  BucketKind kind;
  std::string unit;  // kUnitDay only
  std::string day;   // YYYYMMDD, or YYYYMM for a month's rollup and for kCityMonth; not for kLoad
  std::string list;  // kCityDay and kCityMonth: the list the fields serve (kCityLists, "addr")
  auto operator<=>(const Bucket&) const = default;
};

struct Contribution {
  std::map<Bucket, Counts> counts;
  // (unit, "YYYYMMDD:order id"): the order has a fact for the unit's subtree that day.
  std::set<std::pair<std::string, std::string>> unit_days;
};

// The city day (YYYYMMDD) of `t`.
std::string CityDay(absl::Time t, absl::TimeZone zone);

// The address list's month bucket ("addr") and a member's parts.
inline constexpr const char kAddressList[] = "addr";
std::string AddressMember(const std::string& street_code, const std::string& address);

inline constexpr const char* kCityLists[] = {"cat", "dcat", "street", "volume", "agent", "dept"};

// A fact counts for its unit and every unit above it: those it recorded
// when first stored (Fact.above), else those `directory` names (facts
// stored before Fact.above existed). Nearest first.
std::vector<std::string> UnitsOf(const v1::Fact& fact, const directory::Directory& directory);

// Fills Fact.above of each of `facts` before it is stored: as `before` (the
// order's facts stored so far) recorded it for the same history entry and
// unit, else as `directory` (the one in force) says now. So a fact keeps the
// district it was first counted in when its street moves to another one
// (`hotline-admin units merge` of two districts): past days stay where they
// were counted, the new facts count under the new parent.
void RecordUnitsAbove(const v1::OrderFacts& before, const directory::Directory& directory,
                      v1::OrderFacts* facts);

// Facts are placed under UnitsOf each fact.
Contribution ContributionOf(const v1::OrderFacts& facts, const directory::Directory& directory,
                            absl::TimeZone zone);

// The day buckets (YYYYMMDD) and month rollups (YYYYMM) whose sum is the
// whole city days of [start, end): each calendar month wholly inside as its
// rollup, the other days one by one.
std::vector<std::string> BucketDaysCovering(absl::Time start, absl::Time end, absl::TimeZone zone);

// Summed fields whose name is <prefix><rest>: rest -> count (zero sums dropped).
Counts WithPrefix(const Counts& summed, const std::string& prefix);
// Summed "<prefix><code>|<prev>" fields counting an order once per period
// that starts on `start_day`: code -> orders.
Counts DistinctFrom(const Counts& summed, const std::string& prefix, const std::string& start_day);

}  // namespace hotline::scoring
