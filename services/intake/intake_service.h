#pragma once
// The gRPC edge of intake: hotline.v1.Intake and hotline.v1.Directory on the
// callback API. Converts protos and statuses at the boundary and keeps the
// intake metrics; the work is in Intake (intake.h). Thread-safe.
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>

#include "audit/audit_log.h"
#include "audit/read_recorder.h"
#include "hotline/v1/audit.grpc.pb.h"
#include "hotline/v1/directory.grpc.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "intake/guardian.h"
#include "intake/intake.h"
#include "directory/city.h"
#include "refdata/live.h"

namespace hotline::intake {

// Prometheus implementation of the core's observer.
class IntakeMetrics final : public IntakeObserver {
 public:
  explicit IntakeMetrics(prometheus::Registry& registry);
  void OrderCreated(const v1::WorkOrder& order, bool replayed) override;
  void Rejected(const std::string& field) override;

 private:
  prometheus::Family<prometheus::Counter>& created_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Counter& replays_;
  // created_'s child of each (type, channel), found on its first order: a
  // label lookup on every create (label strings, hashing, the family's lock)
  // showed in the create profile.
  static constexpr int kTypes = v1::OrderType_ARRAYSIZE, kChannels = v1::Channel_ARRAYSIZE;
  std::array<std::atomic<prometheus::Counter*>, kTypes * kChannels> created_by_kind_{};
};

// Prometheus implementation of the guardian's observer.
class GuardianMetrics final : public GuardianObserver {
 public:
  explicit GuardianMetrics(prometheus::Registry& registry);
  void Revealed(absl::StatusCode code) override;
  void LookedUp(absl::StatusCode code) override;
  void Verified(const v1::TrailVerdict& verdict) override;

 private:
  prometheus::Family<prometheus::Counter>& reveals_;
  prometheus::Family<prometheus::Counter>& lookups_;
  prometheus::Family<prometheus::Counter>& verifications_;
};

// Reads of orders (get, list) are recorded in the access log before they are
// answered; one that cannot be recorded answers UNAVAILABLE.
class IntakeService final : public v1::Intake::CallbackService {
 public:
  IntakeService(Intake& intake, audit::ReadRecorder& reads, Guardian& guardian)
      : intake_(intake), reads_(reads), guardian_(guardian) {}

  grpc::ServerUnaryReactor* CreateWorkOrder(grpc::CallbackServerContext* context,
                                            const v1::CreateWorkOrderRequest* request,
                                            v1::CreateWorkOrderResponse* response) override;
  grpc::ServerUnaryReactor* GetWorkOrder(grpc::CallbackServerContext* context,
                                         const v1::GetWorkOrderRequest* request,
                                         v1::GetWorkOrderResponse* response) override;
  grpc::ServerUnaryReactor* ListWorkOrders(grpc::CallbackServerContext* context,
                                           const v1::ListWorkOrdersRequest* request,
                                           v1::ListWorkOrdersResponse* response) override;
  grpc::ServerUnaryReactor* RevealCallerPhone(grpc::CallbackServerContext* context,
                                              const v1::RevealCallerPhoneRequest* request,
                                              v1::RevealCallerPhoneResponse* response) override;
  grpc::ServerUnaryReactor* FindOrdersByPhone(grpc::CallbackServerContext* context,
                                              const v1::FindOrdersByPhoneRequest* request,
                                              v1::FindOrdersByPhoneResponse* response) override;
  grpc::ServerUnaryReactor* VerifyOrderTrail(grpc::CallbackServerContext* context,
                                             const v1::VerifyOrderTrailRequest* request,
                                             v1::VerifyOrderTrailResponse* response) override;

 private:
  Intake& intake_;
  audit::ReadRecorder& reads_;
  Guardian& guardian_;
};

// hotline.v1.Audit: lists the access log. Who may call it is the gateway's
// access table (auditors and administrators); a call without a caller
// identity is UNAUTHENTICATED.
class AuditService final : public v1::Audit::CallbackService {
 public:
  explicit AuditService(audit::AuditLog& log) : log_(log) {}

  grpc::ServerUnaryReactor* ListAuditEntries(grpc::CallbackServerContext* context,
                                             const v1::ListAuditEntriesRequest* request,
                                             v1::ListAuditEntriesResponse* response) override;

 private:
  audit::AuditLog& log_;
};

class DirectoryService final : public v1::Directory::CallbackService {
 public:
  // `city`: the city profile this process follows live (GetCity).
  DirectoryService(refdata::SourceRef<directory::Directory> directory, const refdata::Live<directory::City>& city)
      : directory_(std::move(directory)), city_(city) {}

  grpc::ServerUnaryReactor* ListUnits(grpc::CallbackServerContext* context,
                                      const v1::ListUnitsRequest* request,
                                      v1::ListUnitsResponse* response) override;
  grpc::ServerUnaryReactor* ListCategories(grpc::CallbackServerContext* context,
                                           const v1::ListCategoriesRequest* request,
                                           v1::ListCategoriesResponse* response) override;
  grpc::ServerUnaryReactor* GetCity(grpc::CallbackServerContext* context, const v1::GetCityRequest* request,
                                    v1::GetCityResponse* response) override;

 private:
  refdata::SourceRef<directory::Directory> directory_;
  const refdata::Live<directory::City>& city_;
};

}  // namespace hotline::intake
