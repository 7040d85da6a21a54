#pragma once
// `hotline-admin archive run|stats`: the archive mover (libs/archive/mover.h)
// as an operator's command. Kept apart from main.cc's other subcommands.
namespace hotline::admin {
// argv as main's; argv[1] is "archive". Returns the process exit code.
int ArchiveMain(int argc, char** argv);
}  // namespace hotline::admin
