// The dispatch core against a real redis-server, counting what it sends: an
// action on an order the dispatcher has seen is one Redis round trip (one
// script that reads, checks and writes), also with an idempotency key and for
// its retry. Counted with MONITOR, so a path that goes back to a read before
// the write fails here.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "dispatch/dispatcher.h"
#include "orders/order_record.h"
#include "orders/redis_order_store.h"
#include "support/redis_dump.h"
#include "support/redis_server.h"

namespace hotline::dispatch {
namespace {

const directory::Directory& Demo() {
  static const directory::Directory d =
      *directory::Directory::LoadDataDir(std::string(HOTLINE_SOURCE_DIR) + "/data");
  return d;
}

const Catalogue& DemoCatalogue() {
  static const Catalogue c =
      *Catalogue::Load(std::string(HOTLINE_SOURCE_DIR) + "/data/dispatch_catalogue.textproto", Demo());
  return c;
}

v1::Actor Actor(v1::Role role, const std::string& user, const std::string& unit) {
  v1::Actor a;
  a.set_user_id(user);
  a.set_role(role);
  a.set_unit_code(unit);
  return a;
}

// What clients send, as Redis MONITOR shows it: each command a client sent
// is one line; the commands a script runs are lines marked "lua" and are not
// counted (they are part of the one call).
class CommandWatch {
 public:
  explicit CommandWatch(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    const std::string monitor = "MONITOR\r\n";
    REQUIRE(write(fd_, monitor.data(), monitor.size()) == static_cast<ssize_t>(monitor.size()));
    reader_ = std::thread([this] {
      char buf[4096];
      for (;;) {
        const ssize_t n = read(fd_, buf, sizeof buf);
        if (n <= 0) return;
        absl::MutexLock lock(&mu_);
        text_.append(buf, static_cast<size_t>(n));
      }
    });
  }
  ~CommandWatch() {
    shutdown(fd_, SHUT_RDWR);
    reader_.join();
    close(fd_);
  }
  // Client commands seen from now until `redis` answers ECHO of a marker.
  template <typename F>
  int Count(redis::Client& redis, F f) {
    const std::string begin = Mark(redis), end = (f(), Mark(redis));
    absl::MutexLock lock(&mu_);
    const size_t from = text_.find(begin);
    const size_t to = text_.find(end, from);
    int n = 0;
    for (absl::string_view line : absl::StrSplit(absl::string_view(text_).substr(from, to - from), "\r\n")) {
      if (line.find(" [") != absl::string_view::npos && line.find("[0 lua]") == absl::string_view::npos &&
          !absl::StrContains(absl::AsciiStrToLower(line), "\"echo\"")) {
        ++n;
      }
    }
    return n;
  }

 private:
  // Sends a unique ECHO and waits until MONITOR has shown it.
  std::string Mark(redis::Client& redis) {
    const std::string mark = absl::StrCat("mark-", ++marks_);
    REQUIRE(redis.Execute({"ECHO", mark}).ok());
    const absl::Time until = absl::Now() + absl::Seconds(5);
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        if (text_.find(mark) != std::string::npos) return mark;
      }
      REQUIRE(absl::Now() < until);
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  int fd_ = -1;
  int marks_ = 0;
  std::thread reader_;
  absl::Mutex mu_;
  std::string text_ ABSL_GUARDED_BY(mu_);
};

struct World {
  testing::RedisServer server;
  redis::Client redis{redis::Options{.port = server.port(), .connections = 2}};
  orders::RedisOrderStore store{redis};
  FakeClock clock{absl::FromCivil(absl::CivilSecond(2026, 11, 30, 10, 0, 0), CityTimeZone())};
  Dispatcher dispatcher{store, Demo(), DemoCatalogue(), clock};
  Dispatcher other{store, Demo(), DemoCatalogue(), clock};  // another replica

