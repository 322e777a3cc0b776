# Shell helpers for the Slurm executor's suites (tests/integration/slurm_*.t).
# Source after tests/lib.sh and tests/lib_trexd.sh, after trexd_init:
#   slurm_up                 # a one-node Slurm (scripts/slurm-local.sh), or
#                            # the whole suite skips with the reason
#   slurm_config [MEMBER...] # trexd.json with dataset "big" on Slurm
# The cluster is stopped at exit (by pid file, scripts/slurm-local.sh stop).
# TREX_SLURM_REQUIRED=1 (make check-slurm) turns a skip into a failure.

slurm_up() {
	trexd_needs root sandbox setpriv
	[ -x "$BIN/trex-slurm-node" ] || { echo "1..0 # SKIP needs $BIN/trex-slurm-node"; exit 0; }
	SLURM_LOG=$T/slurm-local.log
	SLURM_CONF=$(sh "$TREX_ROOT/scripts/slurm-local.sh" start 2>"$SLURM_LOG" | tail -1)
	rc=$?
	if [ -z "$SLURM_CONF" ] || [ ! -f "$SLURM_CONF" ]; then
		why=$(tail -1 "$SLURM_LOG" | tr -d '#')
		if [ "${TREX_SLURM_REQUIRED:-0}" = 1 ]; then
			echo "1..1"
			echo "not ok 1 - Slurm starts ($why)"
			exit 1
		fi
		echo "1..0 # SKIP Slurm cannot start here: ${why:-status $rc}"
		exit 0
	fi
	export SLURM_CONF
	SLURM_STARTED=1
}

trexd_at_exit() {
	[ -n "${PID:-}" ] && trexd_stop 2>/dev/null
	if [ -n "${SLURM_STARTED:-}" ]; then
		# nothing of a suite's may be left queued or running
		scancel --partition=trex >/dev/null 2>&1
		sh "$TREX_ROOT/scripts/slurm-local.sh" stop >/dev/null 2>&1
	fi
}

# slurm_config [MEMBER...]: datasets "d" (local) and "big" (on Slurm), the
# staging folder $T/stage (root's, as the monitor wants it), pool uids of
# scripts/slurm-local.sh, then each MEMBER
slurm_config() {
	mkdir -p "$T/data" "$T/stage"
	printf 'age_band,sex\n20-29,F\n' >"$T/data/patients.csv"
	chmod 755 "$T/data" "$T/stage"
	chmod 644 "$T/data/patients.csv"
	trexd_config_write '"concurrency": 2' '"require_permit": false' \
		"\"datasets\": {\"d\": {\"path\": \"$T/data\", \"id_columns\": []}, \"big\": {\"path\": \"$T/data\", \"id_columns\": []}}" \
		"\"slurm\": {\"stage_dir\": \"$T/stage\", \"conf\": \"$SLURM_CONF\", \"pool_uids\": \"${TREX_POOL_BASE:-64100}:4\", \"datasets\": [\"big\"], \"poll_ms\": 100}" \
		"$@"
}

# slurm_jobs: trexd's jobs in the partition, queued or running, one per line
slurm_jobs() { squeue -h --partition=trex -o '%j %T' 2>/dev/null; }
