#pragma once
// A loopback TCP port that is free right now (bind to port 0, read it back,
// close). Tests never use fixed ports.
namespace hotline::testing {
int FreePort();
}  // namespace hotline::testing
