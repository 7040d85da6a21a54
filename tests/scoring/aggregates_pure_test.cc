// The pure side of the per-day aggregates: what one order contributes, and
// how a period counts an order whose facts span several days once.
#include <catch2/catch.hpp>

#include "scoring/aggregates.h"
#include "scoring/facts.h"
#include "scoring/scoring_fixture.h"

namespace hotline::scoring {
namespace {

using fixture::Dir;

int64_t Ms(int month, int day, int hour) {
  return absl::ToUnixMillis(absl::FromCivil(absl::CivilSecond(2026, month, day, hour, 0, 0), fixture::Guangzhou()));
}

void AddFact(v1::OrderFacts& o, int64_t at, v1::FactKind kind) {
  v1::Fact* f = o.add_facts();
  f->set_at_ms(at);
  f->set_unit_code("440106001");  // a street of 440106
  f->set_kind(kind);
}

TEST_CASE("aggregates: an order spanning days counts once per period, under its unit and the units above") {
  v1::OrderFacts o;
  o.set_order_id("X");
  o.set_created_ms(Ms(10, 31, 23));
  o.set_category_code("010101");
  o.set_district_code("440106");
  o.set_street_code("440106001");
  o.set_open(true);
  AddFact(o, Ms(10, 31, 23), v1::FACT_KIND_DISPATCHED);
  AddFact(o, Ms(11, 2, 10), v1::FACT_KIND_SIGNED_ON_TIME);
  AddFact(o, Ms(11, 2, 11), v1::FACT_KIND_BOUNCE);
  AddFact(o, Ms(11, 5, 9), v1::FACT_KIND_SATISFIED);
  const Contribution c = ContributionOf(o, Dir(), fixture::Guangzhou());

  const Counts street_oct31 = c.counts.at({BucketKind::kUnitDay, "440106001", "20261031", ""});
  CHECK(street_oct31 == Counts{{"dispatched", 1}, {"orders|0", 1}});
  const Counts district_nov2 = c.counts.at({BucketKind::kUnitDay, "440106", "20261102", ""});
  CHECK(district_nov2 == Counts{{"bounce", 1}, {"orders|20261031", 1}, {"signed_on_time", 1}});
  CHECK(c.unit_days.contains({"440106", "20261105:X"}));
  CHECK(c.unit_days.contains({"440106001", "20261031:X"}));
  CHECK(c.counts.at({BucketKind::kCityDay, "", "20261031", "cat"}) == Counts{{"cat:010101", 1}});
  CHECK(c.counts.at({BucketKind::kLoad, "", "", ""}) == Counts{{"open:440106", 1}});

  // Sum the district's days of a period and count its orders.
  auto orders_in = [&](const std::string& from, const std::string& to) {
    Counts sum;
    for (const auto& [bucket, counts] : c.counts) {
      if (bucket.kind != BucketKind::kUnitDay || bucket.unit != "440106" || bucket.day.size() != 8) continue;
      if (bucket.day < from || bucket.day >= to) continue;
      for (const auto& [field, n] : counts) sum[field] += n;
    }
    const Counts distinct = DistinctFrom(sum, "orders", from);
    return distinct.empty() ? int64_t{0} : distinct.at("");
  };
  CHECK(orders_in("20261001", "20261101") == 1);  // October: the dispatch
  CHECK(orders_in("20261101", "20261201") == 1);  // November: three days, one order
  CHECK(orders_in("20261103", "20261110") == 1);  // a week with the callback only
  CHECK(orders_in("20260101", "20270101") == 1);  // the year
  CHECK(orders_in("20261103", "20261105") == 0);  // days without a fact
}

// A centre, two districts and one street, under `district`.
directory::Directory StreetUnder(const std::string& district) {
  v1::UnitDirectory units;
  auto unit = [&](std::string code, v1::UnitKind kind, std::string parent) {
    v1::Unit* u = units.add_units();
    u->set_code(code);
    u->set_name(code);
    u->set_kind(kind);
    u->set_parent_code(parent);
  };
  unit("C", v1::UNIT_KIND_CENTRE, "");
  unit("D1", v1::UNIT_KIND_DISTRICT, "C");
  unit("D2", v1::UNIT_KIND_DISTRICT, "C");
  unit("S", v1::UNIT_KIND_STREET, district);
  v1::CategoryList categories;
  v1::Category* c = categories.add_categories();
  c->set_code("01");
  c->set_name("01");
  absl::StatusOr<directory::Directory> dir = directory::Directory::Build(units, categories);
  REQUIRE(dir.ok());
  return *std::move(dir);
}

TEST_CASE("aggregates: a fact keeps the district it was first stored under when its street moves") {
  const directory::Directory before_move = StreetUnder("D1");
  const directory::Directory after_move = StreetUnder("D2");
  v1::OrderFacts first;
  first.set_order_id("M");
  v1::Fact* f = first.add_facts();
  f->set_seq(2);
  f->set_at_ms(Ms(11, 2, 10));
  f->set_unit_code("S");
  f->set_kind(v1::FACT_KIND_DISPATCHED);
  RecordUnitsAbove(v1::OrderFacts(), before_move, &first);
  REQUIRE(first.facts(0).above_size() == 2);
  CHECK(first.facts(0).above(0) == "D1");
  CHECK(first.facts(0).above(1) == "C");

  // The street moves to D2; the order's next version has the old fact again
  // (its verdict changed) and a new one.
  v1::OrderFacts next = first;
  next.mutable_facts(0)->clear_above();
  next.mutable_facts(0)->set_kind(v1::FACT_KIND_LATE_SIGN_OFF);
  v1::Fact* g = next.add_facts();
  g->set_seq(3);
  g->set_at_ms(Ms(12, 1, 10));
  g->set_unit_code("S");
  g->set_kind(v1::FACT_KIND_SIGNED_ON_TIME);
  RecordUnitsAbove(first, after_move, &next);
  CHECK(next.facts(0).above(0) == "D1");  // as first stored
  CHECK(next.facts(1).above(0) == "D2");  // as the directory in force says

  // The aggregates follow what was recorded, whatever the directory says now.
  const Contribution old = ContributionOf(first, after_move, fixture::Guangzhou());
  const Contribution now = ContributionOf(next, after_move, fixture::Guangzhou());
  CHECK(old.counts.contains({BucketKind::kUnitDay, "D1", "20261102", ""}));
  CHECK_FALSE(old.counts.contains({BucketKind::kUnitDay, "D2", "20261102", ""}));
  CHECK(now.counts.at({BucketKind::kUnitDay, "D1", "20261102", ""}) ==
        Counts{{"late_sign_off", 1}, {"orders|0", 1}});
  CHECK(now.counts.at({BucketKind::kUnitDay, "D2", "20261201", ""}) ==
        Counts{{"orders|0", 1}, {"signed_on_time", 1}});
  CHECK(now.unit_days.contains({"D1", "20261102:M"}));
  CHECK_FALSE(now.unit_days.contains({"D2", "20261102:M"}));
  // Facts stored before Fact.above existed are placed by the directory given.
  v1::OrderFacts unrecorded = first;
  unrecorded.mutable_facts(0)->clear_above();
  CHECK(ContributionOf(unrecorded, after_move, fixture::Guangzhou())
            .counts.contains({BucketKind::kUnitDay, "D2", "20261102", ""}));
}

TEST_CASE("aggregates: a month's rollup is the sum of its days, and whole months are summed as rollups") {
  v1::OrderFacts o;
  o.set_order_id("Y");
  o.set_created_ms(Ms(10, 30, 9));
  o.set_category_code("010101");
  o.set_district_code("440106");
  o.set_agent_id("a1");
  AddFact(o, Ms(10, 30, 10), v1::FACT_KIND_DISPATCHED);
  AddFact(o, Ms(10, 31, 10), v1::FACT_KIND_LATE_SIGN_OFF);
  AddFact(o, Ms(11, 2, 10), v1::FACT_KIND_SIGNED_ON_TIME);
  const Contribution c = ContributionOf(o, Dir(), fixture::Guangzhou());
  std::map<Bucket, Counts> summed_days;
  for (const auto& [bucket, counts] : c.counts) {
    if (bucket.kind == BucketKind::kLoad || bucket.day.size() != 8) continue;
    Bucket month = bucket;
    month.day = bucket.day.substr(0, 6);
    for (const auto& [field, n] : counts) summed_days[month][field] += n;
  }
  std::map<Bucket, Counts> rollups;
  for (const auto& [bucket, counts] : c.counts) {
    if (bucket.day.size() == 6) rollups[bucket] = counts;
  }
  CHECK(rollups == summed_days);
  CHECK(rollups.at({BucketKind::kUnitDay, "440106001", "202610", ""}) ==
        Counts{{"dispatched", 1}, {"late_sign_off", 1}, {"orders|0", 1}, {"orders|20261030", 1}});

  const absl::TimeZone gz = fixture::Guangzhou();
  auto covering = [&](absl::CivilDay from, absl::CivilDay to) {
    return BucketDaysCovering(absl::FromCivil(from, gz), absl::FromCivil(to, gz), gz);
  };
  using V = std::vector<std::string>;
  CHECK(covering(absl::CivilDay(2026, 10, 30), absl::CivilDay(2026, 12, 2)) ==
        V{"20261030", "20261031", "202611", "20261201"});
  CHECK(covering(absl::CivilDay(2026, 1, 1), absl::CivilDay(2027, 1, 1)).size() == 12);
  CHECK(covering(absl::CivilDay(2026, 11, 30), absl::CivilDay(2026, 12, 7)) ==
        V{"20261130", "20261201", "20261202", "20261203", "20261204", "20261205", "20261206"});
  CHECK(covering(absl::CivilDay(2026, 11, 1), absl::CivilDay(2026, 11, 1)).empty());
}

TEST_CASE("aggregates: prefixes and distinct counts fold summed fields") {
  const Counts summed = {{"cat:a", 3}, {"cat:b", 0}, {"catx", 9}, {"dept:D1|0", 2}, {"dept:D1|20261030", 1},
                         {"dept:D1|20261102", 5}, {"dept:D2|20261102", 4}};
  CHECK(WithPrefix(summed, "cat:") == Counts{{"a", 3}});
  CHECK(DistinctFrom(summed, "dept:", "20261101") == Counts{{"D1", 3}});
}

}  // namespace
}  // namespace hotline::scoring

