# The two commands of the README: `make run` and `make test`. Both install what is missing
# (tools/setup.sh), build, and are quiet when nothing needs doing.
.PHONY: all setup build build-asan run test golden bench fuzz format lint clean

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

# Starts the server with bots (the `default` preset). Extra flags: make run ARGS="--preset arena"
run: build
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
	@tools/bench.sh

format:
	@find server -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

lint: build
	@find server/src -name '*.cpp' | xargs clang-tidy -p build --quiet

clean:
	rm -rf build build-asan build-debug build-fuzz
