#pragma once
// One worker process of mgs-loadgen: a share of the clients, all on one thread.
//
// Why processes: usrsctp (under our rtc::Connection) is one global stack per process that cannot
// be driven from several threads, so --threads N forks N workers before any OpenSSL or usrsctp
// state exists. Worker k owns clients k, k + N, k + 2N, ... and starts client i at t0 + i / rate,
// so together they ramp at the requested rate.
//
// Inside a worker (single-threaded, one boost::asio::io_context, epoll underneath):
//   signaling       Beast WebSocket async ops per client (connect, upgrade, join, reply)
//   UDP             one socket per WebRTC client, an async_wait on it; when readable, RtcClient::drive()
//                   reads every datagram with recvmmsg
//   WebSocket data  async reads and a write queue per WebSocket-transport client
//   step timer      every 1/(tick_hz x 8) s: SCTP timers (SctpStack::advance), ramp and storm starts,
//                   handshakes in flight (timeouts), then one of 8 slots of clients gets its tick:
//                   each client sends one InputBatch per tick, spread evenly over the tick
//   command pipe    hold / hold_end / storm / finish from the main process
// Results go to the main process as JSON lines on a pipe: progress, ramp_done, storm_done, result.

#include "options.hpp"

#include <chrono>

namespace mgs::loadgen {

/// Runs worker `index` of `o.threads` until the main process says "finish" (or its command pipe
/// closes). `t0` is the run's start (steady clock, shared by every process of the run). Returns
/// the worker's exit code.
int run_worker(const Options& o, int index, int cmd_fd, int out_fd, std::chrono::steady_clock::time_point t0);

} // namespace mgs::loadgen
