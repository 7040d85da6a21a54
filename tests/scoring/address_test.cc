// Hot addresses, the pure side: the normaliser, what an order contributes to
// its month's address set, the list from counts (threshold, top_n, ties by
// key) and the rules' validation of the threshold.
#include "scoring/address.h"

#include <catch2/catch.hpp>

#include "scoring/aggregates.h"
#include "scoring/rules.h"
#include "scoring/scorer.h"
#include "scoring/scoring_fixture.h"

namespace hotline::scoring {
namespace {

using fixture::Dir;

TEST_CASE("address: trivial variants of an address normalise alike") {
  const std::string want = "天河路385号";
  CHECK(NormaliseAddress("天河路385号") == want);
  CHECK(NormaliseAddress("天河路３８５号") == want);       // full-width digits
  CHECK(NormaliseAddress(" 天河路 385 号 ") == want);      // ASCII spaces
  CHECK(NormaliseAddress("天河路\u3000385号\t") == want);  // ideographic space, tab
  CHECK(NormaliseAddress("天河路385号。") == want);        // CJK full stop
  CHECK(NormaliseAddress("《天河路》385号，") == want);    // CJK brackets, comma
  CHECK(NormaliseAddress("天河路(385)号.") == want);       // ASCII punctuation
  CHECK(NormaliseAddress("天河路（３８５）号") == want);   // full-width brackets
  CHECK(NormaliseAddress("“天河路”385号") == want);        // curly quotes
  CHECK(NormaliseAddress("天河路385号\u00A0") == want);    // no-break space
  // ASCII letters lower-cased, full-width letters too.
  CHECK(NormaliseAddress("Tianhe Rd. 385 B") == "tianherd385b");
  CHECK(NormaliseAddress("ＴＩＡＮＨＥ路Ｂ座") == "tianhe路b座");
}

TEST_CASE("address: house-number separators stay, so different numbers stay apart") {
  CHECK(NormaliseAddress("华景路1-23号") == "华景路1-23号");
  CHECK(NormaliseAddress("华景路12-3号") == "华景路12-3号");
  CHECK(NormaliseAddress("华景路1－23号") == "华景路1-23号");  // full-width hyphen
  CHECK(NormaliseAddress("华景路1—23号") == "华景路1-23号");   // em dash
  CHECK(NormaliseAddress("3栋#201") == "3栋#201");
  CHECK(NormaliseAddress("3栋/201") == "3栋/201");
  CHECK(NormaliseAddress("天河路385号") != NormaliseAddress("天河路358号"));
}

TEST_CASE("address: nothing left is no address, and the member separator never survives") {
  CHECK(NormaliseAddress("").empty());
  CHECK(NormaliseAddress("  \u3000 ，。 ").empty());
  CHECK(NormaliseAddress("a|b") == "ab");
  // Bytes that are not UTF-8 are kept as they are (nothing is lost or merged).
  CHECK(NormaliseAddress(std::string("x\xFFy", 3)) == std::string("x\xFFy", 3));
  CHECK(NormaliseAddress(std::string("\xE5\xA4", 2)) == std::string("\xE5\xA4", 2));  // cut short
}

v1::OrderFacts Facts(std::string id, int month, int day, std::string street, std::string address) {
  v1::OrderFacts o;
  o.set_order_id(std::move(id));
  o.set_created_ms(absl::ToUnixMillis(
      absl::FromCivil(absl::CivilSecond(2026, month, day, 23, 30, 0), fixture::Guangzhou())));
  o.set_district_code("440106");
  o.set_street_code(std::move(street));
  o.set_address(NormaliseAddress(address));
  return o;
}

TEST_CASE("address: an order adds one to its street and address in its city month of creation") {
  // 23:30 on 30 November city time is still November (15:30 UTC).
  const Contribution c =
      ContributionOf(Facts("A", 11, 30, "440106001", "天河路 385号"), Dir(), fixture::Guangzhou());
  CHECK(c.counts.at({BucketKind::kCityMonth, "", "202611", "addr"}) ==
        Counts{{"440106001|天河路385号", 1}});
  // Without an address: no member at all.
  const Contribution none =
      ContributionOf(Facts("B", 11, 30, "440106001", " 。"), Dir(), fixture::Guangzhou());
  CHECK_FALSE(none.counts.contains({BucketKind::kCityMonth, "", "202611", "addr"}));
  // Without a street: counted under the empty street.
  const Contribution nostreet =
      ContributionOf(Facts("C", 12, 1, "", "天河路385号"), Dir(), fixture::Guangzhou());
  CHECK(nostreet.counts.at({BucketKind::kCityMonth, "", "202612", "addr"}) ==
        Counts{{"|天河路385号", 1}});
}

TEST_CASE("address: the list keeps shared addresses only, by count then key, top_n long") {
  v1::ScoringRules rules = fixture::TestRules();
  rules.mutable_hot()->set_top_n(3);
  rules.mutable_hot()->set_address_min_orders(2);
  const Scorer scorer(rules, Dir());
  std::vector<v1::OrderFacts> all;
  auto add = [&](int n, std::string street, std::string address, int month = 11) {
    for (int i = 0; i < n; ++i) {
      all.push_back(Facts(absl::StrCat(street, address, i, month), month, 1 + i, street, address));
    }
  };
  add(4, "440106002", "石牌东路1号");
  add(2, "440106001", "五山路2号");
  add(2, "440106001", "五山路１号");     // ties with the one above: by key, 五山路1号 first
  add(2, "440106002", "石牌西路9号");    // tied too, but cut by top_n (its key sorts after)
  add(1, "440106001", "单独一户");       // alone: never listed
  add(3, "440106001", "五山路2号", 12);  // another month
  all.push_back(Facts("noaddr1", 11, 3, "440106001", ""));
  all.push_back(Facts("noaddr2", 11, 3, "440106001", ""));
  FactsList list;
  for (const v1::OrderFacts& f : all) list.push_back(&f);
  const Interval nov{absl::FromCivil(absl::CivilDay(2026, 11, 1), fixture::Guangzhou()),
                     absl::FromCivil(absl::CivilDay(2026, 12, 1), fixture::Guangzhou()), "2026-11"};
  const std::vector<v1::HotEntry> top = scorer.TopAddresses(list, nov);
  REQUIRE(top.size() == 3);
  CHECK(top[0].code() == "440106002|石牌东路1号");
  CHECK(top[0].name() == "石牌街道 石牌东路1号");
  CHECK(top[0].count() == 4);
  CHECK(top[1].code() == "440106001|五山路1号");
  CHECK(top[1].name() == "五山街道 五山路1号");
  CHECK(top[1].count() == 2);
  CHECK(top[2].code() == "440106001|五山路2号");
  CHECK(top[2].count() == 2);

  // A higher threshold leaves only the 4.
  rules.mutable_hot()->set_address_min_orders(3);
  const std::vector<v1::HotEntry> strict = Scorer(rules, Dir()).TopAddresses(list, nov);
  REQUIRE(strict.size() == 1);
  CHECK(strict[0].count() == 4);
}

TEST_CASE("address: the rules must ask for at least two orders per listed address") {
  v1::ScoringRuleSet set;
  *set.add_rules() = fixture::TestRules();
  set.set_current(set.rules(0).version());
  CHECK(RuleBook::Build(set, "f.textproto").ok());
  set.mutable_rules(0)->mutable_hot()->set_address_min_orders(1);
  const absl::Status one = RuleBook::Build(set, "f.textproto").status();
  CHECK(one.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(one.message()) ==
        "f.textproto: rules[0] (\"t1\"): hot.address_min_orders: must be >= 2");
  set.mutable_rules(0)->mutable_hot()->clear_address_min_orders();
  CHECK(RuleBook::Build(set, "f.textproto").status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hotline::scoring