  std::string NewOrder() {
    orders::NewOrder n;
    n.order.set_version(1);
    n.order.set_type(v1::ORDER_TYPE_COMPLAINT);
    n.order.set_channel(v1::CHANNEL_PHONE);
    n.order.set_state(v1::ORDER_STATE_CREATED);
    n.order.set_category_code("010101");
    n.order.set_content("噪声");
    n.order.mutable_location()->set_district_code("440106");
    *n.order.mutable_created_at() = orders::FromMillis(absl::ToUnixMillis(clock.Now()));
    *n.order.mutable_updated_at() = n.order.created_at();
    n.first_entry.set_seq(1);
    n.first_entry.set_action("create");
    n.first_entry.set_to_state(v1::ORDER_STATE_CREATED);
    std::promise<absl::StatusOr<orders::CreateResult>> p;
    store.Create(std::move(n), [&](absl::StatusOr<orders::CreateResult> r) { p.set_value(std::move(r)); });
    absl::StatusOr<orders::CreateResult> r = p.get_future().get();
    REQUIRE(r.ok());
    return r->order.id();
  }

  void Auto(const std::string& id) {
    std::promise<absl::StatusOr<Dispatcher::AutoDispatchResult>> p;
    dispatcher.AutoDispatch(id, [&](absl::StatusOr<Dispatcher::AutoDispatchResult> r) { p.set_value(std::move(r)); });
    absl::StatusOr<Dispatcher::AutoDispatchResult> r = p.get_future().get();
    REQUIRE(r.ok());
    REQUIRE(r->routed);
  }

  absl::StatusOr<v1::ActResponse> Act(Dispatcher& d, const v1::Actor& actor, const std::string& id,
                                      v1::Action action, const std::string& key = "") {
    v1::ActRequest r;
    r.set_order_id(id);
    r.set_action(action);
    r.set_idempotency_key(key);
    std::promise<absl::StatusOr<v1::ActResponse>> p;
    d.Act(actor, r, [&](absl::StatusOr<v1::ActResponse> a) { p.set_value(std::move(a)); });
    return p.get_future().get();
  }

