#!/usr/bin/env bash
# Builds the libFuzzer targets (server/tests/fuzz) with clang, ASan and UBSan in build-fuzz/, then
# runs each one for FUZZ_SECONDS (default 15) on a temporary copy of its seed corpus, so the
# repository is never modified. Prints one line per target and exits non-zero if any target
# crashes, leaks, times out or fails to build; crash inputs are kept in build-fuzz/crashes/.
#   tools/fuzz.sh                    all targets, 15 s each
#   FUZZ_SECONDS=600 tools/fuzz.sh fuzz_sdp     one target, longer (by hand)
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-15}
build=build-fuzz
all_targets=(fuzz_stun fuzz_sdp fuzz_signaling fuzz_dcep fuzz_delta fuzz_envelope)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# Largest input worth trying per target: a UDP datagram for STUN, a generous offer or frame for
# SDP and signaling, a DCEP open with long label and protocol, a snapshot delta of a state message.
max_len() {
    case "$1" in
    fuzz_stun) echo 1500 ;;
    fuzz_sdp | fuzz_signaling) echo 16384 ;;
    fuzz_delta) echo 2048 ;;
    *) echo 1024 ;;
    esac
}

command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (apt-get install clang)" >&2; exit 1; }

# A build directory once configured with another compiler cannot switch: start it again.
if [ -f "$build/CMakeCache.txt" ] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang' "$build/CMakeCache.txt"; then
    rm -rf "$build"
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DMGS_FUZZ=ON -DMGS_BUILD_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMGS_WERROR="${MGS_WERROR:-OFF}" >"$log" 2>&1; then
    cat "$log"
    echo "fuzz: configure FAILED"
    exit 1
fi
if ! cmake --build "$build" --target "${targets[@]}" >"$log" 2>&1; then
    grep -vE '^\[[0-9]+/[0-9]+\] ' "$log"
    echo "fuzz: build FAILED"
    exit 1
fi
# Compiler warnings do not stop a non-CI build, but they are shown.
grep -E 'warning:' "$log" || true

failed=0
for t in "${targets[@]}"; do
    work=$(mktemp -d)
    mkdir -p "$work/corpus"
    if [ -d "server/tests/fuzz/corpus/$t" ]; then
        cp server/tests/fuzz/corpus/"$t"/* "$work/corpus/" 2>/dev/null || true
    fi
    dict=()
    [ -f "server/tests/fuzz/$t.dict" ] && dict=("-dict=server/tests/fuzz/$t.dict")
    "$build/bin/$t" "$work/corpus" "${dict[@]}" -max_total_time="$seconds" -max_len="$(max_len "$t")" \
        -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 -artifact_prefix="$work/" >"$work/log" 2>&1
    rc=$?
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$work/log" | grep -oE '[0-9]+$' | tail -1)
    if [ $rc -eq 0 ] && [ -n "$execs" ]; then
        echo "fuzz $t: ok (${execs} execs)"
    else
        failed=$((failed + 1))
        mkdir -p "$build/crashes"
        for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
            [ -e "$a" ] && cp "$a" "$build/crashes/$t-$(basename "$a")"
        done
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written|#0 |#1 |#2 |#3 ' "$work/log" | head -20
        echo "fuzz $t: FAILED (exit $rc; inputs in $build/crashes/, reproduce: $build/bin/$t <input>)"
    fi
    rm -rf "$work"
done
[ $failed -eq 0 ]
