# A thin front for meson and ninja. The two commands a newcomer needs:
#   make run    install what is missing, build, create the demo database, serve
#   make test   install what is missing, build with sanitizers, run every test
BUILD   ?= build
DB      ?= var/sipf.db
PORT    ?= 8080
LISTEN  ?= 127.0.0.1:$(PORT)
MESON_OPTS = --buildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true

.PHONY: all setup build run test bench fuzz clean check-banned

all: build

setup:
	@bash scripts/setup.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: setup $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	@mkdir -p $(dir $(DB))
	@if [ ! -f $(DB) ]; then \
	  $(BUILD)/sipf migrate --db $(DB) && $(BUILD)/sipf seed-demo --db $(DB); \
	fi
	@$(BUILD)/sipf seed-demo --list
	$(BUILD)/sipf serve --db $(DB) --listen $(LISTEN)

test: build check-banned
	@bash scripts/run-tests.sh $(BUILD)

check-banned:
	@bash scripts/check-banned.sh

bench: setup
	@[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release
	ninja -C build-release sipf bench/platform_bench bench/contrib_bench bench/signin_bench bench/http_drive bench/pg_bench
	@bash bench/run.sh build-release

# libFuzzer (clang) in its own build dir; each target runs FUZZ_SECONDS (docs/fuzzing.md).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= route roster bank_reply idno date
CRASH_ROUNDS ?= 30
fuzz: setup
	@[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=true \
	  --buildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=false
	ninja -C build-fuzz $(foreach t,$(FUZZ_TARGETS),fuzz/$(t)_fuzz)
	@bash fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)
	@# The crash test's long form: the server killed amid writes CRASH_ROUNDS times.
	@$(MAKE) --no-print-directory build
	SIPF_CRASH_ROUNDS=$(CRASH_ROUNDS) meson test -C $(BUILD) api/crash --print-errorlogs

clean:
	rm -rf $(BUILD) build-release
