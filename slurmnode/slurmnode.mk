# trex-slurm-node: the one program a Slurm batch script of trexd's execs
# on a compute node (slurmnode/main.c, docs/slurm.md). Hashes with
# common/hash.c (OpenSSL), reads its run.json with jansson.
BINS += $(BUILD)/trex-slurm-node
all: $(BUILD)/trex-slurm-node
$(BUILD)/trex-slurm-node: $(BUILD)/slurmnode/main.o $(call lib_file,common)
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $^ $(LIBS_JSON) $(LIBS_SSL)

# make bench-slurm: the Slurm executor beside Slurm's own sbatch and the
# local executor (bench/bench-slurm.py, bench/BENCHMARKS.md)
.PHONY: bench-slurm
bench-slurm: $(BINS)
	BUILD=$(BUILD) python3 bench/bench-slurm.py
