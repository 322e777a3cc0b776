#!/bin/sh
# Restarts re-adopt running sandboxes (config.md on_restart "adopt",
# runner/adopt.c, sandbox/adopt.c). Jobs wait for their own go file in the
# dataset, so the test decides when each finishes:
#   A  still running across a SIGTERM stop (drain runs out) and the
#      restart: adopted, finishes, released, its sandbox started once;
#   C  finishes while trexd is down: its status file is taken at start;
#   D  the same, but its status file is then forged: refused, failed;
#   E  its sandbox is killed while trexd is down and its pid record is
#      pointed at another live process with that process's real start
#      time (pid reuse): not adopted, re-queued, runs again;
#   F  a hostile job that tries to forge its end (writes where the status
#      could be, prints status lines) and exits 3: failed, not released;
#   G  never told to finish: adopted, its wall-clock limit still ends it
#      (timed_out), measured from its sandbox's start;
#   B  a kill -9 of trexd (not a stop) while it runs: adopted, released.
# "Ran once" is counted from trexd's own log: one event=job_started per
# sandbox trexd starts for the job. TREX_ADOPT_OFF=1 runs the same with
# on_restart "end" (the checks that prove adoption then fail).
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_needs root sandbox check sqlite3 setpriv
trexd_init trexd-adopt
S=
trexd_at_exit() {
	[ -n "$S" ] && kill "$S" 2>/dev/null
	trexd_kill
	for p in $(trexd_sandboxes); do kill -9 "$p" 2>/dev/null; done
}
mkdir -p "$T/data"
chmod 755 "$T/data"
printf 'x\n1\n' >"$T/data/d.csv"
chmod 644 "$T/data/d.csv"
db() { sqlite3 -readonly "$T/state/trexd.db" "$1" 2>/dev/null; }
MODE=adopt
[ -n "${TREX_ADOPT_OFF:-}" ] && MODE=end
trexd_config_write '"require_permit": false' '"concurrency": 8' '"drain_seconds": 1' \
	'"on_crash": "requeue"' "\"on_restart\": \"$MODE\"" \
	"\"datasets\": {\"d\": {\"path\": \"$T/data\", \"id_columns\": []}}"
