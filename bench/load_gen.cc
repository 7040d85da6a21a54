// hotline-loadgen: drives many unary calls at a Hotline gateway (CreateWorkOrder,
// Act, the knowledge and the scoring queries) or at an Echo server/proxy (the baseline), for a fixed time, and prints one
// line of figures:
//
//   rpc=create target=127.0.0.1:50051 concurrency=256 rate=0 channels=4 payload=372
//   ok=81234 errors=0 duration=10.0s throughput=8123.4/s p50=28.1ms p90=40.2ms
//   p99=61.0ms max=95.3ms
//
// (on one line). Two ways to load:
//   closed loop (--rate 0): --concurrency calls in flight; each completion
//     starts the next call. Finds the peak throughput.
//   open loop (--rate R): starts R calls per second evenly spaced whatever the
//     completions (at most --concurrency in flight: a call that would exceed it
//     is not started and counts as an error, "SKIPPED"). Latency is measured from
//     the time the call was due, so a stalled server shows up in the latency
//     instead of silently slowing the load down (no coordinated omission).
//
// Only calls due after --warmup and before --warmup + --duration are counted.
// Then no new call starts; the ones in flight get until their deadline.
// Exits 1 if more than 1 % of the counted calls failed (or none succeeded),
// 2 on bad flags. Every call has a deadline (--timeout).
//
// Calls are spread round-robin over --channels channels; each channel gets
// its own TCP connection (a distinct channel argument and a local subchannel
// pool), as separate client processes would.
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "config/flags.h"
#include "directory/directory.h"
#include "google/protobuf/text_format.h"
#include "hotline/v1/echo.grpc.pb.h"
#include "hotline/v1/gateway.grpc.pb.h"

namespace hotline::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Config {
  std::string target = "127.0.0.1:50051";
  std::string rpc = "create";
  std::string order_ids_file;  // urge: the orders to act on, one id a line
  // kb_lookup: code prefixes to list, one a line; kb_search: questions, one a
  // line (a TSV's first column; '#' lines skipped).
  std::string lines_file;
  std::string token;
  // hot, rank, score, explain: the request, in protobuf text format (e.g.
  // 'kind: HOT_KIND_MATTERS period { kind: PERIOD_KIND_DAY }').
  std::string request;
  int concurrency = 256;
  int rate = 0;
  int duration_s = 10;
  int warmup_s = 2;
  int channels = 1;
  int payload = -1;  // echo: <0 means the mean size of a generated create request
  absl::Duration timeout = absl::Seconds(5);
  std::string data_dir = "data";
  std::string latency_log;  // when set: one line per measured call (for finding stalls)
};

// What a create request may contain: only codes the directory knows.
struct Catalogue {
  std::vector<std::pair<std::string, std::string>> places;  // district, street ("" = none)
  std::vector<std::string> categories;                      // leaf categories
};

absl::StatusOr<Catalogue> LoadCatalogue(const std::string& data_dir) {
  absl::StatusOr<directory::Directory> dir = directory::Directory::Load(
      data_dir + "/units.textproto", data_dir + "/categories.textproto");
  if (!dir.ok()) return dir.status();
  Catalogue c;
  for (const v1::Unit& district : dir->ListUnits("", v1::UNIT_KIND_DISTRICT)) {
    c.places.emplace_back(district.code(), "");
    for (const v1::Unit& street : dir->ListUnits(district.code(), v1::UNIT_KIND_STREET)) {
      c.places.emplace_back(district.code(), street.code());
    }
  }
  std::vector<v1::Category> all = dir->ListCategories("");
  for (const v1::Category& cat : all) {
    bool parent = std::any_of(all.begin(), all.end(), [&](const v1::Category& other) {
      return other.parent_code() == cat.code();
    });
    if (!parent) c.categories.push_back(cat.code());
  }
  if (c.places.empty() || c.categories.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no districts or categories in ", data_dir));
  }
  return c;
}

