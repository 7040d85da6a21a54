// hotline-kb-gen: fills a Redis with N knowledge points generated from the
// seed (data/knowledge), for the knowledge benchmark, and measures what the
// search index costs in-process. Prints:
//
//   kb-gen: stored 100000 points in 6.1 s (16393/s)
//   kb-gen: index build 100000 points in 21.4 s (4673 points/s), memory 9876 bytes/point (RSS +987 MB)
//
// Point i copies seed point i % seed size under a generated code
// KB.DD.TT.NNN (domains 30..99, 20 topics each, 72 items a topic), with the
// number in its title so no two are the same. Writes the topic prefixes
// (KB.DD.TT, one a line) to --prefixes_out for the lookup load.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "config/flags.h"
#include "config/text_proto.h"
#include "directory/directory.h"
#include "knowledge_points/point_validation.h"
#include "knowledge_points/redis_knowledge_store.h"
#include "knowledge/search_index.h"
#include "knowledge_points/seed.h"
#include "redis/client.h"

namespace {

// Resident set size of this process, bytes.
long long RssBytes() {
  std::ifstream statm("/proc/self/statm");
  long long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// CPU time of this thread, ms: unlike the wall clock, not inflated by other
// processes on a busy machine.
double ThreadCpuMs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

std::string CodeOf(int i) {
  return absl::StrFormat("KB.%02d.%02d.%03d", 30 + i / 1440, 1 + (i / 72) % 20, 1 + i % 72);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hotline;
  std::string redis_address = "127.0.0.1:6379";
  std::string data_dir = "data";
  std::string prefixes_out;
  std::string queries;
  int search_limit = 10;
  int points = 100000;
  bool store = true;
  bool measure_index = true;
  config::Flags flags("hotline-kb-gen", "generates knowledge points from the seed for the benchmark");
  flags.String("redis", "HOTLINE_REDIS", "Redis host:port to store them in", &redis_address);
  flags.String("data_dir", "HOTLINE_DATA_DIR", "units and knowledge/ seed", &data_dir);
  flags.String("prefixes_out", "HOTLINE_BENCH_PREFIXES", "write the topic prefixes here", &prefixes_out);
  flags.String("queries", "HOTLINE_BENCH_QUERIES",
               "also time in-process searches of these questions (TSV first column)", &queries);
  flags.Int("search_limit", "HOTLINE_BENCH_SEARCH_LIMIT", "hits per in-process search", &search_limit);
  flags.Int("points", "HOTLINE_BENCH_POINTS", "how many (at most 100800)", &points);
  flags.Bool("store", "HOTLINE_BENCH_STORE", "store them in Redis (else only measure the index)", &store);
  flags.Bool("measure_index", "HOTLINE_BENCH_MEASURE_INDEX",
             "build the index in this process and print its cost (off: only store)", &measure_index);
  flags.ParseOrExit(argc, argv);
  if (points < 1 || points > 70 * 1440) {
    std::fprintf(stderr, "kb-gen: --points must be 1..100800\n");
    return 2;
  }

  absl::StatusOr<directory::Directory> dir = directory::Directory::LoadDataDir(data_dir);
  if (!dir.ok()) {
    std::fprintf(stderr, "kb-gen: %s\n", dir.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<knowledge::SeedBase> seed = knowledge::LoadSeedDir(
      data_dir + "/knowledge", [&](absl::string_view u) { return dir->FindUnit(u) != nullptr; });
  v1::KnowledgeSearchSettings settings;
  if (!seed.ok() || seed->points.empty() ||
      !config::ReadTextProto(data_dir + "/knowledge_search.textproto", &settings).ok()) {
    std::fprintf(stderr, "kb-gen: cannot load the seed or the search settings\n");
    return 1;
  }

  std::vector<v1::KnowledgePoint> generated;
  generated.reserve(points);
  const absl::Time now = absl::Now();
  for (int i = 0; i < points; ++i) {
    v1::KnowledgePoint p = knowledge::FromSeed(seed->points[i % seed->points.size()]);
    p.set_code(CodeOf(i));
    p.set_title(absl::StrCat(p.title(), "（", i, "）"));
    p.set_status(v1::KNOWLEDGE_STATUS_PUBLISHED);
    p.set_version(1);
    p.mutable_updated_at()->set_seconds(absl::ToUnixSeconds(now));
    p.mutable_updated_by()->set_user_id("bench");
    generated.push_back(std::move(p));
  }
  if (!prefixes_out.empty()) {
    std::ofstream out(prefixes_out);
    std::string last;
    for (const auto& p : generated) {
      std::string topic = p.code().substr(0, 8);
      if (topic != last) out << topic << "\n";
      last = topic;
    }
  }

  if (store) {
    absl::StatusOr<std::pair<std::string, int>> addr = redis::ParseAddress(redis_address);
    if (!addr.ok()) {
      std::fprintf(stderr, "kb-gen: --redis: %s\n", addr.status().ToString().c_str());
      return 2;
    }
    redis::Client redis(redis::Options{.host = addr->first, .port = addr->second, .connections = 4});
    knowledge::RedisKnowledgeStore kb(redis);
    const absl::Time start = absl::Now();
    constexpr int kBatch = 2000;
    int failed = 0;
    for (int from = 0; from < points; from += kBatch) {
      const int n = std::min(kBatch, points - from);
      absl::BlockingCounter pending(n);
      std::atomic<int> batch_failed{0};
      for (int i = from; i < from + n; ++i) {
        kb.Put(generated[i], 0, [&](absl::StatusOr<v1::KnowledgePoint> r) {
          if (!r.ok() && !absl::IsAlreadyExists(r.status())) ++batch_failed;
          pending.DecrementCount();
        });
      }
      pending.Wait();
      failed += batch_failed;
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    std::printf("kb-gen: stored %d points in %.1f s (%.0f/s), %d failed\n", points, seconds,
                points / seconds, failed);
    if (failed > 0) return 1;
  }
  if (!measure_index) return 0;

  // The index a replica builds, in this process: time and resident memory.
  const long long rss_before = RssBytes();
  const absl::Time start = absl::Now();
  knowledge::SearchIndex index(settings, seed->synonyms);
  for (const auto& p : generated) index.Upsert(p);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const long long grown = RssBytes() - rss_before;
  std::printf("kb-gen: index build %d points in %.1f s (%.0f points/s), memory %lld bytes/point "
              "(RSS +%lld MB)\n",
              points, seconds, points / seconds, grown / points, grown >> 20);
  if (!queries.empty()) {
    std::vector<std::string> questions;
    std::ifstream in(queries);
    for (std::string line; std::getline(in, line);) {
      line = line.substr(0, line.find('\t'));
      if (!line.empty() && line[0] != '#') questions.push_back(line);
    }
    std::vector<double> ms, cpu_ms;
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    for (int round = 0; round < 3; ++round) {
      for (const std::string& q : questions) {
        const absl::Time t0 = absl::Now();
        const double cpu0 = ThreadCpuMs();
        auto r = index.Search({.text = q, .limit = search_limit, .today = today});
        cpu_ms.push_back(ThreadCpuMs() - cpu0);
        ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
        if (!r.ok()) return 1;
      }
    }
    std::sort(ms.begin(), ms.end());
    std::sort(cpu_ms.begin(), cpu_ms.end());
    std::printf("kb-gen: in-process search over %d points: %zu searches, p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
                "CPU time p50 %.2f ms, p99 %.2f ms\n",
                points, ms.size(), ms[ms.size() / 2], ms[ms.size() * 99 / 100], ms.back(),
                cpu_ms[cpu_ms.size() / 2], cpu_ms[cpu_ms.size() * 99 / 100]);
  }
  std::fflush(stdout);
  return 0;
}
