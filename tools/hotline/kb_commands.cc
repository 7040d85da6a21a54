#include "tools/hotline/kb_commands.h"

#include <google/protobuf/text_format.h>

#include <fstream>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/text_proto.h"
#include "knowledge_points/kb_code.h"
#include "knowledge_points/point_validation.h"
#include "knowledge_points/seed.h"
#include "tools/hotline/rpc_call.h"
#include "tools/hotline/table.h"

namespace hotline::cli {
namespace {

constexpr int kSnippetWidth = 60;
constexpr int kTitleWidth = 36;

const char* StatusText(v1::KnowledgeStatus s) {
  switch (s) {
    case v1::KNOWLEDGE_STATUS_DRAFT: return "草稿";
    case v1::KNOWLEDGE_STATUS_PUBLISHED: return "已发布";
    case v1::KNOWLEDGE_STATUS_RETIRED: return "已废止";
    default: return "-";
  }
}

ExitCode Usage(const std::string& message, Output io) {
  io.err << "error: " << message << "\nsee: hotline help kb\n";
  return ExitCode::kUsage;
}

// The subcommand's one argument, or a usage error naming it.
std::optional<std::string> Argument(const CommandLine& cl, const char* name, Output io) {
  if (cl.positional.size() < 2 || cl.positional[1].empty()) {
    Usage(absl::StrCat("kb ", cl.positional[0], " needs ", name), io);
    return std::nullopt;
  }
  return cl.positional[1];
}

absl::StatusOr<int> IntFlag(const CommandLine& cl, const char* flag, int fallback) {
  if (!cl.Has(flag)) return fallback;
  int n = 0;
  if (!absl::SimpleAtoi(cl.Get(flag), &n) || n < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " wants a number >= 0; got '", cl.Get(flag), "'"));
  }
  return n;
}


ExitCode Search(const CommandLine& cl, HotlineStub& stub, Output io) {
  absl::StatusOr<v1::SearchKnowledgeRequest> request = BuildKbSearchRequest(cl);
  if (!request.ok()) return Usage(std::string(request.status().message()), io);
  auto found = Call(cl, stub, &HotlineStub::SearchKnowledge, *request, io);
  if (!found) return ExitCode::kRpcFailed;
  if (cl.global.json) return PrintMessageJson(*found, io);
  if (found->hits().empty()) {
    io.out << "没有找到相关知识点 (no knowledge point matches)\n";
    return ExitCode::kOk;
  }
  Table table({"#", "代码", "标题", "摘要"});
  table.SetMaxWidth(2, kTitleWidth);
  table.SetMaxWidth(3, kSnippetWidth);
  int rank = 0;
  for (const v1::KnowledgeHit& hit : found->hits()) {
    std::string title = hit.title();
    if (hit.status() != v1::KNOWLEDGE_STATUS_PUBLISHED) absl::StrAppend(&title, " [", StatusText(hit.status()), "]");
    table.AddRow({absl::StrCat(++rank), hit.code(), title, hit.snippet()});
  }
  io.out << table.Render();
  return ExitCode::kOk;
}

std::string FormatPoint(const v1::KnowledgePoint& p) {
  std::string by = p.updated_by().user_id();
  return RenderFields({
      {"代码 (code)", p.code()},
      {"标题 (title)", p.title()},
      {"状态 (status)", StatusText(p.status())},
      {"版本 (version)", absl::StrCat(p.version())},
      {"主管单位 (owner)", p.owner_unit()},
      {"生效 (effective)", p.effective_from()},
      {"失效 (expires)", p.expires_on()},
      {"问法 (questions)", absl::StrJoin(p.questions(), "\n")},
      {"关键词 (keywords)", absl::StrJoin(p.keywords(), "、")},
      {"答复 (answer)", p.answer()},
      {"依据 (legal basis)", p.legal_basis()},
      {"使用/直接解决/无帮助", absl::StrCat(p.use_count(), " / ", p.first_contact_resolutions(), " / ",
                                      p.not_helpful_count())},
      {"更新 (updated by)", by},
      {"变更说明 (note)", p.change_note()},
  });
}