// Realistic contents: what callers of a city hotline say, 70-100 characters
// (a serialized request is then about 350 bytes).
constexpr const char* kContents[] = {
    "小区楼下的工地每天晚上十一点以后还在施工，打桩机噪音非常大，严重影响居民休息，"
    "家里老人和孩子都睡不着，已经持续一个多月了，希望有关部门尽快查处，责令其停止夜间施工。",
    "我家门口的路灯已经坏了两个多星期，晚上出行很不安全，老人小孩经常摔倒，"
    "之前向物业反映过几次都没有人处理，请相关部门尽快派人维修，谢谢。",
    "咨询一下新生儿办理户口需要带哪些材料，是否可以在网上预约办理，具体流程是什么，"
    "父母一方是外地户籍的话能不能在广州落户，大概需要多长时间能办好。",
    "某餐馆长期将油污直接排入雨水管道，附近河涌发黑发臭，夏天蚊虫很多，"
    "周边居民意见很大，举报其违法排污行为，请环保部门调查处理并公开处理结果。",
    "公交线路调整后，我们小区附近没有直达地铁站的公交车了，上班族每天要多走二十分钟，"
    "非常不便，建议恢复原有线路或者在早晚高峰增加接驳班次，方便市民出行。",
    "社区医院的家庭医生服务态度非常好，耐心为我母亲解释病情，还多次上门随访，"
    "帮助我们调整用药，老人的身体恢复得很好，全家人都非常感谢，特此表扬。",
    "邻居在楼道里堆放大量杂物和纸箱，占用消防通道，存在严重的火灾隐患，"
    "我们多次上门劝说都没有效果，居委会也协调过一次，现在请求有关部门帮助处理。",
    "小区物业擅自提高停车费，没有经过业主大会表决，也没有公示收费依据，"
    "业主询问时物业态度恶劣，投诉物业公司乱收费，希望有关部门依法核查并责令整改。",
};
constexpr const char* kCallerNames[] = {"陈先生", "李女士", "王先生", "张女士", "刘先生", "黄女士"};
constexpr const char* kAddresses[] = {"天河路385号附近", "中山大道西89号小区门口",
                                      "五山路华南理工大学东门", "黄埔大道西100号",
                                      "广州大道中288号对面公交站"};
constexpr v1::OrderType kTypes[] = {
    v1::ORDER_TYPE_COMPLAINT,  v1::ORDER_TYPE_REPORT,       v1::ORDER_TYPE_HELP,
    v1::ORDER_TYPE_SUGGESTION, v1::ORDER_TYPE_CONSULTATION, v1::ORDER_TYPE_PRAISE,
    v1::ORDER_TYPE_COMPLAINT,  v1::ORDER_TYPE_COMPLAINT};
constexpr v1::Channel kChannels[] = {v1::CHANNEL_PHONE, v1::CHANNEL_PHONE, v1::CHANNEL_WEB,
                                     v1::CHANNEL_APP, v1::CHANNEL_WECHAT};

template <typename T, size_t N>
const T& Pick(const T (&items)[N], uint64_t i) {
  return items[i % N];
}

// The n-th request of this run: a fresh idempotency key, and fields that vary
// with n (deterministically, so no random generator is shared across threads).
void FillCreate(const Catalogue& cat, const std::string& run_id, uint64_t n,
                v1::CreateWorkOrderRequest* r) {
  const uint64_t h = n * 0x9E3779B97F4A7C15ULL;  // spreads consecutive n over the choices
  r->set_idempotency_key(absl::StrCat("bench-", run_id, "-", n));
  r->set_type(Pick(kTypes, h >> 7));
  r->set_urgent(h % 97 == 0);
  r->set_channel(Pick(kChannels, h >> 13));
  r->mutable_caller()->set_name(Pick(kCallerNames, h >> 17));
  r->mutable_caller()->set_phone(absl::StrFormat("13%d%08d", 5 + (h >> 21) % 5, (h >> 27) % 100000000));
  const auto& [district, street] = cat.places[(h >> 31) % cat.places.size()];
  r->mutable_location()->set_district_code(district);
  r->mutable_location()->set_street_code(street);
  r->mutable_location()->set_address(Pick(kAddresses, h >> 37));
  r->set_category_code(cat.categories[(h >> 41) % cat.categories.size()]);
  r->set_content(Pick(kContents, h >> 47));
}

