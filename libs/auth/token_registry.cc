#include "auth/token_registry.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "auth/token_registry_keys.h"

namespace hotline::auth {
namespace {

// Records are kept this long past the token's expiry so `list` still shows it.
constexpr absl::Duration kRecordGrace = absl::Hours(24 * 7);

// KEYS[1] the token's hash, KEYS[2] the revoked set; ARGV[1] now (unix s),
// ARGV[2] the jti.
// Marks the token revoked and trims revoked entries that have expired.
const redis::Script& RevokeScript() {
  static const redis::Script* script = new redis::Script(R"lua(
local expires = redis.call('HGET', KEYS[1], 'expires')
if not expires then return 0 end
redis.call('HSET', KEYS[1], 'revoked', '1')
redis.call('ZADD', KEYS[2], expires, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
return 1
)lua");
  return *script;
}

absl::Status Check(const absl::StatusOr<redis::Reply>& r) {
  if (!r.ok()) return r.status();
  if (r->is_error()) return absl::InternalError(absl::StrCat("redis: ", r->str));
  return absl::OkStatus();
}

}  // namespace

absl::Status TokenRegistry::Record(const TokenClaims& c, const std::string& sha256) {
  const std::string key = keys::Token(c.jti);
  const int64_t expires = absl::ToUnixSeconds(c.expires_at);
  if (absl::Status s = Check(redis_.Execute(
          {"HSET", key, "user", c.user_id, "name", c.display_name, "role", v1::Role_Name(c.role),
           "unit", c.unit_code, "issued", absl::StrCat(absl::ToUnixSeconds(c.issued_at)),
           "expires", absl::StrCat(expires), "sha256", sha256, "revoked", "0"}));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Check(redis_.Execute(
          {"EXPIREAT", key, absl::StrCat(absl::ToUnixSeconds(c.expires_at + kRecordGrace))}));
      !s.ok()) {
    return s;
  }
  return Check(redis_.Execute({"ZADD", keys::kTokens, absl::StrCat(expires), c.jti}));
}

absl::Status TokenRegistry::Revoke(const std::string& jti, absl::Time now) {
  absl::StatusOr<redis::Reply> r = redis_.ExecuteScript(
      RevokeScript(), {keys::Token(jti), keys::kRevoked},
      {absl::StrCat(absl::ToUnixSeconds(now)), jti});
  if (absl::Status s = Check(r); !s.ok()) return s;
  if (r->integer == 0) return absl::NotFoundError(absl::StrCat("jti ", jti, ": no such token"));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TokenRecord>> TokenRegistry::List() {
  absl::StatusOr<redis::Reply> ids = redis_.Execute({"ZRANGE", keys::kTokens, "0", "-1"});
  if (absl::Status s = Check(ids); !s.ok()) return s;
  std::vector<TokenRecord> out;
  for (const redis::Reply& id : ids->elements) {
    absl::StatusOr<redis::Reply> h = redis_.Execute({"HGETALL", keys::Token(id.str)});
    if (absl::Status s = Check(h); !s.ok()) return s;
    if (h->elements.empty()) continue;  // the record expired
    TokenRecord rec;
    rec.claims.jti = id.str;
    for (size_t i = 0; i + 1 < h->elements.size(); i += 2) {
      const std::string& f = h->elements[i].str;
      const std::string& v = h->elements[i + 1].str;
      int64_t seconds = 0;
      if (f == "user") rec.claims.user_id = v;
      else if (f == "name") rec.claims.display_name = v;
      else if (f == "role") v1::Role_Parse(v, &rec.claims.role);
      else if (f == "unit") rec.claims.unit_code = v;
      else if (f == "issued" && absl::SimpleAtoi(v, &seconds)) rec.claims.issued_at = absl::FromUnixSeconds(seconds);
      else if (f == "expires" && absl::SimpleAtoi(v, &seconds)) rec.claims.expires_at = absl::FromUnixSeconds(seconds);
      else if (f == "sha256") rec.sha256 = v;
      else if (f == "revoked") rec.revoked = v == "1";
    }
    out.push_back(std::move(rec));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> TokenRegistry::RevokedIds(absl::Time now) {
  absl::StatusOr<redis::Reply> r = redis_.Execute(
      {"ZRANGEBYSCORE", keys::kRevoked, absl::StrCat("(", absl::ToUnixSeconds(now)), "+inf"});
  if (absl::Status s = Check(r); !s.ok()) return s;
  std::vector<std::string> ids;
  ids.reserve(r->elements.size());
  for (const redis::Reply& e : r->elements) ids.push_back(e.str);
  return ids;
}

}  // namespace hotline::auth
