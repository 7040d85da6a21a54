#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "archive/archive_store.h"
#include "archive/audit_archive.h"

namespace hotline::archive {
namespace {

// The version the tools compare before touching DDL, so a role that may not
// create tables (the services') passes once the owner has migrated.
constexpr char kVersionSql[] = R"sql(
CREATE TABLE IF NOT EXISTS archive_schema (version integer NOT NULL);
)sql";

// Scoring's closed months (services/scoring/month_archive.h), keyed as in
// Redis without the prefix: each hash field of a day or month aggregate, each
// member of a month's sorted set, each member of a unit's order list; and
// one row per month moved. Rows of a month are replaced whole in the move's
// transaction. And the facts (scoring:facts:{ID}) of each order whose every
// month has moved, replaced whole per batch the same way.
constexpr char kScoringSql[] = R"sql(
CREATE TABLE IF NOT EXISTS scoring_hashes (
  month text NOT NULL, key text NOT NULL, field text NOT NULL, n bigint NOT NULL,
  PRIMARY KEY (key, field));
CREATE INDEX IF NOT EXISTS scoring_hashes_month ON scoring_hashes (month);
CREATE TABLE IF NOT EXISTS scoring_members (
  month text NOT NULL, key text NOT NULL, member text NOT NULL, n bigint NOT NULL,
  PRIMARY KEY (key, member));
CREATE INDEX IF NOT EXISTS scoring_members_month ON scoring_members (month);
CREATE INDEX IF NOT EXISTS scoring_members_top ON scoring_members (key, n DESC);
CREATE TABLE IF NOT EXISTS scoring_unit_orders (
  month text NOT NULL, unit text NOT NULL, day integer NOT NULL, member text NOT NULL,
  PRIMARY KEY (unit, day, member));
CREATE INDEX IF NOT EXISTS scoring_unit_orders_month ON scoring_unit_orders (month);
CREATE TABLE IF NOT EXISTS scoring_months (
  month text PRIMARY KEY, moved_at timestamptz NOT NULL, keys bigint NOT NULL, rows bigint NOT NULL);
CREATE TABLE IF NOT EXISTS scoring_facts (
  order_id text PRIMARY KEY, version bigint NOT NULL, facts bytea NOT NULL);
)sql";