const char* CodeName(int code) {
  static constexpr const char* kCodeNames[] = {
      "OK",           "CANCELLED",         "UNKNOWN",        "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND",    "ALREADY_EXISTS", "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",         "UNAVAILABLE",    "DATA_LOSS",
      "UNAUTHENTICATED"};
  return code >= 0 && code <= 16 ? kCodeNames[code] : "SKIPPED";
}
constexpr int kSkipped = 17;  // our own "code": not started, too many in flight

class LoadGen {
 public:
  LoadGen(Config config, Catalogue catalogue)
      : config_(std::move(config)),
        catalogue_(std::move(catalogue)),
        run_id_(absl::StrFormat("%x", absl::ToUnixMicros(absl::Now()))) {
    for (int i = 0; i < config_.channels; ++i) {
      grpc::ChannelArguments args;
      // A distinct argument makes a distinct subchannel, so a connection of its own.
      args.SetInt("hotline.bench_channel", i);
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetMaxReceiveMessageSize(4 << 20);
      auto channel =
          grpc::CreateCustomChannel(config_.target, grpc::InsecureChannelCredentials(), args);
      hotline_stubs_.push_back(v1::Hotline::NewStub(channel));
      echo_stubs_.push_back(v1::Echo::NewStub(channel));
    }
    if (config_.payload < 0) {
      size_t total = 0;
      v1::CreateWorkOrderRequest r;
      for (int n = 0; n < 1000; ++n) {
        FillCreate(catalogue_, run_id_, n, &r);
        total += r.ByteSizeLong();
      }
      config_.payload = static_cast<int>(total / 1000);
    }
    echo_.set_payload(std::string(config_.payload, 'x'));
    if (config_.rpc == "urge") {
      std::ifstream in(config_.order_ids_file);
      for (std::string id; std::getline(in, id);) {
        if (!id.empty()) order_ids_.push_back(id);
      }
    }
    if (config_.rpc == "hot") request_ok_ = google::protobuf::TextFormat::ParseFromString(config_.request, &hot_);
    if (config_.rpc == "rank") request_ok_ = google::protobuf::TextFormat::ParseFromString(config_.request, &rank_);
    if (config_.rpc == "score") request_ok_ = google::protobuf::TextFormat::ParseFromString(config_.request, &score_);
    if (config_.rpc == "explain") request_ok_ = google::protobuf::TextFormat::ParseFromString(config_.request, &explain_);
    if (config_.rpc == "kb_lookup" || config_.rpc == "kb_search") {
      std::ifstream in(config_.lines_file);
      for (std::string line; std::getline(in, line);) {
        line = line.substr(0, line.find('\t'));
        if (!line.empty() && line[0] != '#') lines_.push_back(line);
      }
    }
  }

  bool ready() const {
    if (config_.rpc == "urge") return !order_ids_.empty();
    if (config_.rpc == "kb_lookup" || config_.rpc == "kb_search") return !lines_.empty();
    return request_ok_;
  }

  // Runs warmup + duration, waits for the calls in flight, prints the line.
  // Returns the process exit code.
  int Run() {
    start_ = Clock::now();
    measure_from_ = start_ + std::chrono::seconds(config_.warmup_s);
    end_ = measure_from_ + std::chrono::seconds(config_.duration_s);

    if (config_.rate <= 0) {
      for (int i = 0; i < config_.concurrency; ++i) StartCall(Clock::now());
      std::this_thread::sleep_until(end_);
    } else {
      Pace();
    }
    // No new calls from here on; the ones in flight end by their deadline at the latest.
    std::unique_lock lock(mu_);
    bool drained = drained_cv_.wait_for(
        lock, absl::ToChronoNanoseconds(config_.timeout) + std::chrono::seconds(2),
        [&] { return in_flight_ == 0; });
    const int code = Report(lock);
    if (!drained) {
      // Should not happen (every call has a deadline); the calls still hold
      // pointers to this object, so leave without destroying anything.
      std::fprintf(stderr, "loadgen: %ld calls still in flight after their deadline\n",
                   static_cast<long>(in_flight_));
      std::fflush(stderr);
      std::_Exit(code == 0 ? 1 : code);
    }
    return code;
  }

