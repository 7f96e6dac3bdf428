#!/usr/bin/env bash
# make bench: Google Benchmark for the grids, then the headless scenario per preset, state sync,
# transport, and the web client in headless Chromium. Writes one JSON file per run under
# bench/results/ (the report plus machine and build information) and prints a summary. Numbers
# only: nothing here passes or fails on a timing. BENCH_ONLY=sim|transport|load|client runs one
# part; BENCH_LOAD="crowd storm" picks load scenarios (default: crowd hotspot storm ladder).
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/results
mkdir -p "$out"

cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
cores=$(nproc)
mem=$(free -g | awk '/Mem:/ {print $2 " GiB"}')
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
compiler=$(c++ --version | head -1)
machine=$(printf '{"cpu":"%s","cores":%s,"memory":"%s","kernel":"%s"}' "$cpu" "$cores" "$mem" "$(uname -r)")
build=$(printf '{"commit":"%s","build_type":"Release","compiler":"%s","date":"%s"}' "$commit" "$compiler" "$(date -u +%FT%TZ)")

only=${BENCH_ONLY:-all} # all | sim | transport | load | client

# Load scenarios with clients that play (tools/scenario.py: the server on 127.0.0.1 and
# mgs-loadgen sharing this machine): crowd, hotspot, storm and the ladder of client counts.
run_load() {
    local s
    echo "== load: playing clients (mgs-loadgen) against one server on loopback; the load generator shares the cores"
    for s in ${BENCH_LOAD:-crowd hotspot storm ladder}; do
        # crowd: with the server's profile during the hold (where its CPU goes, by thread and library)
        python3 tools/scenario.py "$s" --out "$out" $([ "$s" = crowd ] && echo --profile) || echo "  $s: did not complete"
    done
}
if [ "$only" = load ]; then
    run_load
    echo "results in $out/"
    exit 0
fi

# The web client (client/dist, built here when its sources changed) in headless Chromium against
# mgs-server (arena, 300 bots): navigation -> load -> Play -> first decoded snapshot, the client's
# frame time (update + HUD + Pixi render call) over 10 s with ~300 entities drawn, and the size
# of its JS and CSS (server/tests/interop/client_bench.mjs). Needs Node.js >= 20, client/ and
# server/tests/interop/ npm packages (tools/setup.sh test) and Chromium; skipped without them.
# MGS_SERVER_BIN overrides the server binary.
run_client() {
    local server_bin=${MGS_SERVER_BIN:-./build/bin/mgs-server} chromium=${CHROMIUM_BIN:-/usr/bin/chromium} report
    echo "== web client: load, first snapshot, frame time with 300 bots (headless Chromium), bundle size"
    if [ ! -d client/node_modules ] || [ ! -d server/tests/interop/node_modules/playwright-core ] || [ ! -x "$chromium" ]; then
        echo "  skipped: needs client/node_modules, server/tests/interop/node_modules (tools/setup.sh test) and $chromium"
        return 0
    fi
    make --no-print-directory -s client || { echo "  skipped: the web client did not build"; return 0; }
    report=$(node server/tests/interop/client_bench.mjs --server-bin "$server_bin" --chromium "$chromium" \
        --bots 300 --duration-s 10 --timeout-s 180 || true)
    printf '{"scenario":"client","machine":%s,"build":%s,"report":%s}\n' "$machine" "$build" "${report:-null}" > "$out/client.json"
    python3 - "$out/client.json" <<'PY' 2>/dev/null || cat "$out/client.json"
import json, sys
r = json.load(open(sys.argv[1]))["report"]
l, f, e, b = r["load"], r["frame_time"], r["entities"], r["bundle"]
print(f"  load {l['load_ms']:.0f} ms, Play -> first snapshot {l['play_click_to_first_snapshot_ms']:.0f} ms "
      f"({l['transport']}); frame time mean {f['mean_ms']:.2f} ms p99 {f['p99_ms']:.2f} ms over {f['frames']} frames "
      f"({f['frames_per_s']:.0f} fps, {r['renderer']}) with {e['drawn']['mean']:.0f} entities drawn, "
      f"{e['on_screen']['mean']:.0f} on screen")
print(f"  bundle: JS {b['js']['bytes'] / 1024:.0f} KiB ({b['js']['gzip_bytes'] / 1024:.0f} KiB gzipped), "
      f"CSS {b['css']['bytes'] / 1024:.0f} KiB ({b['css']['gzip_bytes'] / 1024:.0f} KiB gzipped)")
PY
}
if [ "$only" = client ]; then
    run_client
    echo "results in $out/"
    exit 0
fi

if [ "$only" != transport ]; then
echo "== Google Benchmark (grids, map generation)"
./build/bin/mgs-bench --benchmark_format=console --benchmark_out="$out/grid.json" --benchmark_out_format=json \
    --benchmark_min_time=0.2