ExitCode Get(const CommandLine& cl, HotlineStub& stub, Output io) {
  std::optional<std::string> code = Argument(cl, "CODE", io);
  if (!code) return ExitCode::kUsage;
  v1::GetKnowledgePointRequest request;
  request.set_code(*code);
  request.set_as_of(cl.Get("as-of"));
  absl::StatusOr<int> version = IntFlag(cl, "version", 0);
  if (!version.ok()) return Usage(std::string(version.status().message()), io);
  request.set_version(*version);
  auto got = Call(cl, stub, &HotlineStub::GetKnowledgePoint, request, io);
  if (!got) return ExitCode::kRpcFailed;
  if (cl.global.json) return PrintMessageJson(*got, io);
  io.out << FormatPoint(got->point());
  return ExitCode::kOk;
}

void AddSummaryRows(const google::protobuf::RepeatedPtrField<v1::KnowledgeSummary>& points, Table& table) {
  for (const v1::KnowledgeSummary& s : points) {
    table.AddRow({s.code(), s.title(), StatusText(s.status()), absl::StrCat(s.version()), s.owner_unit(),
                  s.expires_on().empty() ? "-" : s.expires_on()});
  }
}

ExitCode List(const CommandLine& cl, HotlineStub& stub, Output io) {
  std::optional<std::string> prefix = Argument(cl, "PREFIX (e.g. KB.06)", io);
  if (!prefix) return ExitCode::kUsage;
  absl::StatusOr<int> limit = IntFlag(cl, "limit", 50);
  if (!limit.ok()) return Usage(std::string(limit.status().message()), io);
  v1::ListKnowledgePointsRequest request;
  request.set_prefix(*prefix);
  request.set_page_size(*limit);
  request.set_page_token(cl.Get("page-token"));
  Table table({"代码", "标题", "状态", "版本", "主管单位", "失效"});
  table.SetMaxWidth(1, kTitleWidth);
  v1::ListKnowledgePointsResponse all;
  while (true) {
    auto page = Call(cl, stub, &HotlineStub::ListKnowledgePoints, request, io);
    if (!page) return ExitCode::kRpcFailed;
    all.mutable_points()->MergeFrom(page->points());
    all.set_next_page_token(page->next_page_token());
    if (!cl.Switch("all") || page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  if (cl.global.json) return PrintMessageJson(all, io);
  AddSummaryRows(all.points(), table);
  io.out << table.Render() << all.points_size() << " 条 (points)\n";
  if (!all.next_page_token().empty()) {
    io.out << "next page: --page-token " << all.next_page_token() << "\n";
  }
  return ExitCode::kOk;
}

// Every unit code of the directory, for validating owning units before import.
std::optional<std::set<std::string>> Units(const CommandLine& cl, HotlineStub& stub, Output io) {
  auto units = Call(cl, stub, &HotlineStub::ListUnits, v1::ListUnitsRequest(), io);
  if (!units) return std::nullopt;
  std::set<std::string> codes;
  for (const v1::Unit& u : units->units()) codes.insert(u.code());
  return codes;
}

ExitCode Import(const CommandLine& cl, HotlineStub& stub, Output io) {
  std::optional<std::string> file = Argument(cl, "FILE", io);
  if (!file) return ExitCode::kUsage;
  v1::KnowledgeSeed seed;
  if (absl::Status s = config::ReadTextProto(*file, &seed); !s.ok()) {
    io.err << "error: " << s.message() << "\n";
    return ExitCode::kUsage;
  }
  std::optional<std::set<std::string>> units = Units(cl, stub, io);
  if (!units) return ExitCode::kRpcFailed;
  // Every point is checked before anything is written.
  if (absl::Status s = knowledge::ValidateSeed(
          seed, *file, [&](absl::string_view u) { return units->count(std::string(u)) > 0; });
      !s.ok()) {
    io.err << "error: " << s.message() << "\nnothing imported\n";
    return ExitCode::kUsage;
  }
  const int total = seed.points_size();
  int created = 0, edited = 0, unchanged = 0, failed = 0, n = 0;
  for (const v1::KnowledgeSeedPoint& s : seed.points()) {
    const std::string progress = absl::StrCat("[", ++n, "/", total, "] ", s.code(), " ");
    v1::GetKnowledgePointRequest get;
    get.set_code(s.code());
    v1::GetKnowledgePointResponse current;
    grpc::Status status = CallGateway(cl, stub, &HotlineStub::GetKnowledgePoint, get, &current);
    std::string outcome;
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      v1::CreateKnowledgePointRequest create;
      *create.mutable_point() = knowledge::FromSeed(s);
      create.set_publish(!cl.Switch("draft"));
      v1::KnowledgePointResponse out;
      status = CallGateway(cl, stub, &HotlineStub::CreateKnowledgePoint, create, &out);
      if (status.ok()) ++created, outcome = "created";
    } else if (status.ok()) {
      if (knowledge::ToSeed(current.point()).SerializeAsString() == s.SerializeAsString()) {
        ++unchanged;
        outcome = "unchanged";
      } else {
        v1::EditKnowledgePointRequest edit;
        *edit.mutable_point() = knowledge::FromSeed(s);
        edit.mutable_point()->set_change_note("import");
        edit.set_expected_version(current.point().version());
        v1::KnowledgePointResponse out;
        status = CallGateway(cl, stub, &HotlineStub::EditKnowledgePoint, edit, &out);
        if (status.ok()) ++edited, outcome = absl::StrCat("edited (version ", out.point().version(), ")");
      }
    }
    if (!status.ok()) {
      ++failed;
      outcome = absl::StrCat("FAILED ",
                             absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                             ": ", status.error_message());
    }
    io.out << progress << outcome << "\n";
  }
  io.out << "imported " << total << " points from " << *file << ": " << created << " created, " << edited
         << " edited, " << unchanged << " unchanged, " << failed << " failed\n";
  return failed == 0 ? ExitCode::kOk : ExitCode::kRpcFailed;
}

ExitCode Export(const CommandLine& cl, HotlineStub& stub, Output io) {
  std::optional<std::string> file = Argument(cl, "FILE", io);
  if (!file) return ExitCode::kUsage;
  v1::ListKnowledgePointsRequest list;
  list.set_prefix(cl.Has("prefix") ? cl.Get("prefix") : "KB");
  list.set_page_size(500);
  std::vector<std::string> codes;
  do {
    auto page = Call(cl, stub, &HotlineStub::ListKnowledgePoints, list, io);
    if (!page) return ExitCode::kRpcFailed;
    for (const auto& p : page->points()) codes.push_back(p.code());
    list.set_page_token(page->next_page_token());
  } while (!list.page_token().empty());
  v1::KnowledgeSeed seed;
  int n = 0;
  for (const std::string& code : codes) {
    v1::GetKnowledgePointRequest get;
    get.set_code(code);
    auto got = Call(cl, stub, &HotlineStub::GetKnowledgePoint, get, io);
    if (!got) return ExitCode::kRpcFailed;
    *seed.add_points() = knowledge::ToSeed(got->point());
    if (++n % 50 == 0 || n == static_cast<int>(codes.size())) {
      io.err << "exported " << n << "/" << codes.size() << "\n";
    }
  }
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);
  printer.PrintToString(seed, &text);
  std::ofstream out(*file);
  out << "# Exported by `hotline kb export` (hotline.v1.KnowledgeSeed).\n"
      << "# proto-file: hotline/v1/knowledge.proto\n# proto-message: hotline.v1.KnowledgeSeed\n\n"
      << text;
  if (!out) {
    io.err << "error: cannot write " << *file << "\n";
    return ExitCode::kRpcFailed;
  }
  io.out << "wrote " << codes.size() << " points to " << *file << "\n";
  return ExitCode::kOk;
}

