#include "dispatch/dispatcher.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "authz/unit_scope.h"
#include "enums/enum_names.h"
#include "orders/order_helpers.h"
#include "orders/order_keys.h"
#include "orders/order_record.h"
#include "text/utf8.h"

namespace hotline::dispatch {

v1::Actor AutoDispatchActor(const directory::Directory& directory) {
  v1::Actor actor;
  actor.set_user_id("system:auto-dispatch");
  actor.set_role(v1::ROLE_DISPATCHER);
  actor.set_unit_code(directory.centre_code());
  return actor;
}

// Deciding needs no history; an answer carries the latest entries, as the
// store's own answers to a change do.
constexpr orders::HistoryWindow kNoHistory{0, 0};
constexpr orders::HistoryWindow kLatestHistory{-orders::kAnswerHistoryEntries,
                                               orders::kAnswerHistoryEntries};

// Everything one action needs between its asynchronous steps.
struct Dispatcher::Step {
  v1::Actor actor;
  v1::ActRequest request;
  std::string fingerprint;
  std::string scoped_key;     // the idempotency key in the caller's space ("" for none)
  std::string dispatch_rule;  // auto-dispatch: the catalogue entry
  std::optional<int64_t> catalogue_version;  // auto-dispatch: of the catalogue that decided
  std::string asked_master;   // LINK_DUPLICATE: the master the caller named
  std::string auto_note;
  int decisions = 0;          // how often this act was decided (a lost race decides again)
  // Either the full answer for a client, or just the unit for auto-dispatch.
  orders::Done<v1::ActResponse> reply;
  orders::Done<std::string> routed;

