#include "sla/reference_data.h"

#include "hotline/v1/sla.pb.h"
#include "refdata/directory_source.h"
#include "refdata/kinds.h"

namespace hotline::sla {

absl::StatusOr<SlaReferenceData> BuildSlaReferenceData(const refdata::RefSnapshot& snapshot) {
  absl::StatusOr<directory::Directory> dir = refdata::BuildDirectory(snapshot);
  if (!dir.ok()) return dir.status();
  v1::SlaPolicies proto;
  if (absl::Status s = snapshot.Parse(refdata::kPolicies, &proto); !s.ok()) return s;
  absl::StatusOr<Policies> policies = Policies::FromProto(proto, snapshot.Origin(refdata::kPolicies));
  if (!policies.ok()) return policies.status();
  policies->set_ref_version(snapshot.versions().at(refdata::kPolicies));
  return SlaReferenceData{std::move(*dir), std::move(*policies)};
}

absl::StatusOr<std::unique_ptr<refdata::Live<SlaReferenceData>>> MakeLiveSlaReferenceData(
    refdata::RefStore& store, refdata::LiveOptions options) {
  return refdata::Live<SlaReferenceData>::Create(
      store, {refdata::kUnits, refdata::kCategories, refdata::kPolicies}, BuildSlaReferenceData,
      std::move(options), "sla reference data");
}

}  // namespace hotline::sla