  CommandWatch watch{server.port()};
  // Runs `f` and answers how many commands clients sent Redis meanwhile.
  template <typename F>
  int Count(F f) {
    return watch.Count(redis, f);
  }
};

}  // namespace

TEST_CASE("an action on an order the dispatcher has seen is one Redis round trip", "[dispatcher][redis]") {
  World w;
  const v1::Actor handler = Actor(v1::ROLE_UNIT_HANDLER, "handler-1", "440106");
  const v1::Actor supervisor = Actor(v1::ROLE_SUPERVISOR, "supervisor-1", "GZ12345");
  const std::string id = w.NewOrder();
  w.Auto(id);  // read, decide, write: the dispatcher has seen it since

  absl::StatusOr<v1::ActResponse> sign;
  CHECK(w.Count([&] { sign = w.Act(w.dispatcher, handler, id, v1::ACTION_SIGN); }) == 1);
  REQUIRE(sign.ok());
  CHECK(sign->order().state() == v1::ORDER_STATE_SIGNED);
  CHECK(sign->order().version() == 3);
  CHECK(sign->order().history(sign->order().history_size() - 1).seq() == 3);

  // With an idempotency key: the first time, and its retry (replayed, with
  // the order as it is).
  absl::StatusOr<v1::ActResponse> urge, retry;
  CHECK(w.Count([&] { urge = w.Act(w.dispatcher, supervisor, id, v1::ACTION_URGE, "urge-1"); }) == 1);
  REQUIRE(urge.ok());
  CHECK_FALSE(urge->replayed());
  CHECK(w.Count([&] { retry = w.Act(w.dispatcher, supervisor, id, v1::ACTION_URGE, "urge-1"); }) == 1);
  REQUIRE(retry.ok());
  CHECK(retry->replayed());
  CHECK(retry->order().version() == 4);
  CHECK(retry->order().urge_count() == 1);

  // Another writer's mark that leaves what a decision reads (an urge, an SLA
  // record) does not cost a read either.
  REQUIRE(w.Act(w.other, supervisor, id, v1::ACTION_URGE).ok());
  absl::StatusOr<v1::ActResponse> again;
  CHECK(w.Count([&] { again = w.Act(w.dispatcher, supervisor, id, v1::ACTION_URGE); }) == 1);
  REQUIRE(again.ok());
  CHECK(again->order().version() == 6);
  CHECK(again->order().urge_count() == 3);
}

TEST_CASE("an order not seen, or moved since, costs one more round trip and is decided on as it is",
          "[dispatcher][redis]") {
  World w;
  const v1::Actor centre = Actor(v1::ROLE_DISPATCHER, "dispatcher-1", "GZ12345");
  const std::string id = w.NewOrder();
  w.Auto(id);  // with 440106
  // Not seen by `other`: read, then the compare-and-set.
  absl::StatusOr<v1::ActResponse> moved;
  v1::ActRequest r;
  CHECK(w.Count([&] {
          r.set_order_id(id);
          r.set_action(v1::ACTION_DISPATCH);
          r.set_unit_code("GZD002");
          std::promise<absl::StatusOr<v1::ActResponse>> p;
          w.other.Act(centre, r, [&](absl::StatusOr<v1::ActResponse> a) { p.set_value(std::move(a)); });
          moved = p.get_future().get();
        }) == 2);
  REQUIRE(moved.ok());
  // `dispatcher` saw it with 440106: a sign by 440106 is tried in one call,
  // which finds it moved and answers with the order; decided again on it,
  // it is no longer 440106's order. Nothing written.
  absl::StatusOr<v1::ActResponse> sign;
  CHECK(w.Count([&] { sign = w.Act(w.dispatcher, Actor(v1::ROLE_UNIT_HANDLER, "h", "440106"), id,
                                    v1::ACTION_SIGN); }) == 1);
  CHECK(absl::IsNotFound(sign.status()));
  // GZD002's sign: now seen as it is, one call again.
  absl::StatusOr<v1::ActResponse> theirs;
  CHECK(w.Count([&] { theirs = w.Act(w.dispatcher, Actor(v1::ROLE_UNIT_HANDLER, "h2", "GZD002"), id,
                                      v1::ACTION_SIGN); }) == 1);
  REQUIRE(theirs.ok());
  CHECK(theirs->order().version() == 4);
}

TEST_CASE("after Redis goes back to an older copy, an order the dispatcher saw costs one more round trip once",
          "[dispatcher][redis]") {
  World w;
  const v1::Actor handler = Actor(v1::ROLE_UNIT_HANDLER, "handler-1", "440106");
  const v1::Actor supervisor = Actor(v1::ROLE_SUPERVISOR, "supervisor-1", "GZ12345");
  const std::string id = w.NewOrder();
  w.Auto(id);  // version 2, dispatched to 440106
  const auto backup = testing::DumpEachKey(w.redis);
  REQUIRE(w.Act(w.dispatcher, handler, id, v1::ACTION_SIGN).ok());
  REQUIRE(w.Act(w.dispatcher, supervisor, id, v1::ACTION_URGE).ok());  // the memo: version 4, signed
  testing::RestoreKeys(w.redis, backup);  // Redis: version 2, not signed

  // Seen as signed, found dispatched: answered with the order as it is and
  // decided again on it.
  absl::StatusOr<v1::ActResponse> first, second;
  CHECK(w.Count([&] { first = w.Act(w.dispatcher, supervisor, id, v1::ACTION_URGE); }) == 2);
  REQUIRE(first.ok());
  CHECK(first->order().state() == v1::ORDER_STATE_DISPATCHED);
  CHECK(first->order().version() == 3);
  // The memo now holds the order as Redis has it, though older than what it
  // held: one call again.
  CHECK(w.Count([&] { second = w.Act(w.dispatcher, supervisor, id, v1::ACTION_URGE); }) == 1);
  REQUIRE(second.ok());
  CHECK(second->order().version() == 4);
  CHECK(second->order().urge_count() == 2);
}

}  // namespace hotline::dispatch
