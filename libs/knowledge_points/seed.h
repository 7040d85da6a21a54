#pragma once
// The seed knowledge base and the search vocabulary, read from Protobuf text
// files and validated (the file and the entry named in every error):
//   <dir>/*.textproto except synonyms.textproto   hotline.v1.KnowledgeSeed
//   <dir>/synonyms.textproto                      hotline.v1.KnowledgeSynonyms
// Not thread-safe while loading; the results are plain values.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hotline/v1/knowledge.pb.h"
#include "knowledge_points/point_validation.h"

namespace hotline::knowledge {

struct SeedBase {
  std::vector<v1::KnowledgeDomain> domains;    // in code order
  std::vector<v1::KnowledgeSeedPoint> points;  // in code order
  v1::KnowledgeSynonyms synonyms;
};

// Checks one seed file's content: every point valid, no code twice, domain and
// topic nodes with valid codes and names. INVALID_ARGUMENT "<name>: point
// <code>: <field>: <why>".
absl::Status ValidateSeed(const v1::KnowledgeSeed& seed, const std::string& name,
                          const UnitExists& unit_exists);

// Groups of at least two distinct non-empty terms. INVALID_ARGUMENT naming the group.
absl::Status ValidateSynonyms(const v1::KnowledgeSynonyms& synonyms, const std::string& name);

// Reads and validates every file of `dir` (codes must also be unique across
// files). NOT_FOUND when the folder cannot be read; a missing synonyms file
// means no synonyms.
absl::StatusOr<SeedBase> LoadSeedDir(const std::string& dir, const UnitExists& unit_exists);

}  // namespace hotline::knowledge
