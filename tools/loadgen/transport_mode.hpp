#pragma once
// mgs-loadgen --mode transport: the transport figures (handshakes per second, server memory per
// client, server CPU per 1000 Ping/Pong messages, round-trip time), as tools/bench.sh reads them.

#include "options.hpp"

namespace mgs::loadgen {

/// Runs the transport measurement and prints its JSON object on stdout. Returns the exit code
/// (0 when every client connected).
int run_transport(const Options& o);

} // namespace mgs::loadgen
