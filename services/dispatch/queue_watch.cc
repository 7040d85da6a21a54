#include "dispatch/queue_watch.h"

#include <algorithm>
#include <deque>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "authz/unit_scope.h"
#include "log/log.h"
#include "orders/order_codec.h"
#include "orders/order_event.h"

namespace hotline::dispatch {
namespace {

constexpr int kReadBatch = 500;

// The queue when the request names no states: what the unit has to act on.
const absl::flat_hash_set<int>& DefaultStates() {
  static const auto* states = new absl::flat_hash_set<int>{
      v1::ORDER_STATE_DISPATCHED, v1::ORDER_STATE_SIGNED, v1::ORDER_STATE_SENT_BACK};
  return *states;
}

// What a watch may carry of an order: no caller (so a watch is no read of
// personal data for the access log) and no history.
v1::WorkOrder Stripped(v1::WorkOrder order) {
  order.clear_caller();
  order.clear_history();
  order.clear_history_total();
  return order;
}

absl::Status ReplyError(const absl::StatusOr<redis::Reply>& r) {
  if (!r.ok()) return r.status();
  if (r->is_error()) return absl::UnavailableError(r->str);
  return absl::OkStatus();
}

// A reactor that only ends the call with `status`.
class Refused : public grpc::ServerWriteReactor<v1::WatchQueueResponse> {
 public:
  explicit Refused(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

grpc::Status Invalid(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

}  // namespace

grpc::ServerWriteReactor<v1::WatchQueueResponse>* RefusedWatch(grpc::Status status) {
  return new Refused(std::move(status));
}

std::string StreamPosition::ToString() const { return absl::StrCat(ms, "-", seq); }

std::optional<StreamPosition> ParseStreamPosition(const std::string& text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, absl::MaxSplits('-', 1));
  if (parts.size() != 2) return std::nullopt;
  StreamPosition p;
  for (absl::string_view part : parts) {
    if (part.empty() || !std::all_of(part.begin(), part.end(), absl::ascii_isdigit)) return std::nullopt;
  }
  if (!absl::SimpleAtoi(parts[0], &p.ms) || !absl::SimpleAtoi(parts[1], &p.seq)) return std::nullopt;
  return p;
}

v1::SlaColour ColourOfStatus(const std::string& status) {
  if (status == "on_time") return v1::SLA_COLOUR_GREEN;
  if (status == "warned") return v1::SLA_COLOUR_YELLOW;
  if (status == "breached" || status == "escalated") return v1::SLA_COLOUR_RED;
  return v1::SLA_COLOUR_UNSPECIFIED;
}

std::optional<v1::SlaColour> ColourOfEvent(const std::string& event) {
  if (event == "order.sla_warning") return v1::SLA_COLOUR_YELLOW;
  if (event == "order.sla_breach" || event == "order.sla_urge" || event == "order.sla_supervise" ||
      event == "order.sla_notice") {
    return v1::SLA_COLOUR_RED;
  }
  return std::nullopt;
}

std::optional<v1::WatchQueueResponse> ClassifyForQueue(const ObservedEvent& e, const std::string& unit,
                                                       const absl::flat_hash_set<int>& states) {
  const bool after = e.event.unit() == unit && states.contains(e.event.state());
  const bool before = e.unit_before == unit && states.contains(e.state_before);
  if (!after && !before) return std::nullopt;
  v1::WatchQueueResponse m;
  m.set_position(e.position.ToString());
  m.set_order_id(e.event.order_id());
  m.set_event(e.event.event());
  m.set_state(e.event.state());
  if (!after) {
    m.set_change(v1::QUEUE_CHANGE_LEFT);  // nothing about where it went but its state
    return m;
  }
  const std::optional<v1::SlaColour> marked = ColourOfEvent(e.event.event());
  m.set_change(!before ? v1::QUEUE_CHANGE_ENTERED : marked ? v1::QUEUE_CHANGE_SLA : v1::QUEUE_CHANGE_UPDATED);
  // The order as read may have moved on since; only while it is still this
  // unit's does the message carry it (a later LEFT follows otherwise).
  if (e.order && e.order->assigned_unit_code() == unit) *m.mutable_order() = *e.order;
  if (marked) {
    m.set_sla_colour(*marked);
    m.set_mark(e.event.mark());
    m.set_due_ms(e.event.due_ms());
  } else if (e.order) {
    m.set_sla_colour(ColourOfStatus(e.order->deadlines().status()));
  }
  return m;
}

// One WatchQueue call. Owned by itself (self_) until gRPC is done with it
// and by the lists of QueueWatchers while it is open, so the reader may
// hold it while the call ends; after OnDone nothing touches the reactor.
class QueueWatchers::Watcher final : public grpc::ServerWriteReactor<v1::WatchQueueResponse> {
 public:
  Watcher(QueueWatchers* hub, std::string unit_code, absl::flat_hash_set<int> watched,
        std::optional<StreamPosition> resume)
      : unit(std::move(unit_code)), states(std::move(watched)), from(resume), hub_(hub) {}

