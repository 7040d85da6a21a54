// The gateway's admission limit (services/gateway/admission.h): at most
// `limit` tickets out at once, refusals counted, slots given back by the
// ticket, its gauges and counter, and no overshoot under concurrent callers.
#include <catch2/catch.hpp>

#include <prometheus/registry.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "gateway/admission.h"

namespace hotline::gateway {
namespace {

// The value of the sample `name` (with `label_value` as its only label's
// value, if given) in the registry, or -1.
double Sample(prometheus::Registry& registry, const std::string& name,
              const std::string& label_value = "") {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& m : family.metric) {
      if (!label_value.empty() && (m.label.empty() || m.label[0].value != label_value)) continue;
      return family.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return -1;
}

TEST_CASE("admission refuses the call over the cap and admits again once a slot is given back") {
  prometheus::Registry registry;
  Admission admission(2, absl::Milliseconds(100), &registry);
  CHECK(Sample(registry, "hotline_gateway_in_flight_limit") == 2);
  std::optional<Admission::Ticket> a = admission.TryEnter();
  std::optional<Admission::Ticket> b = admission.TryEnter();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(admission.in_flight() == 2);
  CHECK(Sample(registry, "hotline_gateway_in_flight") == 2);

  CHECK_FALSE(admission.TryEnter());
  CHECK_FALSE(admission.TryEnter());
  CHECK(admission.shed() == 2);
  CHECK(Sample(registry, "hotline_gateway_shed_total", "in_flight") == 2);
  CHECK(admission.in_flight() == 2);  // a refusal takes no slot

  a.reset();  // the backend answered
  CHECK(admission.in_flight() == 1);
  CHECK(Sample(registry, "hotline_gateway_in_flight") == 1);
  std::optional<Admission::Ticket> c = admission.TryEnter();
  CHECK(c);
  CHECK(admission.shed() == 2);
  CHECK(admission.retry_after() == absl::Milliseconds(100));
}

TEST_CASE("a moved admission ticket gives its slot back once") {
  Admission admission(1, absl::Milliseconds(50));
  {
    std::optional<Admission::Ticket> first = admission.TryEnter();
    REQUIRE(first);
    Admission::Ticket moved = std::move(*first);
    first.reset();  // the moved-from ticket holds nothing
    CHECK(admission.in_flight() == 1);
    CHECK_FALSE(admission.TryEnter());

    std::optional<Admission::Ticket> other;
    other = std::move(moved);
    CHECK(admission.in_flight() == 1);
  }
  CHECK(admission.in_flight() == 0);
  CHECK(admission.TryEnter());
}

TEST_CASE("admission with no cap admits everything and still counts it") {
  Admission admission(0, absl::Milliseconds(100));
  std::vector<Admission::Ticket> tickets;
  for (int i = 0; i < 1000; ++i) {
    std::optional<Admission::Ticket> t = admission.TryEnter();
    REQUIRE(t);
    tickets.push_back(std::move(*t));
  }
  CHECK(admission.in_flight() == 1000);
  CHECK(admission.shed() == 0);
  tickets.clear();
  CHECK(admission.in_flight() == 0);
}

TEST_CASE("concurrent callers never hold more admission slots than the cap") {
  constexpr int kLimit = 3;
  Admission admission(kLimit, absl::Milliseconds(100));
  std::atomic<int> holding{0};
  std::atomic<int> most{0};
  std::atomic<int64_t> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        std::optional<Admission::Ticket> ticket = admission.TryEnter();
        if (!ticket) continue;
        ++admitted;
        const int now = ++holding;
        for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
        }
        --holding;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(most.load() <= kLimit);
  CHECK(most.load() >= 1);
  CHECK(admitted.load() + admission.shed() == 8 * 20000);
  CHECK(admission.in_flight() == 0);
}

}  // namespace
}  // namespace hotline::gateway
