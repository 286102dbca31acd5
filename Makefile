# The README's two commands, each enough on a fresh Debian machine (run as root):
#   make demo   install what is missing, build, run the pipeline on the bundled sample
#   make test   install what is missing, build, run every test (plain build, then ASan+UBSan)
# Other targets: deps, build, asan, bench, fuzz, format, clean.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
DEMO_OUT   ?= fundtrace-demo

# In CI (CI=1 or CI=true) warnings are errors.
ifneq ($(filter 1 true,$(CI)),)
  WERROR := -DFT_WERROR=ON
endif

# Debian packages the build, the tests and the demo need. `deps` installs only what is missing.
DEB_PACKAGES := build-essential cmake pkg-config clang libclang-rt-14-dev \
	libssl-dev libleveldb-dev libsecp256k1-dev libcjson-dev libcurl4-openssl-dev \
	libyaml-dev graphviz python3 python3-igraph openmpi-bin libopenmpi-dev
# Node.js and npm: Debian's packages unless the commands are already there (a NodeSource
# nodejs bundles npm and conflicts with Debian's npm package).
NODE_PACKAGES := nodejs npm

.PHONY: all deps node-deps build asan test test-plain test-asan demo bench fuzz format clean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	for p in $(NODE_PACKAGES); do \
	  cmd=$$p; [ $$p = nodejs ] && cmd=node; \
	  command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "error: missing packages:$$missing; run 'make deps' as root" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# npm packages for the integration tests (bcoin as a real Bitcoin node; anvil later).
node-deps: deps
	@tests/integration/node/install.sh

build: deps
	cmake -S . -B $(BUILD) $(WERROR) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFT_SANITIZE=ON $(WERROR) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test-plain: build node-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: asan node-deps
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -LE no-asan

test: test-plain test-asan

demo: build
	$(BUILD)/fundtrace demo --out $(DEMO_OUT)

bench: build
	@for b in $(BUILD)/bench_*; do echo "== $$b"; $$b || exit 1; done

# libFuzzer builds of every fuzz target (clang); run one with e.g.
#   build-fuzz/fuzz_btc_tx tests/fuzz/corpus/btc_tx -max_total_time=60
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DFT_LIBFUZZER=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

format:
	find engine chains heuristics cli tests datasets/gen -name '*.[ch]' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