// Role names are spliced into GRANT statements: lower-case identifiers only.
bool PlainRole(const std::string& role) {
  if (role.empty() || role.size() > 63 || (role[0] >= '0' && role[0] <= '9')) return false;
  for (char c : role) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

absl::Status Run(PgConnection& pg, const std::string& sql, const PgParams& params = {}) {
  absl::StatusOr<PgRows> r = pg.Exec(sql, params);
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::Status Migrate(PgConnection& pg, const std::vector<std::string>& roles) {
  absl::StatusOr<PgRows> me = pg.Exec("SELECT current_user");
  if (!me.ok()) return me.status();
  const std::string self = me->rows.at(0).at(0).value_or("");
  for (const std::string& role : roles) {
    if (!PlainRole(role)) {
      return absl::InvalidArgumentError(
          absl::StrCat("grant_to: \"", role, "\" is not a role name ([a-z_][a-z0-9_]*)"));
    }
    if (role == self) {
      return absl::InvalidArgumentError(absl::StrCat(
          "grant_to: ", role, " is the role migrating; the schema's owner must be another role"));
    }
  }
  // Before any DDL: on a table the services' role owns, the DDL would fail
  // with a less useful message.
  if (!roles.empty()) {
    absl::StatusOr<PgRows> owned = pg.Exec(
        "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = current_schema() AND "
        "tablename = ANY($2::text[]) AND tableowner = ANY($1::text[])",
        {TextArrayLiteral(roles), TextArrayLiteral(ServiceTables())});
    if (!owned.ok()) return owned.status();
    if (!owned->rows.empty()) {
      const std::string table = owned->rows[0][0].value_or(""), owner = owned->rows[0][1].value_or("");
      return absl::FailedPreconditionError(absl::StrCat(
          "table ", table, " is owned by the services' role ", owner,
          ", whose rights no grant can narrow; as a superuser first: REASSIGN OWNED BY ", owner,
          " TO ", self));
    }
  }
  for (const char* sql : {kVersionSql, OrderSchemaSql(), AuditSchemaSql(), kScoringSql}) {
    if (absl::Status s = Run(pg, sql); !s.ok()) return s;
  }
  for (const std::string& role : roles) {
    const std::string r = absl::StrCat("\"", role, "\"");
    const std::string sql = absl::StrCat(
        "GRANT SELECT ON archive_schema TO ", r, ";\n",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON archived_orders TO ", r, ";\n",
        // Whatever was granted before, the log is SELECT and INSERT only.
        "REVOKE ALL ON audit_entries, audit_entry_orders FROM ", r, ";\n",
        "GRANT SELECT, INSERT ON audit_entries, audit_entry_orders TO ", r, ";\n",
        // The scoring archiver replaces a month's rows whole (a rerun after
        // a kill): no UPDATE, whatever was granted before.
        "REVOKE ALL ON scoring_hashes, scoring_members, scoring_unit_orders, scoring_months, "
        "scoring_facts FROM ", r, ";\n",
        "GRANT SELECT, INSERT, DELETE ON scoring_hashes, scoring_members, scoring_unit_orders, "
        "scoring_months, scoring_facts TO ", r, ";\n");
    if (absl::Status s = Run(pg, sql); !s.ok()) return s;
  }
  if (absl::Status s = Run(pg, "DELETE FROM archive_schema"); !s.ok()) return s;
  return Run(pg, "INSERT INTO archive_schema (version) VALUES ($1::int)",
             {absl::StrCat(kSchemaVersion)});
}

}  // namespace

std::vector<std::string> ServiceTables() {
  return {"archive_schema",  "archived_orders", "audit_entries",      "audit_entry_orders",
          "scoring_hashes",  "scoring_members", "scoring_unit_orders", "scoring_months",
          "scoring_facts"};
}

absl::Status MigrateSchema(PgConnection& pg, const std::vector<std::string>& roles) {
  for (const char* sql : {"BEGIN", "SELECT pg_advisory_xact_lock(1812345)"}) {
    if (absl::Status s = Run(pg, sql); !s.ok()) return s;
  }
  if (absl::Status s = Migrate(pg, roles); !s.ok()) {
    (void)pg.Exec("ROLLBACK");
    return s;
  }
  return Run(pg, "COMMIT");
}

absl::Status CheckGranted(PgConnection& pg) {
  absl::StatusOr<PgRows> v = pg.Exec("SELECT max(version) FROM archive_schema");
  if (!v.ok()) {
    if (absl::IsUnavailable(v.status())) return v.status();
    return absl::FailedPreconditionError(absl::StrCat(
        "the archive's schema is not migrated or not granted to this role yet (", v.status().message(),
        "): `hotline-admin archive migrate --grant_to ROLE` as the schema's owner"));
  }
  const std::string have = v->rows.empty() ? "" : v->rows[0][0].value_or("none");
  if (have != absl::StrCat(kSchemaVersion)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the archive's schema is at version ", have, ", this build needs ",
                     kSchemaVersion, ": `hotline-admin archive migrate` as the schema's owner"));
  }
  absl::StatusOr<PgRows> missing = pg.Exec(
      "SELECT t FROM unnest($1::text[]) AS t WHERE NOT has_table_privilege(current_user, t, "
      "'SELECT')",
      {TextArrayLiteral(ServiceTables())});
  if (!missing.ok()) return missing.status();
  if (!missing->rows.empty()) {
    std::vector<std::string> tables;
    for (const auto& row : missing->rows) tables.push_back(row[0].value_or(""));
    return absl::FailedPreconditionError(absl::StrCat(
        "this role may not read ", absl::StrJoin(tables, ", "),
        " yet: `hotline-admin archive migrate --grant_to ROLE` as the schema's owner"));
  }
  return absl::OkStatus();
}

absl::Status EnsureSchema(PgConnection& pg) {
  absl::StatusOr<PgRows> v = pg.Exec("SELECT max(version) FROM archive_schema");
  if (v.ok() && v->rows.size() == 1 &&
      v->rows[0][0] == std::optional<std::string>(absl::StrCat(kSchemaVersion))) {
    return absl::OkStatus();
  }
  if (!v.ok() && !absl::StrContains(v.status().message(), "does not exist") &&
      !absl::StrContains(v.status().message(), "permission denied")) {
    return v.status();
  }
  absl::Status s = MigrateSchema(pg, {});
  if (!s.ok() && (absl::StrContains(s.message(), "permission denied") ||
                  absl::StrContains(s.message(), "must be owner"))) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the archive's schema is missing or older than version ", kSchemaVersion,
        ", and this role may not change it (", s.message(),
        "): run `hotline-admin archive migrate --grant_to ROLE` as the schema's owner"));
  }
  return s;
}

}  // namespace hotline::archive
