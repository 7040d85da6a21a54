// The CLI's reveal, lookup-phone and verify commands: requests from flags and
// the verify report.
#include <catch2/catch.hpp>

#include "tools/hotline/cli_args.h"
#include "tools/hotline/guarded_commands.h"
#include "support/cli_harness.h"

namespace hotline::cli {
namespace {

}  // namespace

TEST_CASE("reveal needs a reason, lookup-phone and verify take their arguments", "[cli]") {
  CHECK_FALSE(ParseCommandLine({"reveal", "GZ20261128000123"}, {}).ok());  // --reason required
  v1::RevealCallerPhoneRequest reveal =
      *BuildRevealRequest(testing::ParsedOrFail({"reveal", "GZ20261128000123", "--reason", "回访"}));
  CHECK(reveal.order_id() == "GZ20261128000123");
  CHECK(reveal.reason() == "回访");

  v1::FindOrdersByPhoneRequest lookup =
      *BuildLookupPhoneRequest(testing::ParsedOrFail({"lookup-phone", "13812345678", "--limit", "5"}));
  CHECK(lookup.phone() == "13812345678");
  CHECK(lookup.page_size() == 5);
  CHECK_FALSE(BuildLookupPhoneRequest(testing::ParsedOrFail({"lookup-phone", "138", "--limit", "x"})).ok());

  CHECK(BuildVerifyRequest(testing::ParsedOrFail({"verify", "GZ20261128000123"}))->order_id() ==
        "GZ20261128000123");
  CHECK(BuildVerifyRequest(testing::ParsedOrFail({"verify", "--all"}))->all());
  CHECK_FALSE(BuildVerifyRequest(testing::ParsedOrFail({"verify"})).ok());
  CHECK_FALSE(BuildVerifyRequest(testing::ParsedOrFail({"verify", "GZ20261128000123", "--all"})).ok());
}

TEST_CASE("verify prints the verdicts, the problem named", "[cli]") {
  v1::VerifyOrderTrailResponse r;
  v1::TrailVerdict* ok = r.add_verdicts();
  ok->set_order_id("GZ20261128000001");
  ok->set_intact(true);
  ok->set_entries(7);
  v1::TrailVerdict* bad = r.add_verdicts();
  bad->set_order_id("GZ20261128000002");
  bad->set_problem(v1::TRAIL_PROBLEM_REORDERED);
  bad->set_entry(3);
  bad->set_detail("entry 3 (seq 4) is out of place");
  r.set_orders_checked(40);
  r.set_orders_broken(1);
  const std::string text = FormatVerify(r);
  CHECK_THAT(text, Catch::Contains("GZ20261128000001  intact (完整), 7 entries"));
  CHECK_THAT(text, Catch::Contains("GZ20261128000002  BROKEN (断链): entry 3 reordered"));
  CHECK_THAT(text, Catch::Contains("40 orders checked, 1 broken"));
}

}  // namespace hotline::cli
