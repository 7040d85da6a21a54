#pragma once
// The hotline CLI run against an in-process fake gateway: `Gateway` is a
// v1::Hotline::Service whose overrides answer what a test needs. Header-only
// (the caller links hotline_cli_lib); Catch2 REQUIREs inside.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tools/hotline/cli_args.h"
#include "tools/hotline/commands.h"

namespace hotline::testing {

// The command line `args` (no program name, no environment), which must parse.
inline cli::CommandLine ParsedOrFail(const std::vector<std::string>& args) {
  absl::StatusOr<cli::CommandLine> cl = cli::ParseCommandLine(args, {});
  INFO(cl.status().ToString());
  REQUIRE(cl.ok());
  return *std::move(cl);
}

template <typename Gateway>
struct CliHarness {
  CliHarness() {
    grpc::ServerBuilder builder;
    builder.RegisterService(&gateway);
    server = builder.BuildAndStart();
    stub = v1::Hotline::NewStub(server->InProcessChannel(grpc::ChannelArguments()));
  }
  ~CliHarness() { server->Shutdown(); }

  // Runs the command line against `gateway`; out and err hold what it printed.
  cli::ExitCode Run(const std::vector<std::string>& args) {
    const cli::CommandLine cl = ParsedOrFail(args);
    out.str("");
    err.str("");
    return cli::RunCommand(cl, *stub, {out, err});
  }

  Gateway gateway;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<v1::Hotline::Stub> stub;
  std::ostringstream out, err;
};

}  // namespace hotline::testing
