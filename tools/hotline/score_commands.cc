#include "tools/hotline/score_commands.h"

#include <cmath>
#include <map>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clock/proto_time.h"
#include "tools/hotline/local_time.h"
#include "tools/hotline/table.h"

namespace hotline::cli {
namespace {

absl::Status FlagError(absl::string_view flag, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", message));
}

std::string Percent(double ratio) { return absl::StrFormat("%.1f%%", ratio * 100); }
// A rate with no trials is n/a, not 0 %.
std::string RateText(double ratio, int trials) { return trials > 0 ? Percent(ratio) : "—"; }
std::string Points(double p) { return absl::StrFormat("%.2f", p); }

std::string UnitText(const v1::UnitScore& s) {
  return s.unit_name().empty() ? s.unit_code() : absl::StrCat(s.unit_name(), " (", s.unit_code(), ")");
}

}  // namespace

absl::StatusOr<v1::Period> BuildPeriod(const CommandLine& cl) {
  v1::Period p;
  p.set_kind(v1::PERIOD_KIND_MONTH);
  int given = 0;
  for (const auto& [flag, kind] : {std::pair{"day", v1::PERIOD_KIND_DAY}, std::pair{"week", v1::PERIOD_KIND_WEEK},
                                   std::pair{"month", v1::PERIOD_KIND_MONTH},
                                   std::pair{"quarter", v1::PERIOD_KIND_QUARTER},
                                   std::pair{"year", v1::PERIOD_KIND_YEAR}}) {
    if (!cl.Has(flag)) continue;
    if (++given > 1) return FlagError(flag, "give one of --day, --week, --month, --quarter, --year");
    p.set_kind(kind);
    const std::string value = cl.Get(flag);
    if (value != "now" && value != "true") p.set_date(value);
  }
  return p;
}

absl::StatusOr<v1::GetUnitScoreRequest> BuildScoreRequest(const CommandLine& cl) {
  v1::GetUnitScoreRequest r;
  r.set_unit_code(cl.Get("unit"));
  absl::StatusOr<v1::Period> p = BuildPeriod(cl);
  if (!p.ok()) return p.status();
  *r.mutable_period() = *p;
  r.set_rules_version(cl.Get("rules"));
  return r;
}

absl::StatusOr<v1::ExplainScoreRequest> BuildExplainRequest(const CommandLine& cl) {
  v1::ExplainScoreRequest r;
  r.set_unit_code(cl.Get("unit"));
  absl::StatusOr<v1::Period> p = BuildPeriod(cl);
  if (!p.ok()) return p.status();
  *r.mutable_period() = *p;
  r.set_rules_version(cl.Get("rules"));
  if (cl.Has("limit")) {
    int n = 0;
    if (!absl::SimpleAtoi(cl.Get("limit"), &n) || n < 1 || n > 5000) {
      return FlagError("limit", "wants a number from 1 to 5000");
    }
    r.set_limit(n);
  }
  return r;
}

absl::StatusOr<v1::RankUnitsRequest> BuildRankRequest(const CommandLine& cl) {
  v1::RankUnitsRequest r;
  const std::string level = cl.Has("level") ? cl.Get("level") : "district";
  if (level == "district") {
    r.set_level(v1::UNIT_LEVEL_DISTRICT);
  } else if (level == "street") {
    r.set_level(v1::UNIT_LEVEL_STREET);
  } else if (level == "department") {
    r.set_level(v1::UNIT_LEVEL_DEPARTMENT);
  } else {
    return FlagError("level", "district, street or department");
  }
  absl::StatusOr<v1::Period> p = BuildPeriod(cl);
  if (!p.ok()) return p.status();
  *r.mutable_period() = *p;
  r.set_rules_version(cl.Get("rules"));
  return r;
}

absl::StatusOr<v1::GetHotSpotsRequest> BuildHotRequest(const CommandLine& cl) {
  v1::GetHotSpotsRequest r;
  const std::string what = cl.positional.empty() ? "today" : cl.positional[0];
  v1::Period p;
  if (what == "today") {
    r.set_kind(v1::HOT_KIND_MATTERS);
    p.set_kind(v1::PERIOD_KIND_DAY);
  } else if (what == "month") {
    r.set_kind(v1::HOT_KIND_MATTERS);
    p.set_kind(v1::PERIOD_KIND_MONTH);
  } else if (what == "locations") {
    r.set_kind(v1::HOT_KIND_LOCATIONS);
  } else if (what == "departments") {
    r.set_kind(v1::HOT_KIND_DEPARTMENTS);
  } else if (what == "rising") {
    r.set_kind(v1::HOT_KIND_RISING);
  } else if (what == "addresses") {
    r.set_kind(v1::HOT_KIND_ADDRESSES);
    p.set_kind(v1::PERIOD_KIND_MONTH);
  } else if (what == "district") {
    r.set_kind(v1::HOT_KIND_DISTRICT_MATTERS);
    p.set_kind(v1::PERIOD_KIND_YEAR);
    if (!cl.Has("district")) return FlagError("district", "which district (e.g. 440106)");
    r.set_district_code(cl.Get("district"));
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "WHAT: today, month, locations, departments, rising, district or addresses; got '", what,
        "'"));
  }
  if (cl.Has("day") || cl.Has("week") || cl.Has("month") || cl.Has("quarter") || cl.Has("year")) {
    absl::StatusOr<v1::Period> given = BuildPeriod(cl);
    if (!given.ok()) return given.status();
    p = *given;
  }
  *r.mutable_period() = p;
  return r;
}

