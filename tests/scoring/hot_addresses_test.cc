// Hot addresses against a real redis-server: a known month of orders stored
// through the fact store gives the exact list (threshold, ties by key, top_n);
// replays change nothing; an order whose address changes in a later version
// moves its count (a member back at 0 vanishes); only the centre's
// dispatchers and supervisors may read it, and only by month.
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clock/clock.h"
#include "scoring/address.h"
#include "scoring/assessor.h"
#include "scoring/redis_fact_store.h"
#include "scoring/redis_rig.h"
#include "scoring/scoring_fixture.h"
#include "support/redis_server.h"

namespace hotline::scoring {
namespace {

using fixture::Dir;

v1::Actor As(v1::Role role, std::string unit = "GZ12345") {
  v1::Actor a;
  a.set_user_id("u1");
  a.set_role(role);
  a.set_unit_code(std::move(unit));
  return a;
}

v1::GetHotSpotsRequest Addresses(v1::PeriodKind kind = v1::PERIOD_KIND_MONTH,
                                 std::string date = "2026-11") {
  v1::GetHotSpotsRequest r;
  r.set_kind(v1::HOT_KIND_ADDRESSES);
  r.mutable_period()->set_kind(kind);
  r.mutable_period()->set_date(std::move(date));
  return r;
}

struct Rig : fixture::RedisRig {
  RuleBook book = [] {
    v1::ScoringRuleSet set;
    v1::ScoringRules* r = set.add_rules();
    *r = fixture::TestRules();
    r->mutable_hot()->set_top_n(3);
    set.set_current(r->version());
    return RuleBook::Build(set, "test").value();
  }();
  FakeClock clock{absl::FromCivil(absl::CivilSecond(2026, 12, 2, 10, 0, 0), fixture::Guangzhou())};
  Assessor assessor{book, Dir(), store, clock, fixture::Guangzhou()};

