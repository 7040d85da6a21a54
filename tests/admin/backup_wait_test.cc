// hotline-admin backup waits for a save of its own: a save already running
// when the backup begins (forked before it) is waited out, not taken, so a
// write acknowledged just before the backup began is in the copy. A slow
// save is made with Redis's rdb-key-save-delay (microseconds per key).
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "redis/client.h"
#include "support/redis_server.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace hotline::testing {
namespace {

redis::Reply Run(redis::Client& c, redis::Command command) {
  absl::StatusOr<redis::Reply> r = c.Execute(std::move(command));
  REQUIRE(r.ok());
  REQUIRE(!r->is_error());
  return *r;
}

TEST_CASE("hotline-admin backup waits out a save that began before it and takes its own") {
  TempDir temp("hotline-backup-wait");
  RedisServer source;
  redis::Client c(redis::Options{.port = source.port(), .connections = 1});
  for (int i = 0; i < 20; ++i) Run(c, {"SET", absl::StrCat("k", i), "v"});
  Run(c, {"CONFIG", "SET", "rdb-key-save-delay", "50000"});  // ~1 s a save
  Run(c, {"BGSAVE"});                                        // the old save, forked now
  Run(c, {"SET", "late", "acknowledged before the backup began"});
  ShellResult backup = RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " backup ", temp.path(),
                                             "/bk --redis=", source.address(), " 2>&1"));
  INFO(backup.output);
  REQUIRE(backup.exit_code == 0);
  Run(c, {"CONFIG", "SET", "rdb-key-save-delay", "0"});

  RedisServer target;
  ShellResult restore = RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " restore ", temp.path(),
                                              "/bk --redis=", target.address(), " 2>&1"));
  INFO(restore.output);
  REQUIRE(restore.exit_code == 0);
  redis::Client t(redis::Options{.port = target.port(), .connections = 1});
  CHECK(Run(t, {"GET", "late"}).str == "acknowledged before the backup began");
  CHECK(Run(t, {"DBSIZE"}).integer == 21);
}

TEST_CASE(
    "hotline-admin backup and restore: bad usage exits 2, a folder that is not empty is refused") {
  TempDir temp("hotline-backup-usage");
  RedisServer source;
  CHECK(RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " backup --redis=", source.address(), " 2>&1"))
            .exit_code == 2);
  CHECK(RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " restore --redis=", source.address(), " 2>&1"))
            .exit_code == 2);
  CHECK(RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " backup ", temp.path(), "/x --no_such_flag 2>&1"))
            .exit_code == 2);
  REQUIRE(RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " backup ", temp.path(),
                                "/b --redis=", source.address(), " 2>&1"))
              .exit_code == 0);
  ShellResult again = RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " backup ", temp.path(),
                                            "/b --redis=", source.address(), " 2>&1"));
  CHECK(again.exit_code == 1);
  CHECK(absl::StrContains(again.output, "not empty"));
  ShellResult not_backup = RunShell(absl::StrCat(HOTLINE_ADMIN_BIN, " restore ", temp.path(),
                                                 " --redis=", source.address(), " 2>&1"));
  CHECK(not_backup.exit_code == 1);
  CHECK(absl::StrContains(not_backup.output, "manifest.json"));
}

}  // namespace
}  // namespace hotline::testing
