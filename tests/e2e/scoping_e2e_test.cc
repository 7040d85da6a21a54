// Unit scoping through the real stack, for every RPC of the gateway: orders
// are seeded in two districts (天河 440106 and 越秀 440104); for each method
// of hotline.v1.Hotline, read from the service descriptor, a handler of 天河
// tries to read, list, see in a queue, act on and learn the state of 越秀's
// orders, and learns nothing: NOT_FOUND worded as for a missing order, a
// refused listing, or an answer that carries none of 越秀's data. A method
// without a case here fails the test, so a new RPC cannot be forgotten.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "e2e/stack.h"
#include "hotline/v1/gateway.grpc.pb.h"
#include "hotline/v1/gateway.pb.h"

namespace hotline::testing {
namespace {

// Marks only 越秀's order carries, so that any answer holding its personal
// data or content can be recognised.
constexpr char kSecretContent[] = "越秀区专用标记：东风路某号楼道堆放杂物严重";
constexpr char kSecretName[] = "越秀居民甲";
constexpr char kSecretPhone[] = "13911112222";
constexpr char kSharedKey[] = "scoping-shared-key-1";

class Seeded {
 public:
  Seeded() : stack_(Options()), stub_(stack_.NewClient()) {
    tianhe_order_ = Create("440106", "天河区的噪声投诉，仅作对照。", "天河居民乙", "13833334444");
    yuexiu_order_ = Create("440104", kSecretContent, kSecretName, kSecretPhone);
    WaitFor(tianhe_order_, v1::ORDER_STATE_DISPATCHED);
    WaitFor(yuexiu_order_, v1::ORDER_STATE_DISPATCHED);
    // 越秀 signs with a key: its state (SIGNED) is what 天河 must not learn,
    // and its key what 天河 must not replay.
    v1::ActRequest sign;
    sign.set_order_id(yuexiu_order_);
    sign.set_action(v1::ACTION_SIGN);
    sign.set_idempotency_key(kSharedKey);
    v1::ActResponse signed_order;
    auto ctx = CallContext(kYuexiuToken);
    grpc::Status s = stub_->Act(ctx.get(), sign, &signed_order);
    INFO(s.error_message());
    REQUIRE(s.ok());
    REQUIRE(signed_order.order().state() == v1::ORDER_STATE_SIGNED);
    // An order number of the same day that does not exist.
    missing_order_ = absl::StrCat(yuexiu_order_.substr(0, yuexiu_order_.size() - 6), "999999");
  }

  v1::Hotline::Stub& stub() { return *stub_; }
  Stack& stack() { return stack_; }
  const std::string& tianhe_order() const { return tianhe_order_; }
  const std::string& yuexiu_order() const { return yuexiu_order_; }
  const std::string& missing_order() const { return missing_order_; }

