#pragma once
// The SLA monitor's domain core. Plain C++ over a DeadlineStore, the policies,
// the calendar and a Clock; the gRPC edge (sla_service.h), the event consumer
// and the due-pass loop (main.cc) call it.
//
// Settle(order) is the one way deadlines change: load the order, derive its
// timeline from the history (timeline.h), record the deadlines armed since
// (with the policy and calendar versions), fire the marks that are due, and
// write it all in one atomic step that succeeds only if the order has not
// moved on (else load again). So any number of replicas may settle the same
// order at the same time, and a replica may die anywhere: a mark is either
// written together with its history entry, event and counter, or not at all,
// and once written it is never due again.
//
// An order keeps the policy it was taken under: its first record names the
// policies' version, and older versions are read back from the store.
//
// Thread-safe (the fire callback is set before use; the cache of older
// policy versions has its own lock).
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "calendar/calendar_source.h"
#include "clock/clock.h"
#include "directory/directory.h"
#include "hotline/v1/sla.pb.h"
#include "refdata/source.h"
#include "sla/deadline_store.h"
#include "sla/policies.h"
#include "sla/timeline.h"

namespace hotline::sla {

// Who the monitor acts as, in history entries.
v1::Actor SlaActor();

class Monitor {
 public:
  // `directory` is the unit tree for unit scoping (libs/authz).
  // `policies` are the ones in force for new orders. Both are read at each
  // decision (refdata/live.h follows loads).
  Monitor(DeadlineStore& store, refdata::SourceRef<Policies> policies,
          const calendar::CalendarSource& calendar, const Clock& clock,
          refdata::SourceRef<directory::Directory> directory);

  // An order that left Redis for the archive tier (libs/archive), with its
  // whole history; NOT_FOUND when it is in neither tier.
  using ArchiveReader = std::function<absl::StatusOr<v1::WorkOrder>(const std::string& order_id)>;
  // With a reader, Get answers for archived orders too (read only: their
  // timeline is final), with storage_tier ARCHIVE. Set before serving.
  void ReadArchive(ArchiveReader reader) { archive_ = std::move(reader); }

  // Called once per mark written (after the write), with how late it fired.
  void OnFire(std::function<void(const Mark&, absl::Duration lag)> f) { on_fire_ = std::move(f); }
  // Called after each write that files the order's next due moment, with how
  // far ahead (city time) it is: the due loop wakes for a mark earlier than
  // it planned to. Set before use, as OnFire.
  void OnFiled(std::function<void(absl::Duration until_due)> f) { on_filed_ = std::move(f); }
  // How long (city time) until the earliest mark in the due set falls due;
  // nullopt when nothing is filed.
  absl::StatusOr<std::optional<absl::Duration>> UntilNextDue();

  // Brings one order up to date; answers how many marks it fired.
  absl::StatusOr<int> Settle(const std::string& order_id);
  // Settles the orders with something due now (at most `limit`); answers the
  // number of marks fired.
  absl::StatusOr<int> DuePass(int limit);

  // Unscoped: for the monitor's own use and tests.
  absl::StatusOr<v1::OrderSla> Get(const std::string& order_id);
  // For a caller: an order outside a unit handler's units is NOT_FOUND, as a
  // missing one. Listing and extensions below are scoped the same way.
  absl::StatusOr<v1::OrderSla> Get(const std::optional<v1::Actor>& actor, const std::string& order_id);
  absl::StatusOr<v1::ListUnitDeadlinesResponse> ListUnit(const std::optional<v1::Actor>& actor,
                                                         const v1::ListUnitDeadlinesRequest& request);
  absl::StatusOr<v1::OrderSla> RequestExtension(const std::optional<v1::Actor>& actor,
                                                const v1::RequestExtensionRequest& request);
  absl::StatusOr<v1::OrderSla> DecideExtension(const std::optional<v1::Actor>& actor,
                                               const v1::DecideExtensionRequest& request);
  absl::StatusOr<v1::QueryCalendarResponse> QueryCalendar(const v1::QueryCalendarRequest& request);

