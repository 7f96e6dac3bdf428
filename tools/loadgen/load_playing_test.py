#!/usr/bin/env python3
"""ctest load_playing: a bounded load test with clients that really play.

Starts mgs-server (default preset, 300 bots) on free 127.0.0.1 ports with the signaling limits
raised, runs mgs-loadgen with 120 clients (20 of them on the WebSocket transport) for a 20 s hold,
and checks its JSON report: every client connected and stayed, decoded snapshots, had its inputs
applied, and saw no decode or view errors. Then stops the server with SIGTERM and checks that it
exits with code 0. Correctness only: no figure is compared with a timing. Everything started here
is killed on every way out.
"""
import argparse
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def die_with_parent():
    """Children get SIGKILL when this script dies (ctest's timeout kills only the script)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port, server, limit_s):
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.1)
    return False


def stop(proc, sig=signal.SIGKILL):
    if proc is not None and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server-bin", required=True)
    ap.add_argument("--loadgen-bin", required=True)
    ap.add_argument("--clients", type=int, default=120)
    ap.add_argument("--websocket-clients", type=int, default=20)
    ap.add_argument("--rate", type=float, default=40)
    ap.add_argument("--duration-s", type=float, default=20)
    ap.add_argument("--timeout-s", type=float, default=110, help="the loadgen's hard deadline")
    args = ap.parse_args()

    http = free_port(socket.SOCK_STREAM)
    udp = free_port(socket.SOCK_DGRAM)
    log = tempfile.NamedTemporaryFile(prefix="load_playing_server_", suffix=".log", delete=False)
    server = None
    loadgen = None
    failures = []
    try:
        server = subprocess.Popen(
            [args.server_bin, "--preset", "default", "--bots", "300", "--bind", "127.0.0.1",
             "--http-port", str(http), "--udp-port", str(udp), "--log-level", "warn",
             "--set", "server.signaling_rate_per_s=10000", "--set", "server.signaling_burst=10000",
             "--set", "server.max_players=20000", "--set", "server.max_pending_handshakes=1000"],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        if not wait_healthy(http, server, 20):
            print(f"the server did not come up (log: {log.name})", file=sys.stderr)
            return 1
        cmd = [args.loadgen_bin, "--port", str(http), "--clients", str(args.clients),
               "--websocket-clients", str(args.websocket_clients), "--rate", str(args.rate),
               "--duration-s", str(args.duration_s), "--report", "json", "--server-pid", str(server.pid),
               "--baseline-s", "1", "--timeout-s", str(args.timeout_s), "--behaviour", "fight",
               # Correctness, not speed: a slow handshake on a busy machine is not a failure here.
               "--connect-timeout-s", "45",
               # Chat and scoreboard requests must happen within this short run.
               "--chat-interval-s", "15", "--scoreboard-interval-s", "10"]
        print(" ".join(cmd), flush=True)
        loadgen = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, preexec_fn=die_with_parent)
        try:
            out, _ = loadgen.communicate(timeout=args.timeout_s + 10)
        except subprocess.TimeoutExpired:
            print("mgs-loadgen did not stop by itself", file=sys.stderr)
            return 1
        print(out, flush=True)
        try:
            r = json.loads(out)
        except json.JSONDecodeError:
            print(f"no JSON report (exit code {loadgen.returncode})", file=sys.stderr)
            return 1

        def check(ok, what):
            if not ok:
                failures.append(what)

        n = args.clients
        check(r["clients"] == n, f"clients {r['clients']} != {n}")
        check(r["connected"] == n, f"connected {r['connected']} != {n} (errors {r['errors_by_code']})")
        check(r["failed"] == 0, f"failed {r['failed']}")
        check(r["websocket_clients"] == args.websocket_clients, f"websocket_clients {r['websocket_clients']}")
        check(r["disconnected_during_hold"] == 0, f"disconnected_during_hold {r['disconnected_during_hold']}")
        check(r["decode_errors"] == 0, f"decode_errors {r['decode_errors']}")
        check(r["view_errors"] == 0, f"view_errors {r['view_errors']}")
        spc = r["snapshots_per_client_s"]
        check(spc["clients"] == n, f"snapshot rates of {spc['clients']} clients")
        check(spc["min"] is not None and spc["min"] > 0, f"a client decoded no snapshot: {spc}")
        check(r["input_to_snapshot_ms"]["samples"] > 0, "no input was acknowledged by a snapshot")
        check(r["inputs_sent"] > 0, "no inputs sent")
        check(r["chats"]["received"] > 0, f"no chat came back: {r['chats']}")
        check(r["scoreboards"]["received"] > 0, f"no scoreboard came back: {r['scoreboards']}")
        check(r["kbps_per_client"]["p50"] is not None and r["kbps_per_client"]["p50"] > 0, "no bytes received")
        check(r["server_rss_kb"]["before"] is not None, "no server RSS figure")
        check(r["server_cpu_ms_per_client_s"] is not None, "no server CPU figure")
        check(loadgen.returncode == 0, f"mgs-loadgen exit code {loadgen.returncode}")

        # The server stops cleanly under load's aftermath.
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=20)
            check(code == 0, f"server exit code {code} after SIGTERM")
        except subprocess.TimeoutExpired:
            failures.append("the server did not exit within 20 s of SIGTERM")
    finally:
        stop(loadgen)
        stop(server)
        log.close()
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures) + f"\nserver log: {log.name}", file=sys.stderr)
        return 1
    os.unlink(log.name)
    print("load_playing: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
