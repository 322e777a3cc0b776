#!/bin/sh
# SIGTERM drains (config.md drain_seconds): no new job or connection, the
# running jobs may finish (run, check, release) for drain_seconds, then
# those still running are ended. With on_crash "requeue" an ended job is
# not failed: it stays running in the store and the next start queues it
# again, so a restart or an upgrade loses no job. Without a drain (0) the
# old stop holds: trexd_crash.t "SIGTERM drains within its grace period".
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_needs root sandbox check sqlite3
trexd_init trexd-drain
mkdir -p "$T/data"
chmod 755 "$T/data"
printf 'x\n1\n' >"$T/data/d.csv"
chmod 644 "$T/data/d.csv"
db() { sqlite3 -readonly "$T/state/trexd.db" "$1" 2>/dev/null; }
# config DRAIN ON_CRASH
config() {
	trexd_config_write '"require_permit": false' '"concurrency": 4' \
		"\"drain_seconds\": $1" "\"on_crash\": \"$2\"" \
		"\"datasets\": {\"d\": {\"path\": \"$T/data\", \"id_columns\": []}}"
}
# wait_state ID STATE: until the store says STATE (bounded, ~60 s)
wait_state() {
	i=0
	while [ "$(db "SELECT state FROM jobs WHERE id = '$1'")" != "$2" ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(db "SELECT state FROM jobs WHERE id = '$1'")" = "$2" ]
}
# a job that is running until the test creates /data/go, then writes a
# table whose cells are all large
TABLE='[{"path":"t.csv","kind":"frequency_table","dimensions":["a"],"count":"n"}]'
SLOW='["sh","-c","while [ ! -e /data/go ]; do sleep 0.05; done; printf \"a,n\\nx,120\\ny,130\\n\" >/output/t.csv"]'

check "drain_seconds -1 is refused by trexd -n" sh -c \
	"printf '{\"state_dir\":\"$T/state\",\"socket\":\"$SOCK\",\"drain_seconds\":-1}' >'$T/bad.json'; ! '$BIN/trexd' -n --config '$T/bad.json' 2>'$T/bad.err'"
check "and the error names the key and the range" grep -q 'drain_seconds.*from 0 to 86400' "$T/bad.err"

# --- a drain lets a running job finish and be released ---------------------
config 120 fail
check "trexd starts (drain 120 s)" trexd_start
A=$(api_submit P d shell "$SLOW" "$TABLE")
check "the slow job runs" wait_state "$A" running
kill -TERM "$PID"
check "trexd drains: it says so" sh -c "i=0; while ! grep -q 'event=sched_draining running=1' '$TREXD_LOG' && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i+1)); done; grep -q 'event=sched_draining' '$TREXD_LOG'"
check "while draining no new request is taken" sh -c "! curl -sf -m 5 --unix-socket '$SOCK' http://trexd/healthz"
check "trexd is still running: the job holds it" kill -0 "$PID"
touch "$T/data/go"
check "trexd stops once the job finished" trexd_stop
expect_eq "the drained job was released, not failed" released "$(db "SELECT state FROM jobs WHERE id = '$A'")"
check "its table is in the release area" test -f "$T/state/release/P/$A/t.csv"
rm -f "$T/data/go"

# --- a drain that runs out, with on_crash requeue: queued again -----------
config 1 requeue
check "trexd starts (drain 1 s, requeue)" trexd_start
B=$(api_submit P d shell "$SLOW" "$TABLE")
check "the slow job runs" wait_state "$B" running
check "trexd stops after its drain" trexd_stop
check "the drain ran out" grep -q 'event=sched_drain_ended running=1' "$TREXD_LOG"
check "the job was left for the next start" grep -q "event=job_left_for_requeue job=$B" "$TREXD_LOG"
expect_eq "it is not failed: still running in the store" running "$(db "SELECT state FROM jobs WHERE id = '$B'")"
check "no trex-sandbox of this state folder is left" sh -c "! pgrep -f '^$BIN/trex-sandbox .*$T/state/jobs/' >/dev/null"
touch "$T/data/go"
check "trexd starts again" trexd_start
check "the job was queued again and ran to its release" wait_state "$B" released
check "start-up recovery re-queued it" grep -q "event=job_recovered job=$B was=running action=requeue" "$TREXD_LOG"
check "trexd stops" trexd_stop
rm -f "$T/data/go"

# --- the same with on_crash fail: failed with the reason -------------------
config 1 fail
check "trexd starts (drain 1 s, fail)" trexd_start
C=$(api_submit P d shell "$SLOW" "$TABLE")
check "the slow job runs" wait_state "$C" running
check "trexd stops after its drain" trexd_stop
expect_eq "the job is failed with the reason" "failed|trexd stopped while the job was running" \
	"$(db "SELECT state || '|' || reason FROM jobs WHERE id = '$C'")"
done_testing
