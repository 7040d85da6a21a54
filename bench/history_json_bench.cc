// hotline-history-json-bench: entries/s of protobuf's JSON parser and of the
// fast reader (libs/orders/history_json.h) on stored history entries as the
// store holds them (printed by HistoryEntryToJson, sealed by
// history_chain.lua). Usage: hotline-history-json-bench [ENTRIES]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "orders/history_json.h"
#include "orders/order_record.h"

namespace {

using hotline::v1::HistoryEntry;

std::vector<std::string> StoredEntries(int n) {
  static const char* const kActions[] = {"create", "dispatch", "sign", "reply", "approve", "callback", "close"};
  std::vector<std::string> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    HistoryEntry e;
    e.set_seq(i % 9 + 1);
    *e.mutable_at() = hotline::FromMillis(1764547200123 + i * 60'017LL);
    e.mutable_actor()->set_user_id("user" + std::to_string(i % 500));
    e.mutable_actor()->set_role(static_cast<hotline::v1::Role>(i % 5 + 1));
    e.mutable_actor()->set_unit_code("44010600" + std::to_string(i % 10));
    e.set_action(kActions[i % 7]);
    e.set_from_state(static_cast<hotline::v1::OrderState>(i % 8 + 1));
    e.set_to_state(static_cast<hotline::v1::OrderState>(i % 8 + 2));
    e.set_unit_code("440106001");
    if (i % 3 == 0) e.set_note("已签收，安排人员前往天河路385号现场处理");
    std::string json = hotline::orders::HistoryEntryToJson(e);
    json.pop_back();
    json += R"(,"prev_hash":"0a1b2c3d4e5f60718293a4b5c6d7e8f901234567","hash":"ffeeddccbbaa99887766554433221100ffeeddcc"})";
    out.push_back(std::move(json));
  }
  return out;
}

template <typename Parse>
double EntriesPerSecond(const std::vector<std::string>& entries, Parse parse) {
  const auto start = std::chrono::steady_clock::now();
  long accepted = 0;
  for (const std::string& json : entries) {
    HistoryEntry e;
    accepted += parse(json, &e) ? 1 : 0;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (accepted != static_cast<long>(entries.size())) {
    std::fprintf(stderr, "history-json-bench: %ld of %zu entries read\n", accepted, entries.size());
    std::exit(1);
  }
  return static_cast<double>(entries.size()) / s;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 200000;
  if (n <= 0) {
    std::fprintf(stderr, "usage: hotline-history-json-bench [ENTRIES > 0]\n");
    return 2;
  }
  const std::vector<std::string> entries = StoredEntries(n);
  const double slow = EntriesPerSecond(entries, hotline::orders::ProtobufHistoryEntryFromJson);
  const double fast = EntriesPerSecond(entries, hotline::orders::FastHistoryEntryFromJson);
  std::printf("entries=%d protobuf_entries_per_s=%.0f fast_entries_per_s=%.0f speedup=%.1fx\n", n, slow,
              fast, fast / slow);
  return 0;
}
