#!/usr/bin/env bash
# Installs what the project needs on Debian 12, and nothing when everything is there already.
#   tools/setup.sh          build and run dependencies
#   tools/setup.sh test     plus what the tests need
set -euo pipefail

need=(cmake ninja-build g++ pkg-config curl python3
      flatbuffers-compiler libflatbuffers-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
      libtbb-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev
      libssl-dev zlib1g-dev libusrsctp-dev libboost-dev)

# What `make test` needs beyond the build: clang and its libFuzzer runtime (fuzz targets), Chromium
# (interop with a browser's WebRTC stack) and Node.js with npm (the interop scripts).
if [ "${1:-}" = "test" ]; then
    need+=(clang libclang-rt-14-dev chromium)
    # Node.js >= 20 with npm (playwright-core needs 20; Debian 12's nodejs is 18, so it is not
    # installed from apt here).
    if ! command -v npm >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ]; then
        echo "setup: Node.js >= 20 with npm is needed for the interop tests (server/tests/interop)" >&2
        exit 1
    fi
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

# The interop scripts' npm packages (exact versions from the committed package-lock.json).
if [ "${1:-}" = "test" ]; then
    dir=server/tests/interop
    cd "$(dirname "$0")/.."
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        echo "setup: npm ci in $dir"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
fi
