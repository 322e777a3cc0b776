# policies/check: `make bench-check` runs bench/bench-check.sh (hyperfine:
# trex-check vs a pandas ACRO-like check on a large magnitude table) and
# records the result in bench/BENCHMARKS.md, section "Disclosure check".
.PHONY: bench-check
bench-check: $(BUILD)/trex-check
	BUILD=$(BUILD) sh bench/bench-check.sh