 private:
  // Per call: what the callback needs. Deleted by the callback.
  template <typename Request, typename Response>
  struct Call {
    grpc::ClientContext context;
    Request request;
    Response response;
    Clock::time_point due;
    Clock::time_point started;  // when the load generator got to it (>= due)
  };

  // Open loop: call i is due at start + i / rate, whatever happened before.
  void Pace() {
    const auto interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / config_.rate));
    for (uint64_t i = 0;; ++i) {
      const auto due = start_ + i * interval;
      if (due >= end_) break;
      std::this_thread::sleep_until(due);
      bool full;
      {
        std::lock_guard lock(mu_);
        full = in_flight_ >= config_.concurrency;
      }
      if (full) {
        Record(due, kSkipped, Clock::now());
      } else {
        StartCall(due);
      }
    }
  }

  void StartCall(Clock::time_point due) {
    {
      std::lock_guard lock(mu_);
      ++in_flight_;
    }
    const uint64_t n = next_call_.fetch_add(1, std::memory_order_relaxed);
    const size_t channel = n % config_.channels;
    if (config_.rpc == "create") {
      auto* call = new Call<v1::CreateWorkOrderRequest, v1::CreateWorkOrderResponse>;
      Prepare(*call, due);
      FillCreate(catalogue_, run_id_, n, &call->request);
      hotline_stubs_[channel]->async()->CreateWorkOrder(
          &call->context, &call->request, &call->response, [this, call](grpc::Status status) {
            Done(call->due, call->started, status);
            delete call;
          });
    } else if (config_.rpc == "urge") {
      // A transition through the whole path (gateway -> dispatch: read,
      // decide, compare-and-set script answering with the order) allowed on any open
      // order; calls spread over many orders, so conflicts are rare.
      auto* call = new Call<v1::ActRequest, v1::ActResponse>;
      Prepare(*call, due);
      call->request.set_order_id(order_ids_[(n * 2654435761u) % order_ids_.size()]);
      call->request.set_action(v1::ACTION_URGE);
      call->request.set_note("bench");
      hotline_stubs_[channel]->async()->Act(
          &call->context, &call->request, &call->response, [this, call](grpc::Status status) {
            Done(call->due, call->started, status);
            delete call;
          });
    } else if (config_.rpc == "kb_lookup") {
      // Prefix lookup: one page (20) of the points under a topic, through the
      // gateway to knowledge and its Redis listing script.
      auto* call = new Call<v1::ListKnowledgePointsRequest, v1::ListKnowledgePointsResponse>;
      Prepare(*call, due);
      call->request.set_prefix(lines_[(n * 2654435761u) % lines_.size()]);
      call->request.set_page_size(20);
      hotline_stubs_[channel]->async()->ListKnowledgePoints(
          &call->context, &call->request, &call->response, [this, call](grpc::Status status) {
            Done(call->due, call->started, status);
            delete call;
          });
    } else if (config_.rpc == "kb_search") {
      // A citizen's question, searched in the replica's in-memory index.
      auto* call = new Call<v1::SearchKnowledgeRequest, v1::SearchKnowledgeResponse>;
      Prepare(*call, due);
      call->request.set_query(lines_[n % lines_.size()]);
      call->request.set_limit(10);
      hotline_stubs_[channel]->async()->SearchKnowledge(
          &call->context, &call->request, &call->response, [this, call](grpc::Status status) {
            Done(call->due, call->started, status);
            delete call;
          });
    } else if (config_.rpc == "hot") {
      // The scoring queries: the same request each time (the service reads
      // Redis afresh for every call).
      Issue<v1::GetHotSpotsResponse>(hot_, due, [&](auto... a) { hotline_stubs_[channel]->async()->GetHotSpots(a...); });
    } else if (config_.rpc == "rank") {
      Issue<v1::RankUnitsResponse>(rank_, due, [&](auto... a) { hotline_stubs_[channel]->async()->RankUnits(a...); });
    } else if (config_.rpc == "score") {
      Issue<v1::GetUnitScoreResponse>(score_, due,
                                      [&](auto... a) { hotline_stubs_[channel]->async()->GetUnitScore(a...); });
    } else if (config_.rpc == "explain") {
      Issue<v1::ExplainScoreResponse>(explain_, due,
                                      [&](auto... a) { hotline_stubs_[channel]->async()->ExplainScore(a...); });
    } else {
      auto* call = new Call<v1::EchoRequest, v1::EchoResponse>;
      Prepare(*call, due);
      call->request = echo_;
      echo_stubs_[channel]->async()->Echo(
          &call->context, &call->request, &call->response, [this, call](grpc::Status status) {
            Done(call->due, call->started, status);
            delete call;
          });
    }
  }

  // Starts `request` through `send` (a stub's async method taking context,
  // request, response and callback).
  template <typename Response, typename Request, typename Send>
  void Issue(const Request& request, Clock::time_point due, Send send) {
    auto* call = new Call<Request, Response>;
    Prepare(*call, due);
    call->request = request;
    send(&call->context, &call->request, &call->response, [this, call](grpc::Status status) {
      Done(call->due, call->started, status);
      delete call;
    });
  }

  template <typename Request, typename Response>
  void Prepare(Call<Request, Response>& call, Clock::time_point due) {
    call.due = due;
    call.started = Clock::now();
    // gRPC deadlines are system_clock time points; the budget counts from when
    // the call was due.
    const auto late = call.started - due;
    call.context.set_deadline(std::chrono::system_clock::now() +
                              absl::ToChronoNanoseconds(config_.timeout) -
                              std::chrono::duration_cast<std::chrono::nanoseconds>(late));
    if (!config_.token.empty()) {
      call.context.AddMetadata("authorization", "Bearer " + config_.token);
    }
  }

  // Runs on a gRPC thread when a call ends.
  void Done(Clock::time_point due, Clock::time_point started, const grpc::Status& status) {
    const auto now = Clock::now();
    const bool next = config_.rate <= 0 && now < end_;  // closed loop: keep it going
    {
      std::lock_guard lock(mu_);
      RecordLocked(due, status.error_code(), now, started);
      if (!status.ok()) {
        std::string& first = first_error_[status.error_code()];
        if (first.empty()) first = status.error_message().empty() ? "-" : status.error_message();
      }
      --in_flight_;
      if (in_flight_ == 0 && !next) drained_cv_.notify_all();
    }
    if (next) StartCall(now);
  }

  void Record(Clock::time_point due, int code, Clock::time_point now) {
    std::lock_guard lock(mu_);
    RecordLocked(due, code, now, now);
  }

  void RecordLocked(Clock::time_point due, int code, Clock::time_point now,
                    Clock::time_point started) {
    if (due < measure_from_ || due >= end_) return;
    ++count_by_code_[code];
    if (code == 0) {
      latencies_us_.push_back(Micros(now - due));
      start_late_us_.push_back(Micros(started - due));
    }
    if (!config_.latency_log.empty()) {
      log_.push_back({Micros(due - start_), Micros(started - due), Micros(now - due), code});
    }
  }

  static int64_t Micros(Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  }

  // One line per measured call: when it was due (us since start), how late the
  // load generator started it, its latency (both us, from due), its code.
  void WriteLatencyLog() {
    std::ofstream out(config_.latency_log);
    // The start on the steady clock (CLOCK_MONOTONIC), to line the log up with other traces.
    out << "# start_steady_us=" << Micros(start_.time_since_epoch()) << '\n';
    out << "due_us start_late_us latency_us code\n";
    for (const LogEntry& e : log_) {
      out << e.due_us << ' ' << e.start_late_us << ' ' << e.latency_us << ' ' << e.code << '\n';
    }
  }

  int Report(std::unique_lock<std::mutex>& lock) {
    const int64_t ok = count_by_code_[0];
    int64_t errors = 0;
    std::string by_code;
    for (int code = 1; code <= kSkipped; ++code) {
      if (count_by_code_[code] == 0) continue;
      errors += count_by_code_[code];
      absl::StrAppend(&by_code, by_code.empty() ? "" : ",", CodeName(code), ":",
                      count_by_code_[code]);
    }
    std::sort(latencies_us_.begin(), latencies_us_.end());
    std::sort(start_late_us_.begin(), start_late_us_.end());
    auto pct = [](const std::vector<int64_t>& sorted, double p) -> double {
      if (sorted.empty()) return 0;
      size_t i = static_cast<size_t>(p * (sorted.size() - 1) + 0.5);
      return sorted[i] / 1000.0;
    };
    const double seconds = config_.duration_s;
    std::printf(
        "rpc=%s target=%s concurrency=%d rate=%d channels=%d payload=%d ok=%ld errors=%ld%s%s "
        "duration=%.1fs throughput=%.1f/s p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms",
        config_.rpc.c_str(), config_.target.c_str(), config_.concurrency, config_.rate,
        config_.channels, config_.rpc == "echo" ? config_.payload : 0, static_cast<long>(ok),
        static_cast<long>(errors), by_code.empty() ? "" : " error_codes=", by_code.c_str(),
        seconds, ok / seconds, pct(latencies_us_, 0.50), pct(latencies_us_, 0.90),
        pct(latencies_us_, 0.99), latencies_us_.empty() ? 0.0 : latencies_us_.back() / 1000.0);
    if (config_.rate > 0) {
      // Open loop: how late the load generator itself started calls (part of
      // the latency above; large values mean the client, not the server, lagged).
      std::printf(" start_late_p99=%.2fms", pct(start_late_us_, 0.99));
    }
    std::printf("\n");
    if (!config_.latency_log.empty()) WriteLatencyLog();
    std::fflush(stdout);
    // The client shares the CPU with the servers: say how much it took.
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto secs = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    std::fprintf(stderr, "loadgen: cpu_seconds=%.2f wall_seconds=%.2f\n",
                 secs(usage.ru_utime) + secs(usage.ru_stime),
                 std::chrono::duration<double>(Clock::now() - start_).count());
    for (const auto& [code, message] : first_error_) {
      std::fprintf(stderr, "loadgen: first %s: %s\n", CodeName(code), message.c_str());
    }
    const int64_t total = ok + errors;
    if (ok == 0 || errors * 100 > total) {
      std::fprintf(stderr, "loadgen: %ld of %ld calls failed (more than 1 %%)\n",
                   static_cast<long>(errors), static_cast<long>(total));
      return 1;
    }
    return 0;
  }

  Config config_;
  const Catalogue catalogue_;
  const std::string run_id_;  // makes idempotency keys unique across runs
  std::vector<std::unique_ptr<v1::Hotline::Stub>> hotline_stubs_;
  std::vector<std::unique_ptr<v1::Echo::Stub>> echo_stubs_;
  v1::EchoRequest echo_;
  std::vector<std::string> order_ids_;  // urge
  std::vector<std::string> lines_;      // kb_lookup prefixes, kb_search questions
  v1::GetHotSpotsRequest hot_;          // hot, rank, score, explain: --request
  v1::RankUnitsRequest rank_;
  v1::GetUnitScoreRequest score_;
  v1::ExplainScoreRequest explain_;
  bool request_ok_ = true;
  Clock::time_point start_, measure_from_, end_;
  std::atomic<uint64_t> next_call_{0};

  std::mutex mu_;
  std::condition_variable drained_cv_;
  int64_t in_flight_ = 0;                      // guarded by mu_
  std::array<int64_t, kSkipped + 1> count_by_code_{};  // guarded by mu_
  std::vector<int64_t> latencies_us_;          // guarded by mu_; ok calls only
  std::vector<int64_t> start_late_us_;         // guarded by mu_; ok calls only
  struct LogEntry {
    int64_t due_us, start_late_us, latency_us;
    int code;
  };
  std::vector<LogEntry> log_;                  // guarded by mu_; --latency_log only
  std::map<int, std::string> first_error_;     // guarded by mu_
};

}  // namespace
}  // namespace hotline::bench

