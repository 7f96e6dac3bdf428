#!/usr/bin/env bash
# Runs every test: the web client's build, the Release build's ctest, the ASan+UBSan Debug
# build's ctest, the TypeScript client's checks (typecheck, lint, vitest), the check that Release
# and Debug builds compute the same state hash, and the fuzz targets. Ends with one summary line.
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

# The web client's bundle (client/dist): the browser end-to-end test (ctest game_e2e) plays it.
echo "== client: build (npm run build)"
if (cd client && npm run --silent build) >/tmp/mgs-client-build.log 2>&1; then
    echo "   build: ok ($(du -sh client/dist | cut -f1))"; passed=$((passed + 1))
else
    tail -40 /tmp/mgs-client-build.log; echo "   build: FAILED"; failed=$((failed + 1)); failures+=("client build")
fi

echo "== release: ctest"
run_ctest release
echo "== asan (Debug, ASan+UBSan): ctest"
run_ctest asan

# The client (client/): typecheck and lint count one check each, vitest each of its tests.
run_client() {
    local log json counts step p f
    log=$(mktemp)
    json=$(mktemp)
    for step in typecheck lint; do # each runs `npm run gen` first (FlatBuffers TypeScript from proto/)
        if (cd client && npm run --silent "$step") >"$log" 2>&1; then
            echo "   $step: ok"; passed=$((passed + 1))
        else
            tail -40 "$log"; echo "   $step: FAILED"; failed=$((failed + 1)); failures+=("client $step")
        fi
    done
    (cd client && NO_COLOR=1 npm run --silent test -- --reporter=default --reporter=json --outputFile="$json") >"$log" 2>&1
    local rc=$?
    # "<passed> <failed>"; a test file that failed to load counts as one failure.
    counts=$(node -e '
        const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        const broken = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
        console.log(r.numPassedTests, r.numFailedTests + broken);' "$json" 2>/dev/null)
    if [ -z "$counts" ]; then
        tail -40 "$log"; failed=$((failed + 1)); failures+=("client vitest did not run")
    else
        read -r p f <<<"$counts"
        [ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || f=1 # vitest failed without a failed test
        grep -E '^\s*(Test Files|Tests) ' "$log" | sed 's/^ */   vitest: /'
        [ "$f" -eq 0 ] || { grep -E 'FAIL|AssertionError|Error:' "$log" | head -40; failures+=("client vitest: $f failed"); }
        passed=$((passed + p)); failed=$((failed + f))
    fi
    rm -f "$log" "$json"
}
echo "== client: typecheck, lint, vitest"
run_client

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