  void Fail(absl::Status status) {
    if (reply) reply(std::move(status));
    if (routed) routed(std::move(status));
  }
};

Dispatcher::Dispatcher(orders::OrderStore& store, refdata::SourceRef<directory::Directory> directory,
                       refdata::SourceRef<Catalogue> catalogue, const Clock& clock)
    : store_(store), directory_(std::move(directory)), catalogue_(std::move(catalogue)), clock_(clock) {}

void Dispatcher::Act(const std::optional<v1::Actor>& actor, const v1::ActRequest& request,
                     orders::Done<v1::ActResponse> done) {
  if (!actor) return done(absl::UnauthenticatedError("no caller identity: call through the gateway"));
  if (!orders::LooksLikeOrderId(request.order_id())) {
    return done(absl::InvalidArgumentError(absl::StrCat(
        "order_id: \"", request.order_id(), "\" is not an order number like ", orders::OrderIdExample())));
  }
  if (request.expected_version() < 0) {
    return done(absl::InvalidArgumentError("expected_version: must not be negative"));
  }
  if (auto e = orders::IdempotencyKeyProblem(request.idempotency_key())) {
    return done(absl::InvalidArgumentError(absl::StrCat("idempotency_key: ", *e)));
  }
  // Bounded, so that an order's history (and every answer carrying it) stays
  // bounded too.
  if (auto e = text::TextProblem(request.note(), kMaxNote, false)) {
    return done(absl::InvalidArgumentError(absl::StrCat("note: ", *e)));
  }
  if (request.unit_code().size() > kMaxUnitCode) {
    return done(absl::InvalidArgumentError(
        absl::StrCat("unit_code: is too long (at most ", kMaxUnitCode, " characters)")));
  }
  if (!request.master_order_id().empty() && !orders::LooksLikeOrderId(request.master_order_id())) {
    return done(absl::InvalidArgumentError("master_order_id: is not an order number"));
  }
  auto step = std::make_shared<Step>();
  step->actor = *actor;
  step->request = request;
  step->reply = std::move(done);
  step->fingerprint = orders::RequestFingerprint(request);
  if (!request.idempotency_key().empty()) {
    step->scoped_key = orders::CallerScopedKey(actor->user_id(), request.idempotency_key());
  }

  // Seen before (read or written by this dispatcher): decided at once and
  // applied in one script call that checks the order is still as seen.
  // Linking keeps its reads (it looks the master up first).
  if (request.action() != v1::ACTION_LINK_DUPLICATE) {
    if (std::optional<v1::WorkOrder> seen = memo_.Find(request.order_id())) {
      return ActAsSeen(step, *std::move(seen));
    }
  }
  ActByReading(step);
}

void Dispatcher::ActAsSeen(std::shared_ptr<Step> step, v1::WorkOrder seen) {
  const v1::ActRequest& r = step->request;
  // What seen says about a named version or a refusal may be out of date:
  // those are answered on the order as it is.
  if (r.expected_version() != 0 && r.expected_version() != seen.version()) return ActByReading(step);
  absl::StatusOr<Planned> planned = Plan(*step, seen);
  if (!planned.ok()) return ActByReading(step);
  orders::Change& c = planned->change;
  c.expected_version = r.expected_version();
  c.decided_on = orders::DecidedOn{seen.state(), seen.assigned_unit_code(), seen.pending_unit_code(),
                                   seen.last_rating(), seen.handed_down_by()};
  ++step->decisions;
  store_.Apply(std::move(c), [this, step](absl::StatusOr<orders::ApplyResult> applied) {
    // Gone from Redis (the archive tier may still hold it): as the read path
    // answers it.
    if (absl::IsNotFound(applied.status())) return ActByReading(step);
    if (!applied.ok()) return step->Fail(applied.status());
    // Moved since it was seen: decide again on the order the call answered.
    if (applied->moved) {
      memo_.PutAsFound(applied->order);
      return Decided(step, std::move(applied->order));
    }
    // A retry: the order may have left the caller's units since (as a
    // replay found by FindAction).
    if (applied->replayed &&
        !authz::MayAccessOrder(step->actor, applied->order, *directory_.Current())) {
      return step->Fail(authz::OrderNotFound(applied->order.id()));
    }
    Reply(step, *std::move(applied));
  });
}

void Dispatcher::ActByReading(std::shared_ptr<Step> step) {
  auto load = [this, step] {
    store_.GetPage(step->request.order_id(), kNoHistory, [this, step](absl::StatusOr<v1::WorkOrder> order) {
      if (!order.ok()) return step->Fail(order.status());
      Decided(step, std::move(*order));
    });
  };
  if (step->request.idempotency_key().empty()) return ResolveRootMaster(step, 0, load);
  // A retry of an action that already happened answers with the order as it
  // is, without deciding again (the state has moved on since).
  // Keys are the caller's own: another user's same key is another key.
  store_.FindAction(step->scoped_key, step->fingerprint,
                    [this, step, load](absl::StatusOr<std::optional<int64_t>> seen) {
                      if (!seen.ok()) return step->Fail(seen.status());
                      if (!seen->has_value()) return ResolveRootMaster(step, 0, load);
                      store_.GetPage(step->request.order_id(), kLatestHistory,
                                 [this, step](absl::StatusOr<v1::WorkOrder> order) {
                                   if (!order.ok()) return step->Fail(order.status());
                                   memo_.Put(*order);
                                   // The order may have left the caller's
                                   // units since; then it is not theirs to see.
                                   if (!authz::MayAccessOrder(step->actor, *order, *directory_.Current())) {
                                     return step->Fail(authz::OrderNotFound(order->id()));
                                   }
                                   v1::ActResponse response;
                                   *response.mutable_order() = std::move(*order);
                                   orders::MaskForReading(response.mutable_order(), step->actor);
                                   response.set_replayed(true);
                                   step->reply(std::move(response));
                                 });
                    });
}

void Dispatcher::ResolveRootMaster(std::shared_ptr<Step> step, int hops,
                                   absl::AnyInvocable<void()> then) {
  const v1::ActRequest& r = step->request;
  if (r.action() != v1::ACTION_LINK_DUPLICATE || r.master_order_id().empty()) return then();
  // Only the centre links duplicates (the state machine refuses the rest once
  // it has the order); looking the master up for anyone else would tell them
  // whether another unit's order exists.
  if (authz::IsUnitScoped(step->actor)) return then();
  if (hops == 0) step->asked_master = r.master_order_id();
  store_.GetPage(r.master_order_id(), kNoHistory,
                 [this, step, hops, then = std::move(then)](absl::StatusOr<v1::WorkOrder> master) mutable {
                   if (absl::IsNotFound(master.status())) {
                     return step->Fail(absl::InvalidArgumentError(absl::StrCat(
                         "master_order_id: order ", step->request.master_order_id(), " not found")));
                   }
                   if (!master.ok()) return step->Fail(master.status());
                   if (master->state() != v1::ORDER_STATE_MERGED || master->master_order_id().empty()) {
                     return then();
                   }
                   if (hops >= kMaxMasterHops) {
                     return step->Fail(absl::FailedPreconditionError(absl::StrCat(
                         "master_order_id: more than ", kMaxMasterHops, " duplicates deep from ",
                         step->asked_master)));
                   }
                   step->request.set_master_order_id(master->master_order_id());
                   ResolveRootMaster(step, hops + 1, std::move(then));
                 });
}

void Dispatcher::AutoDispatch(const std::string& order_id, orders::Done<AutoDispatchResult> done) {
  AutoDispatchAttempt(order_id, 0, std::make_shared<orders::Done<AutoDispatchResult>>(std::move(done)));
}

void Dispatcher::AutoDispatchAttempt(const std::string& order_id, int attempt,
                                     std::shared_ptr<orders::Done<AutoDispatchResult>> finish) {
  // Each write by another writer between our read and our write costs one
  // more read; past this many the event stays pending and comes back later.
  constexpr int kAttempts = 5;
  auto moot = [](std::string why) { return AutoDispatchResult{false, "", std::move(why)}; };
  auto step = std::make_shared<Step>();
  step->actor = AutoDispatchActor(*directory_.Current());
  step->request.set_order_id(order_id);
  step->request.set_action(v1::ACTION_DISPATCH);
  // The state check below and the compare-and-set on the version read make
  // routing happen at most once; no idempotency key is needed (nor kept in
  // Redis for a day).
  step->routed = [this, finish, order_id, attempt](absl::StatusOr<std::string> unit) {
    if (unit.ok()) return (*finish)(AutoDispatchResult{true, *unit, ""});
    // Another writer moved the order between our read and our write: read it
    // again (if it was dispatched meanwhile, that read finds it moot).
    if (absl::IsAborted(unit.status()) && attempt + 1 < kAttempts) {
      return AutoDispatchAttempt(order_id, attempt + 1, finish);
    }
    (*finish)(unit.status());
  };
  store_.GetPage(order_id, kNoHistory, [this, step, finish, moot](absl::StatusOr<v1::WorkOrder> order) {
    if (absl::IsNotFound(order.status())) return (*finish)(moot("the order is gone"));
    if (!order.ok()) return (*finish)(order.status());
    if (order->state() != v1::ORDER_STATE_CREATED) {
      return (*finish)(moot(absl::StrCat("the order is ", enums::SnakeName(order->state()),
                                         " already (version ", order->version(), ")")));
    }
    // One snapshot of each for this decision (refdata/source.h).
    const std::shared_ptr<const directory::Directory> directory = directory_.Current();
    const std::shared_ptr<const Catalogue> catalogue = catalogue_.Current();
    absl::StatusOr<Route> route =
        catalogue->RouteFor(order->category_code(), order->location().district_code());
    if (!route.ok()) return (*finish)(route.status());
    // A catalogue never names a retired unit (refdata validation), but the
    // order's district may be one: its successor takes the matter.
    const v1::Unit* target = directory->ActiveSuccessor(route->unit_code);
    if (target == nullptr) {
      return (*finish)(directory->CheckTakesOrders(route->unit_code, "route"));
    }
    const bool succeeded = target->code() != route->unit_code;
    step->request.set_unit_code(target->code());
    step->dispatch_rule = route->rule_prefix;
    step->catalogue_version = catalogue->version();
    const v1::Category* category = directory->FindCategory(route->rule_prefix);
    step->auto_note = absl::StrCat("auto-dispatch by catalogue entry ", route->rule_prefix,
                                   category ? absl::StrCat(" (", category->name(), ")") : "",
                                   ", catalogue v", catalogue->version(),
                                   succeeded ? absl::StrCat(", ", route->unit_code, " merged into ", target->code()) : "");
    Decided(step, std::move(*order));
  });
}

absl::StatusOr<Dispatcher::Planned> Dispatcher::Plan(const Step& step, const v1::WorkOrder& order) const {
  const v1::ActRequest& r = step.request;
  // Before anything that depends on the order (its version, its state): an
  // order outside the caller's units answers as a missing one.
  const std::shared_ptr<const directory::Directory> directory = directory_.Current();
  if (!authz::MayAccessOrder(step.actor, order, *directory)) {
    return authz::OrderNotFound(order.id());
  }
  if (r.expected_version() != 0 && r.expected_version() != order.version()) {
    return absl::AbortedError(
        absl::StrCat("order ", order.id(), " is at version ", order.version(), ", not ",
                     r.expected_version(), "; reload it and try again"));
  }
  if (r.action() == v1::ACTION_LINK_DUPLICATE && r.master_order_id() == order.id() &&
      step.asked_master != order.id()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "master_order_id: ", step.asked_master, " is itself a duplicate of this order"));
  }
  OrderFacts facts{order.state(),       order.assigned_unit_code(), order.pending_unit_code(),
                   order.last_rating(), order.id(),                order.handed_down_by()};
  ActionRequest action{r.action(), step.actor, r.unit_code(), r.note(), r.rating(),
                       r.master_order_id()};
  absl::StatusOr<Outcome> out = Decide(facts, action, *directory);
  if (!out.ok()) return out.status();

  const absl::Time now = clock_.Now();
  const google::protobuf::Timestamp at = orders::FromMillis(absl::ToUnixMillis(now));
  Planned planned;
  planned.unit = out->unit_code;
  orders::Change& c = planned.change;
  c.order_id = order.id();
  c.expected_version = order.version();
  c.from_state = order.state();
  c.to_state = out->to;
  c.to_unit = out->unit_code;
  c.pending_unit = out->pending_unit_code;
  c.handed_down_by = out->handed_down_by;
  c.last_rating = out->last_rating;
  c.bounce = out->bounce;
  c.redo = out->redo;
  c.closes = out->closes;
  if (out->supervision) c.supervision_field = r.action() == v1::ACTION_URGE ? "urges" : "supervises";
  c.master_order_id = out->master_order_id;
  c.dispatch_rule = step.dispatch_rule;
  c.entry.set_seq(order.version() + 1);
  *c.entry.mutable_at() = at;
  *c.entry.mutable_actor() = step.actor;
  c.entry.set_action(ActionName(r.action()));
  c.entry.set_from_state(order.state());
  c.entry.set_to_state(out->to);
  c.entry.set_unit_code(out->unit_code);
  // A step that routes the order records the directory it was routed with,
  // and an automatic dispatch the catalogue that chose the unit.
  if (out->unit_code != order.assigned_unit_code() || !out->pending_unit_code.empty()) {
    v1::ReferenceVersions* versions = c.entry.mutable_reference_versions();
    versions->set_units(directory->units_version());
    versions->set_categories(directory->categories_version());
    if (step.catalogue_version) versions->set_catalogue(*step.catalogue_version);
  }
  std::string note = step.auto_note.empty() ? r.note() : step.auto_note;
  if (r.action() == v1::ACTION_CALLBACK) {
    note = absl::StrCat("rating: ", enums::SnakeName(r.rating()),
                        note.empty() ? "" : "; ", note);
  }
  if (r.action() == v1::ACTION_LINK_DUPLICATE) {
    const std::string via = step.asked_master == r.master_order_id()
                                ? ""
                                : absl::StrCat(" (asked: ", step.asked_master, ", itself a duplicate)");
    note = absl::StrCat("duplicate of ", r.master_order_id(), via, note.empty() ? "" : "; ", note);
  }
  c.entry.set_note(note);
  *c.duplicate_entry.mutable_at() = at;
  *c.duplicate_entry.mutable_actor() = step.actor;
  c.duplicate_entry.set_action("close_with_master");
  c.duplicate_entry.set_from_state(v1::ORDER_STATE_MERGED);
  c.duplicate_entry.set_to_state(v1::ORDER_STATE_CLOSED);
  c.duplicate_entry.set_note(absl::StrCat("closed with master order ", order.id()));
  *c.relinked_entry.mutable_at() = at;
  *c.relinked_entry.mutable_actor() = step.actor;
  c.relinked_entry.set_action("relink_duplicate");
  c.relinked_entry.set_from_state(v1::ORDER_STATE_MERGED);
  c.relinked_entry.set_to_state(v1::ORDER_STATE_MERGED);
  c.relinked_entry.set_note(absl::StrCat("its master ", order.id(), " became a duplicate of ",
                                         r.master_order_id(), "; now a duplicate of ",
                                         r.master_order_id()));
  c.event = absl::StrCat("order.", ActionName(r.action()));
  c.idempotency_key = step.scoped_key;
  c.fingerprint = step.fingerprint;
  c.at = now;

  return planned;
}

