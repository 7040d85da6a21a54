// The guardian alone (issue 21 item 6): Guardian against the in-memory order
// store, a fake guarded store, a fake access log and a FakeClock. Which roles
// may call it is the gateway's table; here, what it reveals or answers, what
// it logs first, and that nothing goes out that could not be logged.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "audit/audit_log.h"
#include "intake/guardian.h"
#include "intake/intake.h"
#include "orders/order_record.h"
#include "orders/trail.h"
#include "support/fake_order_store.h"

#include "core_fixtures.h"

namespace hotline::intake {
namespace {

const v1::Actor kDispatcher = Person("disp-1", v1::ROLE_DISPATCHER, "GZ12345");
const v1::Actor kHandler = Person("handler-tianhe", v1::ROLE_UNIT_HANDLER, "440106");

// The access log: keeps what is appended, or fails every append.
struct FakeAudit final : audit::AuditWriter {
  std::vector<v1::AuditEntry> entries;
  absl::Status failure = absl::OkStatus();
  int attempts = 0;
  void Append(const v1::AuditEntry& entry,
              absl::AnyInvocable<void(absl::StatusOr<std::string>)> done) override {
    ++attempts;
    if (!failure.ok()) return done(failure);
    entries.push_back(entry);
    entries.back().set_id(absl::StrCat(1700000000000 + entries.size(), "-0"));
    done(entries.back().id());
  }
};

// Sealed phones and trails by order id; ids in idx:all's order.
struct FakeGuarded final : orders::GuardedStore {
  std::map<std::string, orders::StoredPhone> phones;
  std::map<std::string, orders::StoredTrail> trails;
  std::vector<std::string> ids;
  absl::Status trail_failure = absl::OkStatus();
  int phone_reads = 0, trail_reads = 0;

  void LoadPhone(std::string id, orders::Done<orders::StoredPhone> done) override {
    ++phone_reads;
    auto it = phones.find(id);
    if (it == phones.end()) return done(absl::NotFoundError(absl::StrCat("order ", id, " not found")));
    done(it->second);
  }
  void LoadTrail(std::string id, absl::Time, orders::Done<orders::StoredTrail> done) override {
    ++trail_reads;
    if (!trail_failure.ok()) return done(trail_failure);
    auto it = trails.find(id);
    if (it == trails.end()) return done(absl::NotFoundError(absl::StrCat("order ", id, " not found")));
    done(it->second);
  }
  void ListOrderIds(int64_t offset, int count,
                    orders::Done<std::vector<std::string>> done) override {
    std::vector<std::string> page;
    for (int64_t i = offset; i < offset + count && i < static_cast<int64_t>(ids.size()); ++i) {
      page.push_back(ids[static_cast<size_t>(i)]);
    }
    done(std::move(page));
  }
};

struct Observed final : GuardianObserver {
  std::vector<absl::StatusCode> revealed, looked_up;
  int verified = 0;
  void Revealed(absl::StatusCode code) override { revealed.push_back(code); }
  void LookedUp(absl::StatusCode code) override { looked_up.push_back(code); }
  void Verified(const v1::TrailVerdict&) override { ++verified; }
};

struct NoIntakeMetrics final : IntakeObserver {
  void OrderCreated(const v1::WorkOrder&, bool) override {}
  void Rejected(const std::string&) override {}
};

// A trail of `n` entries as the store's scripts chain them.
orders::StoredTrail ChainedTrail(const std::string& id, int n) {
  orders::StoredTrail t;
  t.order_id = id;
  std::string prev = orders::TrailGenesis(id);
  for (int i = 1; i <= n; ++i) {
    const std::string content = absl::StrCat("{\"seq\":\"", i, "\",\"action\":\"urge\"}");
    const std::string hash = orders::Sha1Hex(absl::StrCat(prev, "\n", content));
    t.entries.push_back(absl::StrCat(content.substr(0, content.size() - 1), ",\"prev_hash\":\"",
                                     prev, "\",\"hash\":\"", hash, "\"}"));
    prev = hash;
  }
  t.head = prev;
  return t;
}

struct Fixture {
  testing::FakeOrderStore store;
  FakeGuarded guarded;
  FakeAudit audit;
  FakeClock clock{absl::FromCivil(absl::CivilSecond(2026, 12, 7, 9, 30, 0), CityTimeZone())};
  Observed observed;
  NoIntakeMetrics intake_metrics;
  Intake intake{store, Demo(), clock, intake_metrics, Vault()};
  Guardian guardian{store, guarded, audit, Vault(), clock, observed};