int main(int argc, char** argv) {
  using namespace hotline;
  bench::Config c;
  config::Flags flags("hotline-loadgen",
                      "drives CreateWorkOrder (through the gateway) or Echo calls for a fixed "
                      "time and prints throughput and latency percentiles");
  flags.String("target", "HOTLINE_BENCH_TARGET", "host:port of the gateway or echo server",
               &c.target);
  flags.String("rpc", "HOTLINE_BENCH_RPC",
               "create | echo | urge (a supervision mark on orders of --order_ids) | kb_lookup | kb_search | "
               "hot | rank | score | explain (GetHotSpots, RankUnits, GetUnitScore, ExplainScore of --request)",
               &c.rpc);
  flags.String("request", "HOTLINE_BENCH_REQUEST", "hot, rank, score, explain: the request in protobuf text format",
               &c.request);
  flags.String("order_ids", "HOTLINE_BENCH_ORDER_IDS", "urge: file of order ids, one a line",
               &c.order_ids_file);
  flags.String("lines", "HOTLINE_BENCH_LINES",
               "kb_lookup: code prefixes, one a line; kb_search: questions (TSV first column)",
               &c.lines_file);
  flags.String("token", "HOTLINE_BENCH_TOKEN", "bearer token sent with every call", &c.token);
  flags.Int("concurrency", "HOTLINE_BENCH_CONCURRENCY",
            "closed loop: calls in flight; open loop: most calls in flight", &c.concurrency);
  flags.Int("rate", "HOTLINE_BENCH_RATE", "open loop: calls started per second (0: closed loop)",
            &c.rate);
  flags.Int("duration", "HOTLINE_BENCH_DURATION", "seconds measured", &c.duration_s);
  flags.Int("warmup", "HOTLINE_BENCH_WARMUP", "seconds of load before measuring", &c.warmup_s);
  flags.Int("channels", "HOTLINE_BENCH_CHANNELS", "gRPC channels (TCP connections)", &c.channels);
  flags.Int("payload", "HOTLINE_BENCH_PAYLOAD",
            "echo payload bytes (-1: the mean size of a generated create request)", &c.payload);
  flags.Duration("timeout", "HOTLINE_BENCH_TIMEOUT", "deadline of every call", &c.timeout);
  flags.String("data_dir", "HOTLINE_DATA_DIR",
               "create: folder with units.textproto and categories.textproto (the codes used)",
               &c.data_dir);
  flags.String("latency_log", "HOTLINE_BENCH_LATENCY_LOG",
               "write one line per measured call (due time, start lateness, latency) here",
               &c.latency_log);
  flags.ParseOrExit(argc, argv);

  const bool known_rpc = c.rpc == "create" || c.rpc == "echo" || c.rpc == "urge" ||
                         c.rpc == "kb_lookup" || c.rpc == "kb_search" || c.rpc == "hot" || c.rpc == "rank" ||
                         c.rpc == "score" || c.rpc == "explain";
  if (!known_rpc || c.concurrency < 1 || c.rate < 0 ||
      c.duration_s < 1 || c.warmup_s < 0 || c.channels < 1 || c.timeout <= absl::ZeroDuration()) {
    std::fprintf(stderr,
                 "hotline-loadgen: need --rpc create|echo|urge|kb_lookup|kb_search|hot|rank|score|explain, --concurrency >= 1, "
                 "--rate >= 0, "
                 "--duration >= 1, --warmup >= 0, --channels >= 1, --timeout > 0\n");
    return 2;
  }
  absl::StatusOr<bench::Catalogue> catalogue = bench::LoadCatalogue(c.data_dir);
  if (!catalogue.ok()) {
    std::fprintf(stderr, "hotline-loadgen: %s\n", catalogue.status().ToString().c_str());
    return 2;
  }
  bench::LoadGen gen(std::move(c), std::move(*catalogue));
  if (!gen.ready()) {
    std::fprintf(stderr,
                 "hotline-loadgen: --rpc urge needs --order_ids with order ids; kb_lookup and "
                 "kb_search need --lines; hot, rank, score and explain a --request the request type parses\n");
    return 2;
  }
  return gen.Run();
}
