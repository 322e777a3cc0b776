# policies/check: `make bench-check` runs bench/bench-check.sh (hyperfine:
# trex-check vs a pandas ACRO-like check on a large magnitude table; the
# heuristic complement search against the exact one, bench/check/exactcmp.c)
# and records the result in bench/BENCHMARKS.md, section "Disclosure check".
.PHONY: bench-check bench-joint
$(BUILD)/exactcmp: bench/check/exactcmp.c $(call lib_file,policies/check) $(call lib_file,common)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $< $(call lib_file,policies/check) \
		$(call lib_file,common) $(LIBS_JSON) $(LIBS_GLPK) $(LIBS_SSL) -lm
bench-check: $(BUILD)/trex-check $(BUILD)/exactcmp
	BUILD=$(BUILD) sh bench/bench-check.sh
# the joint check (policies/check/joint.c): 10 linked tables in one run
# against one run each; a project with 100 earlier releases (bench/bench-joint.sh)
bench-joint: $(BUILD)/trex-check
	BUILD=$(BUILD) sh bench/bench-joint.sh
