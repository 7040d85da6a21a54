// hotline-simulator: a day of the demo city's hotline, compressed, driven
// through the gateway like real users: agents take calls (a third answered on
// the spot from the knowledge base, the rest become work orders that
// auto-dispatch routes), units sign, hand local matters down to their
// streets, now and then return one, and reply; the centre reviews, calls
// citizens back, sends weak replies back, redoes or closes after a
// dissatisfied callback, and archives. So the metrics and screens show a
// living city.
//
//   hotline-simulator --gateway 127.0.0.1:50051 --tokens run/tokens.textproto
//   hotline-simulator --write_tokens run/tokens.textproto --tokens config/tokens.textproto
//
// Units act with their own tokens: --write_tokens writes a token file with the
// given one's tokens plus a handler token (random) for every unit of the
// directory, for the gateway and the simulator to share.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "clock/city_clock.h"
#include "config/flags.h"
#include "config/text_proto.h"
#include "directory/directory.h"
#include "google/protobuf/text_format.h"
#include "hotline/v1/gateway.grpc.pb.h"
#include "log/log.h"
#include "simulator/life.h"
#include "simulator/scenarios.h"

namespace hotline::simulator {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

struct Config {
  std::string gateway = "127.0.0.1:50051";
  std::string tokens = "config/tokens.textproto";
  std::string data_dir = "data";
  std::string write_tokens;
  int calls_per_minute = 30;
  absl::Duration minute = absl::Seconds(2);
  absl::Duration sweep = absl::Seconds(1);
  absl::Duration duration = absl::ZeroDuration();  // 0: until SIGINT/SIGTERM
  // Slow units take `slow_factor` times as long for everything they do, and
  // now and then ask for an extension (延期) instead.
  int slow_percent = 0;
  int slow_factor = 50;
  int extension_percent = 30;
  const Clock* clock = nullptr;  // the city clock the services read (orders' times)
};

// Writes `in`'s tokens plus one handler token per unit (not the centre).
int WriteTokens(const Config& c, const directory::Directory& dir) {
  v1::TokenFile file;
  if (absl::Status s = config::ReadTextProto(c.tokens, &file); !s.ok()) {
    log::Error("cannot read tokens", {{"error", s.ToString()}});
    return 1;
  }
  std::random_device random;
  for (const v1::Unit& unit : dir.ListUnits("", v1::UNIT_KIND_UNSPECIFIED)) {
    if (unit.kind() == v1::UNIT_KIND_CENTRE) continue;
    v1::TokenEntry* e = file.add_tokens();
    e->set_token(absl::StrFormat("sim-%s-%08x%08x", unit.code(), random(), random()));
    e->set_user_id(absl::StrCat("sim-", unit.code()));
    e->set_display_name(absl::StrCat(unit.name(), "（模拟）"));
    e->set_role(v1::ROLE_UNIT_HANDLER);
    e->set_unit_code(unit.code());
  }
  std::string text;
  google::protobuf::TextFormat::PrintToString(file, &text);
  const std::string tmp = c.write_tokens + ".tmp";
  {
    std::ofstream out(tmp);
    out << "# Written by hotline-simulator: " << c.tokens
        << " plus a simulated handler for every unit. Demo only.\n"
        << "# proto-file: hotline/v1/gateway.proto\n# proto-message: hotline.v1.TokenFile\n\n"
        << text;
    if (!out.good()) {
      log::Error("cannot write tokens", {{"path", tmp}});
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), c.write_tokens.c_str()) != 0) {
    log::Error("cannot write tokens", {{"path", c.write_tokens}});
    return 1;
  }
  log::Info("tokens written",
            {{"path", c.write_tokens}, {"entries", std::to_string(file.tokens_size())}});
  return 0;
}

class Simulator {
 public:
  Simulator(Config config, const directory::Directory& dir, const v1::TokenFile& tokens)
      : config_(std::move(config)),
        stub_(v1::Hotline::NewStub(
            grpc::CreateChannel(config_.gateway, grpc::InsecureChannelCredentials()))),
        run_id_(absl::StrFormat("%x", absl::ToUnixSeconds(absl::Now()))) {
    for (const v1::Unit& d : dir.ListUnits("", v1::UNIT_KIND_DISTRICT)) {
      places_.push_back({d.code(), "", d.name(), ""});
      for (const v1::Unit& s : dir.ListUnits(d.code(), v1::UNIT_KIND_STREET)) {
        places_.push_back({d.code(), s.code(), d.name(), s.name()});
      }
    }
    for (const v1::TokenEntry& e : tokens.tokens()) {
      if (e.role() == v1::ROLE_AGENT && agent_token_.empty()) agent_token_ = e.token();
      if (e.role() == v1::ROLE_DISPATCHER && centre_token_.empty()) centre_token_ = e.token();
      if (e.role() == v1::ROLE_UNIT_HANDLER) unit_tokens_.emplace(e.unit_code(), e.token());
    }
  }

