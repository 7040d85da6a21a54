// `hotline kb ...` against an in-process fake gateway: what is sent, what is
// printed (aligned Chinese tables), paging, import validation and progress.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "support/temp_dir.h"
#include "text/utf8.h"
#include "tools/hotline/cli_args.h"
#include "tools/hotline/commands.h"
#include "tools/hotline/kb_commands.h"
#include "support/cli_harness.h"

namespace hotline::cli {
namespace {

class FakeGateway final : public v1::Hotline::Service {
 public:
  grpc::Status SearchKnowledge(grpc::ServerContext*, const v1::SearchKnowledgeRequest* r,
                               v1::SearchKnowledgeResponse* out) override {
    last_search = *r;
    auto* hit = out->add_hits();
    hit->set_code("KB.20.03.001");
    hit->set_title("境外驾驶证换领中国驾驶证");
    hit->set_snippet("持有效境外【驾驶证】的人员可向车管所申请");
    hit->set_status(v1::KNOWLEDGE_STATUS_PUBLISHED);
    hit = out->add_hits();
    hit->set_code("KB.20.02.001");
    hit->set_title("驾驶证到期换证");
    hit->set_snippet("【驾驶证】有效期满前九十日内申请换证");
    hit->set_status(v1::KNOWLEDGE_STATUS_PUBLISHED);
    return grpc::Status::OK;
  }
  grpc::Status ListKnowledgePoints(grpc::ServerContext*, const v1::ListKnowledgePointsRequest* r,
                                   v1::ListKnowledgePointsResponse* out) override {
    // Three pages of one point each under KB.20.
    const std::vector<std::string> codes = {"KB.20.01.001", "KB.20.02.001", "KB.20.03.001"};
    size_t at = 0;
    while (at < codes.size() && !r->page_token().empty() && codes[at] <= r->page_token()) ++at;
    if (at < codes.size()) {
      auto* p = out->add_points();
      p->set_code(codes[at]);
      p->set_title("驾驶证");
      p->set_status(v1::KNOWLEDGE_STATUS_PUBLISHED);
      p->set_version(1);
      if (at + 1 < codes.size()) out->set_next_page_token(codes[at]);
    }
    return grpc::Status::OK;
  }
  grpc::Status ListUnits(grpc::ServerContext*, const v1::ListUnitsRequest*,
                         v1::ListUnitsResponse* out) override {
    out->add_units()->set_code("GZD001");
    return grpc::Status::OK;
  }
  grpc::Status GetKnowledgePoint(grpc::ServerContext*, const v1::GetKnowledgePointRequest* r,
                                 v1::GetKnowledgePointResponse*) override {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, r->code());
  }
  grpc::Status CreateKnowledgePoint(grpc::ServerContext*, const v1::CreateKnowledgePointRequest* r,
                                    v1::KnowledgePointResponse* out) override {
    created.push_back(r->point().code());
    *out->mutable_point() = r->point();
    return grpc::Status::OK;
  }

  v1::SearchKnowledgeRequest last_search;
  std::vector<std::string> created;
};

using Harness = testing::CliHarness<FakeGateway>;

TEST_CASE("kb search sends the words and filters and prints an aligned table", "[knowledge][cli]") {
  Harness h;
  REQUIRE(h.Run({"kb", "search", "德国驾照怎么换", "--limit", "3", "--prefix", "KB.20", "--include-retired"}) ==
          ExitCode::kOk);
  CHECK(h.gateway.last_search.query() == "德国驾照怎么换");
  CHECK(h.gateway.last_search.limit() == 3);
  CHECK(h.gateway.last_search.code_prefix() == "KB.20");
  CHECK(h.gateway.last_search.include_retired());
  std::vector<std::string> lines = absl::StrSplit(h.out.str(), '\n', absl::SkipEmpty());
  REQUIRE(lines.size() == 4);  // header, rule, two hits
  CHECK(absl::StrContains(lines[2], "KB.20.03.001"));
  CHECK(absl::StrContains(lines[2], "境外驾驶证换领中国驾驶证"));
  CHECK(absl::StrContains(lines[2], "【驾驶证】"));
  // Every line the same display width: the Chinese columns line up.
  for (const std::string& line : lines) CHECK(text::DisplayWidth(line) == text::DisplayWidth(lines[0]));

  CHECK(h.Run({"kb", "search", "驾照", "--prefix", "KB.2"}) == ExitCode::kUsage);
  CHECK(absl::StrContains(h.err.str(), "--prefix: "));
  CHECK(h.Run({"kb", "search"}) == ExitCode::kUsage);
}

TEST_CASE("kb list --all follows every page", "[knowledge][cli]") {
  Harness h;
  REQUIRE(h.Run({"kb", "list", "KB.20", "--all"}) == ExitCode::kOk);
  for (const char* code : {"KB.20.01.001", "KB.20.02.001", "KB.20.03.001"}) {
    CHECK(absl::StrContains(h.out.str(), code));
  }
  CHECK_FALSE(absl::StrContains(h.out.str(), "next page"));
  REQUIRE(h.Run({"kb", "list", "KB.20"}) == ExitCode::kOk);
  CHECK(absl::StrContains(h.out.str(), "next page: --page-token KB.20.01.001"));
}

TEST_CASE("kb import validates every point first, then writes with progress", "[knowledge][cli]") {
  Harness h;
  const hotline::testing::TempDir temp("hotline-kb-import");
  const std::string good = temp.path() + "/good.textproto";
  const std::string bad = temp.path() + "/bad.textproto";
  const std::string point = R"(points { code: "KB.20.03.001" title: "境外驾驶证换领" questions: "德国驾照能换吗"
    answer: "到车管所办理。" owner_unit: "GZD001" effective_from: "2025-01-01" })";
  std::ofstream(good) << point << "\n" << R"(points { code: "KB.20.03.002" title: "换证" questions: "怎么换"
    answer: "到车管所办理。" owner_unit: "GZD001" effective_from: "2025-01-01" })";
  std::ofstream(bad) << point << "\n" << R"(points { code: "KB.20.03.002" title: "换证" questions: "怎么换"
    answer: "到车管所办理。" owner_unit: "GZD999" effective_from: "2025-01-01" })";

  CHECK(h.Run({"kb", "import", bad}) == ExitCode::kUsage);
  CHECK(absl::StrContains(h.err.str(), "point KB.20.03.002: owner_unit: unknown unit"));
  CHECK(h.gateway.created.empty());  // nothing written

  REQUIRE(h.Run({"kb", "import", good}) == ExitCode::kOk);
  CHECK(h.gateway.created == std::vector<std::string>{"KB.20.03.001", "KB.20.03.002"});
  CHECK(absl::StrContains(h.out.str(), "[1/2] KB.20.03.001 created"));
  CHECK(absl::StrContains(h.out.str(), "[2/2] KB.20.03.002 created"));
  CHECK(absl::StrContains(h.out.str(), "2 created, 0 edited, 0 unchanged, 0 failed"));
}

}  // namespace
}  // namespace hotline::cli
