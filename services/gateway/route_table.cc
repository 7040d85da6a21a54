#include "gateway/route_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hotline::gateway {
namespace {

constexpr v1::Role kAgent = v1::ROLE_AGENT;
constexpr v1::Role kDispatcher = v1::ROLE_DISPATCHER;
constexpr v1::Role kSupervisor = v1::ROLE_SUPERVISOR;
constexpr v1::Role kHandler = v1::ROLE_UNIT_HANDLER;
constexpr v1::Role kEditor = v1::ROLE_KNOWLEDGE_EDITOR;
constexpr v1::Role kAuditor = v1::ROLE_AUDITOR;
constexpr v1::Role kAdmin = v1::ROLE_ADMIN;

constexpr absl::string_view kGateway = "";  // answered by the gateway itself
constexpr absl::string_view kIntake = "hotline.v1.Intake";
constexpr absl::string_view kDirectory = "hotline.v1.Directory";
constexpr absl::string_view kAudit = "hotline.v1.Audit";
constexpr absl::string_view kDispatch = "hotline.v1.Dispatch";
constexpr absl::string_view kSla = "hotline.v1.Sla";
constexpr absl::string_view kKnowledge = "hotline.v1.Knowledge";
constexpr absl::string_view kScoring = "hotline.v1.Scoring";

}  // namespace

const std::vector<Route>& Routes() {
  // Keep in step with the table in README.md. Unit handlers are further
  // limited to their unit's subtree by the backends (libs/authz).
  static const std::vector<Route>* const table = new std::vector<Route>{
      {"WhoAmI", kGateway, {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      // Orders: the centre's call takers create; handlers read their own.
      {"CreateWorkOrder", kIntake, {kAgent, kDispatcher, kSupervisor}},
      {"GetWorkOrder", kIntake, {kAgent, kDispatcher, kSupervisor, kHandler, kAdmin}},
      {"ListWorkOrders", kIntake, {kAgent, kDispatcher, kSupervisor, kHandler, kAdmin}},
      // The flow: the state machine decides which of these may take which action.
      {"Act", kDispatch, {kDispatcher, kSupervisor, kHandler, kAdmin}},
      {"ListQueue", kDispatch, {kDispatcher, kSupervisor, kHandler, kAdmin}},
      {"WatchQueue", kDispatch, {kDispatcher, kSupervisor, kHandler, kAdmin}},
      // Deadlines. Only units ask for extensions (their own orders': sla
      // checks the unit); only the centre decides them.
      {"GetOrderSla", kSla, {kAgent, kDispatcher, kSupervisor, kHandler, kAdmin}},
      {"ListUnitDeadlines", kSla, {kDispatcher, kSupervisor, kHandler, kAdmin}},
      {"RequestExtension", kSla, {kHandler}},
      {"DecideExtension", kSla, {kDispatcher, kSupervisor, kAdmin}},
      {"QueryCalendar", kSla, {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      // The directory is public within the platform.
      {"ListUnits", kDirectory, {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      {"ListCategories", kDirectory,
       {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      // The city in force: clients show and read times in its zone.
      {"GetCity", kDirectory, {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      // Knowledge: everyone reads; knowledge decides who may write which point
      // (an editor, or a handler of the owning unit: data).
      {"SearchKnowledge", kKnowledge,
       {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      {"GetKnowledgePoint", kKnowledge,
       {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      {"ListKnowledgePoints", kKnowledge,
       {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      {"CreateKnowledgePoint", kKnowledge, {kHandler, kEditor, kAdmin}},
      {"EditKnowledgePoint", kKnowledge, {kHandler, kEditor, kAdmin}},
      {"PublishKnowledgePoint", kKnowledge, {kHandler, kEditor, kAdmin}},
      {"RetireKnowledgePoint", kKnowledge, {kHandler, kEditor, kAdmin}},
      {"MarkKnowledgeNotHelpful", kKnowledge,
       {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAdmin}},
      // The base's upkeep; agents, who search it, see what it lacks.
      {"ListExpiringKnowledge", kKnowledge,
       {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAdmin}},
      {"ListUnansweredQueries", kKnowledge,
       {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAdmin}},
      // The access log.
      {"ListAuditEntries", kAudit, {kAuditor, kAdmin}},
      // Personal data and the trail: the callback duty reveals a number (with
      // a reason, logged); the call takers look a caller up (logged);
      // auditors verify the trail. Intake adds only the data checks
      // (confidentiality, unit scope) and the logging.
      {"RevealCallerPhone", kIntake, {kDispatcher, kSupervisor}},
      {"FindOrdersByPhone", kIntake, {kAgent, kDispatcher, kSupervisor}},
      {"VerifyOrderTrail", kIntake, {kAuditor, kSupervisor, kAdmin}},
      // Assessment: scoring shows a unit handler its own subtree only; hot
      // spots carry no personal data, except the month's shared addresses,
      // which scoring gives the centre's dispatchers and supervisors only
      // (a rule on the data asked for: libs/authz MaySeeHotAddresses);
      // agents' figures are the centre's.
      {"GetUnitScore", kScoring, {kDispatcher, kSupervisor, kHandler, kAuditor, kAdmin}},
      {"ExplainScore", kScoring, {kDispatcher, kSupervisor, kHandler, kAuditor, kAdmin}},
      {"RankUnits", kScoring, {kDispatcher, kSupervisor, kHandler, kAuditor, kAdmin}},
      {"GetHotSpots", kScoring, {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      {"GetAgentFigures", kScoring, {kDispatcher, kSupervisor, kAdmin}},
  };
  return *table;
}

const Route* FindRoute(absl::string_view method) {
  const std::vector<Route>& table = Routes();
  auto row = std::find_if(table.begin(), table.end(),
                          [method](const Route& r) { return r.method == method; });
  return row == table.end() ? nullptr : &*row;
}

absl::Status MayCall(absl::string_view method, v1::Role role) {
  const Route* row = FindRoute(method);
  if (row == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat(method, " has no entry in the gateway's access table; refused"));
  }
  if (std::find(row->roles.begin(), row->roles.end(), role) == row->roles.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", v1::Role_Name(role), " may not call ", method));
  }
  return absl::OkStatus();
}

}  // namespace hotline::gateway
