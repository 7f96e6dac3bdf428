#!/usr/bin/env python3
"""Load scenarios for `make bench`: a real server on 127.0.0.1 and mgs-loadgen's playing clients.

    tools/scenario.py crowd|hotspot|storm|ladder [--out bench/results] [--quick]

Each scenario starts build/bin/mgs-server on free ports with the flags a load test needs (the
per-IP signaling limits and server.max_players raised, see docs/operations.md "Load testing"),
runs build/bin/mgs-loadgen against it with --server-pid, stops the server with SIGTERM (and checks
it exits cleanly), and writes bench/results/<name>.json: {"scenario", "machine", "build",
"server", "report"} where "report" is the load generator's JSON. Prints a one-line summary.
Numbers only: nothing here passes or fails on a timing. --quick shortens every hold (a smoke run).

  crowd     2,000 playing clients + 2,000 bots, `default` world, 20 Hz snapshots, 60 s hold
  hotspot   500 clients spawned inside one 800 x 800 area, all fighting (team deathmatch, no bots)
  storm     1,000 clients, then all drop at once and come back with their resume tokens
  latency   200 clients + 400 bots (`default`), 30 s: input-to-snapshot latency on a machine not
            saturated (MGS_SERVER_BIN selects the server build, to compare two)
  ladder    500, 1000, 1500, ... clients (+ 2,000 bots) until a step fails: a client under
            19 snapshots/s, a client not connected or dropped, or tick p99 >= 33 ms; when 500
            fails already, 400, 300, ... until one holds
"""
import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.environ.get("MGS_SERVER_BIN", os.path.join(ROOT, "build/bin/mgs-server"))
LOADGEN = os.environ.get("MGS_LOADGEN_BIN", os.path.join(ROOT, "build/bin/mgs-loadgen"))

LOAD_FLAGS = [
    "--set", "server.max_players=20000",
    "--set", "server.max_pending_handshakes=1000",
    "--set", "server.signaling_rate_per_s=10000",
    "--set", "server.signaling_burst=10000",
]


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": f"{mem_gib} GiB", "kernel": platform.release()}