  // The calendar in force became `version` (a schedule was loaded): the
  // orders with a provisional deadline, or none, are recomputed by the due
  // passes. Idempotent across replicas (see DeadlineStore).
  absl::Status CalendarChanged(int64_t version);
  // At start: the orders without a deadline are looked at again at once (this
  // replica may compute what another could not).
  absl::Status RetryWithoutDeadline();

 private:
  struct Loaded;
  struct PolicyChoice {
    const v1::SlaPolicy* policy;
    std::string version;
    int64_t ref_version = 0;  // of the `policies` reference data (libs/refdata)
    // Keeps `policy` alive when it is of the policies in force (which a load
    // may replace meanwhile).
    std::shared_ptr<const Policies> in_force;
  };
  // The policy an order was taken under (its first record), else the one in
  // force now.
  absl::StatusOr<PolicyChoice> PolicyFor(const v1::WorkOrder& order);
  // An order's timeline under its policy; with a `reader`, an order outside
  // its units is NOT_FOUND (libs/authz), before anything else is looked at.
  struct Timed {
    Timeline timeline;
    PolicyChoice policy;
  };
  absl::StatusOr<Timed> TimelineOf(const v1::WorkOrder& order, absl::Time now,
                                   const calendar::WorkingCalendar& calendar, const v1::Actor* reader);
  // The order as the store holds it, with its timeline (scoped as TimelineOf).
  absl::StatusOr<Loaded> LoadTimeline(const std::string& order_id, absl::Time now,
                                      const calendar::WorkingCalendar& calendar,
                                      const v1::Actor* reader = nullptr);
  // Get's answer (scoped to `reader` when given): the live order, else one
  // the archive tier holds (read only, storage_tier ARCHIVE).
  absl::StatusOr<v1::OrderSla> View(const std::string& order_id, const v1::Actor* reader);
  // The history entry that records `timeline.to_record` (seq set by the caller).
  v1::HistoryEntry RecordEntry(const Loaded& loaded, const calendar::WorkingCalendar& calendar,
                               absl::Time now) const;
  // An extension step decided on the order as loaded: its entry (AppendStep
  // fills in seq, time, actor, states and unit) and its event, or why not.
  struct Step {
    v1::HistoryEntry entry;
    std::string event;
  };
  using Decide = std::function<absl::StatusOr<Step>(const v1::WorkOrder&, const Timeline&)>;
  // Loads the order (scoped to `reader` when given), decides, writes the step
  // after the order's history and re-files the order. The caller named no
  // version, so an order that moved on meanwhile (a transition, or the
  // monitor's own deadline record) is decided on again as it is now.
  absl::StatusOr<v1::OrderSla> AppendStep(const std::string& order_id, const v1::Actor& actor,
                                          const v1::Actor* reader, absl::Time now, const Decide& decide);

  DeadlineStore& store_;
  refdata::SourceRef<Policies> policies_;
  const calendar::CalendarSource& calendar_;
  const Clock& clock_;
  refdata::SourceRef<directory::Directory> directory_;
  std::function<void(const Mark&, absl::Duration)> on_fire_;
  std::function<void(absl::Duration)> on_filed_;
  ArchiveReader archive_;
  // The version of the policies in force last written to the store.
  absl::Mutex published_mu_;
  std::string published_ ABSL_GUARDED_BY(published_mu_);
  absl::Mutex old_policies_mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Policies>> old_policies_ ABSL_GUARDED_BY(old_policies_mu_);
};

// The timeline as the API shows it.
v1::OrderSla ToProto(const v1::WorkOrder& order, const Timeline& timeline);
// Summary for the store: deadlines, status set and unit list of an order.
// What the timeline could not compute stays as `previous` filed it: a
// deadline once filed is never cleared by a failure to compute.
Summary SummaryOf(const v1::WorkOrder& order, const Timeline& timeline, const SlaFields& previous);

}  // namespace hotline::sla
