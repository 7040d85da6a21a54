#pragma once
// A real redis-server and a real PostgreSQL cluster, the real order store,
// dispatch core and intake core (Redis first, then the archive), for the
// archive tier's tests. Orders are created and worked through their whole
// life with the same scripts and state machine as production.
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "archive/archive_store.h"
#include "archive/mover.h"
#include "archive/pg.h"
#include "archive/tiered_order_store.h"
#include "audit/audit_log.h"
#include "clock/clock.h"
#include "crypto/phone_vault.h"
#include "directory/directory.h"
#include "dispatch/catalogue.h"
#include "dispatch/dispatcher.h"
#include "intake/guardian.h"
#include "intake/intake.h"
#include "orders/redis_order_store.h"
#include "redis/client.h"
#include "support/postgres_server.h"
#include "support/redis_server.h"

namespace hotline::testing {

template <typename T, typename F>
absl::StatusOr<T> Wait(F call) {
  auto p = std::make_shared<std::promise<absl::StatusOr<T>>>();
  auto f = p->get_future();
  call([p](absl::StatusOr<T> r) { p->set_value(std::move(r)); });
  return f.get();
}

inline v1::Actor MakeActor(const std::string& user, v1::Role role, const std::string& unit) {
  v1::Actor a;
  a.set_user_id(user);
  a.set_role(role);
  a.set_unit_code(unit);
  return a;
}

struct NoIntakeMetrics : intake::IntakeObserver {
  void OrderCreated(const v1::WorkOrder&, bool) override {}
  void Rejected(const std::string&) override {}
};
struct NoGuardianMetrics : intake::GuardianObserver {
  void Revealed(absl::StatusCode) override {}
  void LookedUp(absl::StatusCode) override {}
  void Verified(const v1::TrailVerdict&) override {}
};

inline directory::Directory LoadDir() {
  auto d = directory::Directory::LoadDataDir(std::string(HOTLINE_SOURCE_DIR) + "/data");
  if (!d.ok()) throw std::runtime_error(d.status().ToString());
  return std::move(*d);
}

inline dispatch::Catalogue LoadCatalogue(const directory::Directory& dir) {
  auto c = dispatch::Catalogue::Load(std::string(HOTLINE_SOURCE_DIR) + "/data/dispatch_catalogue.textproto", dir);
  if (!c.ok()) throw std::runtime_error(c.status().ToString());
  return std::move(*c);
}

inline crypto::PhoneVault MakeVault() {
  auto v = crypto::PhoneVault::Parse(crypto::PhoneVault::GenerateKeyFile("k1"), "test keys");
  if (!v.ok()) throw std::runtime_error(v.status().ToString());
  return std::move(*v);
}

class ArchiveFixture {
 public:
  explicit ArchiveFixture(const Clock& clock)
      : clock_(clock),
        client(redis::Options{.host = "127.0.0.1", .port = redis_server.port(), .connections = 8}),
        store(client),
        dir(LoadDir()),
        catalogue(LoadCatalogue(dir)),
        vault(MakeVault()),
        pool(pg_server.conninfo(), 4),
        pg(pg_server.conninfo()),
        tiered(store, pool),
        dispatcher(store, dir, catalogue, clock),
        intake(tiered, dir, clock, intake_metrics, vault),
        audit_log(client),
        guardian(tiered, tiered, audit_log, vault, clock, guardian_metrics) {
    archive::PgConnection owner(pg_server.conninfo(PostgresServer::kOwner));
    if (absl::Status s = archive::MigrateSchema(owner, {PostgresServer::kServices}); !s.ok())
      throw std::runtime_error(s.ToString());
  }

  const v1::Actor agent = MakeActor("agent-1", v1::ROLE_AGENT, "GZ12345");
  const v1::Actor centre = MakeActor("dispatcher-1", v1::ROLE_DISPATCHER, "GZ12345");
  const v1::Actor auditor = MakeActor("auditor-1", v1::ROLE_AUDITOR, "GZ12345");
  const v1::Actor tianhe = MakeActor("handler-tianhe", v1::ROLE_UNIT_HANDLER, "440106");
  const v1::Actor wushan = MakeActor("handler-wushan", v1::ROLE_UNIT_HANDLER, "440106001");
  const v1::Actor yuexiu = MakeActor("handler-yuexiu", v1::ROLE_UNIT_HANDLER, "440104");