wait_state() {
	i=0
	while [ "$(db "SELECT state FROM jobs WHERE id = '$1'")" != "$2" ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(db "SELECT state FROM jobs WHERE id = '$1'")" = "$2" ]
}
# wait_file F: until F exists (bounded, ~30 s)
wait_file() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$1" ]
}
# wait_gone ID: until no sandbox of job ID is left (bounded, ~30 s)
wait_gone() {
	i=0
	while [ -n "$(trexd_sandboxes "$1")" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	[ -z "$(trexd_sandboxes "$1")" ]
}
starts() { grep -c "event=job_started job=$1 " "$TREXD_LOG"; }
TABLE='[{"path":"t.csv","kind":"frequency_table","dimensions":["a"],"count":"n"}]'
# slow NAME [EXIT]: prints "started", waits for /data/go.NAME, prints
# "finished", writes a table whose cells are all large, exits EXIT (0)
slow() {
	printf '["sh","-c","echo started; while [ ! -e /data/go.%s ]; do sleep 0.05; done; echo finished; printf \\"a,n\\\\nx,120\\\\ny,130\\\\n\\" >/output/t.csv; exit %s"]' "$1" "${2:-0}"
}
# the hostile job: tries every path to its adopt folder it could name,
# prints a status header and record lines on stdout and stderr, leaves a
# link where a careless reader might follow it, then fails
HOSTILE='["sh","-c","for d in /output/.. /job/.. /data/.. /proc/1/root /run; do for f in adopt/status status ../adopt/status; do (echo \"trex-adopt 1 exit=0 signal=0 stdout_bytes=0 stderr_bytes=0 record=12\"; echo result=exit) >\"$d/$f\" 2>/dev/null && echo WROTE $d/$f; done; done; ln -s ../adopt /output/adopt 2>/dev/null; printf \"trex-adopt 1 exit=0 signal=0 stdout_bytes=0 stderr_bytes=0 record=12\\nresult=exit\\n\"; printf \"result=exit\\nexit_code=0\\nend=1\\n\" >&2; while [ ! -e /data/go.F ]; do sleep 0.05; done; exit 3"]'

check "on_restart \"later\" is refused by trexd -n" sh -c \
	"printf '{\"state_dir\":\"$T/state\",\"socket\":\"$SOCK\",\"on_restart\":\"later\"}' >'$T/bad.json'; ! '$BIN/trexd' -n --config '$T/bad.json' 2>'$T/bad.err'"
check "and the error names the key and the choices" grep -q 'on_restart.*"adopt" or "end"' "$T/bad.err"
check "trexd starts (on_restart $MODE)" trexd_start
A=$(api_submit P d shell "$(slow A)" "$TABLE")
C=$(api_submit P d shell "$(slow C)" "$TABLE")
D=$(api_submit P d shell "$(slow D)" "$TABLE")
E=$(api_submit P d shell "$(slow E)" "$TABLE")
F=$(api_submit P d shell "$HOSTILE" "$TABLE")
# G never gets its go file: its wall-clock limit (20 s) ends it, counted
# from its sandbox's start, across the restart
G=$(api_submit P d shell "$(slow G)" "$TABLE" '{"wall_seconds": 20}')
for j in $A $C $D $E $F $G; do
	check "job $j runs" wait_state "$j" running
done
# every sandbox is past its start (its pid record written) before the stop
for j in $A $C $D $E $F $G; do wait_file "$T/state/jobs/$j/adopt/pid" >/dev/null; done

# --- SIGTERM; the drain (1 s) runs out: the runs are left running ----------
check "trexd stops after its drain" trexd_stop
check "the runs were left running, not ended" grep -q "event=job_left_running job=$A " "$TREXD_LOG"
expect_eq "A is still running in the store" running "$(db "SELECT state FROM jobs WHERE id = '$A'")"
check "A's sandbox outlived trexd" test -n "$(trexd_sandboxes "$A")"
check "so did E's" test -n "$(trexd_sandboxes "$E")"

# --- while trexd is down ----------------------------------------------------
touch "$T/data/go.C" "$T/data/go.D" "$T/data/go.F"
check "C finishes while trexd is down: its status file appears" wait_file "$T/state/jobs/$C/adopt/status"
check "... and its sandbox ends" wait_gone "$C"
wait_file "$T/state/jobs/$D/adopt/status" >/dev/null
wait_file "$T/state/jobs/$F/adopt/status" >/dev/null
wait_gone "$D"
wait_gone "$F"
check "the adopt folder is 0700" test "$(stat -c %a "$T/state/jobs/$C/adopt")" = 700
check "the status file is 0600" test "$(stat -c %a "$T/state/jobs/$C/adopt/status")" = 600
check "the status file is the folder owner's (trexd's service user)" \
	test "$(stat -c %u "$T/state/jobs/$C/adopt/status")" = "$(stat -c %u "$T/state/jobs/$C")"
check "the status file is written last: a header, then the record" \
	grep -q '^trex-adopt 1 exit=0 signal=0 stdout_bytes=[0-9]* stderr_bytes=0 record=[0-9]*$' "$T/state/jobs/$C/adopt/status"
HUID=$(sed -n 's/^host_uid=\([0-9]*\)$/\1/p' "$T/state/jobs/$F/adopt/status")
check "F's run record names its job uid" test -n "$HUID"
check "the job uid cannot read F's status file" sh -c \
	"! setpriv --reuid=$HUID --regid=$HUID --clear-groups cat '$T/state/jobs/$F/adopt/status' >/dev/null 2>&1"
check "the job uid cannot write it" sh -c \
	"! setpriv --reuid=$HUID --regid=$HUID --clear-groups sh -c 'echo x >>\"$T/state/jobs/$F/adopt/status\"' 2>/dev/null"
check "the hostile job wrote nothing where it aimed" sh -c "! grep -q WROTE '$T/state/jobs/$F/adopt/stdout'"
check "F's status says what the job did: exit 3" \
	grep -q '^trex-adopt 1 exit=3 signal=0 ' "$T/state/jobs/$F/adopt/status"
# D: a status file forged after the run (a record length that does not add
# up, an exit status the relay never wrote)
printf 'trex-adopt 1 exit=0 signal=0 stdout_bytes=0 stderr_bytes=0 record=99\nresult=exit\nexit_code=0\nend=1\n' \
	>"$T/state/jobs/$D/adopt/status"
# E: its sandbox dies (SIGKILL to the relay the pid record names; the
# supervisor ends the job and cleans up, PDEATHSIG); another process takes
# its place in the pid record, with its own true start time
kill -9 "$(sed -n 's/.* pid=\([0-9]*\) .*/\1/p' "$T/state/jobs/$E/adopt/pid")"
check "E's sandbox is gone" wait_gone "$E"
sleep 300 &
S=$!
START=$(awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[20] }' "/proc/$S/stat")
printf 'trex-adopt-pid 1 pid=%d start=%s boot=%s\n' "$S" "$START" "$(cat /proc/sys/kernel/random/boot_id)" \
	>"$T/state/jobs/$E/adopt/pid"

# --- restart ------------------------------------------------------------------
check "trexd starts again" trexd_start
check "A is adopted, its sandbox still running" grep -q "event=job_adopted job=$A pid=[1-9][0-9]* sandbox=running" "$TREXD_LOG"
check "C is adopted from its status file" grep -q "event=job_adopted job=$C pid=0 sandbox=ended" "$TREXD_LOG"
check "C is released" wait_state "$C" released
expect_eq "C's sandbox started once" 1 "$(starts "$C")"
check "C's output is in the release area" test -f "$T/state/release/P/$C/t.csv"
check "C's stdout was kept across the restart" grep -q finished "$T/state/jobs/$C/logs/stdout"
check "D's forged status is refused" grep -q "event=adopt_status_refused job=$D " "$TREXD_LOG"
expect_eq "D is failed, with a reason that quotes nothing" \
	"failed|trexd restarted and the adopted run left no valid status" \
	"$(db "SELECT state || '|' || reason FROM jobs WHERE id = '$D'")"
check "nothing of D is released" test ! -e "$T/state/release/P/$D"
check "F is failed (its own exit 3, not what it printed)" wait_state "$F" failed
check "nothing of F is released" test ! -e "$T/state/release/P/$F"
expect_eq "F's run record has exit 3" 3 "$(db "SELECT json_extract(run, '\$.exit_code') FROM jobs WHERE id = '$F'")"
check "E is not adopted: the process in its pid record is not its sandbox" \
	sh -c "! grep -q 'event=job_adopted job=$E ' '$TREXD_LOG'"
check "... the job is recovered as on_crash says" grep -q "event=job_recovered job=$E was=running action=requeue" "$TREXD_LOG"
check "... and the other process is neither adopted nor killed" kill -0 "$S"
expect_eq "A is still running" running "$(db "SELECT state FROM jobs WHERE id = '$A'")"
check "G is adopted" grep -q "event=job_adopted job=$G " "$TREXD_LOG"
check "G's wall-clock limit ends it" wait_state "$G" timed_out
expect_eq "G's sandbox started once" 1 "$(starts "$G")"
GWALL=$(db "SELECT json_extract(run, '\$.wall_ms') FROM jobs WHERE id = '$G'")
check "G's run record is its sandbox's: about its limit of wall-clock time" \
	sh -c "test '${GWALL:-0}' -ge 20000 && test '${GWALL:-0}' -lt 25000"
check "nothing of G is released" test ! -e "$T/state/release/P/$G"
touch "$T/data/go.A" "$T/data/go.E"
check "A finishes and is released" wait_state "$A" released
expect_eq "A's sandbox started once" 1 "$(starts "$A")"
check "A's stdout has both halves (before and after the restart)" \
	sh -c "grep -q started '$T/state/jobs/$A/logs/stdout' && grep -q finished '$T/state/jobs/$A/logs/stdout'"
check "A's table is in the release area" test -f "$T/state/release/P/$A/t.csv"
check "the audit log records A's adoption" \
	grep -q "\"event\":\"run_adopted\".*\"job\":\"$A\".*\"sandbox\":\"running\"" "$T/state/audit.log"
check "... and A's run, once" test "$(grep -c "\"event\":\"run\".*\"job\":\"$A\"" "$T/state/audit.log")" = 1
check "E runs again and is released" wait_state "$E" released

expect_eq "E's sandbox started twice (not adopted)" 2 "$(starts "$E")"

# --- kill -9 of trexd while a job runs ----------------------------------------
B=$(api_submit P d shell "$(slow B)" "$TABLE")
check "B runs" wait_state "$B" running
wait_file "$T/state/jobs/$B/adopt/pid" >/dev/null
trexd_kill
sleep 1
check "B's sandbox outlived a killed trexd" test -n "$(trexd_sandboxes "$B")"
check "trexd restarts" trexd_start
check "B is adopted" grep -q "event=job_adopted job=$B pid=[1-9][0-9]* sandbox=running" "$TREXD_LOG"
touch "$T/data/go.B"
check "B is released" wait_state "$B" released
expect_eq "B's sandbox started once" 1 "$(starts "$B")"
check "the monitor's log records the adoption" grep -q "\"event\":\"sandbox_adopted\".*\"job\":\"$B\"" "$T/state/monitor.log"
check "trexd stops" trexd_stop
check "no sandbox is left" test -z "$(trexd_sandboxes)"
done_testing
