#!/usr/bin/env bash
# Runs every test: the Release build's ctest, the ASan+UBSan Debug build's ctest, and the check
# that Release and Debug builds compute the same state hash. Ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()

run_ctest() { # preset
    local log
    log=$(mktemp)
    ctest --preset "$1" -j2 --no-tests=error 2>&1 | tee "$log" | grep -vE '^\s*(Start|[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed)' || true
    local line
    line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
    if [ -z "$line" ]; then
        failed=$((failed + 1)); failures+=("ctest $1 did not run")
    else
        local f t
        f=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
        t=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
        passed=$((passed + t - f)); failed=$((failed + f))
        [ "$f" -eq 0 ] || failures+=("ctest $1: $f failed")
    fi
    rm -f "$log"
}

echo "== release: ctest"
run_ctest release
echo "== asan (Debug, ASan+UBSan): ctest"
run_ctest asan

echo "== determinism across builds: Release vs Debug state hash"
for preset in arena default; do
    a=$(./build/bin/mgs-server --headless --preset $preset --ticks 600 --seed 7 --threads 2 --report json 2>/dev/null | grep -o '"state_hash":"[0-9a-f]*"')
    b=$(./build-asan/bin/mgs-server --headless --preset $preset --ticks 600 --seed 7 --threads 1 --report json 2>/dev/null | grep -o '"state_hash":"[0-9a-f]*"')
    if [ -n "$a" ] && [ "$a" = "$b" ]; then
        echo "   $preset: $a (Release, 2 threads) == Debug (1 thread)"; passed=$((passed + 1))
    else
        echo "   $preset: Release $a != Debug $b"; failed=$((failed + 1)); failures+=("cross-build hash $preset")
    fi
done

echo "== fuzz targets (libFuzzer, ${FUZZ_SECONDS:-15} s each)"
fuzz_log=$(mktemp)
tools/fuzz.sh >"$fuzz_log" 2>&1
fuzz_rc=$?
grep -E '^fuzz' "$fuzz_log" | sed 's/^/   /'
ok=$(grep -cE '^fuzz [a-z_]+: ok' "$fuzz_log")
passed=$((passed + ok))
if [ "$fuzz_rc" -ne 0 ]; then
    tail -20 "$fuzz_log"
    failed=$((failed + 1)); failures+=("fuzz targets (exit $fuzz_rc)")
fi
rm -f "$fuzz_log"

for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "make test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
