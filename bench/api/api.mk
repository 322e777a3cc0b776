# `make bench-api`: bench/bench-api.sh drives trexd's HTTP API over its unix
# socket with 1000 keep-alive connections (submits mixed with status reads)
# and nginx serving a static JSON file on loopback with the same client
# (bench/api/apiload.c), and records the figures in bench/BENCHMARKS.md,
# section "API". Not part of `make check`.
.PHONY: bench-api
$(BUILD)/apiload: bench/api/apiload.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $<
bench-api: $(BUILD)/trexd $(BUILD)/trex-sandbox $(BUILD)/apiload
	BUILD=$(BUILD) sh bench/bench-api.sh
