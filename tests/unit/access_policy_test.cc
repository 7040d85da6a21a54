// The gateway's table of who may call what (services/gateway/access_policy.h).
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "gateway/access_policy.h"
#include "hotline/v1/gateway.grpc.pb.h"
#include "hotline/v1/gateway.pb.h"

namespace hotline::gateway {
namespace {

TEST_CASE("every method of hotline.v1.Hotline has exactly one row, and every row a method") {
  // The service as compiled in (gateway.pb.cc registers it).
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          v1::Hotline::service_full_name());
  REQUIRE(service != nullptr);
  std::set<std::string> rows;
  for (const MethodAccess& row : AccessTable()) {
    INFO("row " << row.method);
    CHECK(rows.insert(std::string(row.method)).second);  // no duplicates
    CHECK(service->FindMethodByName(std::string(row.method)) != nullptr);
    CHECK_FALSE(row.roles.empty());
    for (v1::Role role : row.roles) CHECK(role != v1::ROLE_UNSPECIFIED);
    // The wall screen's identity is the gateway's own, for scoring's
    // GetScreen only: no method of the public API takes it.
    CHECK(absl::IsPermissionDenied(MayCall(row.method, v1::ROLE_SCREEN)));
  }
  for (int i = 0; i < service->method_count(); ++i) {
    INFO("method " << service->method(i)->name() << " needs a row in access_policy.cc");
    CHECK(rows.count(service->method(i)->name()) == 1);
  }
}

TEST_CASE("a method without a row is refused to everyone, the administrator included") {
  for (int r = v1::Role_MIN; r <= v1::Role_MAX; ++r) {
    absl::Status s = MayCall("DropAllOrders", static_cast<v1::Role>(r));
    CHECK(absl::IsPermissionDenied(s));
    CHECK(s.message() == "DropAllOrders has no entry in the gateway's access table; refused");
  }
}

TEST_CASE("the roles' rights, as the README's table states them") {
  // Call takers create; unit handlers and auditors do not.
  CHECK(MayCall("CreateWorkOrder", v1::ROLE_AGENT).ok());
  CHECK(absl::IsPermissionDenied(MayCall("CreateWorkOrder", v1::ROLE_UNIT_HANDLER)));
  CHECK(absl::IsPermissionDenied(MayCall("CreateWorkOrder", v1::ROLE_AUDITOR)));
  // Handlers read (their units' orders: scoping is the backends').
  CHECK(MayCall("GetWorkOrder", v1::ROLE_UNIT_HANDLER).ok());
  CHECK(MayCall("ListQueue", v1::ROLE_UNIT_HANDLER).ok());
  // Auditors read the access log and nothing of the orders themselves.
  CHECK(MayCall("ListAuditEntries", v1::ROLE_AUDITOR).ok());
  CHECK(MayCall("ListAuditEntries", v1::ROLE_ADMIN).ok());
  for (const char* m : {"GetWorkOrder", "ListWorkOrders", "Act", "ListQueue", "GetOrderSla"}) {
    INFO(m);
    CHECK(absl::IsPermissionDenied(MayCall(m, v1::ROLE_AUDITOR)));
  }
  for (v1::Role r : {v1::ROLE_AGENT, v1::ROLE_DISPATCHER, v1::ROLE_SUPERVISOR,
                     v1::ROLE_UNIT_HANDLER, v1::ROLE_KNOWLEDGE_EDITOR}) {
    CHECK(absl::IsPermissionDenied(MayCall("ListAuditEntries", r)));
  }
  // Knowledge editors write knowledge, not orders.
  CHECK(MayCall("PublishKnowledgePoint", v1::ROLE_KNOWLEDGE_EDITOR).ok());
  CHECK(absl::IsPermissionDenied(MayCall("Act", v1::ROLE_KNOWLEDGE_EDITOR)));
  CHECK(absl::IsPermissionDenied(MayCall("GetWorkOrder", v1::ROLE_KNOWLEDGE_EDITOR)));
  // Only units ask for extensions; only the centre decides them.
  CHECK(MayCall("RequestExtension", v1::ROLE_UNIT_HANDLER).ok());
  CHECK(absl::IsPermissionDenied(MayCall("RequestExtension", v1::ROLE_DISPATCHER)));
  CHECK(MayCall("DecideExtension", v1::ROLE_DISPATCHER).ok());
  CHECK(absl::IsPermissionDenied(MayCall("DecideExtension", v1::ROLE_UNIT_HANDLER)));
  CHECK(MayCall("WhoAmI", v1::ROLE_AUDITOR).ok());
  CHECK(MayCall("Act", v1::ROLE_UNIT_HANDLER).ok());
  CHECK(absl::IsPermissionDenied(MayCall("Act", v1::ROLE_AGENT)));
  CHECK(MayCall("Act", v1::ROLE_UNIT_HANDLER).message().empty());
  CHECK(MayCall("Act", v1::ROLE_AGENT).message() == "role ROLE_AGENT may not call Act");
}

}  // namespace
}  // namespace hotline::gateway
