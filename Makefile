# The two commands of the README: `make run` and `make test`. Both install what is missing
# (tools/setup.sh), build, and are quiet when nothing needs doing.
.PHONY: all setup build build-asan client run test golden bench fuzz format lint clean

JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
ifdef CI
export MGS_WERROR := ON
endif

all: build

setup:
	@tools/setup.sh

build: setup
	@cmake --preset release $(CMAKE_FLAGS) >/dev/null
	@bash -o pipefail -c "cmake --build --preset release -j $(JOBS) | { grep -vE '^\[[0-9]+/[0-9]+\] ' || true; }"
	@test -x build/bin/mgs-server

build-asan: setup
	@cmake --preset asan $(CMAKE_FLAGS) >/dev/null
	@bash -o pipefail -c "cmake --build --preset asan -j $(JOBS) | { grep -vE '^\[[0-9]+/[0-9]+\] ' || true; }"
	@test -x build-asan/bin/mgs-server

# The browser client: client/dist (Vite), which the server serves at / (server.static_dir). Rebuilt
# only when its sources, lock file or the schema changed. Needs Node.js >= 20 (tools/setup.sh
# installs client/node_modules when it is there); without it the server serves its built-in page.
CLIENT_SOURCES := $(shell find client/src client/index.html client/vite.config.ts client/package-lock.json \
	proto/game.fbs -type f -not -path 'client/src/proto/*' 2>/dev/null)

client: setup
	@if [ -d client/node_modules ]; then $(MAKE) --no-print-directory -s client/dist/index.html; \
	else echo "client: no client/node_modules (needs Node.js >= 20 and npm): not building the web client"; fi

client/dist/index.html: $(CLIENT_SOURCES)
	@cd client && npm run --silent build -- --logLevel warn
	@touch $@

# Starts the server with bots (the `default` preset) and the web client at http://localhost:8080/.
# Extra flags: make run ARGS="--preset arena"
run: build client
	./build/bin/mgs-server $(ARGS)

test: build build-asan
	@tools/setup.sh test
	@tools/test.sh

# Rewrites the golden vectors of proto/testdata after an intended wire format change: the server's
# messages (tools/golden) and the client's (client/test/golden_client.test.ts). Commit the result.
golden: build
	@build/bin/mgs-golden --write proto/testdata
	@cd client && npm run --silent golden >/dev/null && echo "client: wrote proto/testdata/client_messages.json"

# libFuzzer targets for every network parser, 15 s each (FUZZ_SECONDS=600 make fuzz for longer).
fuzz: setup
	@tools/setup.sh test
	@tools/fuzz.sh

bench: build
	@tools/setup.sh bench
	@tools/bench.sh

format:
	@find server -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

lint: build
	@find server/src -name '*.cpp' | xargs clang-tidy -p build --quiet

clean:
	rm -rf build build-asan build-debug build-fuzz