def build():
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip() or "unknown"
    except OSError:
        commit = "unknown"
    compiler = subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {"commit": commit, "build_type": "Release", "compiler": compiler[0] if compiler else "unknown",
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


class Server:
    """mgs-server on free loopback ports; stopped (SIGTERM, then SIGKILL) by stop()."""

    def __init__(self, args):
        self.http = free_port(socket.SOCK_STREAM)
        self.udp = free_port(socket.SOCK_DGRAM)
        cmd = [SERVER, "--bind", "127.0.0.1", "--http-port", str(self.http), "--udp-port", str(self.udp),
               "--log-level", "warn"] + LOAD_FLAGS + args
        self.log = open(os.path.join(ROOT, "build", f"scenario-server-{self.http}.log"), "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        self.cmd = cmd
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mgs-server exited at start ({self.proc.returncode}); see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("mgs-server did not answer /healthz within 30 s")

    def stop(self):
        """Returns (exit code, seconds to exit) after SIGTERM."""
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.log.close()
        return code, time.time() - t0


def run_loadgen(server, args, timeout_s, profile_s=0):
    """Runs mgs-loadgen to its end; with profile_s > 0, perf samples the server for that many
    seconds from the start of the hold (the loadgen's "hold:" line) and the profile is returned
    in the report under "server_profile"."""
    cmd = [LOADGEN, "--port", str(server.http), "--server-pid", str(server.proc.pid), "--report", "json"] + args
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err_lines, perf = [], {}

    def read_stderr():
        for line in p.stderr:
            err_lines.append(line)
            if profile_s > 0 and shutil.which("perf") and line.startswith("mgs-loadgen: hold:") and not perf:
                perf["data"] = os.path.join(ROOT, "build", f"perf-server-{server.http}.data")
                perf["proc"] = subprocess.Popen(
                    ["perf", "record", "-F", "499", "-p", str(server.proc.pid), "-o", perf["data"], "--",
                     "sleep", str(profile_s)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        out_text, _ = p.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        p.kill()
        out_text, _ = p.communicate()
    reader.join(timeout=5)
    out = out_text.strip().splitlines()
    try:
        report = json.loads(out[-1]) if out else None
    except json.JSONDecodeError:
        report = None
    if report is None:
        sys.stderr.write("".join(err_lines)[-4000:])
        raise RuntimeError(f"mgs-loadgen printed no report (exit {p.returncode})")
    report["loadgen_exit_code"] = p.returncode
    report["loadgen_command"] = " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd)
    if perf:
        perf["proc"].wait()
        report["server_profile"] = summarize_profile(perf["data"], profile_s)
    return report


def summarize_profile(data, seconds):
    """Where the server's CPU went, from a perf recording: shares of samples by thread and library,
    and the top symbols. perf's sampling: 499 Hz per thread, on-CPU time only."""
    def table(sort, limit):
        p = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", sort, "--stdio",
                            "--percent-limit", str(limit)], capture_output=True, text=True)
        rows = []
        for line in p.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith("%"):
                try:
                    rows.append({"percent": float(parts[0][:-1]), "what": " ".join(parts[1:])})
                except ValueError:
                    pass
        return rows
    samples = 0
    p = subprocess.run(["perf", "report", "-i", data, "--stdio", "--sort", "comm"], capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if line.startswith("# Samples:"):
            n = line.split(":", 1)[1].strip().split()[0]
            samples = int(float(n[:-1]) * 1000) if n.endswith("K") else int(n)
    return {"seconds": seconds, "samples": samples, "server_cpu_ms_per_s": round(samples / 499.0 / seconds * 1000),
            "by_thread_and_library": table("comm,dso", 1.0), "top_symbols": table("comm,dso,sym", 0.7)[:30],
            "command": f"perf record -F 499 -p SERVER_PID -- sleep {seconds}; perf report --sort comm,dso"}


def scenario(name, server_args, loadgen_args, timeout_s, profile_s=0):
    server = Server(server_args)
    try:
        report = run_loadgen(server, loadgen_args, timeout_s, profile_s)
    finally:
        code, exit_s = server.stop()
    return {"command": " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in server.cmd),
            "exit_code": code, "exit_s": round(exit_s, 2)}, report


def get(d, *path, default=None):
    for p in path:
        if not isinstance(d, dict) or p not in d or d[p] is None:
            return default
        d = d[p]
    return d


def summary(name, r):
    def f(v, fmt="{:.1f}"):
        return "n/a" if v is None else fmt.format(v)
    return (f"  {name:10s} {get(r, 'connected')}/{get(r, 'clients')} connected, {get(r, 'failed')} failed, "
            f"{get(r, 'disconnected_during_hold')} dropped | snapshots/client/s min {f(get(r, 'snapshots_per_client_s', 'min'))} "
            f"p5 {f(get(r, 'snapshots_per_client_s', 'p5'))} p50 {f(get(r, 'snapshots_per_client_s', 'p50'))} | "
            f"tick p50 {f(get(r, 'server_tick_ms', 'p50'), '{:.2f}')} p99 {f(get(r, 'server_tick_ms', 'p99'), '{:.2f}')} "
            f"max {f(get(r, 'server_tick_ms', 'max'), '{:.2f}')} ms | server CPU {f(get(r, 'server_cpu_ms_per_client_s'), '{:.3f}')} "
            f"ms/client-s, RSS {f(get(r, 'server_rss_kb_per_client'), '{:.0f}')} KB/client "
            f"(views {f(get(r, 'server_memory_kb_per_client', 'client_views'))}, buffers "
            f"{f(get(r, 'server_memory_kb_per_client', 'client_buffers'))}, batches "
            f"{f(get(r, 'server_memory_kb_per_client', 'outbound_batches'))}) | "
            f"{f(get(r, 'kbps_per_client', 'p50'))} kbit/s/client | input->snapshot p50 "
            f"{f(get(r, 'input_to_snapshot_ms', 'p50'))} p99 {f(get(r, 'input_to_snapshot_ms', 'p99'))} ms | "
            f"overload max {get(r, 'server_tick_ms', 'overload_level_max', default=get(r, 'overload_level_max'))} | "
            f"decode errors {get(r, 'decode_errors')}, view errors {get(r, 'view_errors')}")


def print_profile(report):
    prof = report.get("server_profile")
    if not prof:
        return
    print(f"  server profile over {prof['seconds']} s of the hold ({prof['server_cpu_ms_per_s']} ms CPU/s sampled): "
          "share of samples by thread and library")
    for row in prof["by_thread_and_library"][:12]:
        print(f"    {row['percent']:5.1f}%  {row['what']}")


def write(out_dir, name, payload):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{name}.json")
    with open(path, "w") as fh:
        json.dump(payload, fh)
        fh.write("\n")
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", choices=["crowd", "hotspot", "storm", "ladder", "latency"])
    ap.add_argument("--out", default=os.path.join(ROOT, "bench/results"))
    ap.add_argument("--quick", action="store_true", help="short holds (a smoke run)")
    ap.add_argument("--threads", type=int, default=2, help="loadgen workers")
    ap.add_argument("--profile", action="store_true",
                    help="perf-record the server during the hold; the shares by thread and library go in the JSON")
    ap.add_argument("--max-clients", type=int, default=5000, help="ladder: the last step tried")
    a = ap.parse_args()
    hold = lambda s: max(5, s // 6) if a.quick else s  # noqa: E731
    lg = ["--threads", str(a.threads)]
    prof = (lambda h: max(3, hold(h) - 4)) if a.profile else (lambda h: 0)  # noqa: E731
    head = {"scenario": a.name, "machine": machine(), "build": build()}

    if a.name == "crowd":
        server, report = scenario(a.name, ["--preset", "default", "--bots", "4000", "--threads", "2"],
                                  lg + ["--clients", "2000", "--rate", "200", "--duration-s", str(hold(60))],
                                  timeout_s=hold(60) + 300, profile_s=prof(60))
        write(a.out, a.name, {**head, "server": server, "report": report})
        print(summary(a.name, report))
        print_profile(report)
    elif a.name == "hotspot":
        server, report = scenario(a.name, ["--preset", "default", "--bots", "0", "--mode", "tdm", "--threads", "2",
                                           "--set", "spawn.area=3600,2600,800,800"],
                                  lg + ["--clients", "500", "--rate", "100", "--duration-s", str(hold(60)),
                                        "--behaviour", "fight"],
                                  timeout_s=hold(60) + 200, profile_s=prof(60))
        write(a.out, a.name, {**head, "server": server, "report": report})
        print(summary(a.name, report))
    elif a.name == "latency":
        # A load the machine carries easily, for input-to-snapshot latency (compare server builds
        # with MGS_SERVER_BIN; --out names where the JSON goes).
        server, report = scenario(a.name, ["--preset", "default", "--threads", "2"],
                                  lg + ["--clients", "200", "--rate", "100", "--duration-s", str(hold(30))],
                                  timeout_s=hold(30) + 200)
        write(a.out, a.name, {**head, "server": server, "server_bin": os.path.relpath(SERVER, ROOT),
                              "report": report})
        print(summary(a.name, report))
    elif a.name == "storm":
        server, report = scenario(a.name, ["--preset", "default", "--bots", "2000", "--threads", "2"],
                                  lg + ["--clients", "1000", "--rate", "200", "--duration-s", str(hold(30)),
                                        "--storm"],
                                  timeout_s=hold(30) + 300, profile_s=prof(30))
        write(a.out, a.name, {**head, "server": server, "report": report})
        print(summary(a.name, report))
        st = get(report, "storm") or {}
        print(f"  storm: {st.get('back')}/{st.get('clients')} back, {st.get('failed')} failed, all back in "
              f"{st.get('all_back_ms')} ms (p50 {get(st, 'back_ms', 'p50')} ms, p99 {get(st, 'back_ms', 'p99')} ms), "
              f"tick p99 during it {get(st, 'server_tick_ms', 'p99')} ms")
    else:  # ladder
        steps = []

        def step(clients):
            """One step of the ladder: True when it held."""
            server, report = scenario(a.name, ["--preset", "default", "--bots", str(2000 + clients), "--threads", "2"],
                                      lg + ["--clients", str(clients), "--rate", "250",
                                            "--duration-s", str(hold(30))],
                                      timeout_s=hold(30) + 300)
            snap_min = get(report, "snapshots_per_client_s", "min", default=0)
            p99 = get(report, "server_tick_ms", "p99")
            ok = (get(report, "connected") == clients and not get(report, "disconnected_during_hold")
                  and snap_min >= 19 and p99 is not None and p99 < 33)
            steps.append({"clients": clients, "ok": ok, "server": server, "report": report})
            print(summary(f"{clients}", report) + ("" if ok else "  <- fails"))
            return ok

        best = None
        for clients in range(500, a.max_clients + 1, 500):
            if not step(clients):
                break
            best = clients
        if best is None:
            # Not even the first step held: find what does, in steps of 100 below it.
            best = next((clients for clients in range(400, 0, -100) if step(clients)), None)
        cpu = [get(s["report"], "server_cpu_ms_per_client_s") for s in steps if s["ok"]]
        cpu_at_best = cpu[-1] if cpu else None
        result = {"largest_ok_clients": best,
                  "criteria": "every client connected and kept, >= 19 snapshots/s each, tick p99 < 33 ms",
                  "server_cpu_ms_per_client_s_at_largest": cpu_at_best,
                  "clients_per_core_at_that_cost": (round(1000.0 / cpu_at_best) if cpu_at_best else None),
                  "steps": steps}
        write(a.out, "ladder", {**head, "report": result})
        print(f"  ladder: largest step that held: {best} clients; server CPU {cpu_at_best} ms per client-second "
              f"-> about {result['clients_per_core_at_that_cost']} clients per core at that cost")


if __name__ == "__main__":
    main()
