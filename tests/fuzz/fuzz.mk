# Fuzz targets: tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput.
#  - `make check` builds each with gcc and replay_main.c and replays its seed
#    corpus tests/fuzz/corpus/NAME/ (tests/fuzz/replay.t);
#  - `make fuzz [FUZZ=NAME...] [FUZZ_SECONDS=60]` builds each (default:
#    every target) with clang's libFuzzer + ASan/UBSan into build-fuzz/
#    and fuzzes it for FUZZ_SECONDS, one after the other, adding finds to
#    its corpus; the last lines of each run (executions, coverage) are
#    kept in build-fuzz/NAME.log (tests/fuzz/README.md records them).
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))
FUZZ_REPLAY := $(patsubst tests/fuzz/fuzz_%.c,$(BUILD)/tests/fuzz/replay_%,$(FUZZ_SRCS))
TEST_BINS += $(FUZZ_REPLAY)
FUZZ_SECONDS ?= 60
FUZZ ?= $(FUZZ_NAMES)
FUZZ_LIBS = $(ALL_LIBS:$(BUILD)/%=build-fuzz/%) build-fuzz/libllhttp.a

$(BUILD)/tests/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay_main.o $(ALL_LIBS) $(BUILD)/libllhttp.a
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $< $(BUILD)/tests/fuzz/replay_main.o -Wl,--start-group $(ALL_LIBS) $(BUILD)/libllhttp.a -Wl,--end-group $(LIBS_ALL)

.PHONY: fuzz fuzz-build
fuzz-build:
	$(MAKE) BUILD=build-fuzz CC=clang-14 OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
		LDFLAGS="-fsanitize=address,undefined" $(FUZZ_LIBS) $(patsubst %,build-fuzz/tests/fuzz/fuzz_%.o,$(FUZZ))
	for t in $(FUZZ); do \
		clang-14 -fsanitize=fuzzer,address,undefined -o build-fuzz/fuzz_$$t build-fuzz/tests/fuzz/fuzz_$$t.o \
			-Wl,--start-group $(FUZZ_LIBS) -Wl,--end-group $(LIBS_ALL) || exit 1; \
	done

# each target from its own corpus folder, stdin closed, one at a time
fuzz: fuzz-build
	for t in $(FUZZ); do \
		mkdir -p tests/fuzz/corpus/$$t; \
		echo "== fuzz_$$t: $(FUZZ_SECONDS) s"; \
		TREX_ROOT=$(CURDIR) build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			-print_final_stats=1 tests/fuzz/corpus/$$t </dev/null >build-fuzz/$$t.log 2>&1; \
		st=$$?; grep -E '^#[0-9]+.*(DONE|INITED)|^stat::number_of_executed_units|^stat::peak_rss' build-fuzz/$$t.log; \
		[ $$st -eq 0 ] || { tail -40 build-fuzz/$$t.log; exit 1; }; \
	done