 private:
  static Stack::Options Options() {
    Stack::Options o;
    o.sla_replicas = 1;
    o.scoring_replicas = 1;
    return o;
  }
  std::string Create(const std::string& district, const std::string& content,
                     const std::string& name, const std::string& phone) {
    v1::CreateWorkOrderRequest r = SampleComplaint();
    r.mutable_location()->set_district_code(district);
    if (district != "440106") r.mutable_location()->clear_street_code();
    r.set_content(content);
    r.mutable_caller()->set_name(name);
    r.mutable_caller()->set_phone(phone);
    auto ctx = CallContext(kAgentToken);
    v1::CreateWorkOrderResponse response;
    grpc::Status s = stub_->CreateWorkOrder(ctx.get(), r, &response);
    INFO(s.error_message());
    REQUIRE(s.ok());
    return response.order().id();
  }
  void WaitFor(const std::string& id, v1::OrderState state) {
    for (int i = 0; i < 200; ++i) {
      auto ctx = CallContext(kDispatcherToken);
      v1::GetWorkOrderRequest r;
      r.set_id(id);
      v1::GetWorkOrderResponse response;
      if (stub_->GetWorkOrder(ctx.get(), r, &response).ok() && response.order().state() == state) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("order " << id << " did not reach " << v1::OrderState_Name(state));
  }

  Stack stack_;
  std::unique_ptr<v1::Hotline::Stub> stub_;
  std::string tianhe_order_, yuexiu_order_, missing_order_;
};

// What a caller got: status and (serialized) answer.
struct Outcome {
  grpc::Status status;
  std::string answer;  // the response's bytes and its debug text
};

template <typename Request, typename Response, typename Method>
Outcome Call(v1::Hotline::Stub& stub, Method method, const std::string& token,
             const Request& request) {
  auto ctx = CallContext(token);
  Response response;
  Outcome out;
  out.status = (stub.*method)(ctx.get(), request, &response);
  out.answer = response.SerializeAsString() + response.DebugString();
  return out;
}

// Nothing of 越秀's order in the answer or the error: not its number (unless
// the error only echoes the number asked about, as for a missing order), its
// content, caller, nor its state's name.
void CheckNothingOf(const Seeded& w, const Outcome& out, bool echoes_number = false) {
  INFO("status " << out.status.error_code() << ": " << out.status.error_message());
  const std::string message =
      echoes_number ? absl::StrReplaceAll(out.status.error_message(), {{w.yuexiu_order(), "ID"}})
                    : out.status.error_message();
  const std::string all = out.answer + message;
  CHECK(all.find(w.yuexiu_order()) == std::string::npos);
  CHECK(all.find(kSecretContent) == std::string::npos);
  CHECK(all.find(kSecretName) == std::string::npos);
  CHECK(all.find("****2222") == std::string::npos);  // not even its masked phone
  CHECK(out.status.error_message().find("SIGNED") == std::string::npos);
  CHECK(out.status.error_message().find("signed") == std::string::npos);
}

// The answer about 越秀's order is the answer about an order that does not
// exist, word for word (but for the number).
void CheckSameAsMissing(const Seeded& w, const Outcome& theirs, const Outcome& missing) {
  INFO("theirs: " << theirs.status.error_code() << " " << theirs.status.error_message());
  INFO("missing: " << missing.status.error_code() << " " << missing.status.error_message());
  CHECK(theirs.status.error_code() == missing.status.error_code());
  CHECK(absl::StrReplaceAll(theirs.status.error_message(), {{w.yuexiu_order(), "ID"}}) ==
        absl::StrReplaceAll(missing.status.error_message(), {{w.missing_order(), "ID"}}));
  CheckNothingOf(w, theirs, /*echoes_number=*/true);
}

void CheckDenied(const Seeded& w, const Outcome& out) {
  CHECK(out.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CheckNothingOf(w, out);
}

using Case = std::function<void(Seeded&)>;
using S = v1::Hotline::Stub;

std::map<std::string, Case> Cases() {
  std::map<std::string, Case> c;
  c["WhoAmI"] = [](Seeded& w) {
    CheckNothingOf(w, Call<v1::WhoAmIRequest, v1::WhoAmIResponse>(w.stub(), &S::WhoAmI,
                                                                   kHandlerToken, {}));
  };
  c["CreateWorkOrder"] = [](Seeded& w) {
    // Handlers do not create; and the agent's key space is the agent's own:
    // the dispatcher reusing 越秀's signing key (or any key of another user)
    // gets a new order, not a replay nor "key already used".
    v1::CreateWorkOrderRequest r = SampleComplaint();
    r.set_idempotency_key(kSharedKey);
    CheckDenied(w, Call<v1::CreateWorkOrderRequest, v1::CreateWorkOrderResponse>(
                       w.stub(), &S::CreateWorkOrder, kHandlerToken, r));
    r.set_idempotency_key("scoping-create-key");
    auto create = [&](const char* token) {
      auto ctx = CallContext(token);
      v1::CreateWorkOrderResponse response;
      grpc::Status s = w.stub().CreateWorkOrder(ctx.get(), r, &response);
      INFO(s.error_message());
      REQUIRE(s.ok());
      return response;
    };
    v1::CreateWorkOrderResponse first = create(kAgentToken);
    r.set_content("另一位同事用了同一个幂等键，但这是另一件事。");
    v1::CreateWorkOrderResponse second = create(kDispatcherToken);
    CHECK_FALSE(second.replayed());
    CHECK(second.order().id() != first.order().id());
    CHECK(create(kDispatcherToken).replayed());  // its own retry is still a replay
  };
  c["GetWorkOrder"] = [](Seeded& w) {
    auto get = [&](const std::string& id) {
      v1::GetWorkOrderRequest r;
      r.set_id(id);
      return Call<v1::GetWorkOrderRequest, v1::GetWorkOrderResponse>(w.stub(), &S::GetWorkOrder,
                                                                     kHandlerToken, r);
    };
    REQUIRE(get(w.tianhe_order()).status.ok());  // its own: the check can fail
    CheckSameAsMissing(w, get(w.yuexiu_order()), get(w.missing_order()));
    CHECK(get(w.yuexiu_order()).status.error_code() == grpc::StatusCode::NOT_FOUND);
  };
  c["ListWorkOrders"] = [](Seeded& w) {
    v1::ListWorkOrdersRequest all;
    all.set_page_size(200);
    Outcome mine = Call<v1::ListWorkOrdersRequest, v1::ListWorkOrdersResponse>(
        w.stub(), &S::ListWorkOrders, kHandlerToken, all);
    REQUIRE(mine.status.ok());
    CHECK(mine.answer.find(w.tianhe_order()) != std::string::npos);
    CheckNothingOf(w, mine);
    v1::ListWorkOrdersRequest by_district = all;
    by_district.set_district_code("440104");
    CheckNothingOf(w, Call<v1::ListWorkOrdersRequest, v1::ListWorkOrdersResponse>(
                          w.stub(), &S::ListWorkOrders, kHandlerToken, by_district));
    v1::ListWorkOrdersRequest by_unit = all;
    by_unit.set_unit_code("440104");
    CheckDenied(w, Call<v1::ListWorkOrdersRequest, v1::ListWorkOrdersResponse>(
                       w.stub(), &S::ListWorkOrders, kHandlerToken, by_unit));
    v1::ListWorkOrdersRequest signed_ones = all;
    signed_ones.set_state(v1::ORDER_STATE_SIGNED);
    CheckNothingOf(w, Call<v1::ListWorkOrdersRequest, v1::ListWorkOrdersResponse>(
                          w.stub(), &S::ListWorkOrders, kHandlerToken, signed_ones));
  };
  c["Act"] = [](Seeded& w) {
    auto act = [&](const std::string& id, const std::function<void(v1::ActRequest&)>& fill) {
      v1::ActRequest r;
      r.set_order_id(id);
      fill(r);
      return Call<v1::ActRequest, v1::ActResponse>(w.stub(), &S::Act, kHandlerToken, r);
    };
    // Every action, plain, with a stale version, and with 越秀's own key (a
    // replay would hand over the order): as for a missing order.
    for (int a = v1::Action_MIN + 1; a <= v1::Action_MAX; ++a) {
      auto plain = [a](v1::ActRequest& r) {
        r.set_action(static_cast<v1::Action>(a));
        r.set_note("试探");
        r.set_unit_code("440106");
        r.set_rating(v1::RATING_SATISFIED);
      };
      INFO("action " << v1::Action_Name(a));
      CheckSameAsMissing(w, act(w.yuexiu_order(), plain), act(w.missing_order(), plain));
      auto stale = [&](v1::ActRequest& r) {
        plain(r);
        r.set_expected_version(99);
      };
      CheckSameAsMissing(w, act(w.yuexiu_order(), stale), act(w.missing_order(), stale));
    }
    auto replay = [](v1::ActRequest& r) {
      r.set_action(v1::ACTION_SIGN);
      r.set_idempotency_key(kSharedKey);
    };
    Outcome replayed = act(w.yuexiu_order(), replay);
    CHECK(replayed.status.error_code() == grpc::StatusCode::NOT_FOUND);
    CheckSameAsMissing(w, replayed, act(w.missing_order(), replay));
    // Linking its own order to 越秀's as master tells nothing either.
    auto link_to = [](const std::string& master) {
      return [master](v1::ActRequest& r) {
        r.set_action(v1::ACTION_LINK_DUPLICATE);
        r.set_master_order_id(master);
      };
    };
    Outcome theirs = act(w.tianhe_order(), link_to(w.yuexiu_order()));
    Outcome missing = act(w.tianhe_order(), link_to(w.missing_order()));
    CHECK(theirs.status.error_code() == missing.status.error_code());
    CheckNothingOf(w, theirs);
    // The same key on its own order is its own key: done, not a replay.
    v1::ActRequest sign;
    sign.set_order_id(w.tianhe_order());
    sign.set_action(v1::ACTION_SIGN);
    sign.set_idempotency_key(kSharedKey);
    auto ctx = CallContext(kHandlerToken);
    v1::ActResponse signed_order;
    grpc::Status s = w.stub().Act(ctx.get(), sign, &signed_order);
    INFO(s.error_message());
    REQUIRE(s.ok());
    CHECK_FALSE(signed_order.replayed());
    CHECK(signed_order.order().state() == v1::ORDER_STATE_SIGNED);
  };
  c["ListQueue"] = [](Seeded& w) {
    for (v1::OrderState state : {v1::ORDER_STATE_DISPATCHED, v1::ORDER_STATE_SIGNED}) {
      v1::ListQueueRequest theirs;
      theirs.set_unit_code("440104");
      theirs.set_state(state);
      CheckDenied(w, Call<v1::ListQueueRequest, v1::ListQueueResponse>(w.stub(), &S::ListQueue,
                                                                      kHandlerToken, theirs));
      v1::ListQueueRequest own = theirs;
      own.set_unit_code("440106");
      Outcome mine = Call<v1::ListQueueRequest, v1::ListQueueResponse>(w.stub(), &S::ListQueue,
                                                                      kHandlerToken, own);
      REQUIRE(mine.status.ok());
      CheckNothingOf(w, mine);
    }
  };
  c["WatchQueue"] = [](Seeded& w) {
    // A stream: read until the snapshot is complete (or the call ends).
    auto watch = [&](const std::string& unit) {
      v1::WatchQueueRequest r;
      r.set_unit_code(unit);
      auto ctx = CallContext(kHandlerToken);
      auto reader = w.stub().WatchQueue(ctx.get(), r);
      Outcome out;
      v1::WatchQueueResponse m;
      while (reader->Read(&m)) {
        out.answer += m.SerializeAsString() + m.DebugString();
        if (m.change() == v1::QUEUE_CHANGE_SNAPSHOT_END) {
          ctx->TryCancel();
          break;
        }
      }
      out.status = reader->Finish();
      return out;
    };
    CheckDenied(w, watch("440104"));
    Outcome mine = watch("440106");
    CHECK(mine.status.error_code() == grpc::StatusCode::CANCELLED);  // ended by the reader
    CheckNothingOf(w, mine);
  };
  c["GetOrderSla"] = [](Seeded& w) {
    auto get = [&](const std::string& id) {
      v1::GetOrderSlaRequest r;
      r.set_order_id(id);
      return Call<v1::GetOrderSlaRequest, v1::GetOrderSlaResponse>(w.stub(), &S::GetOrderSla,
                                                                   kHandlerToken, r);
    };
    CheckSameAsMissing(w, get(w.yuexiu_order()), get(w.missing_order()));
    CHECK(get(w.yuexiu_order()).status.error_code() == grpc::StatusCode::NOT_FOUND);
  };
  c["ListUnitDeadlines"] = [](Seeded& w) {
    for (bool overdue : {false, true}) {
      v1::ListUnitDeadlinesRequest theirs;
      theirs.set_unit_code("440104");
      theirs.set_overdue(overdue);
      theirs.set_within_hours(24 * 365);
      CheckDenied(w, Call<v1::ListUnitDeadlinesRequest, v1::ListUnitDeadlinesResponse>(
                         w.stub(), &S::ListUnitDeadlines, kHandlerToken, theirs));
      v1::ListUnitDeadlinesRequest own = theirs;
      own.set_unit_code("440106");
      Outcome mine = Call<v1::ListUnitDeadlinesRequest, v1::ListUnitDeadlinesResponse>(
          w.stub(), &S::ListUnitDeadlines, kHandlerToken, own);
      REQUIRE(mine.status.ok());
      CheckNothingOf(w, mine);
    }
  };
  c["RequestExtension"] = [](Seeded& w) {
    auto ask = [&](const std::string& id) {
      v1::RequestExtensionRequest r;
      r.set_order_id(id);
      r.set_reason("试探");
      *r.mutable_new_due() = google::protobuf::Timestamp();
      r.mutable_new_due()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 90)));
      return Call<v1::RequestExtensionRequest, v1::RequestExtensionResponse>(
          w.stub(), &S::RequestExtension, kHandlerToken, r);
    };
    CheckSameAsMissing(w, ask(w.yuexiu_order()), ask(w.missing_order()));
  };
  c["DecideExtension"] = [](Seeded& w) {
    v1::DecideExtensionRequest r;
    r.set_order_id(w.yuexiu_order());
    r.set_approve(true);
    CheckDenied(w, Call<v1::DecideExtensionRequest, v1::DecideExtensionResponse>(
                       w.stub(), &S::DecideExtension, kHandlerToken, r));
  };
  c["QueryCalendar"] = [](Seeded& w) {
    CheckNothingOf(w, Call<v1::QueryCalendarRequest, v1::QueryCalendarResponse>(
                          w.stub(), &S::QueryCalendar, kHandlerToken, {}));
  };
  c["ListUnits"] = [](Seeded& w) {
    CheckNothingOf(w, Call<v1::ListUnitsRequest, v1::ListUnitsResponse>(w.stub(), &S::ListUnits,
                                                                       kHandlerToken, {}));
  };
  c["ListCategories"] = [](Seeded& w) {
    CheckNothingOf(w, Call<v1::ListCategoriesRequest, v1::ListCategoriesResponse>(
                          w.stub(), &S::ListCategories, kHandlerToken, {}));
  };
  c["GetCity"] = [](Seeded& w) {
    CheckNothingOf(w, Call<v1::GetCityRequest, v1::GetCityResponse>(w.stub(), &S::GetCity, kHandlerToken, {}));
  };
  // The knowledge base holds no orders: none of its answers carries one, and
  // naming 越秀's order in the feedback is answered as naming a missing one.
  c["SearchKnowledge"] = [](Seeded& w) {
    for (const char* q : {"楼道堆放杂物", "噪声"}) {
      v1::SearchKnowledgeRequest r;
      r.set_query(q);
      CheckNothingOf(w, Call<v1::SearchKnowledgeRequest, v1::SearchKnowledgeResponse>(
                            w.stub(), &S::SearchKnowledge, kHandlerToken, r));
    }
  };
  c["GetKnowledgePoint"] = [](Seeded& w) {
    v1::GetKnowledgePointRequest r;
    r.set_code("KB.06.01.003");
    CheckNothingOf(w, Call<v1::GetKnowledgePointRequest, v1::GetKnowledgePointResponse>(
                          w.stub(), &S::GetKnowledgePoint, kHandlerToken, r));
  };
  c["ListKnowledgePoints"] = [](Seeded& w) {
    v1::ListKnowledgePointsRequest r;
    r.set_prefix("KB");
    r.set_page_size(500);
    CheckNothingOf(w, Call<v1::ListKnowledgePointsRequest, v1::ListKnowledgePointsResponse>(
                          w.stub(), &S::ListKnowledgePoints, kHandlerToken, r));
  };
  c["CreateKnowledgePoint"] = [](Seeded& w) {
    v1::CreateKnowledgePointRequest r;
    r.mutable_point()->set_code("KB.99.99.999");
    r.mutable_point()->set_title(w.yuexiu_order());
    r.mutable_point()->set_owner_unit("440104");
    Outcome out = Call<v1::CreateKnowledgePointRequest, v1::KnowledgePointResponse>(
        w.stub(), &S::CreateKnowledgePoint, kHandlerToken, r);
    CHECK_FALSE(out.status.ok());  // not its unit's point
    CHECK(out.status.error_message().find(kSecretContent) == std::string::npos);
  };
  c["EditKnowledgePoint"] = [](Seeded& w) {
    v1::EditKnowledgePointRequest r;
    r.mutable_point()->set_code("KB.06.01.003");
    r.set_expected_version(1);
    CheckNothingOf(w, Call<v1::EditKnowledgePointRequest, v1::KnowledgePointResponse>(
                          w.stub(), &S::EditKnowledgePoint, kHandlerToken, r));
  };
  c["PublishKnowledgePoint"] = [](Seeded& w) {
    v1::ChangeKnowledgeStatusRequest r;
    r.set_code("KB.06.01.003");
    CheckNothingOf(w, Call<v1::ChangeKnowledgeStatusRequest, v1::KnowledgePointResponse>(
                          w.stub(), &S::PublishKnowledgePoint, kHandlerToken, r));
  };
  c["RetireKnowledgePoint"] = [](Seeded& w) {
    v1::ChangeKnowledgeStatusRequest r;
    r.set_code("KB.06.01.003");
    r.set_note("试探");
    CheckNothingOf(w, Call<v1::ChangeKnowledgeStatusRequest, v1::KnowledgePointResponse>(
                          w.stub(), &S::RetireKnowledgePoint, kHandlerToken, r));
  };
  c["MarkKnowledgeNotHelpful"] = [](Seeded& w) {
    auto mark = [&](const std::string& id) {
      v1::MarkKnowledgeNotHelpfulRequest r;
      r.set_code("KB.06.01.003");
      r.set_order_id(id);
      return Call<v1::MarkKnowledgeNotHelpfulRequest, v1::MarkKnowledgeNotHelpfulResponse>(
          w.stub(), &S::MarkKnowledgeNotHelpful, kHandlerToken, r);
    };
    Outcome theirs = mark(w.yuexiu_order());
    Outcome missing = mark(w.missing_order());
    CHECK(theirs.status.error_code() == missing.status.error_code());
    CheckNothingOf(w, theirs);
  };
  c["ListExpiringKnowledge"] = [](Seeded& w) {
    v1::ListExpiringKnowledgeRequest r;
    r.set_owner_unit("440104");
    r.set_within_days(3650);
    CheckNothingOf(w, Call<v1::ListExpiringKnowledgeRequest, v1::ListExpiringKnowledgeResponse>(
                          w.stub(), &S::ListExpiringKnowledge, kHandlerToken, r));
  };
  c["ListUnansweredQueries"] = [](Seeded& w) {
    v1::ListUnansweredQueriesRequest r;
    r.set_limit(100);
    CheckNothingOf(w, Call<v1::ListUnansweredQueriesRequest, v1::ListUnansweredQueriesResponse>(
                          w.stub(), &S::ListUnansweredQueries, kHandlerToken, r));
  };
  c["ListAuditEntries"] = [](Seeded& w) {
    v1::ListAuditEntriesRequest r;
    r.set_order_id(w.yuexiu_order());
    CheckDenied(w, Call<v1::ListAuditEntriesRequest, v1::ListAuditEntriesResponse>(
                       w.stub(), &S::ListAuditEntries, kHandlerToken, r));
  };
  // Personal data and the trail: the centre's, never a unit handler's.
  c["RevealCallerPhone"] = [](Seeded& w) {
    v1::RevealCallerPhoneRequest r;
    r.set_order_id(w.yuexiu_order());
    r.set_reason("回访");
    CheckDenied(w, Call<v1::RevealCallerPhoneRequest, v1::RevealCallerPhoneResponse>(
                       w.stub(), &S::RevealCallerPhone, kHandlerToken, r));
  };
  c["FindOrdersByPhone"] = [](Seeded& w) {
    v1::FindOrdersByPhoneRequest r;
    r.set_phone(kSecretPhone);
    CheckDenied(w, Call<v1::FindOrdersByPhoneRequest, v1::FindOrdersByPhoneResponse>(
                       w.stub(), &S::FindOrdersByPhone, kHandlerToken, r));
  };
  c["VerifyOrderTrail"] = [](Seeded& w) {
    v1::VerifyOrderTrailRequest r;
    r.set_order_id(w.yuexiu_order());
    CheckDenied(w, Call<v1::VerifyOrderTrailRequest, v1::VerifyOrderTrailResponse>(
                       w.stub(), &S::VerifyOrderTrail, kHandlerToken, r));
  };
  // Assessment: another unit's score and its explanation (which lists orders)
  // are refused; rankings and hot spots carry no order.
  c["GetUnitScore"] = [](Seeded& w) {
    v1::GetUnitScoreRequest r;
    r.set_unit_code("440104");
    Outcome out = Call<v1::GetUnitScoreRequest, v1::GetUnitScoreResponse>(
        w.stub(), &S::GetUnitScore, kHandlerToken, r);
    CHECK_FALSE(out.status.ok());
    CheckNothingOf(w, out);
  };
  c["ExplainScore"] = [](Seeded& w) {
    v1::ExplainScoreRequest r;
    r.set_unit_code("440104");
    Outcome out = Call<v1::ExplainScoreRequest, v1::ExplainScoreResponse>(
        w.stub(), &S::ExplainScore, kHandlerToken, r);
    CHECK_FALSE(out.status.ok());
    CheckNothingOf(w, out);
  };
  c["RankUnits"] = [](Seeded& w) {
    CheckNothingOf(w, Call<v1::RankUnitsRequest, v1::RankUnitsResponse>(w.stub(), &S::RankUnits,
                                                                         kHandlerToken, {}));
  };
  c["GetHotSpots"] = [](Seeded& w) {
    CheckNothingOf(w, Call<v1::GetHotSpotsRequest, v1::GetHotSpotsResponse>(
                          w.stub(), &S::GetHotSpots, kHandlerToken, {}));
  };
  c["GetAgentFigures"] = [](Seeded& w) {
    CheckDenied(w, Call<v1::GetAgentFiguresRequest, v1::GetAgentFiguresResponse>(
                       w.stub(), &S::GetAgentFigures, kHandlerToken, {}));
  };
  return c;
}

TEST_CASE("a district's handler learns nothing of another district's orders, by any RPC",
          "[e2e][security]") {
  Seeded w;
  std::map<std::string, Case> cases = Cases();
  // The service as compiled in (gateway.pb.cc registers it).
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          v1::Hotline::service_full_name());
  REQUIRE(service != nullptr);
  std::set<std::string> methods;
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string name = service->method(i)->name();
    methods.insert(name);
    auto it = cases.find(name);
    if (it == cases.end()) {
      FAIL_CHECK("hotline.v1.Hotline/" << name
                                       << " has no unit-scoping case: add one to Cases() in "
                                          "tests/e2e/scoping_e2e_test.cc");
      continue;
    }
    INFO("method " << name);
    it->second(w);
  }
  for (const auto& [name, unused] : cases) {
    INFO("case " << name << " names no method of hotline.v1.Hotline");
    CHECK(methods.count(name) == 1);
  }
}

