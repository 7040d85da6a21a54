// WatchQueue end to end: the gateway relaying dispatch's live queue, with the
// real binaries and a real Redis (issue 23). Resume from a position, another
// unit's orders never sent, a new order within 1 s with no queue reads, the
// per-user limit, a graceful stop, and 200 watchers on one gateway.
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "e2e/stack.h"

namespace hotline::testing {
namespace {

using Message = v1::WatchQueueResponse;

// One watch read on a thread of its own, its messages kept.
class Watch {
 public:
  Watch(v1::Hotline::Stub& stub, const std::string& token, const std::string& unit,
        const std::string& from_position = "") {
    v1::WatchQueueRequest request;
    request.set_unit_code(unit);
    request.set_from_position(from_position);
    ctx_ = CallContext(token);
    ctx_->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
    reader_ = stub.WatchQueue(ctx_.get(), request);
    thread_ = std::thread([this] {
      Message m;
      while (reader_->Read(&m)) {
        absl::MutexLock lock(&mu_);
        messages_.push_back(m);
      }
      grpc::Status status = reader_->Finish();
      absl::MutexLock lock(&mu_);
      status_ = status;
    });
  }
  ~Watch() {
    ctx_->TryCancel();
    thread_.join();
  }
  void Cancel() { ctx_->TryCancel(); }

  // The first message `match` accepts, waiting up to `timeout`.
  std::optional<Message> WaitFor(const std::function<bool(const Message&)>& match,
                                 absl::Duration timeout = absl::Seconds(10)) {
    std::optional<Message> found;
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      for (const Message& m : messages_) {
        if (match(m)) {
          found = m;
          return true;
        }
      }
      return status_.has_value();
    };
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
    return found;
  }
  std::optional<Message> WaitFor(v1::QueueChange change, const std::string& order_id = "",
                                 absl::Duration timeout = absl::Seconds(10)) {
    return WaitFor([&](const Message& m) {
      return m.change() == change && (order_id.empty() || m.order_id() == order_id);
    }, timeout);
  }
  // The call's status once it ended (nullopt while it runs after `timeout`).
  std::optional<grpc::Status> Ended(absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(+[](std::optional<grpc::Status>* s) { return s->has_value(); },
                                         &status_),
                         timeout);
    return status_;
  }
  std::vector<Message> Messages() {
    absl::MutexLock lock(&mu_);
    return messages_;
  }

 private:
  std::unique_ptr<grpc::ClientContext> ctx_;
  std::unique_ptr<grpc::ClientReader<Message>> reader_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<Message> messages_ ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> status_ ABSL_GUARDED_BY(mu_);
};

std::pair<uint64_t, uint64_t> Position(const std::string& p) {
  std::vector<std::string> parts = absl::StrSplit(p, '-');
  std::pair<uint64_t, uint64_t> out;
  REQUIRE(parts.size() == 2);
  REQUIRE(absl::SimpleAtoi(parts[0], &out.first));
  REQUIRE(absl::SimpleAtoi(parts[1], &out.second));
  return out;
}

std::string CreateOrder(v1::Hotline::Stub& stub, const std::string& district) {
  return FileOrder(stub, ComplaintIn(SampleComplaint().category_code(), district)).id();
}

void Act(v1::Hotline::Stub& stub, const std::string& token, const std::string& id, v1::Action action,
         const std::string& unit = "", const std::string& note = "") {
  v1::ActRequest r;
  r.set_order_id(id);
  r.set_action(action);
  r.set_unit_code(unit);
  r.set_note(note);
  auto ctx = CallContext(token);
  v1::ActResponse response;
  grpc::Status s = stub.Act(ctx.get(), r, &response);
  INFO(v1::Action_Name(action) << " " << id << ": " << s.error_message());
  REQUIRE(s.ok());
}

void Dispatch(v1::Hotline::Stub& stub, const std::string& id, const std::string& unit) {
  Act(stub, kDispatcherToken, id, v1::ACTION_DISPATCH, unit);
}

// A gauge's value (the first sample named exactly so), or -1.
double Gauge(int metrics_port, const std::string& name) {
  std::istringstream lines(HttpGet(metrics_port, "/metrics"));
  for (std::string line; std::getline(lines, line);) {
    if (absl::StartsWith(line, name + " ") || absl::StartsWith(line, name + "{")) {
      double v = 0;
      if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) return v;
    }
  }
  return -1;
}

