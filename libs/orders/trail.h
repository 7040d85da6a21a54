#pragma once
// The tamper-evident trail: every history entry an order store script appends
// is chained (scripts/history_chain.lua): it carries the hash of the entry
// before it (prev_hash) and its own (hash = SHA-1 of prev_hash, "\n" and the
// entry's JSON without the two fields); the first entry's prev_hash is
// TrailGenesis(order id), and the order record keeps the last hash
// (trail_head). VerifyTrail names the first entry altered, removed, inserted
// or reordered. What it proves: that the history was written by the store's
// scripts and not edited since, by anyone without the will to rewrite the
// whole chain and head (the chain is not keyed; see the top-level README).
// Pure functions; thread-safe.
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "hotline/v1/intake.pb.h"

namespace hotline::orders {

// `script` with the chain's Lua functions (chain_push, chain_legacy) in front.
std::string WithHistoryChain(std::string_view script);

// Lowercase hex SHA-1, as redis.sha1hex computes it.
std::string Sha1Hex(absl::string_view data);

// The prev_hash of an order's first entry.
std::string TrailGenesis(absl::string_view order_id);

// An order's history as stored, read by the verify script.
struct StoredTrail {
  std::string order_id;
  std::vector<std::string> entries;  // the list's values, oldest first
  std::string head;                  // field trail_head ("" when absent)
  std::string legacy;                // field trail_legacy "count|ms|by" ("" when none)
  bool chained_now = false;          // the verify script chained a legacy trail
  bool archived = false;             // read from the archive tier (libs/archive)
};

// The verdict on one trail: intact, or the first problem and its entry.
v1::TrailVerdict VerifyTrail(const StoredTrail& trail);

// A stored entry split into its content and chain fields; false when it
// carries none.
bool SplitChainedEntry(absl::string_view stored, std::string* content, std::string* prev_hash,
                       std::string* hash);

}  // namespace hotline::orders
