# sandbox: `make bench-sandbox` runs bench/bench-sandbox.sh (hyperfine:
# trex-sandbox vs bwrap vs /bin/true) and records the result in
# bench/BENCHMARKS.md, section "Sandbox start".
.PHONY: bench-sandbox
bench-sandbox: $(BUILD)/trex-sandbox
	BUILD=$(BUILD) sh bench/bench-sandbox.sh