  // The month's sorted set, "member=count ..." in member order.
  std::string Month(const std::string& yyyymm) {
    absl::StatusOr<redis::Reply> r =
        redis.Execute({"ZRANGE", keys.CityMonth("addr", yyyymm), "0", "-1", "WITHSCORES"});
    REQUIRE(r.ok());
    std::string out;
    for (size_t i = 0; i + 1 < r->elements.size(); i += 2) {
      absl::StrAppend(&out, out.empty() ? "" : " ", r->elements[i].str, "=",
                      r->elements[i + 1].str);
    }
    return out;
  }
  // The list a dispatcher gets, "code=count ..." in list order.
  std::string Top(const std::string& date = "2026-11") {
    const v1::GetHotSpotsResponse got =
        assessor.GetHotSpots(Addresses(v1::PERIOD_KIND_MONTH, date), As(v1::ROLE_DISPATCHER))
            .value();
    std::string out;
    for (const v1::HotEntry& e : got.entries()) {
      absl::StrAppend(&out, out.empty() ? "" : " ", e.code(), "=", e.count());
    }
    return out;
  }
};

v1::OrderFacts Order(const std::string& id, int64_t version, int day, const std::string& street,
                     const std::string& address, int month = 11) {
  v1::OrderFacts o;
  o.set_order_id(id);
  o.set_version(version);
  o.set_created_ms(absl::ToUnixMillis(
      absl::FromCivil(absl::CivilSecond(2026, month, day, 9, 0, 0), fixture::Guangzhou())));
  o.set_district_code("440106");
  o.set_street_code(street);
  o.set_address(NormaliseAddress(address));
  o.set_category_code("010101");
  return o;
}

TEST_CASE(
    "hot addresses: a known month gives the exact list, replays change nothing, a new address "
    "moves the count") {
  Rig rig;
  std::vector<v1::OrderFacts> orders = {
      Order("A1", 1, 1, "440106002", "石牌东路1号"),
      Order("A2", 1, 2, "440106002", "石牌东路 1 号"),
      Order("A3", 1, 3, "440106002", "石牌东路１号"),
      Order("B1", 1, 4, "440106001", "五山路2号"),
      Order("B2", 1, 5, "440106001", "五山路2号。"),
      Order("C1", 1, 6, "440106001", "五山路1号"),
      Order("C2", 1, 7, "440106001", "五山路1号"),
      Order("D1", 1, 8, "440106002", "石牌西路9号"),
      Order("D2", 1, 9, "440106002", "石牌西路9号"),
      Order("E1", 1, 10, "440106001", "单独一户"),
      Order("F1", 1, 11, "440106001", ""),
      Order("F2", 1, 12, "440106001", ""),
      Order("G1", 1, 1, "440106001", "五山路2号", 12),  // December
      Order("G2", 1, 2, "440106001", "五山路2号", 12),
  };
  for (const v1::OrderFacts& o : orders) REQUIRE(rig.store.Put(o).value());

  // Every address of the month is counted (without-address orders are not);
  // the list keeps the shared ones, by count then key, top_n = 3.
  CHECK(rig.Month("202611") ==
        "440106001|单独一户=1 440106001|五山路1号=2 440106001|五山路2号=2 440106002|石牌西路9号=2 "
        "440106002|石牌东路1号=3");
  CHECK(rig.Top() == "440106002|石牌东路1号=3 440106001|五山路1号=2 440106001|五山路2号=2");
  CHECK(rig.Top("2026-12") == "440106001|五山路2号=2");
  const v1::GetHotSpotsResponse named =
      rig.assessor.GetHotSpots(Addresses(), As(v1::ROLE_SUPERVISOR)).value();
  CHECK(named.period_label() == "2026-11");
  CHECK(named.entries(0).name() == "石牌街道 石牌东路1号");

  // Replays (twice): nothing written, nothing moved.
  const std::string nov = rig.Month("202611"), dec = rig.Month("202612");
  for (int i = 0; i < 2; ++i) {
    for (const v1::OrderFacts& o : orders) CHECK_FALSE(rig.store.Put(o).value());
  }
  CHECK(rig.Month("202611") == nov);
  CHECK(rig.Month("202612") == dec);

  // A later version of A3 with another address: its count moves there. A
  // later version of E1 (the lone address) moves it to D's: E1's member,
  // back at 0, is gone. A stale version of A3 changes nothing.
  REQUIRE(rig.store.Put(Order("A3", 2, 3, "440106001", "五山路1号")).value());
  REQUIRE(rig.store.Put(Order("E1", 2, 10, "440106002", "石牌西路９号")).value());
  CHECK_FALSE(rig.store.Put(Order("A3", 1, 3, "440106002", "石牌东路1号")).value());
  CHECK(rig.Month("202611") ==
        "440106001|五山路2号=2 440106002|石牌东路1号=2 440106001|五山路1号=3 "
        "440106002|石牌西路9号=3");
  CHECK(rig.Top() == "440106001|五山路1号=3 440106002|石牌西路9号=3 440106001|五山路2号=2");
  // An address removed in a later version: the order no longer counts.
  REQUIRE(rig.store.Put(Order("B2", 2, 5, "440106001", "")).value());
  CHECK(rig.Top() == "440106001|五山路1号=3 440106002|石牌西路9号=3 440106002|石牌东路1号=2");
}

TEST_CASE("hot addresses: ties at the top_n cut go by key however many share the count") {
  Rig rig;
  // 40 addresses with 2 orders each, stored in reverse key order, and one with 5.
  for (int i = 39; i >= 0; --i) {
    const std::string address = absl::StrCat("广州大道", 100 + i, "号");
    REQUIRE(rig.store.Put(Order(absl::StrCat("X", i, "a"), 1, 1 + i % 28, "440106001", address))
                .value());
    REQUIRE(rig.store.Put(Order(absl::StrCat("X", i, "b"), 1, 1 + i % 28, "440106001", address))
                .value());
  }
  for (int i = 0; i < 5; ++i) {
    REQUIRE(rig.store.Put(Order(absl::StrCat("Y", i), 1, 20, "440106002", "x")).value());
  }
  CHECK(rig.Top() == "440106002|x=5 440106001|广州大道100号=2 440106001|广州大道101号=2");
  // Fewer members than top_n above the threshold: only those.
  Rig small;
  REQUIRE(small.store.Put(Order("P1", 1, 1, "440106001", "a")).value());
  REQUIRE(small.store.Put(Order("P2", 1, 1, "440106001", "a")).value());
  REQUIRE(small.store.Put(Order("Q1", 1, 1, "440106001", "b")).value());
  CHECK(small.Top() == "440106001|a=2");
  CHECK(small.Top("2026-10").empty());
}

TEST_CASE("hot addresses: the centre's dispatchers and supervisors only, by month only") {
  Rig rig;
  REQUIRE(rig.store.Put(Order("A1", 1, 1, "440106001", "a")).value());
  REQUIRE(rig.store.Put(Order("A2", 1, 1, "440106001", "a")).value());
  for (v1::Role role : {v1::ROLE_UNIT_HANDLER, v1::ROLE_AGENT, v1::ROLE_AUDITOR,
                        v1::ROLE_KNOWLEDGE_EDITOR, v1::ROLE_ADMIN}) {
    INFO(v1::Role_Name(role));
    const absl::Status s = rig.assessor.GetHotSpots(Addresses(), As(role, "440106001")).status();
    CHECK(s.code() == absl::StatusCode::kPermissionDenied);
    CHECK(absl::StrContains(s.message(), "kind: addresses are personal data"));
  }
  CHECK(rig.assessor.GetHotSpots(Addresses()).status().code() ==
        absl::StatusCode::kUnauthenticated);
  CHECK(rig.assessor.GetHotSpots(Addresses(), As(v1::ROLE_DISPATCHER)).value().entries_size() == 1);
  CHECK(rig.assessor.GetHotSpots(Addresses(), As(v1::ROLE_SUPERVISOR)).value().entries_size() == 1);
  // The month is the default period kind; the others are refused, naming the field.
  CHECK(rig.assessor.GetHotSpots(Addresses(v1::PERIOD_KIND_UNSPECIFIED), As(v1::ROLE_DISPATCHER))
            .ok());
  for (v1::PeriodKind kind :
       {v1::PERIOD_KIND_DAY, v1::PERIOD_KIND_WEEK, v1::PERIOD_KIND_QUARTER, v1::PERIOD_KIND_YEAR}) {
    const absl::Status s =
        rig.assessor.GetHotSpots(Addresses(kind, "2026-11-05"), As(v1::ROLE_DISPATCHER)).status();
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(s.message() == "period.kind: addresses are counted by month only");
  }
  CHECK(
      rig.assessor.GetHotSpots(Addresses(v1::PERIOD_KIND_MONTH, "2026-13"), As(v1::ROLE_DISPATCHER))
          .status()
          .code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hotline::scoring
