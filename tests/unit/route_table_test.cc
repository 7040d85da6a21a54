// The gateway's route table (services/gateway/route_table.h) against the
// compiled service descriptors, and the roles' rights.
#include <catch2/catch.hpp>

#include <google/protobuf/descriptor.h>

#include <set>
#include <string>

#include "gateway/route_table.h"
#include "hotline/v1/gateway.grpc.pb.h"
#include "hotline/v1/gateway.pb.h"

namespace hotline::gateway {
namespace {

const google::protobuf::ServiceDescriptor* Hotline() {
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      v1::Hotline::service_full_name());
}

TEST_CASE("every method of hotline.v1.Hotline has exactly one row, and every row a method") {
  const google::protobuf::ServiceDescriptor* service = Hotline();
  REQUIRE(service != nullptr);
  std::set<std::string> rows;
  for (const Route& row : Routes()) {
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
    INFO("method " << service->method(i)->name() << " needs a row in route_table.cc");
    CHECK(rows.count(service->method(i)->name()) == 1);
  }
  CHECK(rows.size() == static_cast<size_t>(service->method_count()));
}

TEST_CASE("every row's backend serves a method of the same name, types and streaming") {
  const google::protobuf::ServiceDescriptor* service = Hotline();
  REQUIRE(service != nullptr);
  const google::protobuf::DescriptorPool& pool = *google::protobuf::DescriptorPool::generated_pool();
  int local = 0;
  for (const Route& row : Routes()) {
    INFO("row " << row.method << " -> " << row.backend_service);
    const google::protobuf::MethodDescriptor* front = service->FindMethodByName(std::string(row.method));
    REQUIRE(front != nullptr);
    CHECK_FALSE(front->client_streaming());  // the gateway forwards unary and server-streaming calls
    if (row.backend_service.empty()) {
      ++local;
      continue;
    }
    const google::protobuf::ServiceDescriptor* backend =
        pool.FindServiceByName(std::string(row.backend_service));
    REQUIRE(backend != nullptr);
    CHECK(backend->full_name() != service->full_name());
    const google::protobuf::MethodDescriptor* back = backend->FindMethodByName(std::string(row.method));
    REQUIRE(back != nullptr);
    CHECK(back->input_type() == front->input_type());
    CHECK(back->output_type() == front->output_type());
    CHECK(back->server_streaming() == front->server_streaming());
    CHECK(back->client_streaming() == front->client_streaming());
  }
  CHECK(local == 1);  // WhoAmI: the gateway answers from the token
  REQUIRE(FindRoute("WhoAmI") != nullptr);
  CHECK(FindRoute("WhoAmI")->backend_service.empty());
  CHECK(FindRoute("ListUnits")->backend_service == "hotline.v1.Directory");
  CHECK(FindRoute("NoSuchMethod") == nullptr);
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
  // Only units ask for extensions; only the centre decides them (the sla
  // monitor keeps no list of its own since issue 21).
  CHECK(MayCall("RequestExtension", v1::ROLE_UNIT_HANDLER).ok());
  CHECK(absl::IsPermissionDenied(MayCall("RequestExtension", v1::ROLE_DISPATCHER)));
  CHECK(MayCall("DecideExtension", v1::ROLE_DISPATCHER).ok());
  CHECK(absl::IsPermissionDenied(MayCall("DecideExtension", v1::ROLE_UNIT_HANDLER)));
  // The personal-data RPCs (intake's guardian keeps no list of its own).
  CHECK(MayCall("RevealCallerPhone", v1::ROLE_DISPATCHER).ok());
  CHECK(MayCall("RevealCallerPhone", v1::ROLE_SUPERVISOR).ok());
  for (v1::Role r : {v1::ROLE_AGENT, v1::ROLE_UNIT_HANDLER, v1::ROLE_ADMIN, v1::ROLE_AUDITOR,
                     v1::ROLE_KNOWLEDGE_EDITOR}) {
    CHECK(absl::IsPermissionDenied(MayCall("RevealCallerPhone", r)));
  }
  CHECK(MayCall("FindOrdersByPhone", v1::ROLE_AGENT).ok());
  CHECK(absl::IsPermissionDenied(MayCall("FindOrdersByPhone", v1::ROLE_UNIT_HANDLER)));
  CHECK(MayCall("VerifyOrderTrail", v1::ROLE_AUDITOR).ok());
  CHECK(absl::IsPermissionDenied(MayCall("VerifyOrderTrail", v1::ROLE_AGENT)));
  CHECK(MayCall("WhoAmI", v1::ROLE_AUDITOR).ok());
  CHECK(MayCall("Act", v1::ROLE_UNIT_HANDLER).ok());
  CHECK(absl::IsPermissionDenied(MayCall("Act", v1::ROLE_AGENT)));
  CHECK(MayCall("Act", v1::ROLE_UNIT_HANDLER).message().empty());
  CHECK(MayCall("Act", v1::ROLE_AGENT).message() == "role ROLE_AGENT may not call Act");
}

}  // namespace
}  // namespace hotline::gateway