  const std::string unit;
  const absl::flat_hash_set<int> states;
  const std::optional<StreamPosition> from;
  // The last stream entry this watch was given (or decided to skip): only
  // the reader's thread reads and writes it.
  StreamPosition cursor;

  void Own(std::shared_ptr<Watcher> self) { self_ = std::move(self); }

  void Push(v1::WatchQueueResponse message) {
    absl::MutexLock lock(&mu_);
    if (done_ || ending_) return;
    if (out_.size() >= kMaxBacklog) {
      EndLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                             absl::StrCat("the client fell ", kMaxBacklog,
                                          " messages behind; resume from the last position seen")));
      return;
    }
    out_.push_back(std::move(message));
    if (!writing_) {
      writing_ = true;
      StartWrite(&out_.front());
    }
  }

  void End(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    EndLocked(std::move(status));
  }

  // Ended or ending: nothing more goes to it.
  bool Over() {
    absl::MutexLock lock(&mu_);
    return done_ || ending_.has_value();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    if (ok) {
      // "entered" from QUEUE_CHANGE_ENTERED
      std::string change = absl::AsciiStrToLower(v1::QueueChange_Name(out_.front().change()));
      hub_->messages_.Add({{"change", change.substr(std::string("queue_change_").size())}}).Increment();
    }
    out_.pop_front();
    writing_ = false;
    if (!ok) {
      EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    } else if (ending_) {
      Finish(*ending_);
    } else if (!out_.empty()) {
      writing_ = true;
      StartWrite(&out_.front());
    }
  }

  void OnCancel() override { End(grpc::Status::CANCELLED); }

  void OnDone() override {
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
    }
    hub_->Remove(this);
    hub_->open_.Decrement();
    std::shared_ptr<Watcher> self = std::move(self_);  // may be the last owner
  }

 private:
  void EndLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (done_ || ending_) return;
    ending_ = std::move(status);
    // What is queued behind the write in flight is dropped: the client
    // resumes from the last position it got.
    while (out_.size() > (writing_ ? 1u : 0u)) out_.pop_back();
    if (!writing_) Finish(*ending_);
  }

  QueueWatchers* const hub_;
  std::shared_ptr<Watcher> self_;
  absl::Mutex mu_;
  std::deque<v1::WatchQueueResponse> out_ ABSL_GUARDED_BY(mu_);  // front: being written
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> ending_ ABSL_GUARDED_BY(mu_);  // Finish once the write in flight is done
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

QueueWatchers::QueueWatchers(redis::Client& reader, orders::OrderKeys keys,
                             refdata::SourceRef<directory::Directory> directory,
                             prometheus::Registry& metrics, absl::Duration block)
    : redis_(reader),
      keys_(std::move(keys)),
      directory_(std::move(directory)),
      block_(block),
      open_(prometheus::BuildGauge()
                .Name("hotline_dispatch_queue_watches")
                .Help("Open WatchQueue streams.")
                .Register(metrics)
                .Add({})),
      messages_(prometheus::BuildCounter()
                    .Name("hotline_dispatch_queue_watch_messages_total")
                    .Help("WatchQueue messages sent, by change (snapshot, entered, left, sla ...).")
                    .Register(metrics)),
      read_errors_(prometheus::BuildCounter()
                       .Name("hotline_dispatch_queue_watch_read_errors_total")
                       .Help("Failed reads of the WatchQueue reader (the events stream or an order).")
                       .Register(metrics)
                       .Add({})) {}

