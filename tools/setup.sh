#!/usr/bin/env bash
# Installs what the project needs on Debian 12, and nothing when everything is there already.
#   tools/setup.sh          build and run dependencies
#   tools/setup.sh test     plus what the tests need
#   tools/setup.sh bench    plus what `make bench` needs (perf, for the load scenarios' profile)
set -euo pipefail

need=(cmake ninja-build g++ pkg-config curl python3
      flatbuffers-compiler libflatbuffers-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
      libtbb-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev
      libssl-dev zlib1g-dev libusrsctp-dev libboost-dev)

# What `make test` needs beyond the build: clang and its libFuzzer runtime (fuzz targets), Chromium
# (interop with a browser's WebRTC stack) and Node.js with npm (the client's tests, the interop
# scripts).
if [ "${1:-}" = "test" ]; then
    need+=(clang libclang-rt-14-dev chromium)
    # Node.js >= 20 with npm (playwright-core needs 20; Debian 12's nodejs is 18, so it is not
    # installed from apt here).
    if ! command -v npm >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ]; then
        echo "setup: Node.js >= 20 with npm is needed for the tests (client/, server/tests/interop)" >&2
        exit 1
    fi
fi

if [ "${1:-}" = "bench" ]; then
    need+=(linux-perf)
fi

missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
        SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, exact versions from each committed package-lock.json: the browser client's
# (client/: `make run` builds it into client/dist, `make test` runs its tests) and, for the tests,
# the interop scripts'. Without Node.js >= 20 a plain setup skips the client and says so (the
# server then serves its built-in page at /); `setup.sh test` has already insisted on Node.js above.
npm_ci() { # dir
    if [ ! -d "$1/node_modules" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
        echo "setup: npm ci in $1"
        (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}
cd "$(dirname "$0")/.."
if [ "${1:-}" = "test" ]; then
    npm_ci server/tests/interop
    npm_ci client
elif command -v npm >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 20 ]; then
    npm_ci client
elif [ ! -d client/node_modules ]; then
    echo "setup: Node.js >= 20 with npm not found: the web client (client/) will not be built" >&2
fi
