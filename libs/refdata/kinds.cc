#include "refdata/kinds.h"

#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/text_proto.h"
#include "hotline/v1/directory.pb.h"
#include "hotline/v1/dispatch.pb.h"
#include "hotline/v1/scoring.pb.h"
#include "hotline/v1/sla.pb.h"

namespace hotline::refdata {

const std::vector<KindInfo>& Kinds() {
  static const auto* kinds = new std::vector<KindInfo>{
      {kUnits, "units.textproto", "hotline.v1.UnitDirectory", "the unit directory"},
      {kCategories, "categories.textproto", "hotline.v1.CategoryList", "the matter categories"},
      {kCatalogue, "dispatch_catalogue.textproto", "hotline.v1.DispatchCatalogue",
       "the dispatch catalogue"},
      {kPolicies, "sla_policies.textproto", "hotline.v1.SlaPolicies", "the SLA policies"},
      {kRules, "scoring_rules.textproto", "hotline.v1.ScoringRuleSet", "the scoring rules"},
      {kCity, "city.textproto", "hotline.v1.CityProfile", "the city profile"},
  };
  return *kinds;
}

const KindInfo* FindKind(absl::string_view name) {
  for (const KindInfo& k : Kinds()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::unique_ptr<google::protobuf::Message> NewMessage(absl::string_view kind) {
  const std::string name(kind);
  if (name == kUnits) return std::make_unique<v1::UnitDirectory>();
  if (name == kCategories) return std::make_unique<v1::CategoryList>();
  if (name == kCatalogue) return std::make_unique<v1::DispatchCatalogue>();
  if (name == kPolicies) return std::make_unique<v1::SlaPolicies>();
  if (name == kRules) return std::make_unique<v1::ScoringRuleSet>();
  if (name == kCity) return std::make_unique<v1::CityProfile>();
  return nullptr;
}

std::string CanonicalText(const google::protobuf::Message& message) {
  google::protobuf::TextFormat::Printer printer;
  // Chinese names stay readable in history and diffs (not octal escapes).
  printer.SetUseUtf8StringEscaping(true);
  std::string out;
  printer.PrintToString(message, &out);
  return out;
}

absl::StatusOr<std::string> ToCanonicalText(absl::string_view kind, const std::string& text,
                                            const std::string& origin) {
  std::unique_ptr<google::protobuf::Message> message = NewMessage(kind);
  if (message == nullptr) {
    std::vector<std::string> names;
    for (const KindInfo& k : Kinds()) names.push_back(k.name);
    return absl::InvalidArgumentError(absl::StrCat("kind: \"", kind, "\" is not one of ",
                                                   absl::StrJoin(names, ", ")));
  }
  if (absl::Status s = config::ParseTextProto(text, origin, message.get()); !s.ok()) return s;
  return CanonicalText(*message);
}

absl::Status ParseStored(const std::string& content, const std::string& origin,
                         google::protobuf::Message* out) {
  absl::Status s = config::ParseTextProto(content, origin, out);
  if (s.ok()) return s;
  return absl::InternalError(s.message());
}

std::string Sha256Hex(absl::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace hotline::refdata
