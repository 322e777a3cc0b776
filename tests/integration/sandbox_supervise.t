#!/bin/sh
# The supervisor's wait when pidfd_open fails (issue #12): trex-sandbox
# runs under a seccomp filter that makes pidfd_open(2) fail with EMFILE
# (tests/integration/sandbox_nopidfd.c), as it would for a supervisor out
# of file descriptors, and must still enforce the wall clock, still end
# the job on trexd's SIGTERM, and still see a short job end at once.
# TREX_ESC_SANDBOX=PATH runs it against another binary (as the escape
# suite does), e.g. one without the polling fallback, to see it fail.
. "$(dirname "$0")/../lib.sh"
SBX=${TREX_ESC_SANDBOX:-$BIN/trex-sandbox}
T=$(mktemp -d /tmp/trex-sbx-sup.XXXXXX)
trap 'rm -rf "$T"' EXIT
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP trex-sandbox needs host root"
	exit 0
fi
case $(uname -m) in x86_64) ;; *)
	echo "1..0 # SKIP the pidfd filter is written for x86_64"
	exit 0 ;;
esac
if ! ${CC:-cc} -O1 -o "$T/nopidfd" "$TREX_ROOT/tests/integration/sandbox_nopidfd.c"; then
	not_ok "build nopidfd"
	done_testing
	exit 1
fi
now_ms() { echo $(($(date +%s%N) / 1000000)); }
status() { sed -n "s/^$1=//p" "$T/status" | head -n 1; }

# the wall clock: --timeout 1 ends a 6 s job
t0=$(now_ms)
"$T/nopidfd" "$SBX" --timeout 1 --status-fd 3 -- sleep 6 3>"$T/status" 2>"$T/err"
rc=$?
t1=$(now_ms)
expect_eq "without a pidfd: --timeout 1 still ends the job (exit 124)" 124 "$rc"
expect_eq "without a pidfd: status result=timeout" timeout "$(status result)"
check "without a pidfd: ended within 4 s ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 4000
check "without a pidfd: the fallback is logged" grep -q 'event=pidfd_open_failed' "$T/err"

# trexd's cancellation: SIGTERM to trex-sandbox ends the job
t0=$(now_ms)
"$T/nopidfd" "$SBX" --status-fd 3 -- sleep 6 3>"$T/status" 2>"$T/err" &
pid=$!
sleep 0.5
kill -TERM "$pid"
wait "$pid"
rc=$?
t1=$(now_ms)
expect_eq "without a pidfd: SIGTERM still cancels the job (exit 143)" 143 "$rc"
expect_eq "without a pidfd: status result=signal after SIGTERM" signal "$(status result)"
check "without a pidfd: cancelled within 4 s ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 4000

# a short job: its exit is seen by the polling, its status kept
"$T/nopidfd" "$SBX" --status-fd 3 -- sh -c 'exit 7' 3>"$T/status" 2>"$T/err"
rc=$?
expect_eq "without a pidfd: the job's exit status is kept" 7 "$rc"
expect_eq "without a pidfd: status result=exit" exit "$(status result)"
check "without a pidfd: wall_ms under 2 s ($(status wall_ms))" test "$(status wall_ms)" -lt 2000
done_testing