  // A complaint in 天河区五山街道; returns its id or the error.
  absl::StatusOr<std::string> Create(const std::string& phone, const std::string& key = "") {
    v1::CreateWorkOrderRequest r;
    r.set_idempotency_key(key);
    r.set_type(v1::ORDER_TYPE_COMPLAINT);
    r.set_channel(v1::CHANNEL_PHONE);
    r.mutable_caller()->set_phone(phone);
    r.mutable_caller()->set_name("陈先生");
    r.mutable_location()->set_district_code("440106");
    r.mutable_location()->set_street_code("440106001");
    r.mutable_location()->set_address("天河区五山街道建设路12号附近");
    r.set_category_code("010101");
    r.set_content("夜间施工噪声扰民，晚上十一点以后仍在打桩。");
    auto created = Wait<v1::CreateWorkOrderResponse>(
        [&](auto done) { intake.Create(agent, r, std::move(done)); });
    if (!created.ok()) return created.status();
    return created->order().id();
  }

  struct Step {
    const v1::Actor* who;
    v1::Action action;
    const char* unit;
    const char* note;
  };
  // The order's whole life up to ARCHIVED (归档): 9 steps, 10 history entries.
  std::vector<Step> Life() const {
    return {
        {&centre, v1::ACTION_DISPATCH, "440106", ""},
        {&tianhe, v1::ACTION_SIGN, "", ""},
        {&tianhe, v1::ACTION_REQUEST_HAND_DOWN, "440106001", "属地管理，请五山街道处理"},
        {&centre, v1::ACTION_APPROVE_HAND_DOWN, "", ""},
        {&wushan, v1::ACTION_SIGN, "", ""},
        {&wushan, v1::ACTION_REPLY, "", "已责令工地夜间停工。"},
        {&centre, v1::ACTION_APPROVE_REPLY, "", ""},
        {&centre, v1::ACTION_CALLBACK, "", ""},
        {&centre, v1::ACTION_ARCHIVE, "", ""},
    };
  }

  // Runs steps [from, to) of Life(); returns the order's version after them.
  absl::StatusOr<int64_t> Work(const std::string& id, size_t from, size_t to) {
    const std::vector<Step> life = Life();
    int64_t version = 0;
    for (size_t i = from; i < to && i < life.size(); ++i) {
      const Step& s = life[i];
      v1::ActRequest r;
      r.set_order_id(id);
      r.set_action(s.action);
      r.set_unit_code(s.unit);
      r.set_note(s.note);
      if (s.action == v1::ACTION_CALLBACK) r.set_rating(v1::RATING_SATISFIED);
      auto a = Wait<v1::ActResponse>([&](auto done) { dispatcher.Act(*s.who, r, std::move(done)); });
      if (!a.ok()) return a.status();
      version = a->order().version();
    }
    return version;
  }

  absl::StatusOr<v1::WorkOrder> Read(const std::string& id, const v1::Actor& who,
                                     int offset = 0, int limit = 500) {
    v1::GetWorkOrderRequest r;
    r.set_id(id);
    r.set_history_offset(offset);
    r.set_history_limit(limit);
    auto got = Wait<v1::GetWorkOrderResponse>(
        [&](auto done) { intake.Get(who, r, std::move(done)); });
    if (!got.ok()) return got.status();
    return got->order();
  }

  absl::StatusOr<v1::TrailVerdict> Verify(const std::string& id) {
    v1::VerifyOrderTrailRequest r;
    r.set_order_id(id);
    auto v = Wait<v1::VerifyOrderTrailResponse>(
        [&](auto done) { guardian.Verify(auditor, r, std::move(done)); });
    if (!v.ok()) return v.status();
    if (v->verdicts_size() != 1) return absl::InternalError("no verdict");
    return v->verdicts(0);
  }

  bool InRedis(const std::string& id) {
    auto r = client.Execute({"EXISTS", store.keys().Order(id), store.keys().History(id)});
    return r.ok() && r->integer > 0;
  }
  int64_t RowsInArchive(const std::string& id) {
    auto r = pg.Exec("SELECT count(*) FROM archived_orders WHERE id = $1", {id});
    if (!r.ok()) throw std::runtime_error(r.status().ToString());
    return std::atoll(r->rows[0][0]->c_str());
  }

  absl::StatusOr<archive::MoveResult> Move(absl::Time now, absl::Duration min_age) {
    archive::MoveOptions o;
    o.now = now;
    o.min_age = min_age;
    o.batch = 50;
    return archive::MoveDueOrders(client, pg, store.keys(), o);
  }

 private:
  const Clock& clock_;

 public:
  RedisServer redis_server;
  PostgresServer pg_server;
  redis::Client client;
  orders::RedisOrderStore store;
  directory::Directory dir;
  dispatch::Catalogue catalogue;
  crypto::PhoneVault vault;
  archive::PgPool pool;
  archive::PgConnection pg;
  archive::TieredOrderStore tiered;
  dispatch::Dispatcher dispatcher;
  NoIntakeMetrics intake_metrics;
  intake::Intake intake;
  audit::AuditLog audit_log;
  NoGuardianMetrics guardian_metrics;
  intake::Guardian guardian;
};

}  // namespace hotline::testing
