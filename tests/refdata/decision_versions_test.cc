// Issue 22 item 3: the version in force is recorded where a decision used it.
// Reference data versioned in a real redis-server (loaded as hotline-admin
// does), followed by the live sources the services use; the decisions made
// in-process by the real cores: dispatch's automatic dispatch (catalogue and
// directory versions on its history entry) and the SLA monitor's deadline
// record (the policies version). Each is read back after a new version is
// loaded: new decisions carry it, recorded ones keep theirs.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "admin/refdata.h"
#include "calendar/calendar_source.h"
#include "dispatch/dispatcher.h"
#include "dispatch/reference_data.h"
#include "orders/order_record.h"
#include "refdata/kinds.h"
#include "refdata/live.h"
#include "refdata/ref_store.h"
#include "sla/fake_deadline_store.h"
#include "sla/monitor.h"
#include "sla/reference_data.h"
#include "support/fake_order_store.h"
#include "support/redis_server.h"
#include "support/temp_dir.h"

namespace hotline::refdata {
namespace {

using testing::RedisServer;
using testing::TempDir;

const std::string kData = HOTLINE_SOURCE_DIR "/data";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

google::protobuf::Timestamp Stamp(absl::Time t) { return orders::FromMillis(absl::ToUnixMillis(t)); }

struct World {
  RedisServer server;
  redis::Client redis{redis::Options{.port = server.port(), .connections = 2}};
  RefStore store{redis};
  TempDir dir{"decision_versions"};
  LiveOptions options{.data_dir = kData};

  // `text` loaded as the next version of `kind`; returns that version.
  int64_t Load(const std::string& kind, const std::string& text) {
    const std::string path = dir.path() + "/" + kind + ".textproto";
    std::ofstream(path) << text;
    absl::StatusOr<admin::RefLoadResult> r = admin::LoadReferenceData(store, kind, path, "alice", absl::Now(), kData);
    INFO((r.ok() ? "" : r.status().ToString()));
    REQUIRE(r.ok());
    return r->record.version;
  }
};

const v1::HistoryEntry* Find(const v1::WorkOrder& o, const std::string& action) {
  for (const v1::HistoryEntry& e : o.history()) {
    if (e.action() == action) return &e;
  }
  return nullptr;
}

struct Dispatch {
  testing::FakeOrderStore orders;
  FakeClock clock{absl::FromCivil(absl::CivilSecond(2026, 11, 30, 10, 0, 0), CityTimeZone())};
  std::unique_ptr<Live<dispatch::DispatchReferenceData>> live;
  std::unique_ptr<PartSource<directory::Directory, dispatch::DispatchReferenceData>> directory;
  std::unique_ptr<PartSource<dispatch::Catalogue, dispatch::DispatchReferenceData>> catalogue;
  std::unique_ptr<dispatch::Dispatcher> dispatcher;

  explicit Dispatch(World& w) {
    absl::StatusOr<std::unique_ptr<Live<dispatch::DispatchReferenceData>>> made =
        dispatch::MakeLiveDispatchReferenceData(w.store, w.options);
    REQUIRE(made.ok());
    live = std::move(*made);
    directory = std::make_unique<PartSource<directory::Directory, dispatch::DispatchReferenceData>>(
        *live, &dispatch::DispatchReferenceData::directory);
    catalogue = std::make_unique<PartSource<dispatch::Catalogue, dispatch::DispatchReferenceData>>(
        *live, &dispatch::DispatchReferenceData::catalogue);
    dispatcher = std::make_unique<dispatch::Dispatcher>(orders, *directory, *catalogue, clock);
  }