absl::StatusOr<v1::GetAgentFiguresRequest> BuildAgentsRequest(const CommandLine& cl) {
  v1::GetAgentFiguresRequest r;
  absl::StatusOr<v1::Period> p = BuildPeriod(cl);
  if (!p.ok()) return p.status();
  *r.mutable_period() = *p;
  r.set_agent_id(cl.Get("agent"));
  return r;
}

std::string FormatScore(const v1::UnitScore& s) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"单位 (unit)", UnitText(s)},
      {"考核期 (period)", s.period_label()},
      {"考核规则 (rules)", s.rules_version()},
      {"得分 (score)", Points(s.score())},
      {"响应率 (response)", RateText(s.response_rate(), s.response_trials())},
      {"解决率 (resolution)", RateText(s.resolution_rate(), s.resolution_trials())},
      {"满意率 (satisfaction)", RateText(s.satisfaction_rate(), s.satisfaction_trials())},
      {"三率得分 (rate points)", Points(s.rate_points())},
      {"扣分 (penalties)", Points(s.penalty_points())},
      {"加分 (rewards)", Points(s.reward_points())},
      {"考核工单 (orders)", absl::StrCat(s.orders())},
  };
  if (s.rank() > 0) fields.push_back({"排名 (rank)", absl::StrCat(s.rank())});
  std::string out = RenderFields(fields);
  if (!s.counts().empty()) {
    Table counts({"事件 (event)", "次数"});
    std::map<std::string, int> sorted(s.counts().begin(), s.counts().end());
    for (const auto& [kind, n] : sorted) counts.AddRow({kind, absl::StrCat(n)});
    absl::StrAppend(&out, "\n", counts.Render());
  }
  return out;
}

std::string FormatExplanation(const v1::UnitScore& s) {
  std::string out = FormatScore(s);
  Table items({"时间", "工单号", "步骤", "单位", "分值", "说明"});
  double sum = 0;
  for (const v1::ScoreItem& i : s.items()) {
    sum += i.points();
    items.AddRow({FormatLocalTime(FromMillis(i.at_ms())), i.order_id(), absl::StrCat(i.seq()),
                  i.unit_code(), Points(i.points()), i.reason()});
  }
  absl::StrAppend(&out, "\n明细 (items):\n", items.Render());
  if (s.items_size() == s.items_total()) {
    absl::StrAppend(&out, "合计 (sum of items): ", Points(sum), " = 得分 ", Points(s.score()), "\n");
  } else {
    absl::StrAppend(&out, "显示 ", s.items_size(), " / ", s.items_total(), " 项 (--limit for more)\n");
  }
  return out;
}

std::string FormatRanking(const v1::RankUnitsResponse& r) {
  Table t({"名次", "单位", "得分", "响应率", "解决率", "满意率", "工单", "榜单"});
  auto on = [](const auto& list, const std::string& code) {
    for (const std::string& c : list) {
      if (c == code) return true;
    }
    return false;
  };
  for (const v1::UnitScore& s : r.ranking()) {
    std::string list = on(r.red_list(), s.unit_code()) ? "红榜" : on(r.black_list(), s.unit_code()) ? "黑榜" : "";
    t.AddRow({s.rank() > 0 ? absl::StrCat(s.rank()) : "-", UnitText(s), Points(s.score()),
              RateText(s.response_rate(), s.response_trials()),
              RateText(s.resolution_rate(), s.resolution_trials()),
              RateText(s.satisfaction_rate(), s.satisfaction_trials()),
              absl::StrCat(s.orders()), list});
  }
  return absl::StrCat("考核期 ", r.period_label(), "  规则 ", r.rules_version(), "\n", t.Render());
}

std::string FormatHotSpots(const v1::GetHotSpotsResponse& hot, bool rising) {
  Table t = rising ? Table({"#", "代码", "名称", "本期", "上期"}) : Table({"#", "代码", "名称", "件数"});
  int n = 0;
  for (const v1::HotEntry& e : hot.entries()) {
    if (rising) {
      t.AddRow({absl::StrCat(++n), e.code(), e.name(), absl::StrCat(e.count()), absl::StrCat(e.previous())});
    } else {
      t.AddRow({absl::StrCat(++n), e.code(), e.name(), absl::StrCat(e.count())});
    }
  }
  return absl::StrCat(hot.period_label(), "\n", t.Render());
}

std::string FormatAgents(const v1::GetAgentFiguresResponse& a) {
  // AHT over the timed contacts only; "-" when none reported a time.
  Table t({"坐席", "受理量", "日均", "咨询", "当场解答", "一次解决率", "平均处理时长", "计时"});
  auto row = [&t](const v1::AgentFigures& f, const std::string& name) {
    t.AddRow({name, absl::StrCat(f.contacts()), absl::StrFormat("%.1f", f.contacts_per_day()),
              absl::StrCat(f.consultations()), absl::StrCat(f.on_spot()), Percent(f.first_contact_resolution()),
              f.timed() == 0 ? "-" : MinutesSeconds(std::llround(f.average_handling_seconds())),
              absl::StrCat(f.timed())});
  };
  for (const v1::AgentFigures& f : a.agents()) row(f, f.agent_id());
  row(a.total(), "合计");
  return absl::StrCat(a.period_label(), "\n", t.Render());
}

}  // namespace hotline::cli
