# sandbox: `make bench-sandbox` runs bench/bench-sandbox.sh (hyperfine:
# trex-sandbox vs bwrap vs /bin/true, then bench/bench-sandbox-resident.sh:
# per-job cost on trexd's path, --seccomp-fd + cgroups) and records the
# result in bench/BENCHMARKS.md, section "Sandbox start".
.PHONY: bench-sandbox
bench-sandbox: $(BUILD)/trex-sandbox $(BUILD)/secpolc
	BUILD=$(BUILD) sh bench/bench-sandbox.sh

# trex-sandbox is started once per job: linked static-pie, it skips the
# dynamic loader (mapping and relocating libc and libseccomp on every
# start, bench/BENCHMARKS.md). Still position independent (ASLR) and
# RELRO. Sanitizer builds stay dynamic.
ifneq ($(SAN),1)
$(BUILD)/trex-sandbox: LDFLAGS_BASE := -static-pie -Wl,-z,relro,-z,now $(LDFLAGS)
endif
