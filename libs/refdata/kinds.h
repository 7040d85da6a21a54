#pragma once
// The kinds of reference data kept versioned in Redis (ref_store.h): what
// each is called on the command line and in Redis, its schema message and its
// seed file in data/. The working-day calendar is versioned by year in its
// own store (calendar/calendar_store.h) and is not one of these.
//
// Every kind's content is stored as its canonical text (ToCanonicalText):
// parsed against its schema and printed again, so comments and layout do not
// make a new version, two versions compare line by line (line_diff.h), and
// the content hash names the data, not the file.
//
// Pure; thread-safe.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace google::protobuf {
class Message;
}

namespace hotline::refdata {

inline constexpr char kUnits[] = "units";
inline constexpr char kCategories[] = "categories";
inline constexpr char kCatalogue[] = "catalogue";
inline constexpr char kPolicies[] = "policies";
inline constexpr char kRules[] = "rules";
inline constexpr char kCity[] = "city";

struct KindInfo {
  std::string name;       // "units"
  std::string seed_file;  // "units.textproto" (in data/)
  std::string message;    // "hotline.v1.UnitDirectory"
  std::string what;       // "the unit directory", for help texts
};

// Every kind, in the order they depend on each other (units first).
const std::vector<KindInfo>& Kinds();
// nullptr for an unknown name.
const KindInfo* FindKind(absl::string_view name);

// An empty message of the kind's schema; nullptr for an unknown kind.
std::unique_ptr<google::protobuf::Message> NewMessage(absl::string_view kind);

// Parses `text` (Protobuf text format of the kind's schema) and prints it
// again canonically (fields in schema order, UTF-8 kept readable).
// INVALID_ARGUMENT "<origin>: line L:C: ..." when it does not parse; for an
// unknown kind INVALID_ARGUMENT naming the kinds there are.
absl::StatusOr<std::string> ToCanonicalText(absl::string_view kind, const std::string& text,
                                            const std::string& origin);
// The canonical text of a parsed message.
std::string CanonicalText(const google::protobuf::Message& message);

// Parses a kind's stored (canonical) content into `out`, a message of its
// schema. INTERNAL when it does not parse: stored data is ours.
absl::Status ParseStored(const std::string& content, const std::string& origin,
                         google::protobuf::Message* out);

// Lowercase hex SHA-256 of `bytes`.
std::string Sha256Hex(absl::string_view bytes);

}  // namespace hotline::refdata