QueueWatchers::~QueueWatchers() { Stop(); }

void QueueWatchers::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void QueueWatchers::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  std::vector<std::shared_ptr<Watcher>> open;
  {
    absl::MutexLock lock(&mu_);
    open.swap(live_);
    for (auto& w : starting_) open.push_back(std::move(w));
    starting_.clear();
  }
  for (const auto& w : open) {
    w->End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "dispatch is stopping: watch again from the last position seen"));
  }
}

void QueueWatchers::Remove(Watcher* w) {
  absl::MutexLock lock(&mu_);
  for (auto* list : {&live_, &starting_}) {
    list->erase(std::remove_if(list->begin(), list->end(),
                               [w](const std::shared_ptr<Watcher>& x) { return x.get() == w; }),
                list->end());
  }
}

grpc::ServerWriteReactor<v1::WatchQueueResponse>* QueueWatchers::Watch(
    grpc::CallbackServerContext*, const v1::Actor& actor, const v1::WatchQueueRequest& request) {
  const std::shared_ptr<const directory::Directory> directory = directory_.Current();
  if (directory->FindUnit(request.unit_code()) == nullptr) {
    return new Refused(Invalid(absl::StrCat("unit_code: unknown unit \"", request.unit_code(), "\"")));
  }
  // A handler watches its own unit or one under it, as ListQueue lists.
  absl::StatusOr<std::string> unit = authz::ListingUnit(actor, request.unit_code(), "unit_code", *directory);
  if (!unit.ok()) {
    return new Refused(grpc::Status(static_cast<grpc::StatusCode>(unit.status().code()),
                                    std::string(unit.status().message())));
  }
  absl::flat_hash_set<int> states;
  for (int state : request.states()) {
    if (state == v1::ORDER_STATE_UNSPECIFIED || !v1::OrderState_IsValid(state)) {
      return new Refused(Invalid(absl::StrCat("states: ", state, " is not an order state")));
    }
    states.insert(state);
  }
  if (states.empty()) states = DefaultStates();
  std::optional<StreamPosition> from;
  if (!request.from_position().empty()) {
    from = ParseStreamPosition(request.from_position());
    if (!from) {
      return new Refused(Invalid(absl::StrCat("from_position: \"", request.from_position(),
                                              "\" is not a position from this stream (<ms>-<seq>)")));
    }
  }
  auto w = std::make_shared<Watcher>(this, *unit, std::move(states), from);
  w->Own(w);
  open_.Increment();
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    w->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "dispatch is stopping"));
  } else {
    starting_.push_back(w);
  }
  return w.get();
}

absl::StatusOr<StreamPosition> QueueWatchers::LastPosition() {
  absl::StatusOr<redis::Reply> r = redis_.Execute({"XREVRANGE", keys_.Events(), "+", "-", "COUNT", "1"});
  if (absl::Status s = ReplyError(r); !s.ok()) return s;
  if (r->elements.empty()) return StreamPosition{};
  std::optional<StreamPosition> p = ParseStreamPosition(r->elements[0].elements[0].str);
  if (!p) return absl::InternalError(absl::StrCat("bad stream id ", r->elements[0].elements[0].str));
  return *p;
}

absl::StatusOr<bool> QueueWatchers::LostAfter(const StreamPosition& p) {
  absl::StatusOr<redis::Reply> info = redis_.Execute({"XINFO", "STREAM", keys_.Events()});
  if (info.ok() && info->is_error()) return false;  // no stream: nothing was ever trimmed
  if (absl::Status s = ReplyError(info); !s.ok()) return s;
  long long length = 0, added = 0;
  std::optional<StreamPosition> first;
  for (size_t i = 0; i + 1 < info->elements.size(); i += 2) {
    const std::string& name = info->elements[i].str;
    const redis::Reply& value = info->elements[i + 1];
    if (name == "length") length = value.integer;
    if (name == "entries-added") added = value.integer;
    if (name == "first-entry" && !value.elements.empty()) first = ParseStreamPosition(value.elements[0].str);
  }
  // Entries were removed (trimmed or deleted) iff fewer are left than were
  // added; those removed lie before the first one left, so `p` missed some
  // iff it is before that one (or none is left).
  if (added <= length) return false;
  return !first || p < *first;
}