  bool ready() const { return !agent_token_.empty() && !centre_token_.empty() && !places_.empty(); }

  void Run() {
    std::mt19937_64 random(std::random_device{}());
    // Calls arrive at random (a Poisson stream), like real ones.
    std::exponential_distribution<double> gap(std::max(config_.calls_per_minute, 1) / 60.0);
    const absl::Time start = absl::Now();
    const Clock& city = *config_.clock;
    absl::Time next_call = config_.calls_per_minute > 0 ? start : absl::InfiniteFuture();
    absl::Time next_sweep = start, next_report = start + absl::Seconds(30);
    while (!g_stop) {
      const absl::Time now = absl::Now();
      if (config_.duration > absl::ZeroDuration() && now - start >= config_.duration) break;
      if (now >= next_call) {
        TakeCall(random());
        next_call += absl::Seconds(gap(random));
        if (next_call < now - absl::Seconds(10)) next_call = now;  // after a stall, no burst
      }
      if (now >= next_sweep) {
        Sweep(city.Now());
        DecideExtensions();
        next_sweep = absl::Now() + config_.sweep;
      }
      if (now >= next_report) {
        Report();
        next_report = now + absl::Seconds(30);
      }
      absl::SleepFor(std::clamp(std::min(next_call, next_sweep) - absl::Now(), absl::ZeroDuration(),
                                absl::Milliseconds(200)));
    }
    Report();
  }