void Dispatcher::Decided(std::shared_ptr<Step> step, v1::WorkOrder order) {
  memo_.Put(order);
  absl::StatusOr<Planned> planned = Plan(*step, order);
  if (!planned.ok()) return step->Fail(planned.status());
  ++step->decisions;
  store_.Apply(std::move(planned->change), [this, step, unit = planned->unit](
                                               absl::StatusOr<orders::ApplyResult> applied) {
    // A caller who named no version asked for "whatever is current": when
    // another writer (the SLA monitor filing a deadline, a colleague) moved
    // the order between our read and our write, nothing was written, so read
    // it again and decide on the order as it is now. Auto-dispatch retries
    // on its own (AutoDispatchAttempt).
    constexpr int kDecisions = 5;
    if (absl::IsAborted(applied.status()) && !step->routed &&
        step->request.expected_version() == 0 && step->decisions < kDecisions) {
      return store_.GetPage(step->request.order_id(), kNoHistory,
                            [this, step](absl::StatusOr<v1::WorkOrder> order) {
                              if (!order.ok()) return step->Fail(order.status());
                              Decided(step, std::move(*order));
                            });
    }
    if (!applied.ok()) return step->Fail(applied.status());
    if (step->routed) {
      memo_.Put(applied->order);
      return step->routed(unit);
    }
    Reply(step, *std::move(applied));
  });
}