namespace hotline::scoring {
namespace {

// An order's history as the services write it, with the SLA monitor's
// sla_deadline records (issue 16).
v1::HistoryEntry Step(int seq, const char* action, v1::OrderState to, const char* unit) {
  v1::HistoryEntry e;
  e.set_seq(seq);
  e.mutable_at()->set_seconds(absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2026, 12, 7), fixture::Guangzhou())) + seq);
  e.set_action(action);
  e.set_to_state(to);
  e.set_unit_code(unit);
  return e;
}

TEST_CASE("facts: an open order whose closing deadline is provisional (暂定) counts so in its district's load") {
  v1::WorkOrder o;
  o.set_id("GZ20261207000001");
  o.set_type(v1::ORDER_TYPE_COMPLAINT);
  o.mutable_location()->set_district_code("440106");
  o.set_state(v1::ORDER_STATE_DISPATCHED);
  *o.add_history() = Step(1, "create", v1::ORDER_STATE_CREATED, "");
  v1::HistoryEntry record = Step(2, "sla_deadline", v1::ORDER_STATE_CREATED, "");
  v1::FixedDeadline* d = record.mutable_sla_record()->add_deadlines();
  d->set_key("closing.0");
  *d->mutable_from() = o.history(0).at();
  d->mutable_due()->set_seconds(o.history(0).at().seconds() + 29 * 86400);  // into 2027
  d->set_provisional(true);
  v1::FixedDeadline* original = record.mutable_sla_record()->add_deadlines();
  original->set_key("closing.0.original");
  original->set_provisional(false);
  *o.add_history() = record;
  *o.add_history() = Step(3, "dispatch", v1::ORDER_STATE_DISPATCHED, "440106");

  v1::OrderFacts facts = DeriveFacts(o).value();
  CHECK(facts.provisional());
  Counts load = ContributionOf(facts, Dir(), fixture::Guangzhou()).counts.at({BucketKind::kLoad, "", "", ""});
  CHECK(load["provisional:440106"] == 1);
  CHECK(load["open:440106"] == 1);

  // Recomputed on the official schedule: no longer provisional.
  v1::HistoryEntry recomputed = Step(4, "sla_deadline", v1::ORDER_STATE_DISPATCHED, "440106");
  v1::FixedDeadline* again = recomputed.mutable_sla_record()->add_deadlines();
  again->set_key("closing.0");
  *again->mutable_from() = d->from();
  again->mutable_due()->set_seconds(d->due().seconds() + 86400);
  again->set_provisional(false);
  *again->mutable_previous_due() = d->due();
  *o.add_history() = recomputed;
  facts = DeriveFacts(o).value();
  CHECK_FALSE(facts.provisional());
  load = ContributionOf(facts, Dir(), fixture::Guangzhou()).counts.at({BucketKind::kLoad, "", "", ""});
  CHECK(load.count("provisional:440106") == 0);

  // A closed order is never counted.
  o.mutable_history()->RemoveLast();
  o.set_state(v1::ORDER_STATE_CLOSED);
  CHECK_FALSE(DeriveFacts(o).value().provisional());
}

}  // namespace
}  // namespace hotline::scoring
