#include "orders/trail.h"

#include <openssl/evp.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clock/proto_time.h"

namespace hotline::orders {

namespace scripts {
extern const std::string_view kHistoryChain;
}  // namespace scripts

namespace {

constexpr absl::string_view kPrevField = "\"prev_hash\":\"";
constexpr absl::string_view kHashField = "\",\"hash\":\"";

bool IsHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The seq of a stored entry, for the report ("" when absent).
std::string SeqOf(absl::string_view content) {
  size_t at = content.find("\"seq\":");
  if (at == absl::string_view::npos) return "";
  at += 6;
  if (at < content.size() && content[at] == '"') ++at;  // int64 is a JSON string
  size_t end = at;
  while (end < content.size() && content[end] >= '0' && content[end] <= '9') ++end;
  return std::string(content.substr(at, end - at));
}

std::string Named(const std::vector<std::string>& contents, int index) {
  std::string seq = SeqOf(contents[index]);
  return seq.empty() ? absl::StrCat("entry ", index + 1)
                     : absl::StrCat("entry ", index + 1, " (seq ", seq, ")");
}

}  // namespace

std::string WithHistoryChain(std::string_view script) {
  std::string out(scripts::kHistoryChain);
  out += '\n';
  out += script;
  return out;
}

std::string Sha1Hex(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

std::string TrailGenesis(absl::string_view order_id) {
  return Sha1Hex(absl::StrCat("order:", order_id));
}

bool SplitChainedEntry(absl::string_view stored, std::string* content, std::string* prev_hash,
                       std::string* hash) {
  size_t at = stored.rfind(kPrevField);
  if (at == absl::string_view::npos || stored.size() < 2 || stored.back() != '}') return false;
  absl::string_view rest = stored.substr(at + kPrevField.size());
  rest.remove_suffix(2);  // the closing quote and brace
  size_t split = rest.find(kHashField);
  if (split == absl::string_view::npos) return false;
  absl::string_view prev = rest.substr(0, split);
  absl::string_view own = rest.substr(split + kHashField.size());
  if (stored[stored.size() - 2] != '"' || !IsHex(prev) || own.empty() || !IsHex(own)) return false;
  absl::string_view body = stored.substr(0, at);
  if (!body.empty() && body.back() == ',') body.remove_suffix(1);
  *content = absl::StrCat(body, "}");
  *prev_hash = std::string(prev);
  *hash = std::string(own);
  return true;
}

v1::TrailVerdict VerifyTrail(const StoredTrail& trail) {
  v1::TrailVerdict verdict;
  verdict.set_order_id(trail.order_id);
  const int n = static_cast<int>(trail.entries.size());
  verdict.set_entries(n);
  verdict.set_chained_now(trail.chained_now);
  if (!trail.legacy.empty()) {
    std::vector<std::string> parts = absl::StrSplit(trail.legacy, '|');
    int count = 0;
    int64_t ms = 0;
    if (parts.size() >= 2 && absl::SimpleAtoi(parts[0], &count) && absl::SimpleAtoi(parts[1], &ms)) {
      verdict.set_legacy_entries(count);
      *verdict.mutable_legacy_chained_at() = FromMillis(ms);
    }
  }
  auto broken = [&](v1::TrailProblem problem, int index, std::string detail) {
    verdict.set_intact(false);
    verdict.set_problem(problem);
    verdict.set_entry(index + 1);
    verdict.set_detail(std::move(detail));
    return verdict;
  };

  std::vector<std::string> contents(n), prevs(n), hashes(n);
  std::vector<bool> chained(n);
  absl::flat_hash_map<std::string, int> position;  // hash -> index
  for (int i = 0; i < n; ++i) {
    chained[i] = SplitChainedEntry(trail.entries[i], &contents[i], &prevs[i], &hashes[i]);
    if (!chained[i]) contents[i] = trail.entries[i];
    if (chained[i]) position.emplace(hashes[i], i);
  }
  auto chained_to = [&](int i, const std::string& hash) { return chained[i] && prevs[i] == hash; };

  for (int i = 0; i < n; ++i) {
    const std::string expected = i == 0 ? TrailGenesis(trail.order_id) : hashes[i - 1];
    if (!chained[i]) {
      return broken(v1::TRAIL_PROBLEM_INSERTED, i,
                    absl::StrCat(Named(contents, i),
                                 " carries no chain fields: it was not written by the store"));
    }
    if (Sha1Hex(absl::StrCat(prevs[i], "\n", contents[i])) != hashes[i]) {
      return broken(v1::TRAIL_PROBLEM_ALTERED, i,
                    absl::StrCat(Named(contents, i), " was altered: its content no longer "
                                                     "matches its hash"));
    }
    if (prevs[i] == expected) continue;
    auto it = position.find(prevs[i]);
    if (it != position.end() && it->second > i) {
      return broken(v1::TRAIL_PROBLEM_REORDERED, i,
                    absl::StrCat(Named(contents, i), " is out of place: it was written after ",
                                 Named(contents, it->second)));
    }
    if (it != position.end() && it->second < i - 1) {
      // Chained to an earlier entry: what stands between was put in.
      return broken(v1::TRAIL_PROBLEM_INSERTED, it->second + 1,
                    absl::StrCat(Named(contents, it->second + 1),
                                 " was inserted: the entry after it was written right after ",
                                 Named(contents, it->second)));
    }
    // Chained to nothing in the list: this entry was forged (and the next one
    // still follows the one before it, or it is the last but not the head),
    // or the one it follows is gone.
    const bool next_skips_it = i + 1 < n ? chained_to(i + 1, expected)
                                         : (trail.head == expected);
    if (next_skips_it) {
      return broken(v1::TRAIL_PROBLEM_INSERTED, i,
                    absl::StrCat(Named(contents, i),
                                 " was inserted: it does not follow the entry before it, and the "
                                 "entry after it does"));
    }
    return broken(v1::TRAIL_PROBLEM_REMOVED, i,
                  absl::StrCat("an entry before ", Named(contents, i),
                               " was removed (or the one before it replaced): it was written "
                               "after an entry that is no longer in the trail"));
  }
  if (n == 0) {
    if (!trail.head.empty()) {
      return broken(v1::TRAIL_PROBLEM_REMOVED, 0, "every entry was removed");
    }
    verdict.set_intact(true);
    return verdict;
  }
  if (trail.head != hashes[n - 1]) {
    auto it = position.find(trail.head);
    if (it != position.end()) {
      return broken(v1::TRAIL_PROBLEM_INSERTED, it->second + 1,
                    absl::StrCat(Named(contents, it->second + 1),
                                 " was inserted: the trail's head is ", Named(contents, it->second)));
    }
    return broken(v1::TRAIL_PROBLEM_REMOVED, n,
                  trail.head.empty()
                      ? std::string("the trail's head (trail_head) is missing from the order record")
                      : absl::StrCat("the last entry (after ", Named(contents, n - 1),
                                     ") was removed: the trail's head is not in it"));
  }
  verdict.set_intact(true);
  return verdict;
}

}  // namespace hotline::orders