void Dispatcher::Reply(const std::shared_ptr<Step>& step, orders::ApplyResult applied) {
  memo_.Put(applied.order);
  v1::ActResponse response;
  *response.mutable_order() = std::move(applied.order);
  orders::MaskForReading(response.mutable_order(), step->actor);
  response.set_replayed(applied.replayed);
  step->reply(std::move(response));
}

void Dispatcher::ListQueue(const std::optional<v1::Actor>& actor,
                           const v1::ListQueueRequest& r,
                           orders::Done<v1::ListQueueResponse> done) {
  if (!actor) return done(absl::UnauthenticatedError("no caller identity: call through the gateway"));
  const std::shared_ptr<const directory::Directory> directory = directory_.Current();
  if (directory->FindUnit(r.unit_code()) == nullptr) {
    return done(absl::InvalidArgumentError(absl::StrCat("unit_code: unknown unit \"", r.unit_code(), "\"")));
  }
  if (r.state() == v1::ORDER_STATE_UNSPECIFIED || !v1::OrderState_IsValid(r.state())) {
    return done(absl::InvalidArgumentError("state: which queue (e.g. DISPATCHED: to sign) is required"));
  }
  // A handler lists the queues of its own unit and the units under it.
  absl::StatusOr<std::string> unit = authz::ListingUnit(*actor, r.unit_code(), "unit_code", *directory);
  if (!unit.ok()) return done(unit.status());
  absl::StatusOr<int> page_size = orders::PageSize(r.page_size());
  if (!page_size.ok()) return done(page_size.status());
  orders::QueueQuery q{*unit, r.state(), *page_size, r.page_token(), r.oldest_first()};
  store_.ListQueue(std::move(q), [reader = actor, done = std::move(done)](
                                     absl::StatusOr<orders::ListPage> page) mutable {
    if (!page.ok()) return done(page.status());
    v1::ListQueueResponse response;
    for (v1::WorkOrder& o : page->orders) {
      orders::MaskForReading(&o, reader);
      *response.add_orders() = std::move(o);
    }
    response.set_next_page_token(std::move(page->next_page_token));
    done(std::move(response));
  });
}

}  // namespace hotline::dispatch
