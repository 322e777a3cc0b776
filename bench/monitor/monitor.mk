# `make bench-monitor`: the cost of the privilege-separation hop
# (bench/monitor/monbench.c): the monitor's request round trip, and a
# sandbox started through the monitor (request, fork and exec there, its
# end reported back) against the same binary started with uv_spawn in
# the calling process, as trexd did before issue 16. `make bench-jobs`:
# trexd's per-job cycle (bench/bench-jobs.sh). Figures in
# bench/BENCHMARKS.md, "Per-job overhead". Not part of `make check`.
.PHONY: bench-monitor bench-jobs
$(BUILD)/monbench: $(BUILD)/bench/monitor/monbench.o $(ALL_LIBS) $(BUILD)/libllhttp.a
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $< -Wl,--start-group $(ALL_LIBS) $(BUILD)/libllhttp.a -Wl,--end-group $(LIBS_ALL)
bench-monitor: $(BUILD)/monbench
	$(BUILD)/monbench
bench-jobs: $(BUILD)/trexd $(BUILD)/trex-sandbox
	BUILD=$(BUILD) sh bench/bench-jobs.sh