// Resident memory (MiB) and CPU time used (s) of a process, from /proc.
struct Usage {
  double rss_mib = 0;
  double cpu_seconds = 0;
};
Usage UsageOf(pid_t pid) {
  Usage u;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (absl::StartsWith(line, "VmRSS:")) {
      double kib = 0;
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (parts.size() >= 2 && absl::SimpleAtod(parts[1], &kib)) u.rss_mib = kib / 1024;
    }
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
  std::vector<std::string> fields = absl::StrSplit(all.substr(all.rfind(')') + 2), ' ');
  double utime = 0, stime = 0;
  if (fields.size() > 12 && absl::SimpleAtod(fields[11], &utime) && absl::SimpleAtod(fields[12], &stime)) {
    u.cpu_seconds = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return u;
}

std::tuple<std::string, int, std::string, int> Key(const Message& m) {
  return {m.position(), m.change(), m.order_id(), m.state()};
}

TEST_CASE("WatchQueue: a snapshot, a new order within 1 s with no queue reads, another unit's "
          "orders never, and a resume that loses and repeats nothing",
          "[e2e]") {
  Stack::Options options;
  options.auto_dispatch = false;  // the test dispatches by hand
  Stack stack(options);
  auto stub = stack.NewClient();

  const std::string a = CreateOrder(*stub, "440106");
  Dispatch(*stub, a, "440106");
  const std::string y = CreateOrder(*stub, "440104");
  Dispatch(*stub, y, "440104");

  // The reference watch stays on throughout; the resumer goes away and back.
  Watch reference(*stub, kHandlerToken, "440106");
  Watch resumer(*stub, kHandlerToken, "440106");
  Watch yuexiu(*stub, kYuexiuToken, "440104");
  for (Watch* w : {&reference, &resumer, &yuexiu}) {
    std::optional<Message> end = w->WaitFor(v1::QUEUE_CHANGE_SNAPSHOT_END);
    REQUIRE(end);
    CHECK_FALSE(end->reset());
  }
  {
    std::vector<Message> snapshot = reference.Messages();
    REQUIRE(snapshot.size() == 2);  // a, then the end
    CHECK(snapshot[0].change() == v1::QUEUE_CHANGE_SNAPSHOT);
    CHECK(snapshot[0].order_id() == a);
    CHECK(snapshot[0].state() == v1::ORDER_STATE_DISPATCHED);
    CHECK(snapshot[0].order().content() == SampleComplaint().content());
    CHECK_FALSE(snapshot[0].order().has_caller());  // no caller data on a watch
    CHECK(yuexiu.Messages()[0].order_id() == y);
  }
  const double gateway_reads = StartedCalls(stack.gateway_metrics_port(), "ListQueue");
  const double dispatch_reads = StartedCalls(stack.dispatch_metrics_port(), "ListQueue");

  // A new order arrives within 1 s of its dispatch.
  const std::string b = CreateOrder(*stub, "440106");
  const absl::Time sent = absl::Now();
  Dispatch(*stub, b, "440106");
  std::optional<Message> entered = reference.WaitFor(v1::QUEUE_CHANGE_ENTERED, b, absl::Seconds(1));
  const absl::Duration latency = absl::Now() - sent;
  REQUIRE(entered);
  WARN("dispatch to watch message: " << absl::FormatDuration(latency));
  CHECK(latency < absl::Seconds(1));
  CHECK(entered->order().assigned_unit_code() == "440106");
  CHECK(entered->event() == "order.dispatch");

  // The resumer saw b and goes away; what happens meanwhile ...
  std::optional<Message> last_seen = resumer.WaitFor(v1::QUEUE_CHANGE_ENTERED, b);
  REQUIRE(last_seen);
  resumer.Cancel();
  REQUIRE(resumer.Ended());
  Act(*stub, kHandlerToken, b, v1::ACTION_SIGN);                                 // taken by a colleague
  Act(*stub, kHandlerToken, a, v1::ACTION_RETURN, "", "不属于本单位管辖");        // returned: leaves
  const std::string c = CreateOrder(*stub, "440106");
  Dispatch(*stub, c, "440106");
  const std::string z = CreateOrder(*stub, "440104");
  Dispatch(*stub, z, "440104");
  REQUIRE(reference.WaitFor(v1::QUEUE_CHANGE_ENTERED, c));
  REQUIRE(yuexiu.WaitFor(v1::QUEUE_CHANGE_ENTERED, z));

  // ... comes on resume, exactly: what the reference saw after that position.
  Watch resumed(*stub, kHandlerToken, "440106", last_seen->position());
  REQUIRE(resumed.WaitFor(v1::QUEUE_CHANGE_ENTERED, c));
  std::vector<std::tuple<std::string, int, std::string, int>> expected, got;
  const auto from = Position(last_seen->position());
  for (const Message& m : reference.Messages()) {
    if (Position(m.position()) > from) expected.push_back(Key(m));
  }
  for (const Message& m : resumed.Messages()) got.push_back(Key(m));
  CHECK(got == expected);
  REQUIRE(got.size() == 3);
  CHECK(std::get<1>(got[0]) == v1::QUEUE_CHANGE_UPDATED);  // b signed: still in the queue
  CHECK(std::get<2>(got[0]) == b);
  CHECK(std::get<3>(got[0]) == v1::ORDER_STATE_SIGNED);
  CHECK(std::get<1>(got[1]) == v1::QUEUE_CHANGE_LEFT);  // a returned
  CHECK(std::get<2>(got[1]) == a);
  CHECK(std::get<1>(got[2]) == v1::QUEUE_CHANGE_ENTERED);
  CHECK(std::get<2>(got[2]) == c);

  // Neither unit hears of the other's orders, in any byte.
  auto never = [](Watch& w, std::set<std::string> ids) {
    for (const Message& m : w.Messages()) {
      const std::string bytes = m.SerializeAsString();
      for (const std::string& id : ids) {
        INFO("message " << m.ShortDebugString());
        CHECK(bytes.find(id) == std::string::npos);
      }
    }
  };
  never(reference, {y, z});
  never(resumed, {y, z});
  never(yuexiu, {a, b, c});

  // Nobody polled: no queue was read meanwhile, at the gateway or dispatch.
  CHECK(StartedCalls(stack.gateway_metrics_port(), "ListQueue") == gateway_reads);
  CHECK(StartedCalls(stack.dispatch_metrics_port(), "ListQueue") == dispatch_reads);

  // Another unit's queue is refused, as ListQueue refuses it.
  Watch theirs(*stub, kHandlerToken, "440104");
  std::optional<grpc::Status> refused = theirs.Ended();
  REQUIRE(refused);
  CHECK(refused->error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(theirs.Messages().empty());
  // A position that is no position is refused.
  Watch bad(*stub, kHandlerToken, "440106", "yesterday");
  REQUIRE(bad.Ended());
  CHECK(bad.Ended()->error_code() == grpc::StatusCode::INVALID_ARGUMENT);

  // A position older than what the stream still holds: a fresh snapshot,
  // marked reset (b and c, signed and dispatched; a returned).
  REQUIRE(stack.redis_client().Execute({"XTRIM", "hotline:events", "MAXLEN", "1"}).ok());
  Watch stale(*stub, kHandlerToken, "440106", last_seen->position());
  std::optional<Message> end = stale.WaitFor(v1::QUEUE_CHANGE_SNAPSHOT_END);
  REQUIRE(end);
  CHECK(end->reset());
  std::set<std::string> in_snapshot;
  for (const Message& m : stale.Messages()) {
    if (m.change() == v1::QUEUE_CHANGE_SNAPSHOT) in_snapshot.insert(m.order_id());
  }
  CHECK(in_snapshot == std::set<std::string>{b, c});
}

TEST_CASE("WatchQueue: at most N open watches per user, and a stopping dispatch or gateway ends them",
          "[e2e]") {
  Stack::Options options;
  options.auto_dispatch = false;
  options.gateway_args = {"--max_streams_per_user=2"};
  Stack stack(options);
  auto stub = stack.NewClient();
  auto first = std::make_unique<Watch>(*stub, kHandlerToken, "440106");
  Watch second(*stub, kHandlerToken, "440106");
  REQUIRE(first->WaitFor(v1::QUEUE_CHANGE_SNAPSHOT_END));
  REQUIRE(second.WaitFor(v1::QUEUE_CHANGE_SNAPSHOT_END));
  CHECK(Gauge(stack.gateway_metrics_port(), "hotline_gateway_open_streams") == 2);
  CHECK(Gauge(stack.dispatch_metrics_port(), "hotline_dispatch_queue_watches") == 2);
  {
    Watch third(*stub, kHandlerToken, "440106");
    std::optional<grpc::Status> refused = third.Ended();
    REQUIRE(refused);
    CHECK(refused->error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  // Another user is not held up by this one's.
  Watch street(*stub, kStreetToken, "440106001");
  REQUIRE(street.WaitFor(v1::QUEUE_CHANGE_SNAPSHOT_END));
  // One closed: room for one more (the gateway learns of the close a moment later).
  first.reset();
  bool admitted = false;
  for (int i = 0; i < 50 && !admitted; ++i) {
    Watch again(*stub, kHandlerToken, "440106");
    admitted = again.WaitFor(v1::QUEUE_CHANGE_SNAPSHOT_END, "", absl::Seconds(2)).has_value();
    if (!admitted) absl::SleepFor(absl::Milliseconds(100));
  }
  CHECK(admitted);

  // A graceful stop of dispatch ends its watches UNAVAILABLE, through the
  // gateway; once it is back, the watch resumes.
  {
    Watch& handler = second;
    const absl::Time stop = absl::Now();
    std::thread terminate([&] { stack.dispatch().Terminate(); });
    std::optional<grpc::Status> ended = handler.Ended(absl::Seconds(5));
    const absl::Duration ended_in = absl::Now() - stop;
    terminate.join();
    REQUIRE(ended);
    CHECK(ended->error_code() == grpc::StatusCode::UNAVAILABLE);
    CHECK_THAT(ended->error_message(), Catch::Contains("dispatch"));
    WARN("SIGTERM to dispatch: its open watch ended in " << absl::FormatDuration(ended_in));
    CHECK(ended_in < absl::Seconds(1));
    stack.Start(Stack::Process::kDispatch);
    // The gateway's channel may take a moment to reconnect (UNAVAILABLE until
    // then; a refused try leaves the user's count of streams a moment later).
    std::unique_ptr<Watch> resumed;
    for (int i = 0; i < 50; ++i) {
      resumed = std::make_unique<Watch>(*stub, kHandlerToken, "440106", handler.Messages().back().position());
      std::optional<grpc::Status> gone = resumed->Ended(absl::Milliseconds(300));
      if (!gone) break;
      REQUIRE((gone->error_code() == grpc::StatusCode::UNAVAILABLE ||
               gone->error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED));
      absl::SleepFor(absl::Milliseconds(100));
    }
    const std::string id = CreateOrder(*stub, "440106");
    Dispatch(*stub, id, "440106");
    CHECK(resumed->WaitFor(v1::QUEUE_CHANGE_ENTERED, id));
  }
  // The street's watch went the same way; new ones for the gateway's stop
  // (the closed ones leave the gateway's count a moment later).
  Watch street_again(*stub, kStreetToken, "440106001");
  REQUIRE(street_again.WaitFor(v1::QUEUE_CHANGE_SNAPSHOT_END));
  Watch second_again(*stub, kHandlerToken, "440106");
  REQUIRE(second_again.WaitFor(v1::QUEUE_CHANGE_SNAPSHOT_END));

  // A graceful stop ends the open streams at once, UNAVAILABLE (resume elsewhere).
  // (Not the drain's deadline: the streams end as the stop begins.)
  const absl::Time stop = absl::Now();
  std::thread terminate([&] { stack.gateway().Terminate(); });
  for (Watch* w : {&second_again, &street_again}) {
    std::optional<grpc::Status> ended = w->Ended(absl::Seconds(5));
    REQUIRE(ended);
    CHECK(ended->error_code() == grpc::StatusCode::UNAVAILABLE);
  }
  const absl::Duration ended_in = absl::Now() - stop;
  terminate.join();
  WARN("SIGTERM to the gateway: its 2 open watches ended in " << absl::FormatDuration(ended_in)
                                                               << ", the process exited in "
                                                               << absl::FormatDuration(absl::Now() - stop));
  CHECK(ended_in < absl::Seconds(1));
}

TEST_CASE("WatchQueue: a deadline turning yellow, then red, is pushed", "[e2e][sla]") {
  // 600 city seconds per second: an urgent order's 2-hour limit passes in
  // 12 s, its 50% warning after 6 s.
  Stack stack(Stack::Options{.auto_dispatch = false, .sla_replicas = 1,
                             .clock_start = "2026-10-01T22:59:00+08:00", .clock_rate = "600"});
  auto stub = stack.NewClient();
  Watch watch(*stub, kHandlerToken, "440106");
  REQUIRE(watch.WaitFor(v1::QUEUE_CHANGE_SNAPSHOT_END));
  v1::CreateWorkOrderRequest r = SampleComplaint();
  r.set_urgent(true);
  auto ctx = CallContext(kAgentToken);
  v1::CreateWorkOrderResponse created;
  REQUIRE(stub->CreateWorkOrder(ctx.get(), r, &created).ok());
  const std::string id = created.order().id();
  // The monitor's own writes may move the version under an action: ask again.
  auto act = [&](const std::string& token, v1::Action action, const std::string& unit) {
    grpc::Status done;
    for (int attempt = 0; attempt < 5; ++attempt) {
      v1::ActRequest r;
      r.set_order_id(id);
      r.set_action(action);
      r.set_unit_code(unit);
      auto actx = CallContext(token);
      v1::ActResponse response;
      done = stub->Act(actx.get(), r, &response);
      if (done.error_code() != grpc::StatusCode::ABORTED) break;
    }
    INFO(v1::Action_Name(action) << ": " << done.error_message());
    REQUIRE(done.ok());
  };
  act(kDispatcherToken, v1::ACTION_DISPATCH, "440106");
  act(kHandlerToken, v1::ACTION_SIGN, "");  // signed in time: only the closing clock runs on
  // The first message of that colour for the order: an SLA one, of that event and mark.
  auto turned = [&](v1::SlaColour colour, const std::string& event, const std::string& mark) {
    std::optional<Message> m = watch.WaitFor(
        [&](const Message& m) { return m.order_id() == id && m.sla_colour() == colour; }, absl::Seconds(30));
    REQUIRE(m);
    CHECK(m->change() == v1::QUEUE_CHANGE_SLA);
    CHECK(m->event() == event);
    CHECK(m->mark() == mark);
    return *m;
  };
  const Message yellow = turned(v1::SLA_COLOUR_YELLOW, "order.sla_warning", "closing.0.warning.50pct");
  const Message red = turned(v1::SLA_COLOUR_RED, "order.sla_breach", "closing.0.breach");
  CHECK(Position(yellow.position()) < Position(red.position()));
}

TEST_CASE("WatchQueue: 200 watchers on one gateway, each order to all within 1 s", "[e2e]") {
  constexpr int kWatchers = 200;
  constexpr int kOrders = 10;
  Stack::Options options;
  options.auto_dispatch = false;
  options.gateway_args = {"--max_streams_per_user=250"};
  Stack stack(options);
  auto stub = stack.NewClient();
  const Usage gateway_idle = UsageOf(stack.gateway().pid());
  const Usage dispatch_idle = UsageOf(stack.dispatch().pid());

  std::vector<std::unique_ptr<Watch>> watches;
  for (int i = 0; i < kWatchers; ++i) watches.push_back(std::make_unique<Watch>(*stub, kHandlerToken, "440106"));
  for (auto& w : watches) REQUIRE(w->WaitFor(v1::QUEUE_CHANGE_SNAPSHOT_END, "", absl::Seconds(30)));
  CHECK(Gauge(stack.gateway_metrics_port(), "hotline_gateway_open_streams") == kWatchers);
  CHECK(Gauge(stack.dispatch_metrics_port(), "hotline_dispatch_queue_watches") == kWatchers);
  // Open and quiet: no polling, so next to no CPU.
  const Usage gateway_quiet = UsageOf(stack.gateway().pid());
  const Usage dispatch_quiet = UsageOf(stack.dispatch().pid());
  absl::SleepFor(absl::Seconds(3));
  const Usage gateway_open = UsageOf(stack.gateway().pid());
  const Usage dispatch_open = UsageOf(stack.dispatch().pid());
  WARN("CPU s over 3 s with " << kWatchers << " watches open and no change: gateway "
                              << gateway_open.cpu_seconds - gateway_quiet.cpu_seconds << ", dispatch "
                              << dispatch_open.cpu_seconds - dispatch_quiet.cpu_seconds);

  absl::Duration worst;
  const absl::Time began = absl::Now();
  for (int i = 0; i < kOrders; ++i) {
    const std::string id = CreateOrder(*stub, "440106");
    const absl::Time sent = absl::Now();
    Dispatch(*stub, id, "440106");
    for (auto& w : watches) REQUIRE(w->WaitFor(v1::QUEUE_CHANGE_ENTERED, id, absl::Seconds(5)));
    worst = std::max(worst, absl::Now() - sent);
  }
  const double wall = absl::ToDoubleSeconds(absl::Now() - began);
  const Usage gateway_after = UsageOf(stack.gateway().pid());
  const Usage dispatch_after = UsageOf(stack.dispatch().pid());
  auto usage = [&](const char* process, const Usage& idle, const Usage& open, const Usage& after) {
    const double cpu = after.cpu_seconds - open.cpu_seconds;
    return absl::StrCat(process, " RSS MiB: idle ", idle.rss_mib, ", ", kWatchers, " open ", open.rss_mib,
                        ", after ", after.rss_mib, "; CPU s while fanning out ", cpu, " (", 100 * cpu / wall,
                        "% of a core)\n");
  };
  WARN(kWatchers << " watchers, " << kOrders << " orders in " << wall << " s; slowest order to all "
                 << kWatchers << ": " << absl::FormatDuration(worst) << "\n"
                 << usage("gateway", gateway_idle, gateway_open, gateway_after)
                 << usage("dispatch", dispatch_idle, dispatch_open, dispatch_after));
  CHECK(worst < absl::Seconds(1));
}

}  // namespace
}  // namespace hotline::testing
