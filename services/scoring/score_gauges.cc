#include "scoring/score_gauges.h"

#include <limits>
#include <set>
#include <string>
#include <tuple>

#include "log/log.h"

namespace hotline::scoring {

ScoreGauges::ScoreGauges(Assessor& assessor, prometheus::Registry& metrics, absl::Duration interval)
    : assessor_(assessor),
      interval_(interval),
      score_(prometheus::BuildGauge()
                 .Name("hotline_scoring_district_score_points")
                 .Help("Month-to-date assessment score of each district (current rules).")
                 .Register(metrics)),
      rate_(prometheus::BuildGauge()
                .Name("hotline_scoring_district_rate_ratio")
                .Help("Month-to-date response, resolution and satisfaction rates of each district (0..1).")
                .Register(metrics)),
      open_(prometheus::BuildGauge()
                .Name("hotline_scoring_open_orders")
                .Help("Open orders by district and whether they are overdue, as the wall screen shows them.")
                .Register(metrics)),
      facts_written_(prometheus::BuildCounter()
                         .Name("hotline_scoring_facts_written_total")
                         .Help("Orders' scoring facts records written (replays and stale reads write nothing).")
                         .Register(metrics)
                         .Add({})) {}

ScoreGauges::~ScoreGauges() { Stop(); }

void ScoreGauges::Start() {
  thread_ = std::thread([this] {
    while (!stop_) {
      if (absl::Status s = Refresh(); !s.ok()) log::Warning("score gauges not refreshed", {{"error", s.ToString()}});
      for (absl::Time until = absl::Now() + interval_; !stop_ && absl::Now() < until;) {
        absl::SleepFor(absl::Milliseconds(100));
      }
    }
  });
}

void ScoreGauges::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

absl::Status ScoreGauges::Refresh() {
  absl::StatusOr<v1::GetScreenResponse> screen = assessor_.GetScreen();
  if (!screen.ok()) return screen.status();
  for (const v1::UnitScore& s : screen->district_ranking()) {
    score_.Add({{"district", s.unit_code()}}).Set(s.score());
    // A rate with no trials is n/a: NaN, not 0 (the series stays, so the
    // dashboard's selectors match; a panel shows no value, no alert compares true).
    const double kNotApplicable = std::numeric_limits<double>::quiet_NaN();
    for (const auto& [name, value, trials] :
         {std::tuple{"response", s.response_rate(), s.response_trials()},
          std::tuple{"resolution", s.resolution_rate(), s.resolution_trials()},
          std::tuple{"satisfaction", s.satisfaction_rate(), s.satisfaction_trials()}}) {
      rate_.Add({{"district", s.unit_code()}, {"rate", name}}).Set(trials > 0 ? value : kNotApplicable);
    }
  }
  std::set<std::string> shown;
  for (const v1::DistrictLoad& d : screen->districts()) {
    open_.Add({{"district", d.district_code()}, {"overdue", "false"}}).Set(d.open() - d.overdue());
    open_.Add({{"district", d.district_code()}, {"overdue", "true"}}).Set(d.overdue());
    shown.insert(d.district_code());
  }
  // A district gone from the screen (merged away, nothing open there): its
  // series go too, rather than keep their last value.
  for (const std::string& code : open_districts_) {
    if (shown.contains(code)) continue;
    for (const char* overdue : {"false", "true"}) open_.Remove(&open_.Add({{"district", code}, {"overdue", overdue}}));
  }
  open_districts_ = std::move(shown);
  return absl::OkStatus();
}

}  // namespace hotline::scoring