run_scenario() { # name ticks [extra flags...]
    local name=$1 ticks=$2 report
    shift 2
    report=$(./build/bin/mgs-server --headless --preset "${name%%-*}" --ticks "$ticks" --threads 2 --report json "$@" 2>/dev/null)
    printf '{"scenario":"%s","machine":%s,"build":%s,"report":%s}\n' "$name" "$machine" "$build" "$report" > "$out/$name.json"
    python3 - "$out/$name.json" <<'PY' 2>/dev/null || cat "$out/$name.json"
import json, sys
d = json.load(open(sys.argv[1])); r = d["report"]
print(f"  {d['scenario']:12s} {r['entities']['players']:6d} players  tick p50 {r['tick_ms']['p50']:.3f} ms  "
      f"p99 {r['tick_ms']['p99']:.3f} ms  max {r['tick_ms']['max']:.3f} ms  ai p50 {r['ai_ms']['p50']:.3f} ms  "
      f"({r['ai_ns_per_bot']:.0f} ns/bot)  kills {r['kills']}  captures {r['captures']}  stuck {r['bots_stuck']}")
PY
}

echo "== headless scenarios (2 threads) on $cpu, $cores cores"
run_scenario arena 9000
run_scenario default 3000
run_scenario massive-sim 900
run_scenario massive-5000 900 --bots 5000
fi
# Transport figures: Ping/Pong clients that join as players but never acknowledge; snapshots at
# 1 Hz so what is measured is the transport (handshakes, memory, CPU per message), not the full
# snapshots of a 500-2,000-player arena (the load scenarios measure playing clients).
run_transport() { # name clients concurrency rounds
    local name=$1 clients=$2 conc=$3 rounds=$4 http udp pid report
    http=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    udp=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    ./build/bin/mgs-server --preset arena --bind 127.0.0.1 --http-port "$http" --udp-port "$udp" --log-level warn \
        --set server.signaling_rate_per_s=10000 --set server.signaling_burst=10000 \
        --set server.max_players=20000 --set server.max_pending_handshakes=1000 \
        --set sync.snapshot_hz=1 >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$http/healthz" >/dev/null && break; sleep 0.1; done
    report=$(./build/bin/mgs-loadgen --mode transport --port "$http" --clients "$clients" --concurrency "$conc" --rounds "$rounds" \
        --server-pid "$pid" --timeout-s 120 || true)
    kill "$pid"; wait "$pid" 2>/dev/null || true
    printf '{"scenario":"%s","machine":%s,"build":%s,"report":%s}\n' "$name" "$machine" "$build" "${report:-null}" > "$out/$name.json"
    python3 - "$out/$name.json" <<'PY' 2>/dev/null || cat "$out/$name.json"
import json, sys
d = json.load(open(sys.argv[1])); r = d["report"]
print(f"  {d['scenario']:16s} {r['connected']:5d}/{r['clients']} connected  {r['handshakes_per_s']:.0f} handshakes/s  "
      f"handshake p50 {r['handshake_ms']['p50']:.1f} ms  {r['server_kb_per_client']:.0f} KB/client  "
      f"{r['server_cpu_ms_per_1000_messages']:.1f} ms CPU/1000 msgs  unreliable RTT p50 "
      f"{r['rtt_ms_unreliable_single']['p50']:.3f} ms p99 {r['rtt_ms_unreliable_single']['p99']:.3f} ms")
PY
}

echo "== state sync: 1000 clients, about 100 moving entities in view each (mgs-syncbench, in process)"
sync_report=$(./build/bin/mgs-syncbench --clients 1000 --players 350 --snapshots 40 --threads 2)
printf '{"scenario":"sync","machine":%s,"build":%s,"report":%s}\n' "$machine" "$build" "$sync_report" > "$out/sync.json"
python3 - "$out/sync.json" <<'PY' 2>/dev/null || cat "$out/sync.json"
import json, sys
r = json.load(open(sys.argv[1]))["report"]
print(f"  {r['moving_entities_in_view_mean']:.0f} moving + {r['entities_in_view_mean'] - r['moving_entities_in_view_mean']:.0f} other entities in view: "
      f"{r['bits_per_moving_entity']:.1f} bits per moving entity, {r['bits_per_unchanged_entity']:.2f} per unchanged, "
      f"{r['bytes_per_snapshot_p50']:.0f} bytes per snapshot (max {r['bytes_per_snapshot_max']:.0f}), "
      f"{r['encode_us_per_client']:.1f} us per client, {r['kbps_per_client']:.1f} kbit/s per client at 20 Hz")
PY
[ "$only" = sim ] && { echo "results in $out/"; exit 0; }
echo "== transport: WebRTC clients (mgs-loadgen, our own stack) against one server on loopback"
run_transport transport-500 500 32 20
run_transport transport-2000 2000 64 5
[ "$only" = all ] && run_load
[ "$only" = all ] && run_client
echo "results in $out/"