  // An order taken by intake (its number's hash indexed), its number sealed
  // to it in the guarded store.
  std::string Order(const std::string& phone, bool confidential = false) {
    v1::CreateWorkOrderRequest r;
    r.set_type(v1::ORDER_TYPE_COMPLAINT);
    r.set_channel(v1::CHANNEL_PHONE);
    r.mutable_caller()->set_name("张先生");
    r.mutable_caller()->set_phone(phone);
    r.mutable_caller()->set_confidential(confidential);
    r.mutable_location()->set_district_code("440106");
    r.mutable_location()->set_address("某小区3栋");
    r.set_category_code("0101");
    r.set_content("夜间工地施工噪声扰民，凌晨两点仍在打桩，请尽快处理。");
    std::string id;
    intake.Create(kAgent, r, [&](absl::StatusOr<v1::CreateWorkOrderResponse> a) {
      REQUIRE(a.ok());
      id = a->order().id();
    });
    guarded.phones[id].sealed = *Vault().Seal(phone, id);
    return id;
  }

  absl::StatusOr<v1::RevealCallerPhoneResponse> Reveal(const std::optional<v1::Actor>& actor,
                                                       const std::string& id,
                                                       const std::string& reason = "回访核实") {
    v1::RevealCallerPhoneRequest r;
    r.set_order_id(id);
    r.set_reason(reason);
    absl::StatusOr<v1::RevealCallerPhoneResponse> out = absl::InternalError("no answer");
    guardian.Reveal(actor, r, [&](absl::StatusOr<v1::RevealCallerPhoneResponse> a) { out = std::move(a); });
    return out;
  }
  absl::StatusOr<v1::FindOrdersByPhoneResponse> Find(const std::optional<v1::Actor>& actor,
                                                     const std::string& phone) {
    v1::FindOrdersByPhoneRequest r;
    r.set_phone(phone);
    absl::StatusOr<v1::FindOrdersByPhoneResponse> out = absl::InternalError("no answer");
    guardian.FindByPhone(actor, r, [&](absl::StatusOr<v1::FindOrdersByPhoneResponse> a) { out = std::move(a); });
    return out;
  }
  absl::StatusOr<v1::VerifyOrderTrailResponse> Verify(const v1::VerifyOrderTrailRequest& r) {
    absl::StatusOr<v1::VerifyOrderTrailResponse> out = absl::InternalError("no answer");
    guardian.Verify(kAgent, r, [&](absl::StatusOr<v1::VerifyOrderTrailResponse> a) { out = std::move(a); });
    return out;
  }
};

v1::VerifyOrderTrailRequest One(const std::string& id) {
  v1::VerifyOrderTrailRequest r;
  r.set_order_id(id);
  return r;
}
v1::VerifyOrderTrailRequest All() {
  v1::VerifyOrderTrailRequest r;
  r.set_all(true);
  return r;
}

}  // namespace

TEST_CASE("a reveal answers the number once its one access entry is written: who, which order, why, when",
          "[guardian]") {
  Fixture f;
  const std::string id = f.Order("13812345678");
  absl::StatusOr<v1::RevealCallerPhoneResponse> r = f.Reveal(kDispatcher, id, "回访核实");
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(r->order_id() == id);
  CHECK(r->phone() == "13812345678");
  REQUIRE(f.audit.entries.size() == 1);
  const v1::AuditEntry& e = f.audit.entries[0];
  CHECK(r->audit_id() == e.id());
  CHECK(e.action() == v1::AUDIT_ACTION_REVEAL_PHONE);
  CHECK(e.actor().user_id() == "disp-1");
  CHECK(e.actor().role() == v1::ROLE_DISPATCHER);
  CHECK(e.order_id() == id);
  CHECK(e.order_ids_size() == 0);
  CHECK(e.reason() == "回访核实");
  CHECK(orders::ToMillis(e.at()) == absl::ToUnixMillis(f.clock.Now()));
  CHECK_FALSE(absl::StrContains(e.SerializeAsString(), "13812345678"));
  CHECK(f.observed.revealed == std::vector<absl::StatusCode>{absl::StatusCode::kOk});
}

TEST_CASE("a reveal whose access entry cannot be written reveals nothing", "[guardian]") {
  Fixture f;
  const std::string id = f.Order("13812345678");
  f.audit.failure = absl::UnavailableError("redis: connection refused");
  absl::StatusOr<v1::RevealCallerPhoneResponse> r = f.Reveal(kDispatcher, id);
  REQUIRE(absl::IsUnavailable(r.status()));
  CHECK(absl::StrContains(r.status().message(), "access log"));
  CHECK_FALSE(absl::StrContains(r.status().message(), "13812345678"));
  CHECK(f.audit.attempts == 1);
  CHECK(f.observed.revealed == std::vector<absl::StatusCode>{absl::StatusCode::kUnavailable});
}

TEST_CASE("a reveal without identity, order number or reason is refused before anything is read or logged",
          "[guardian]") {
  Fixture f;
  const std::string id = f.Order("13812345678");
  CHECK(absl::IsUnauthenticated(f.Reveal(std::nullopt, id).status()));
  absl::StatusOr<v1::RevealCallerPhoneResponse> bad_id = f.Reveal(kDispatcher, "not-an-order");
  CHECK(absl::IsInvalidArgument(bad_id.status()));
  CHECK(absl::StartsWith(bad_id.status().message(), "order_id"));
  absl::StatusOr<v1::RevealCallerPhoneResponse> no_reason = f.Reveal(kDispatcher, id, "");
  CHECK(absl::StartsWith(no_reason.status().message(), "reason"));
  absl::StatusOr<v1::RevealCallerPhoneResponse> long_reason =
      f.Reveal(kDispatcher, id, std::string(201, 'x'));
  CHECK(absl::IsInvalidArgument(long_reason.status()));
  CHECK(absl::StartsWith(long_reason.status().message(), "reason"));
  CHECK(f.guarded.phone_reads == 0);
  CHECK(f.audit.attempts == 0);
  CHECK(f.observed.revealed.size() == 4);
}

TEST_CASE("a reveal of a missing order, of one without a number or of a number sealed to another order logs nothing",
          "[guardian]") {
  Fixture f;
  const std::string id = f.Order("13812345678");
  const std::string other = f.Order("13900001111");
  const std::string missing = id.substr(0, id.size() - 6) + "999999";
  CHECK(absl::IsNotFound(f.Reveal(kDispatcher, missing).status()));
  f.guarded.phones[other] = {};
  CHECK(absl::IsFailedPrecondition(f.Reveal(kDispatcher, other).status()));
  // A sealed value copied onto another order does not open there.
  f.guarded.phones[other] = f.guarded.phones[id];
  absl::StatusOr<v1::RevealCallerPhoneResponse> moved = f.Reveal(kDispatcher, other);
  CHECK_FALSE(moved.ok());
  CHECK(f.audit.attempts == 0);
  // A number stored before sealing is revealed as stored, logged the same.
  f.guarded.phones[other] = {"", "13900001111"};
  absl::StatusOr<v1::RevealCallerPhoneResponse> legacy = f.Reveal(kDispatcher, other);
  REQUIRE(legacy.ok());
  CHECK(legacy->phone() == "13900001111");
  REQUIRE(f.audit.entries.size() == 1);
  CHECK(f.audit.entries[0].order_id() == other);
}

TEST_CASE("a lookup by number answers that caller's orders masked and logs one entry naming them, with the number's hash only",
          "[guardian]") {
  Fixture f;
  const std::string first = f.Order("13812345678");
  const std::string second = f.Order("13812345678");
  f.Order("13900001111");
  absl::StatusOr<v1::FindOrdersByPhoneResponse> r = f.Find(kAgent, "138 1234 5678");
  INFO(r.status().message());
  REQUIRE(r.ok());
  REQUIRE(r->orders_size() == 2);
  std::vector<std::string> found;
  for (const v1::WorkOrder& o : r->orders()) {
    found.push_back(o.id());
    CHECK(o.caller().phone().empty());
    CHECK(o.caller().phone_masked() == "138****5678");
  }
  REQUIRE(f.audit.entries.size() == 1);
  const v1::AuditEntry& e = f.audit.entries[0];
  CHECK(e.action() == v1::AUDIT_ACTION_LOOKUP_BY_PHONE);
  CHECK(e.actor().user_id() == "agent-1");
  CHECK(e.phone_hash() == Vault().LookupHash("13812345678"));
  CHECK(std::vector<std::string>(e.order_ids().begin(), e.order_ids().end()) == found);
  CHECK((found == std::vector<std::string>{second, first}));
  CHECK_FALSE(absl::StrContains(e.SerializeAsString(), "13812345678"));
  CHECK(f.observed.looked_up == std::vector<absl::StatusCode>{absl::StatusCode::kOk});

  // A search that finds nothing is still a search for that number: logged.
  REQUIRE(f.Find(kAgent, "13700000000").ok());
  REQUIRE(f.audit.entries.size() == 2);
  CHECK(f.audit.entries[1].order_ids_size() == 0);
  CHECK(f.audit.entries[1].phone_hash() == Vault().LookupHash("13700000000"));
}

TEST_CASE("a lookup hides a confidential caller from a unit, not from the centre", "[guardian]") {
  Fixture f;
  f.Order("13812345678", /*confidential=*/true);
  absl::StatusOr<v1::FindOrdersByPhoneResponse> unit = f.Find(kHandler, "13812345678");
  REQUIRE(unit.ok());
  REQUIRE(unit->orders_size() == 1);
  CHECK(unit->orders(0).caller().name() != "张先生");
  CHECK(unit->orders(0).caller().phone_masked() != "138****5678");
  absl::StatusOr<v1::FindOrdersByPhoneResponse> centre = f.Find(kDispatcher, "13812345678");
  REQUIRE(centre.ok());
  CHECK(centre->orders(0).caller().name() == "张先生");
  CHECK(centre->orders(0).caller().phone_masked() == "138****5678");
  CHECK(f.audit.entries.size() == 2);
}

TEST_CASE("a lookup whose access entry cannot be written answers no order, and a bad number is refused unlogged",
          "[guardian]") {
  Fixture f;
  f.Order("13812345678");
  f.audit.failure = absl::UnavailableError("redis: connection refused");
  absl::StatusOr<v1::FindOrdersByPhoneResponse> r = f.Find(kAgent, "13812345678");
  REQUIRE(absl::IsUnavailable(r.status()));
  CHECK(absl::StrContains(r.status().message(), "access log"));
  CHECK(f.audit.attempts == 1);

  f.audit.failure = absl::OkStatus();
  CHECK(absl::IsUnauthenticated(f.Find(std::nullopt, "13812345678").status()));
  absl::StatusOr<v1::FindOrdersByPhoneResponse> bad = f.Find(kAgent, "12345");
  CHECK(absl::IsInvalidArgument(bad.status()));
  CHECK(absl::StartsWith(bad.status().message(), "phone"));
  CHECK(f.audit.attempts == 1);
  CHECK(f.observed.looked_up ==
        std::vector<absl::StatusCode>{absl::StatusCode::kUnavailable,
                                      absl::StatusCode::kUnauthenticated,
                                      absl::StatusCode::kInvalidArgument});
}

TEST_CASE("verifying one trail names an altered entry, and a whole-city check counts and lists only the broken",
          "[guardian]") {
  Fixture f;
  std::vector<std::string> ids;
  for (int i = 0; i < 205; ++i) {  // more than one batch of 200
    const std::string id = absl::StrCat("GZ20261207", 100000 + i);
    f.guarded.ids.push_back(id);
    f.guarded.trails[id] = ChainedTrail(id, 3);
    ids.push_back(id);
  }
  orders::StoredTrail& altered = f.guarded.trails[ids[201]];
  altered.entries[1][altered.entries[1].find("urge")] = 'U';
  f.guarded.ids.push_back("GZ20261207999999");  // deleted since it was listed: skipped

  absl::StatusOr<v1::VerifyOrderTrailResponse> one = f.Verify(One(ids[0]));
  REQUIRE(one.ok());
  REQUIRE(one->verdicts_size() == 1);
  CHECK(one->verdicts(0).intact());
  CHECK(one->orders_broken() == 0);

  absl::StatusOr<v1::VerifyOrderTrailResponse> bad = f.Verify(One(ids[201]));
  REQUIRE(bad.ok());
  CHECK_FALSE(bad->verdicts(0).intact());
  CHECK(bad->verdicts(0).problem() == v1::TRAIL_PROBLEM_ALTERED);
  CHECK(bad->verdicts(0).entry() == 2);
  CHECK(bad->orders_broken() == 1);

  absl::StatusOr<v1::VerifyOrderTrailResponse> all = f.Verify(All());
  INFO(all.status().message());
  REQUIRE(all.ok());
  CHECK(all->orders_checked() == 205);
  CHECK(all->orders_broken() == 1);
  REQUIRE(all->verdicts_size() == 1);
  CHECK(all->verdicts(0).order_id() == ids[201]);
  CHECK(f.observed.verified == 2 + 205);
  CHECK(f.audit.attempts == 0);  // a check reads no one's personal data
}

TEST_CASE("a trail check takes one order or all, and a storage failure fails the whole-city check",
          "[guardian]") {
  Fixture f;
  v1::VerifyOrderTrailRequest both = One("GZ20261207000001");
  both.set_all(true);
  CHECK(absl::IsInvalidArgument(f.Verify(both).status()));
  CHECK(absl::IsInvalidArgument(f.Verify(v1::VerifyOrderTrailRequest()).status()));
  CHECK(absl::StartsWith(f.Verify(One("nope")).status().message(), "order_id"));
  CHECK(f.guarded.trail_reads == 0);
  CHECK(absl::IsNotFound(f.Verify(One("GZ20261207000001")).status()));

  f.guarded.ids = {"GZ20261207000001"};
  f.guarded.trails["GZ20261207000001"] = ChainedTrail("GZ20261207000001", 2);
  f.guarded.trail_failure = absl::UnavailableError("redis: connection refused");
  CHECK(absl::IsUnavailable(f.Verify(All()).status()));
}

}  // namespace hotline::intake