 private:
  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return ctx;
  }

  // The best knowledge point for the caller's words, as an agent would search.
  std::optional<v1::KnowledgeHit> TopHit(const std::string& words) {
    v1::SearchKnowledgeRequest search;
    search.set_query(words);
    search.set_limit(1);
    v1::SearchKnowledgeResponse found;
    auto ctx = Context(agent_token_);
    grpc::Status status = stub_->SearchKnowledge(ctx.get(), search, &found);
    Count(status, "search_knowledge");
    if (!status.ok() || found.hits().empty()) return std::nullopt;
    return found.hits(0);
  }

  // An agent takes a call: answers it on the spot or files a work order.
  void TakeCall(uint64_t dice) {
    const Scenario& s = PickScenario(dice);
    const Place& place = places_[(dice >> 20) % places_.size()];
    v1::CreateWorkOrderRequest r;
    r.set_idempotency_key(absl::StrCat("sim-call-", run_id_, "-", ++calls_));
    r.set_type(s.type);
    r.set_channel((dice >> 8) % 4 == 0 ? v1::CHANNEL_WECHAT : v1::CHANNEL_PHONE);
    r.set_urgent((dice >> 12) % 50 == 0);
    r.mutable_caller()->set_name(PickCallerName(dice >> 28));
    r.mutable_caller()->set_phone(
        absl::StrFormat("13%d%08d", 5 + (dice >> 36) % 5, (dice >> 40) % 100000000));
    r.mutable_location()->set_district_code(place.district);
    r.mutable_location()->set_street_code(place.street);
    r.mutable_location()->set_address(PickAddress(place.district_name, place.street_name, dice >> 44));
    r.set_category_code(s.category_code);
    r.set_content(s.content);
    if (*s.knowledge_code != '\0') {
      // The agent searches the knowledge base with the caller's words and
      // answers from the top hit; with no hit the call becomes a work order.
      if (std::optional<v1::KnowledgeHit> hit = TopHit(s.content)) {
        r.mutable_on_spot_answer()->set_knowledge_code(hit->code());
        r.mutable_on_spot_answer()->set_answer(hit->title());
      }
    }
    const absl::Duration handling = PickHandlingTime(r.has_on_spot_answer(), dice >> 52);
    r.mutable_handling_time()->set_seconds(absl::ToInt64Seconds(handling));
    v1::CreateWorkOrderResponse response;
    auto ctx = Context(agent_token_);
    Count(stub_->CreateWorkOrder(ctx.get(), r, &response),
          r.has_on_spot_answer() ? "answer_on_spot" : "create");
  }

  // Everyone works their queues: every order whose next step is due gets it.
  void Sweep(absl::Time now) {
    for (v1::OrderState state : WorkedStates()) {
      v1::ListWorkOrdersRequest list;
      list.set_state(state);
      list.set_oldest_first(true);
      list.set_page_size(200);
      v1::ListWorkOrdersResponse page;
      auto ctx = Context(centre_token_);
      if (grpc::Status s = stub_->ListWorkOrders(ctx.get(), list, &page); !s.ok()) {
        Count(s, "list");
        return;  // the gateway or a backend is down; try again next sweep
      }
      for (const v1::WorkOrder& order : page.orders()) {
        if (g_stop) return;
        const bool slow = IsSlowUnit(order.assigned_unit_code(), config_.slow_percent);
        if (slow && state == v1::ORDER_STATE_SIGNED) MaybeAskExtension(order, now);
        std::optional<Step> step = NextStep(order, now, slow ? config_.minute * config_.slow_factor : config_.minute);
        if (step && slow && step->actor == Actor::kCentre) {
          step = NextStep(order, now, config_.minute);  // the centre itself is not slow
        }
        if (!step) continue;
        const std::string* token = &centre_token_;
        if (step->actor == Actor::kAssignedUnit) {
          auto it = unit_tokens_.find(order.assigned_unit_code());
          if (it == unit_tokens_.end()) continue;  // nobody simulates that unit
          token = &it->second;
        }
        v1::ActResponse response;
        auto act = Context(*token);
        Count(stub_->Act(act.get(), step->request, &response),
              v1::Action_Name(step->request.action()));
      }
    }
  }

  // A slow unit asks, before the deadline, for five more days (once per order).
  void MaybeAskExtension(const v1::WorkOrder& order, absl::Time now) {
    if (!order.deadlines().has_closing_due() || asked_.count(order.id())) return;
    const absl::Time due = absl::FromUnixSeconds(order.deadlines().closing_due().seconds());
    if (now >= due || static_cast<int>(Dice("ext:" + order.id()) % 100) >= config_.extension_percent) return;
    auto it = unit_tokens_.find(order.assigned_unit_code());
    if (it == unit_tokens_.end()) return;
    asked_.insert(order.id());
    v1::RequestExtensionRequest r;
    r.set_order_id(order.id());
    r.set_reason("涉及多个部门，需要现场联合勘查，申请延期。");
    r.mutable_new_due()->set_seconds(absl::ToUnixSeconds(due + absl::Hours(24 * 5)));
    v1::RequestExtensionResponse response;
    auto ctx = Context(it->second);
    grpc::Status s = stub_->RequestExtension(ctx.get(), r, &response);
    if (s.ok()) to_decide_.push_back(order.id());
    Count(s, "request_extension");
  }

  // The centre decides on the extensions asked for: most are granted.
  void DecideExtensions() {
    for (const std::string& id : to_decide_) {
      v1::DecideExtensionRequest r;
      r.set_order_id(id);
      r.set_approve(Dice("decide:" + id) % 100 < 75);
      if (!r.approve()) r.set_note("时限内可以办结，不同意延期。");
      v1::DecideExtensionResponse response;
      auto ctx = Context(centre_token_);
      Count(stub_->DecideExtension(ctx.get(), r, &response), r.approve() ? "approve_extension" : "refuse_extension");
    }
    to_decide_.clear();
  }

  void Count(const grpc::Status& s, const std::string& what) {
    if (s.ok()) {
      ++done_[what];
    } else if (s.error_code() == grpc::StatusCode::ABORTED ||
               s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      ++conflicts_;  // somebody else (a person at the demo) moved the order first
    } else {
      if (++errors_ <= 10 || errors_ % 100 == 0) {
        log::Warning("call failed", {{"what", what},
                                     {"code", std::to_string(s.error_code())},
                                     {"error", s.error_message()}});
      }
    }
  }

  void Report() {
    std::string done;
    for (const auto& [what, n] : done_)
      absl::StrAppend(&done, done.empty() ? "" : " ", what, "=", n);
    log::Info("simulated so far", {{"done", done},
                                   {"conflicts", std::to_string(conflicts_)},
                                   {"errors", std::to_string(errors_)}});
  }

  const Config config_;
  std::unique_ptr<v1::Hotline::Stub> stub_;
  const std::string run_id_;
  struct Place {
    std::string district, street;  // codes; street "" for a district-wide order
    std::string district_name, street_name;
  };
  std::vector<Place> places_;
  std::string agent_token_, centre_token_;
  std::map<std::string, std::string> unit_tokens_;  // unit code -> a handler's token
  uint64_t calls_ = 0, conflicts_ = 0, errors_ = 0;
  std::map<std::string, uint64_t> done_;  // successful calls by kind
  std::set<std::string> asked_;           // orders an extension was asked for
  std::vector<std::string> to_decide_;    // ... and not yet decided by the centre
};

}  // namespace
}  // namespace hotline::simulator

