#pragma once
// The assessment part of the `hotline` CLI (score, explain, rank, hot,
// agents): requests from flags and the Chinese tables. Pure functions (the
// Run* functions in commands.cc make the calls).
#include <string>

#include "absl/status/statusor.h"
#include "hotline/v1/scoring.pb.h"
#include "tools/hotline/cli_args.h"

namespace hotline::cli {

// --day/--week/--month/--quarter/--year DATE (at most one; default: this month).
absl::StatusOr<v1::Period> BuildPeriod(const CommandLine& cl);
absl::StatusOr<v1::GetUnitScoreRequest> BuildScoreRequest(const CommandLine& cl);
absl::StatusOr<v1::ExplainScoreRequest> BuildExplainRequest(const CommandLine& cl);
absl::StatusOr<v1::RankUnitsRequest> BuildRankRequest(const CommandLine& cl);
// hot today|month|locations|departments|rising|district (--district CODE).
absl::StatusOr<v1::GetHotSpotsRequest> BuildHotRequest(const CommandLine& cl);
absl::StatusOr<v1::GetAgentFiguresRequest> BuildAgentsRequest(const CommandLine& cl);

std::string FormatScore(const v1::UnitScore& score);
// The score, then every item (order, step, points, reason) and their sum.
std::string FormatExplanation(const v1::UnitScore& score);
std::string FormatRanking(const v1::RankUnitsResponse& ranking);
std::string FormatHotSpots(const v1::GetHotSpotsResponse& hot, bool rising);
std::string FormatAgents(const v1::GetAgentFiguresResponse& agents);

}  // namespace hotline::cli
