// The assessment commands of the hotline CLI: requests from flags, and the
// Chinese tables (pure functions of tools/hotline/score_commands.h).
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "tools/hotline/local_time.h"
#include "tools/hotline/score_commands.h"
#include "support/cli_harness.h"

namespace hotline::cli {
namespace {

TEST_CASE("score, rank and hot requests come from flags, bad ones name the flag", "[cli][scoring]") {
  absl::StatusOr<v1::GetUnitScoreRequest> score = BuildScoreRequest(testing::ParsedOrFail({"score", "--unit", "440106", "--month", "2026-11"}));
  REQUIRE(score.ok());
  CHECK(score->unit_code() == "440106");
  CHECK(score->period().kind() == v1::PERIOD_KIND_MONTH);
  CHECK(score->period().date() == "2026-11");
  CHECK(BuildScoreRequest(testing::ParsedOrFail({"score", "--unit", "440106", "--month", "2026-11", "--year", "2026"}))
            .status()
            .message() == "--year: give one of --day, --week, --month, --quarter, --year");
  CHECK(BuildRankRequest(testing::ParsedOrFail({"rank", "--level", "county"})).status().message() ==
        "--level: district, street or department");
  absl::StatusOr<v1::RankUnitsRequest> rank = BuildRankRequest(testing::ParsedOrFail({"rank", "--level", "street", "--rules", "2026.1"}));
  REQUIRE(rank.ok());
  CHECK(rank->level() == v1::UNIT_LEVEL_STREET);
  CHECK(rank->rules_version() == "2026.1");
  absl::StatusOr<v1::GetHotSpotsRequest> today = BuildHotRequest(testing::ParsedOrFail({"hot", "today"}));
  REQUIRE(today.ok());
  CHECK(today->kind() == v1::HOT_KIND_MATTERS);
  CHECK(today->period().kind() == v1::PERIOD_KIND_DAY);
  CHECK(BuildHotRequest(testing::ParsedOrFail({"hot", "district"})).status().message() == "--district: which district (e.g. 440106)");
  absl::StatusOr<v1::GetHotSpotsRequest> addresses =
      BuildHotRequest(testing::ParsedOrFail({"hot", "addresses", "--month", "2026-11"}));
  REQUIRE(addresses.ok());
  CHECK(addresses->kind() == v1::HOT_KIND_ADDRESSES);
  CHECK(addresses->period().kind() == v1::PERIOD_KIND_MONTH);
  CHECK(addresses->period().date() == "2026-11");
  CHECK(BuildHotRequest(testing::ParsedOrFail({"hot", "addresses"})).value().period().kind() ==
        v1::PERIOD_KIND_MONTH);
  CHECK(absl::StartsWith(BuildHotRequest(testing::ParsedOrFail({"hot", "weather"})).status().message(), "WHAT: "));
  CHECK(BuildExplainRequest(testing::ParsedOrFail({"explain", "--unit", "440106", "--limit", "0"})).status().message() ==
        "--limit: wants a number from 1 to 5000");
}

TEST_CASE("an explanation lists every item and says they sum to the score", "[cli][scoring]") {
  v1::UnitScore s;
  s.set_unit_code("440106");
  s.set_unit_name("天河区");
  s.set_period_label("2026-11");
  s.set_rules_version("2026.2");
  s.set_score(29);
  s.set_response_rate(1);
  s.set_response_trials(1);
  for (double p : {30.0, -1.0}) {
    v1::ScoreItem* i = s.add_items();
    i->set_order_id("GZ20261103000001");
    i->set_seq(3);
    i->set_points(p);
    i->set_reason(p > 0 ? "响应率: 按时签收" : "扣分: 退回");
  }
  s.set_items_total(2);
  const std::string text = FormatExplanation(s);
  CHECK(absl::StrContains(text, "天河区 (440106)"));
  CHECK(absl::StrContains(text, "100.0%"));
  CHECK(absl::StrContains(text, "扣分: 退回"));
  CHECK(absl::StrContains(text, "合计 (sum of items): 29.00 = 得分 29.00"));
  s.set_items_total(5);
  CHECK(absl::StrContains(FormatExplanation(s), "显示 2 / 5 项"));
}

TEST_CASE("a rate with no trials shows a dash, not 0.0 %", "[cli][scoring]") {
  v1::RankUnitsResponse r;
  r.set_period_label("2026-12");
  v1::UnitScore* s = r.add_ranking();
  s->set_unit_code("440106");
  s->set_unit_name("天河区");
  s->set_rank(1);
  s->set_score(100);
  s->set_response_rate(0.5);
  s->set_response_trials(2);
  s->set_resolution_rate(0);
  s->set_resolution_trials(3);  // three overdue: a real 0 %
  s->set_orders(3);             // no callbacks yet: satisfaction n/a
  const std::string ranking = FormatRanking(r);
  INFO(ranking);
  const size_t row_at = ranking.find("天河区");
  REQUIRE(row_at != std::string::npos);
  const std::string row = ranking.substr(row_at, ranking.find('\n', row_at) - row_at);
  CHECK(absl::StrContains(row, "50.0%"));
  CHECK(absl::StrContains(row, "0.0%"));
  CHECK(absl::StrContains(row, "—"));
  CHECK_FALSE(absl::StrContains(row, "-"));  // "—", not the unranked dash
  const std::string score = FormatScore(*s);
  INFO(score);
  CHECK(absl::StrContains(score, "满意率 (satisfaction)"));
  const size_t sat_at = score.find("满意率 (satisfaction)");
  const std::string sat_line = score.substr(sat_at, score.find('\n', sat_at) - sat_at);
  CHECK(absl::StrContains(sat_line, "—"));
  CHECK_FALSE(absl::StrContains(sat_line, "0.0%"));
}

TEST_CASE("the agents' table shows the average handling time over the timed contacts", "[cli][scoring]") {
  v1::GetAgentFiguresResponse a;
  a.set_period_label("2026-11");
  v1::AgentFigures* one = a.add_agents();
  one->set_agent_id("agent-1");
  one->set_contacts(3);
  one->set_timed(2);
  one->set_average_handling_seconds(307.4);
  v1::AgentFigures* two = a.add_agents();
  two->set_agent_id("agent-2");
  two->set_contacts(1);
  *a.mutable_total() = *one;
  a.mutable_total()->set_agent_id("");
  const std::string text = FormatAgents(a);
  INFO(text);
  CHECK(absl::StrContains(text, "平均处理时长"));
  CHECK(absl::StrContains(text, "5:07"));  // 307 s
  // agent-2 reported no time: a dash, not 0:00.
  const size_t two_at = text.find("agent-2") + std::string("agent-2").size();
  const std::string two_row = text.substr(two_at, text.find('\n', two_at) - two_at);
  CHECK(absl::StrContains(two_row, "-"));
  CHECK_FALSE(absl::StrContains(two_row, "0:00"));
  CHECK(MinutesSeconds(65 * 60 + 3) == "65:03");
}

}  // namespace
}  // namespace hotline::cli
