#include "knowledge_points/seed.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "config/text_proto.h"
#include "knowledge_points/kb_code.h"
#include "text/utf8.h"

namespace hotline::knowledge {

absl::Status ValidateSeed(const v1::KnowledgeSeed& seed, const std::string& name,
                          const UnitExists& unit_exists) {
  std::set<std::string> seen;
  for (const v1::KnowledgeDomain& d : seed.domains()) {
    auto problem = PrefixProblem(d.code());
    if (!problem && (d.code() == "KB" || d.code().size() > 8)) {
      problem = "must name a domain (KB.DD) or a topic (KB.DD.TT)";
    }
    if (problem) return absl::InvalidArgumentError(absl::StrCat(name, ": domain ", d.code(), ": code: ", *problem));
    if (!text::IsValidUtf8(d.name()) || absl::StripAsciiWhitespace(d.name()).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": domain ", d.code(), ": name: is required"));
    }
    if (!seen.insert(d.code()).second) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": domain ", d.code(), ": listed twice"));
    }
  }
  seen.clear();
  for (int i = 0; i < seed.points_size(); ++i) {
    const v1::KnowledgeSeedPoint& p = seed.points(i);
    std::string which = p.code().empty() ? absl::StrCat("#", i + 1) : p.code();
    if (auto e = ValidateSeedPoint(p, unit_exists)) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": point ", which, ": ", e->message));
    }
    if (!seen.insert(p.code()).second) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": point ", which, ": code used twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateSynonyms(const v1::KnowledgeSynonyms& synonyms, const std::string& name) {
  for (int i = 0; i < synonyms.groups_size(); ++i) {
    const v1::SynonymGroup& g = synonyms.groups(i);
    std::set<std::string> terms;
    for (const std::string& t : g.terms()) {
      if (!text::IsValidUtf8(t) || absl::StripAsciiWhitespace(t).empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": group ", i + 1, ": terms: an empty or non-UTF-8 term"));
      }
      terms.insert(t);
    }
    if (terms.size() < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": group ", i + 1, ": needs at least two different terms"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<SeedBase> LoadSeedDir(const std::string& dir, const UnitExists& unit_exists) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".textproto") files.push_back(it->path());
  }
  if (ec) return absl::NotFoundError(absl::StrCat(dir, ": cannot read the folder: ", ec.message()));
  std::sort(files.begin(), files.end());

  SeedBase base;
  std::map<std::string, std::string> code_file;  // code -> the file that has it
  for (const fs::path& file : files) {
    if (file.filename() == "synonyms.textproto") {
      if (absl::Status s = config::ReadTextProto(file.string(), &base.synonyms); !s.ok()) return s;
      if (absl::Status s = ValidateSynonyms(base.synonyms, file.string()); !s.ok()) return s;
      continue;
    }
    v1::KnowledgeSeed seed;
    if (absl::Status s = config::ReadTextProto(file.string(), &seed); !s.ok()) return s;
    if (absl::Status s = ValidateSeed(seed, file.string(), unit_exists); !s.ok()) return s;
    for (const v1::KnowledgeSeedPoint& p : seed.points()) {
      auto [it, fresh] = code_file.emplace(p.code(), file.string());
      if (!fresh) {
        return absl::InvalidArgumentError(absl::StrCat(file.string(), ": point ", p.code(),
                                                       ": code already used in ", it->second));
      }
      base.points.push_back(p);
    }
    for (const v1::KnowledgeDomain& d : seed.domains()) base.domains.push_back(d);
  }
  auto by_code = [](const auto& a, const auto& b) { return a.code() < b.code(); };
  std::sort(base.points.begin(), base.points.end(), by_code);
  std::sort(base.domains.begin(), base.domains.end(), by_code);
  return base;
}

}  // namespace hotline::knowledge