std::vector<ObservedEvent> QueueWatchers::Observe(const redis::Reply& entries) {
  std::vector<ObservedEvent> out;
  for (const redis::Reply& entry : entries.elements) {
    if (entry.elements.size() < 2) continue;
    std::optional<StreamPosition> position = ParseStreamPosition(entry.elements[0].str);
    orders::StreamFields fields;
    const redis::Reply& flat = entry.elements[1];
    for (size_t i = 0; i + 1 < flat.elements.size(); i += 2) {
      fields.emplace_back(flat.elements[i].str, flat.elements[i + 1].str);
    }
    absl::StatusOr<v1::OrderEvent> event = orders::DecodeOrderEvent(fields);
    if (!position || !event.ok() || event->order_id().empty()) continue;  // not an order's event
    ObservedEvent e{*position, *std::move(event), "", v1::ORDER_STATE_UNSPECIFIED, std::nullopt};
    e.unit_before = e.event.unit();
    e.state_before = e.event.state();
    // The order now, with the history entry before this event (seq =
    // version - 1, at index version - 2): where the order was.
    const int64_t v = e.event.version();
    orders::HistoryWindow window{static_cast<int>(std::max<int64_t>(v - 2, 0)), v >= 2 ? 1 : 0};
    absl::StatusOr<orders::StoredOrder> read = orders::ReadOrder(redis_, keys_, e.event.order_id(), window);
    if (read.ok()) {
      const auto& history = read->order.history();
      if (v == 1) {
        e.unit_before.clear();
        e.state_before = v1::ORDER_STATE_UNSPECIFIED;
      } else if (history.size() == 1 && history[0].seq() == v - 1) {
        e.unit_before = history[0].unit_code();
        e.state_before = history[0].to_state();
      }
      e.order = Stripped(std::move(read->order));
    } else if (!absl::IsNotFound(read.status())) {
      read_errors_.Increment();
      log::Warning("WatchQueue: cannot read an order; its event is judged by itself",
                   {{"order_id", e.event.order_id()}, {"error", read.status().ToString()}});
    }
    out.push_back(std::move(e));
  }
  return out;
}

absl::Status QueueWatchers::Snapshot(Watcher& w, StreamPosition at, bool reset) {
  std::vector<int> states(w.states.begin(), w.states.end());
  std::sort(states.begin(), states.end());
  for (int state : states) {
    absl::StatusOr<redis::Reply> ids = redis_.Execute({"ZRANGE", keys_.Queue(w.unit, state), "0", "-1"});
    if (absl::Status s = ReplyError(ids); !s.ok()) return s;
    for (const redis::Reply& id : ids->elements) {
      absl::StatusOr<orders::StoredOrder> read = orders::ReadOrder(redis_, keys_, id.str, {0, 0});
      if (absl::IsNotFound(read.status())) continue;  // gone since
      if (!read.ok()) return read.status();
      // Read after `at`: an order that moved on meanwhile is left to the
      // events after `at`, which say so.
      if (read->order.assigned_unit_code() != w.unit || read->order.state() != state) continue;
      v1::WatchQueueResponse m;
      m.set_position(at.ToString());
      m.set_change(v1::QUEUE_CHANGE_SNAPSHOT);
      m.set_order_id(id.str);
      m.set_state(read->order.state());
      m.set_sla_colour(ColourOfStatus(read->order.deadlines().status()));
      *m.mutable_order() = Stripped(std::move(read->order));
      w.Push(std::move(m));
    }
  }
  v1::WatchQueueResponse end;
  end.set_position(at.ToString());
  end.set_change(v1::QUEUE_CHANGE_SNAPSHOT_END);
  end.set_reset(reset);
  w.Push(std::move(end));
  w.cursor = at;
  return absl::OkStatus();
}