ExitCode Expiring(const CommandLine& cl, HotlineStub& stub, Output io) {
  std::optional<std::string> unit = Argument(cl, "UNIT", io);
  if (!unit) return ExitCode::kUsage;
  absl::StatusOr<int> days = IntFlag(cl, "days", 0);
  if (!days.ok()) return Usage(std::string(days.status().message()), io);
  v1::ListExpiringKnowledgeRequest request;
  request.set_owner_unit(*unit);
  request.set_within_days(*days);
  auto list = Call(cl, stub, &HotlineStub::ListExpiringKnowledge, request, io);
  if (!list) return ExitCode::kRpcFailed;
  if (cl.global.json) return PrintMessageJson(*list, io);
  Table table({"代码", "标题", "状态", "版本", "主管单位", "失效"});
  table.SetMaxWidth(1, kTitleWidth);
  AddSummaryRows(list->points(), table);
  io.out << table.Render() << list->points_size() << " 条将到期或已过期 (as of " << list->today() << ")\n";
  return ExitCode::kOk;
}

ExitCode NotHelpful(const CommandLine& cl, HotlineStub& stub, Output io) {
  std::optional<std::string> code = Argument(cl, "CODE", io);
  if (!code) return ExitCode::kUsage;
  v1::MarkKnowledgeNotHelpfulRequest request;
  request.set_code(*code);
  auto marked = Call(cl, stub, &HotlineStub::MarkKnowledgeNotHelpful, request, io);
  if (!marked) return ExitCode::kRpcFailed;
  if (cl.global.json) return PrintMessageJson(*marked, io);
  io.out << *code << ": 无帮助 " << marked->not_helpful_count() << " 次 (marked not helpful)\n";
  return ExitCode::kOk;
}