TEST_CASE("an auditor lists who read which order, and handlers and agents may not",
          "[e2e][security]") {
  Seeded w;
  // 越秀's handler reads its order, then lists its queue.
  {
    auto ctx = CallContext(kYuexiuToken);
    v1::GetWorkOrderRequest r;
    r.set_id(w.yuexiu_order());
    v1::GetWorkOrderResponse response;
    REQUIRE(w.stub().GetWorkOrder(ctx.get(), r, &response).ok());
  }
  {
    auto ctx = CallContext(kYuexiuToken);
    v1::ListQueueRequest r;
    r.set_unit_code("440104");
    r.set_state(v1::ORDER_STATE_SIGNED);
    v1::ListQueueResponse response;
    REQUIRE(w.stub().ListQueue(ctx.get(), r, &response).ok());
    REQUIRE(response.orders_size() == 1);
  }
  // 天河's refused read leaves nothing: it read nothing.
  {
    auto ctx = CallContext(kHandlerToken);
    v1::GetWorkOrderRequest r;
    r.set_id(w.yuexiu_order());
    v1::GetWorkOrderResponse response;
    REQUIRE(w.stub().GetWorkOrder(ctx.get(), r, &response).error_code() ==
            grpc::StatusCode::NOT_FOUND);
  }
  auto ctx = CallContext(kAuditorToken);
  v1::ListAuditEntriesRequest r;
  r.set_order_id(w.yuexiu_order());
  v1::ListAuditEntriesResponse log;
  grpc::Status s = w.stub().ListAuditEntries(ctx.get(), r, &log);
  INFO(s.error_message());
  REQUIRE(s.ok());
  bool read = false, listed = false;
  for (const v1::AuditEntry& e : log.entries()) {
    CHECK(e.actor().user_id() != "handler-t1");
    CHECK(e.has_at());
    if (e.actor().user_id() != "yuexiu-t1") continue;
    if (e.action() == v1::AUDIT_ACTION_READ_ORDER && e.order_id() == w.yuexiu_order()) read = true;
    if (e.action() == v1::AUDIT_ACTION_LIST_ORDERS && e.order_ids_size() == 1 &&
        e.order_ids(0) == w.yuexiu_order()) {
      listed = true;
    }
  }
  CHECK(read);
  CHECK(listed);
  // Newest first: the queue page came after the read.
  REQUIRE(log.entries_size() >= 2);
  CHECK(log.entries(0).action() == v1::AUDIT_ACTION_LIST_ORDERS);

  for (const char* token : {kAgentToken, kYuexiuToken, kDispatcherToken}) {
    auto denied_ctx = CallContext(token);
    v1::ListAuditEntriesResponse none;
    CHECK(w.stub().ListAuditEntries(denied_ctx.get(), r, &none).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
  }
}

TEST_CASE("a district's handler sees its streets' orders", "[e2e][security]") {
  Seeded w;
  // The dispatcher sends 天河's order on to 五山街道, under 天河.
  v1::ActRequest redispatch;
  redispatch.set_order_id(w.tianhe_order());
  redispatch.set_action(v1::ACTION_DISPATCH);
  redispatch.set_unit_code("440106001");
  {
    auto ctx = CallContext(kDispatcherToken);
    v1::ActResponse response;
    grpc::Status s = w.stub().Act(ctx.get(), redispatch, &response);
    INFO(s.error_message());
    REQUIRE(s.ok());
  }
  for (const char* token : {kHandlerToken, kStreetToken}) {
    auto ctx = CallContext(token);
    v1::GetWorkOrderRequest r;
    r.set_id(w.tianhe_order());
    v1::GetWorkOrderResponse response;
    CHECK(w.stub().GetWorkOrder(ctx.get(), r, &response).ok());
  }
  // The district lists its street's queue; the street not its district's.
  auto queue = [&](const char* token, const char* unit) {
    auto ctx = CallContext(token);
    v1::ListQueueRequest r;
    r.set_unit_code(unit);
    r.set_state(v1::ORDER_STATE_DISPATCHED);
    v1::ListQueueResponse response;
    return w.stub().ListQueue(ctx.get(), r, &response).error_code();
  };
  CHECK(queue(kHandlerToken, "440106001") == grpc::StatusCode::OK);
  CHECK(queue(kStreetToken, "440106") == grpc::StatusCode::PERMISSION_DENIED);
  // 越秀 sees neither.
  auto ctx = CallContext(kYuexiuToken);
  v1::GetWorkOrderRequest r;
  r.set_id(w.tianhe_order());
  v1::GetWorkOrderResponse response;
  CHECK(w.stub().GetWorkOrder(ctx.get(), r, &response).error_code() == grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace hotline::testing
