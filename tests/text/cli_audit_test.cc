// `hotline audit`: the request from flags and the table of access entries.
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "tools/hotline/commands.h"
#include "support/cli_harness.h"

namespace hotline::cli {
namespace {

TEST_CASE("audit lists one order's entries or all, paged", "[cli][audit]") {
  absl::StatusOr<v1::ListAuditEntriesRequest> one =
      BuildAuditRequest(testing::ParsedOrFail({"audit", "--order", "GZ20261201000001", "--limit", "5"}));
  REQUIRE(one.ok());
  CHECK(one->order_id() == "GZ20261201000001");
  CHECK(one->page_size() == 5);
  absl::StatusOr<v1::ListAuditEntriesRequest> all = BuildAuditRequest(testing::ParsedOrFail({"audit"}));
  REQUIRE(all.ok());
  CHECK(all->order_id().empty());
  CHECK(absl::StartsWith(BuildAuditRequest(testing::ParsedOrFail({"audit", "--limit", "x"})).status().message(),
                         "--limit: "));
}

TEST_CASE("audit prints who read which orders, newest first as given", "[cli][audit]") {
  v1::ListAuditEntriesResponse response;
  CHECK(FormatAuditEntries(response) == "no access entries\n");
  v1::AuditEntry* read = response.add_entries();
  read->mutable_at()->set_seconds(1764547200);  // 2025-12-01 08:00 +08:00
  read->mutable_actor()->set_user_id("handler-1");
  read->mutable_actor()->set_role(v1::ROLE_UNIT_HANDLER);
  read->mutable_actor()->set_unit_code("440106");
  read->set_action(v1::AUDIT_ACTION_READ_ORDER);
  read->set_order_id("GZ20251201000001");
  v1::AuditEntry* page = response.add_entries();
  page->set_action(v1::AUDIT_ACTION_LIST_ORDERS);
  page->add_order_ids("GZ20251201000002");
  page->add_order_ids("GZ20251201000003");
  v1::AuditEntry* lookup = response.add_entries();
  lookup->set_action(v1::AUDIT_ACTION_LOOKUP_BY_PHONE);
  lookup->set_phone_hash("5d41402abc4b2a76b9719d911017c592");
  response.set_next_page_token("1-0");
  const std::string out = FormatAuditEntries(response);
  CHECK(absl::StrContains(out, "2025-12-01 08:00:00"));
  CHECK(absl::StrContains(out, "handler-1"));
  CHECK(absl::StrContains(out, "unit_handler"));
  CHECK(absl::StrContains(out, "read_order"));
  CHECK(absl::StrContains(out, "list_orders"));
  CHECK(absl::StrContains(out, "GZ20251201000002 GZ20251201000003"));
  CHECK(absl::StrContains(out, "lookup_by_phone"));
  CHECK(absl::StrContains(out, "phone hash 5d41402abc4b2a76b9719d911017c592"));
  CHECK(absl::StrContains(out, "next page: --page-token 1-0"));
}

}  // namespace
}  // namespace hotline::cli