ExitCode Unanswered(const CommandLine& cl, HotlineStub& stub, Output io) {
  absl::StatusOr<int> limit = IntFlag(cl, "limit", 20);
  if (!limit.ok()) return Usage(std::string(limit.status().message()), io);
  v1::ListUnansweredQueriesRequest request;
  request.set_limit(*limit);
  auto list = Call(cl, stub, &HotlineStub::ListUnansweredQueries, request, io);
  if (!list) return ExitCode::kRpcFailed;
  if (cl.global.json) return PrintMessageJson(*list, io);
  Table table({"次数", "未找到答案的搜索"});
  for (const auto& q : list->queries()) table.AddRow({absl::StrCat(q.count()), q.query()});
  io.out << table.Render();
  return ExitCode::kOk;
}

}  // namespace

absl::StatusOr<v1::SearchKnowledgeRequest> BuildKbSearchRequest(const CommandLine& cl) {
  v1::SearchKnowledgeRequest r;
  std::vector<std::string> words(cl.positional.begin() + (cl.positional.empty() ? 0 : 1), cl.positional.end());
  r.set_query(absl::StrJoin(words, " "));
  if (r.query().empty()) return absl::InvalidArgumentError("kb search needs WORDS");
  absl::StatusOr<int> limit = IntFlag(cl, "limit", 5);
  if (!limit.ok()) return limit.status();
  r.set_limit(*limit);
  if (cl.Has("prefix")) {
    if (auto e = knowledge::PrefixProblem(cl.Get("prefix"))) {
      return absl::InvalidArgumentError(absl::StrCat("--prefix: ", *e));
    }
    r.set_code_prefix(cl.Get("prefix"));
  }
  r.set_owner_unit(cl.Get("unit"));
  r.set_include_retired(cl.Switch("include-retired"));
  r.set_include_expired(cl.Switch("include-expired"));
  return r;
}

ExitCode RunKb(const CommandLine& cl, HotlineStub& stub, Output io) {
  using Runner = ExitCode (*)(const CommandLine&, HotlineStub&, Output);
  static const auto* const kRunners = new std::map<std::string, Runner, std::less<>>{
      {"search", &Search},     {"get", &Get},           {"list", &List},
      {"import", &Import},     {"export", &Export},     {"expiring", &Expiring},
      {"not-helpful", &NotHelpful}, {"unanswered", &Unanswered},
  };
  if (cl.positional.empty()) return Usage("kb needs a subcommand", io);
  auto it = kRunners->find(cl.positional[0]);
  if (it == kRunners->end()) return Usage(absl::StrCat("unknown kb subcommand '", cl.positional[0], "'"), io);
  return it->second(cl, stub, io);
}

}  // namespace hotline::cli