absl::Status QueueWatchers::CatchUp(Watcher& w, StreamPosition to) {
  while (w.cursor < to) {
    absl::StatusOr<redis::Reply> r =
        redis_.Execute({"XRANGE", keys_.Events(), absl::StrCat("(", w.cursor.ToString()), to.ToString(),
                        "COUNT", absl::StrCat(kReadBatch)});
    if (absl::Status s = ReplyError(r); !s.ok()) return s;
    if (r->elements.empty()) break;
    for (const ObservedEvent& e : Observe(*r)) {
      if (auto m = ClassifyForQueue(e, w.unit, w.states)) w.Push(*std::move(m));
    }
    std::optional<StreamPosition> last = ParseStreamPosition(r->elements.back().elements[0].str);
    if (!last) return absl::InternalError("bad stream id in XRANGE");
    w.cursor = *last;
  }
  w.cursor = std::max(w.cursor, to);
  return absl::OkStatus();
}

void QueueWatchers::Begin(const std::shared_ptr<Watcher>& w) {
  StreamPosition at;
  {
    absl::MutexLock lock(&mu_);
    at = last_;  // only this thread moves it
  }
  absl::Status s;
  if (!w->from) {
    s = Snapshot(*w, at, /*reset=*/false);
  } else if (*w->from < at) {
    absl::StatusOr<bool> lost = LostAfter(*w->from);
    if (!lost.ok()) {
      s = lost.status();
    } else if (*lost) {
      s = Snapshot(*w, at, /*reset=*/true);
    } else {
      w->cursor = *w->from;
      s = CatchUp(*w, at);
    }
  } else {
    w->cursor = *w->from;  // at or past the reader: live sends only what follows it
  }
  if (!s.ok()) {
    read_errors_.Increment();
    w->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, absl::StrCat("cannot start the watch: ", s.message())));
    return;
  }
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    w->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "dispatch is stopping"));
  } else if (!w->Over()) {  // a call that ended while it started has left no list to remove it from
    live_.push_back(w);
  }
}

void QueueWatchers::Run() {
  bool positioned = false;
  while (!stop_) {
    if (!positioned) {
      absl::StatusOr<StreamPosition> last = LastPosition();
      if (!last.ok()) {
        read_errors_.Increment();
        absl::SleepFor(block_);
        continue;
      }
      absl::MutexLock lock(&mu_);
      last_ = *last;
      positioned = true;
    }
    std::vector<std::shared_ptr<Watcher>> starting;
    StreamPosition from;
    bool watched;
    {
      absl::MutexLock lock(&mu_);
      starting.swap(starting_);
      from = last_;
      watched = !live_.empty() || !starting.empty();
    }
    for (const auto& w : starting) Begin(w);
    absl::StatusOr<redis::Reply> r =
        redis_.Execute({"XREAD", "COUNT", absl::StrCat(kReadBatch), "BLOCK",
                        absl::StrCat(absl::ToInt64Milliseconds(block_)), "STREAMS", keys_.Events(),
                        from.ToString()});
    if (absl::Status s = ReplyError(r); !s.ok()) {
      read_errors_.Increment();
      absl::SleepFor(block_);
      continue;
    }
    if (r->is_nil() || r->elements.empty()) continue;
    const redis::Reply& entries = r->elements[0].elements[1];
    if (entries.elements.empty()) continue;
    std::optional<StreamPosition> last = ParseStreamPosition(entries.elements.back().elements[0].str);
    if (!last) continue;
    // Nobody watching: the position moves on and no order is read.
    std::vector<ObservedEvent> observed;
    if (watched) observed = Observe(entries);
    absl::MutexLock lock(&mu_);
    for (const ObservedEvent& e : observed) {
      for (const auto& w : live_) {
        if (!(w->cursor < e.position)) continue;
        if (auto m = ClassifyForQueue(e, w->unit, w->states)) w->Push(*std::move(m));
        w->cursor = e.position;
      }
    }
    for (const auto& w : live_) w->cursor = std::max(w->cursor, *last);
    last_ = *last;
  }
}

}  // namespace hotline::dispatch
