#include "gateway/access_policy.h"

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

}  // namespace

const std::vector<MethodAccess>& AccessTable() {
  // Keep in step with the table in README.md. Unit handlers are further
  // limited to their unit's subtree by the backends (libs/authz).
  static const std::vector<MethodAccess>* const table = new std::vector<MethodAccess>{
      {"WhoAmI", {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      // Orders: the centre's call takers create; handlers read their own.
      {"CreateWorkOrder", {kAgent, kDispatcher, kSupervisor}},
      {"GetWorkOrder", {kAgent, kDispatcher, kSupervisor, kHandler, kAdmin}},
      {"ListWorkOrders", {kAgent, kDispatcher, kSupervisor, kHandler, kAdmin}},
      // The flow: the state machine decides which of these may take which action.
      {"Act", {kDispatcher, kSupervisor, kHandler, kAdmin}},
      {"ListQueue", {kDispatcher, kSupervisor, kHandler, kAdmin}},
      // Deadlines.
      {"GetOrderSla", {kAgent, kDispatcher, kSupervisor, kHandler, kAdmin}},
      {"ListUnitDeadlines", {kDispatcher, kSupervisor, kHandler, kAdmin}},
      {"RequestExtension", {kHandler}},
      {"DecideExtension", {kDispatcher, kSupervisor, kAdmin}},
      {"QueryCalendar", {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      // The directory is public within the platform.
      {"ListUnits", {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      {"ListCategories", {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      // Knowledge: everyone reads; knowledge decides who may write which point
      // (an editor, or a handler of the owning unit).
      {"SearchKnowledge", {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      {"GetKnowledgePoint", {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      {"ListKnowledgePoints",
       {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      {"CreateKnowledgePoint", {kHandler, kEditor, kAdmin}},
      {"EditKnowledgePoint", {kHandler, kEditor, kAdmin}},
      {"PublishKnowledgePoint", {kHandler, kEditor, kAdmin}},
      {"RetireKnowledgePoint", {kHandler, kEditor, kAdmin}},
      {"MarkKnowledgeNotHelpful", {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAdmin}},
      // The base's upkeep; agents, who search it, see what it lacks.
      {"ListExpiringKnowledge", {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAdmin}},
      {"ListUnansweredQueries", {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAdmin}},
      // The access log.
      {"ListAuditEntries", {kAuditor, kAdmin}},
      // Personal data and the trail: the callback duty reveals a number (with
      // a reason, logged); the call takers look a caller up (logged);
      // auditors verify the trail.
      {"RevealCallerPhone", {kDispatcher, kSupervisor}},
      {"FindOrdersByPhone", {kAgent, kDispatcher, kSupervisor}},
      {"VerifyOrderTrail", {kAuditor, kSupervisor, kAdmin}},
      // Assessment: scoring shows a unit handler its own subtree only; hot
      // spots carry no personal data, except the month's shared addresses,
      // which scoring gives dispatchers and supervisors only (scoring/access.cc);
      // agents' figures are the centre's.
      {"GetUnitScore", {kDispatcher, kSupervisor, kHandler, kAuditor, kAdmin}},
      {"ExplainScore", {kDispatcher, kSupervisor, kHandler, kAuditor, kAdmin}},
      {"RankUnits", {kDispatcher, kSupervisor, kHandler, kAuditor, kAdmin}},
      {"GetHotSpots", {kAgent, kDispatcher, kSupervisor, kHandler, kEditor, kAuditor, kAdmin}},
      {"GetAgentFigures", {kDispatcher, kSupervisor, kAdmin}},
  };
  return *table;
}

absl::Status MayCall(absl::string_view method, v1::Role role) {
  const std::vector<MethodAccess>& table = AccessTable();
  auto row = std::find_if(table.begin(), table.end(),
                          [method](const MethodAccess& m) { return m.method == method; });
  if (row == table.end()) {
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
