#include "dispatch/reference_data.h"

#include "hotline/v1/dispatch.pb.h"
#include "refdata/directory_source.h"
#include "refdata/kinds.h"

namespace hotline::dispatch {

absl::StatusOr<DispatchReferenceData> BuildDispatchReferenceData(
    const refdata::RefSnapshot& snapshot) {
  absl::StatusOr<directory::Directory> dir = refdata::BuildDirectory(snapshot);
  if (!dir.ok()) return dir.status();
  v1::DispatchCatalogue proto;
  if (absl::Status s = snapshot.Parse(refdata::kCatalogue, &proto); !s.ok()) return s;
  absl::StatusOr<Catalogue> catalogue =
      Catalogue::Build(proto, *dir, snapshot.Origin(refdata::kCatalogue));
  if (!catalogue.ok()) return catalogue.status();
  catalogue->set_version(snapshot.versions().at(refdata::kCatalogue));
  return DispatchReferenceData{std::move(*dir), std::move(*catalogue)};
}

absl::StatusOr<std::unique_ptr<refdata::Live<DispatchReferenceData>>> MakeLiveDispatchReferenceData(
    refdata::RefStore& store, refdata::LiveOptions options) {
  return refdata::Live<DispatchReferenceData>::Create(
      store, {refdata::kUnits, refdata::kCategories, refdata::kCatalogue},
      BuildDispatchReferenceData, std::move(options), "dispatch reference data");
}

}  // namespace hotline::dispatch
