# Fuzz targets: tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput.
#  - `make check` builds each with gcc and replay_main.c and replays its seed
#    corpus tests/fuzz/corpus/NAME/ (tests/fuzz/replay.t);
#  - `make fuzz FUZZ=NAME [FUZZ_SECONDS=60]` builds it with clang's libFuzzer
#    + ASan/UBSan into build-fuzz/ and fuzzes, adding finds to the corpus.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(patsubst tests/fuzz/fuzz_%.c,$(BUILD)/tests/fuzz/replay_%,$(FUZZ_SRCS))
TEST_BINS += $(FUZZ_REPLAY)
FUZZ_SECONDS ?= 60

$(BUILD)/tests/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay_main.o $(ALL_LIBS) $(BUILD)/libllhttp.a
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $< $(BUILD)/tests/fuzz/replay_main.o -Wl,--start-group $(ALL_LIBS) $(BUILD)/libllhttp.a -Wl,--end-group $(LIBS_ALL)

.PHONY: fuzz
fuzz:
	@test -n "$(FUZZ)" || { echo "usage: make fuzz FUZZ=NAME (one of: $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS)))"; exit 2; }
	$(MAKE) BUILD=build-fuzz CC=clang-14 OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
		LDFLAGS="-fsanitize=address,undefined" $(ALL_LIBS:$(BUILD)/%=build-fuzz/%) build-fuzz/libllhttp.a build-fuzz/tests/fuzz/fuzz_$(FUZZ).o
	clang-14 -fsanitize=fuzzer,address,undefined -o build-fuzz/fuzz_$(FUZZ) build-fuzz/tests/fuzz/fuzz_$(FUZZ).o \
		-Wl,--start-group $(ALL_LIBS:$(BUILD)/%=build-fuzz/%) build-fuzz/libllhttp.a -Wl,--end-group $(LIBS_ALL)
	mkdir -p tests/fuzz/corpus/$(FUZZ)
	build-fuzz/fuzz_$(FUZZ) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 tests/fuzz/corpus/$(FUZZ)
