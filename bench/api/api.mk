# `make bench-api`: bench/bench-api.sh drives trexd's HTTP API over its unix
# socket with 1000 keep-alive connections (submits mixed with status reads)
# and nginx serving a static JSON file on loopback with the same client
# (bench/api/apiload.c), then both over TLS 1.3 with client certificates
# (apiload links OpenSSL), and records the figures in bench/BENCHMARKS.md,
# section "API". Not part of `make check`.
.PHONY: bench-api
$(BUILD)/apiload: bench/api/apiload.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $< $(LIBS_SSL)
bench-api: $(BUILD)/trexd $(BUILD)/trex-sandbox $(BUILD)/apiload
	BUILD=$(BUILD) sh bench/bench-api.sh