  // A construction-noise complaint in 天河区, as intake stores it, then
  // dispatched automatically; the order with its history.
  v1::WorkOrder AutoDispatched() {
    orders::NewOrder n;
    n.order.set_version(1);
    n.order.set_type(v1::ORDER_TYPE_COMPLAINT);
    n.order.set_state(v1::ORDER_STATE_CREATED);
    n.order.set_category_code("010101");
    n.order.mutable_location()->set_district_code("440106");
    *n.order.mutable_created_at() = Stamp(clock.Now());
    n.first_entry.set_seq(1);
    n.first_entry.set_action("create");
    std::string id;
    orders.Create(std::move(n), [&](absl::StatusOr<orders::CreateResult> r) { id = r->order.id(); });
    REQUIRE(!id.empty());
    absl::StatusOr<dispatch::Dispatcher::AutoDispatchResult> result = absl::InternalError("no answer");
    dispatcher->AutoDispatch(id, [&](auto r) { result = std::move(r); });
    INFO((result.ok() ? "" : result.status().ToString()));
    REQUIRE(result.ok());
    REQUIRE(result->routed);
    return Read(id);
  }
  v1::WorkOrder Read(const std::string& id) {
    absl::StatusOr<v1::WorkOrder> o = absl::InternalError("no answer");
    orders.GetPage(id, orders::HistoryWindow{0, 100}, [&](absl::StatusOr<v1::WorkOrder> r) { o = std::move(r); });
    REQUIRE(o.ok());
    return *o;
  }
};

TEST_CASE("an automatic dispatch records the catalogue and directory versions it was routed with") {
  World w;
  Dispatch d(w);
  const v1::WorkOrder first = d.AutoDispatched();
  const v1::HistoryEntry* e1 = Find(first, "dispatch");
  REQUIRE(e1 != nullptr);
  CHECK(first.assigned_unit_code() == "440106");
  CHECK(e1->reference_versions().catalogue() == 1);  // the seed
  CHECK(e1->reference_versions().units() == 1);
  CHECK(e1->reference_versions().categories() == 1);
  CHECK(e1->note().find("catalogue v1") != std::string::npos);

  // Catalogue v2 sends construction noise to the ecology bureau; units v2
  // adds a street.
  const std::string old_rule =
      "  category_prefix: \"0101\"  # 建筑施工噪声\n  district_of_order: true\n";
  const std::string catalogue = ReadFile(kData + "/dispatch_catalogue.textproto");
  REQUIRE(catalogue.find(old_rule) != std::string::npos);
  CHECK(w.Load(kCatalogue, absl::StrReplaceAll(catalogue, {{old_rule, "  category_prefix: \"0101\"\n  unit_code: \"GZD002\"\n"}})) == 2);
  CHECK(w.Load(kUnits, ReadFile(kData + "/units.textproto") +
                           "units {\n  code: \"440106999\"\n  name: \"测试街道\"\n  kind: UNIT_KIND_STREET\n"
                           "  parent_code: \"440106\"\n}\n") == 2);
  REQUIRE(d.live->Poll());

  const v1::WorkOrder second = d.AutoDispatched();
  const v1::HistoryEntry* e2 = Find(second, "dispatch");
  REQUIRE(e2 != nullptr);
  CHECK(second.assigned_unit_code() == "GZD002");
  CHECK(second.dispatch_rule() == "0101");
  CHECK(e2->reference_versions().catalogue() == 2);
  CHECK(e2->reference_versions().units() == 2);
  CHECK(e2->reference_versions().categories() == 1);
  // What was recorded stays as it was decided.
  CHECK(Find(d.Read(first.id()), "dispatch")->reference_versions().catalogue() == 1);

  // A dispatch by a person records the directory, not a catalogue.
  orders::NewOrder n;
  n.order.set_version(1);
  n.order.set_type(v1::ORDER_TYPE_COMPLAINT);
  n.order.set_state(v1::ORDER_STATE_CREATED);
  n.order.set_category_code("010101");
  n.order.mutable_location()->set_district_code("440106");
  *n.order.mutable_created_at() = Stamp(d.clock.Now());
  n.first_entry.set_seq(1);
  n.first_entry.set_action("create");
  std::string id;
  d.orders.Create(std::move(n), [&](absl::StatusOr<orders::CreateResult> r) { id = r->order.id(); });
  v1::Actor dispatcher;
  dispatcher.set_user_id("dispatcher-1");
  dispatcher.set_role(v1::ROLE_DISPATCHER);
  dispatcher.set_unit_code(CityCentreCode());
  v1::ActRequest act;
  act.set_order_id(id);
  act.set_action(v1::ACTION_DISPATCH);
  act.set_unit_code("440106");
  absl::StatusOr<v1::ActResponse> acted = absl::InternalError("no answer");
  d.dispatcher->Act(dispatcher, act, [&](absl::StatusOr<v1::ActResponse> r) { acted = std::move(r); });
  INFO((acted.ok() ? "" : acted.status().ToString()));
  REQUIRE(acted.ok());
  const v1::WorkOrder manually = d.Read(id);
  const v1::HistoryEntry* manual = Find(manually, "dispatch");
  REQUIRE(manual != nullptr);
  CHECK(manual->reference_versions().units() == 2);
  CHECK(manual->reference_versions().catalogue() == 0);
}

TEST_CASE("a deadline record carries the policies version it was computed under") {
  World w;
  absl::StatusOr<std::unique_ptr<Live<sla::SlaReferenceData>>> live = sla::MakeLiveSlaReferenceData(w.store, w.options);
  REQUIRE(live.ok());
  PartSource<directory::Directory, sla::SlaReferenceData> directory(**live, &sla::SlaReferenceData::directory);
  PartSource<sla::Policies, sla::SlaReferenceData> policies(**live, &sla::SlaReferenceData::policies);
  sla::FakeDeadlineStore store;
  absl::StatusOr<calendar::WorkingCalendar> cal = calendar::WorkingCalendar::LoadDir(kData + "/calendar");
  REQUIRE(cal.ok());
  calendar::FixedCalendarSource calendar(std::move(*cal));
  FakeClock clock{absl::FromCivil(absl::CivilSecond(2026, 3, 2, 10, 0, 0), CityTimeZone())};
  sla::Monitor monitor(store, policies, calendar, clock, directory);

  auto taken = [&](const std::string& id) {
    v1::WorkOrder o;
    o.set_id(id);
    o.set_version(1);
    o.set_type(v1::ORDER_TYPE_COMPLAINT);
    o.set_category_code("0101");
    o.set_state(v1::ORDER_STATE_CREATED);
    *o.mutable_created_at() = Stamp(clock.Now());
    v1::HistoryEntry* e = o.add_history();
    e->set_seq(1);
    *e->mutable_at() = Stamp(clock.Now());
    e->set_action("create");
    e->set_to_state(v1::ORDER_STATE_CREATED);
    store.Put(o);
    REQUIRE(monitor.Settle(id).ok());
    const v1::WorkOrder stored = store.Order(id);
    const v1::HistoryEntry* record = Find(stored, "sla_deadline");
    REQUIRE(record != nullptr);
    return record->sla_record();
  };
  const v1::SlaRecord first = taken(CityOrderPrefix() + "20260302000001");
  CHECK(first.policies_ref_version() == 1);
  CHECK(first.policy_version() == (*live)->Current()->policies.version());

  const std::string text = ReadFile(kData + "/sla_policies.textproto");
  const std::string changed = absl::StrReplaceAll(text, {{"warnings { percent_used: 50 }", "warnings { percent_used: 60 }"}});
  REQUIRE(changed != text);
  CHECK(w.Load(kPolicies, changed) == 2);
  REQUIRE((*live)->Poll());

  const v1::SlaRecord second = taken(CityOrderPrefix() + "20260302000002");
  CHECK(second.policies_ref_version() == 2);
  CHECK(second.policy_version() != first.policy_version());

  // The first order, dispatched now, keeps the policies it was taken under:
  // its next record names them, with their version.
  clock.Advance(absl::Hours(1));
  store.Transition(CityOrderPrefix() + "20260302000001", clock.Now(), "dispatch", v1::ORDER_STATE_DISPATCHED,
                   "440106");
  REQUIRE(monitor.Settle(CityOrderPrefix() + "20260302000001").ok());
  int records = 0;
  const v1::WorkOrder dispatched = store.Order(CityOrderPrefix() + "20260302000001");
  for (const v1::HistoryEntry& e : dispatched.history()) {
    if (e.action() != "sla_deadline") continue;
    ++records;
    CHECK(e.sla_record().policy_version() == first.policy_version());
    CHECK(e.sla_record().policies_ref_version() == 1);
  }
  CHECK(records == 2);
}

}  // namespace
}  // namespace hotline::refdata