int main(int argc, char** argv) {
  using namespace hotline;
  log::SetService("simulator");
  simulator::Config c;
  config::Flags flags("hotline-simulator",
                      "drives a living demo city through the gateway: calls, and every "
                      "step of the orders' lives");
  flags.String("gateway", "HOTLINE_GATEWAY", "gateway host:port", &c.gateway);
  flags.String("tokens", "HOTLINE_TOKENS", "token file (hotline.v1.TokenFile)", &c.tokens);
  flags.String("data_dir", "HOTLINE_DATA_DIR", "folder with the unit directory", &c.data_dir);
  flags.String("write_tokens", "HOTLINE_SIM_WRITE_TOKENS",
               "write --tokens plus a handler token for every unit to this file, then exit",
               &c.write_tokens);
  flags.Int("calls_per_minute", "HOTLINE_SIM_CALLS_PER_MINUTE", "calls taken per minute",
            &c.calls_per_minute);
  flags.Duration("minute", "HOTLINE_SIM_MINUTE", "how long a simulated minute lasts", &c.minute);
  flags.Duration("sweep", "HOTLINE_SIM_SWEEP", "how often the work queues are looked at", &c.sweep);
  flags.Duration("duration", "HOTLINE_SIM_DURATION", "stop after this long (0: run until stopped)",
                 &c.duration);
  flags.Int("slow_percent", "HOTLINE_SIM_SLOW_PERCENT",
            "share of units (%) that work slowly and miss deadlines", &c.slow_percent);
  flags.Int("slow_factor", "HOTLINE_SIM_SLOW_FACTOR", "how many times as long slow units take",
            &c.slow_factor);
  flags.Int("extension_percent", "HOTLINE_SIM_EXTENSION_PERCENT",
            "share of a slow unit's orders (%) it asks an extension for", &c.extension_percent);
  CityClockFlags clock_flags;  // the services' city clock: order times are in it
  AddCityClockFlags(flags, &clock_flags);
  flags.ParseOrExit(argc, argv);
  absl::StatusOr<std::unique_ptr<Clock>> city_clock = MakeCityClock(clock_flags);
  if (!city_clock.ok()) {
    std::fprintf(stderr, "hotline-simulator: %s\n", city_clock.status().ToString().c_str());
    return 2;
  }
  c.clock = city_clock->get();
  if (c.calls_per_minute < 0 || c.minute <= absl::ZeroDuration() ||
      c.sweep <= absl::ZeroDuration()) {
    std::fprintf(stderr,
                 "hotline-simulator: need --calls_per_minute >= 0, --minute > 0, --sweep > 0\n");
    return 2;
  }

  absl::StatusOr<directory::Directory> dir = directory::Directory::LoadDataDir(c.data_dir);
  if (!dir.ok()) {
    log::Error("cannot load the directory", {{"error", dir.status().ToString()}});
    return 1;
  }
  if (!c.write_tokens.empty()) return simulator::WriteTokens(c, *dir);

  v1::TokenFile tokens;
  if (absl::Status s = config::ReadTextProto(c.tokens, &tokens); !s.ok()) {
    log::Error("cannot read tokens", {{"error", s.ToString()}});
    return 1;
  }
  std::signal(SIGINT, simulator::OnSignal);
  std::signal(SIGTERM, simulator::OnSignal);
  simulator::Simulator sim(c, *dir, tokens);
  if (!sim.ready()) {
    log::Error("the token file needs an agent and a dispatcher token", {{"tokens", c.tokens}});
    return 1;
  }
  log::Info("simulating", {{"gateway", c.gateway},
                           {"calls_per_minute", std::to_string(c.calls_per_minute)},
                           {"minute", absl::FormatDuration(c.minute)}});
  sim.Run();
  return 0;
}
