#!/bin/sh
# trexd on a tiny state filesystem (a 4 MiB tmpfs mounted here): submissions
# fill it until trexd answers 507 no_space; the store stays consistent
# (PRAGMA integrity_check), reads keep working, and once space is freed
# trexd accepts and runs jobs again.
#
# Then, on a second tmpfs, the disk fills at each step of a job's life and
# every job ends as it would have with room, once space returns, with
# the same trexd (never restarted) and no new submission to wake it:
#   submit    refused 507, nothing kept
#   start     a job accepted with the last free page cannot be marked
#             running: it stays queued and trexd starts it by itself later
#   running   a job whose run ends on a full disk: its sandbox waits to
#             collect its outputs; a job without outputs has its run line
#             written and its next store write refused: it is made again,
#             its run audited once
#   collect   the outputs' copy for the checker is refused
#   check     the checker's sandbox waits to collect what it checked
#   release   the copy to the release area is refused
#   review    a checker's release on a full disk: 507, nothing recorded
#             (no review row, no copy); the same checker decides again later
# Free space is set page by page (a ballast file filled until ENOSPC, then
# cut by N pages): copies of a table of P pages (the run's, the checker's
# input, the checker's output with its SACRO Viewer export, the release)
# fail at the step whose copy no longer fits. While the disk is full trexd and the waiting
# sandbox use almost no CPU (no busy loop). Needs root (mount, and the
# sandbox) and trex-check.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox check sqlite3
trexd_init trexd-full
trexd_at_exit() {
	trexd_stop 2>/dev/null
	umount "$T/state" 2>/dev/null
	umount "$T/state2" 2>/dev/null
}

mkdir -p "$T/data"
if ! mount -t tmpfs -o size=4m,mode=0700 trex-full "$T/state" 2>/dev/null; then
	echo "1..0 # SKIP cannot mount a tmpfs"
	exit 0
fi
printf 'x\n1\n' >"$T/data/d.csv"
chmod 755 "$T/data"
chmod 644 "$T/data/d.csv"
trexd_config_write '"require_permit": false' '"concurrency": 2' "\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": []}}"
check "trexd starts on a 4 MiB state filesystem" trexd_start
# space given back at the end, so the test does not depend on what trexd
# can delete
dd if=/dev/zero of="$T/state/ballast" bs=64k count=8 2>/dev/null

# 192 KiB of code per job
head -c 196608 /dev/urandom | base64 -w0 >"$T/b64"
{
	printf '{"manifest":{"project":"F","dataset":"synth","runtime":"shell","command":["true"],"outputs":[]},"files":{"blob":"'
	cat "$T/b64"
	printf '"}}'
} >"$T/req.json"
post() { api_post /v1/jobs "$T/req.json"; }

accepted=0
code=201
i=0
while [ "$code" = 201 ] && [ $i -lt 100 ]; do
	code=$(post)
	[ "$code" = 201 ] && { accepted=$((accepted + 1)); api_field id >>"$T/ids"; }
	i=$((i + 1))
done
check "some jobs fit ($accepted)" test "$accepted" -ge 1
expect_eq "a full state filesystem answers 507" 507 "$code"
expect_eq "... with the code no_space" no_space "$(api_field error.code)"
check "... and a message saying so" sh -c "grep -q 'state filesystem is full' '$T/body'"
expect_eq "a second try is refused the same way" 507 "$(post)"
expect_eq "trexd keeps serving: healthz" 200 "$(api_get /healthz)"
FIRST=$(head -1 "$T/ids")
expect_eq "trexd keeps serving: an accepted job can be read" 200 "$(api_get "/v1/jobs/$FIRST")"
expect_eq "store integrity while full" ok "$(sqlite3 -readonly "$T/state/trexd.db" 'PRAGMA integrity_check' 2>&1)"
check "no half-written bundle is left" sh -c "
	for d in '$T'/state/jobs/*; do
		id=\${d##*/}
		grep -qx \"\$id\" '$T/ids' || exit 1
	done"

# free space: the ballast goes
rm -f "$T/state/ballast"
# and the jobs that fitted finish and their bundles can be removed by the
# operator; here the ballast is enough for one more
expect_eq "after space is freed, a job is accepted again" 201 "$(post)"
NEW=$(api_field id)
api_wait_job "$NEW"
expect_eq "... and runs to the end" released "$(api_field state)"
left=0
for id in $(cat "$T/ids"); do
	api_get "/v1/jobs/$id" >/dev/null
	case "$(api_field state)" in queued | running | checking) left=$((left + 1)) ;; esac
done
expect_eq "no job accepted while the disk filled up is stuck" 0 "$left"
trexd_stop
expect_eq "trexd stops cleanly" 0 $?
expect_eq "store integrity after stop" ok "$(sqlite3 "$T/state/trexd.db" 'PRAGMA integrity_check' 2>&1)"

# ---- the disk fills at each step of a job's life ----
S=$T/state2
mkdir -p "$S"
if ! mount -t tmpfs -o size=32m,mode=0700 trex-full2 "$S" 2>/dev/null; then
	not_ok "mount a second tmpfs" "mount failed"
	done_testing
	exit 1
fi
# a frequency table of about 500 KiB whose labels are declared bins (so
# it is released), and a text of the same size (held for review)
mkdir -p "$T/data2"
printf 'x\n1\n' >"$T/data2/d.csv"
awk 'BEGIN { print "a,b,n"; for (i = 0; i < 500; i++) for (j = 0; j < 60; j++) printf "%d-%d,%d-%d,120\n", i, i, j, j }' \
	>"$T/data2/table.txt"
head -c "$(stat -c %s "$T/data2/table.txt")" /dev/zero | tr '\0' 'x' | fold -w 79 >"$T/data2/text.txt"
chmod -R a+rX "$T/data2"
BINS_A=$(seq -s, 0 500)
BINS_B=$(seq -s, 0 60)
TABLE_OUT="[{\"path\":\"t.csv\",\"kind\":\"frequency_table\",\"dimensions\":[\"a\",\"b\"],\"count\":\"n\",\"bins\":{\"a\":[$BINS_A],\"b\":[$BINS_B]}}]"
TEXT_OUT='[{"path":"h.txt","kind":"text"}]'
# the jobs of a step wait for the test's word: a file go/NAME in their
# dataset (go NAME), which /data shows them as it appears
mkdir -m 755 "$T/data2/go"
go() { touch "$T/data2/go/$1"; }
WAIT='while [ ! -e /data/go/$0 ]; do sleep 0.05; done'
# table_job PROJECT: the table job of that project, once go PROJECT; its id
table_job() { api_submit "$1" synth shell "[\"sh\",\"-c\",\"$WAIT; cat /data/table.txt >/output/t.csv\",\"$1\"]" "$TABLE_OUT"; }
TREXD_CONF=$T/trexd2.json
trexd_config_write '"require_permit": false' '"concurrency": 2' \
	"\"datasets\": {\"synth\": {\"path\": \"$T/data2\", \"id_columns\": []}}"
sed -i "s|\"state_dir\": \"$T/state\"|\"state_dir\": \"$S\"|" "$TREXD_CONF"
check "trexd starts on a 32 MiB state filesystem" trexd_start
PID2=$PID

# free_pages: free 4 KiB pages of the state filesystem
free_pages() { stat -f -c %a "$S"; }
# fill: the ballast grows until the filesystem is full
fill() { dd if=/dev/zero of="$S/ballast" bs=4k oflag=append conv=notrunc 2>/dev/null; [ "$(free_pages)" = 0 ]; }
# leave N: full, then N pages given back
leave() { fill && truncate -s "-$(($1 * 4096))" "$S/ballast" && [ "$(free_pages)" = "$1" ]; }
empty() { rm -f "$S/ballast"; }
# cpu: trexd's CPU time so far, in clock ticks (1/100 s)
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
state() { api_get "/v1/jobs/$1" >/dev/null; api_field state; }
# wait_for SECONDS CMD...: until CMD succeeds, polled every 0.1 s
wait_for() {
	local n=0 max=$(($1 * 10))
	shift
	until "$@"; do
		[ $n -ge $max ] && return 1
		sleep 0.1
		n=$((n + 1))
	done
}
is_state() { [ "$(state "$1")" = "$2" ]; }
logged() { grep -Eq "$1" "$TREXD_LOG"; }
# sbx_alive JOB: a trex-sandbox runs for that job id
sbx_alive() { pgrep -f -- "--job-id $1 --" >/dev/null; }
# audit_room N: the audit log's last page has N bytes free, so the next
# lines need no new page (auditor reads add lines until it does)
audit_room() {
	local n=0 sz
	while [ $n -lt 60 ]; do
		sz=$(stat -c %s "$S/audit.log")
		[ $((4096 - sz % 4096)) -ge "$1" ] && return 0
		api_get /v1/audit/job/none >/dev/null
		n=$((n + 1))
	done
	return 1
}
# quiet SECONDS: trexd's CPU ticks over that many seconds of no request
quiet() { local a; a=$(cpu "$PID2"); sleep "$1"; echo $(($(cpu "$PID2") - a)); }
QUIET_TICKS=0
QUIET_SECONDS=0
quiet_add() { QUIET_TICKS=$((QUIET_TICKS + $(quiet "$1"))); QUIET_SECONDS=$((QUIET_SECONDS + $1)); }

# a first job builds the dataset's index and gives the table's size
W=$(table_job W)
go W
api_wait_job "$W"
expect_eq "a table job on a roomy disk is released" released "$(api_field state)"
P=$(( ($(stat -c %s "$S/release/W/$W/t.csv") + 4095) / 4096 ))
check "the table takes more than 64 pages ($P)" test "$P" -gt 64
# what the checker's sandbox collects: the table and its SACRO Viewer export
CK=$(du -s -B4096 "$S/jobs/$W/checked" | cut -f1)
check "the checked copies take at least the table ($CK pages)" test "$CK" -ge "$P"
M=32 # pages for everything but the table's copies between two of them

# --- submit and start ---
check "the disk is full" fill
expect_eq "submit on a full disk: 507" 507 "$(api_post /v1/jobs "$T/req.json")"
START=none
tries=0
while [ "$tries" -lt 60 ]; do
	tries=$((tries + 1))
	truncate -s -4096 "$S/ballast"
	id=$(api_submit ST synth shell '["true"]' '[]')
	[ "$id" = none ] && continue
	# accepted: its start, tried before the next request is read, needs
	# a store write of its own
	if [ "$(state "$id")" = queued ] && logged "sched_retry job=$id code=-28"; then
		START=$id
		break
	fi
	fill
done
check "a job is accepted with the last free pages, and cannot start ($tries tries)" test "$START" != none
quiet_add 3
expect_eq "... it stays queued while the disk is full" queued "$(state "$START")"
check "... and the scheduler tries again, backing off" logged "sched_retry job=$START code=-28 try=[3-9]"
empty
api_wait_job "$START"
expect_eq "... space back: it starts by itself and ends" released "$(api_field state)"

# --- running: a run ends on a full disk ---
A=$(table_job RA)
B=$(api_submit RB synth shell "[\"sh\",\"-c\",\"$WAIT\",\"RB\"]" '[]')
C=$(table_job RC)
go RC
check "two jobs run, one is queued" wait_for 30 sh -c "
	curl -s --unix-socket '$SOCK' http://trexd/v1/jobs/$A | grep -q '\"state\":\"running\"' &&
	curl -s --unix-socket '$SOCK' http://trexd/v1/jobs/$B | grep -q '\"state\":\"running\"'"
check "the audit log has room for the next lines" audit_room 1500
check "the disk is full" fill
go RA
go RB
check "the run without outputs ends: its run line is written, the store refuses the next write" \
	wait_for 15 logged "job_retry job=$B step=(save_logs|checking) code=-28"
# the run with outputs: its sandbox (the oldest process of that job)
# outlives the job and waits to collect them
SBX=$(pgrep -o -f -- "--job-id $A --")
job_gone() { ! pgrep -f -- "^sh -c .* $1\$" >/dev/null; }
check "the run with outputs ends" wait_for 15 job_gone RA
check "... its sandbox waits to collect them" kill -0 "$SBX"
S_CPU=$(cpu "$SBX")
quiet_add 3
expect_eq "... using no CPU" yes "$([ $(($(cpu "$SBX") - S_CPU)) -le 5 ] && echo yes)"
expect_eq "the three jobs while full: running, running, queued" "running running queued" \
	"$(state "$A") $(state "$B") $(state "$C")"
empty
for id in $A $B $C; do api_wait_job "$id"; printf '%s\n' "$(api_field state)"; done >"$T/ends"
expect_eq "space back: all three end released" "released released released" "$(tr '\n' ' ' <"$T/ends" | sed 's/ $//')"

# --- collect, check, release: the copy that no longer fits ---
# step_job PROJECT PAGES: a table job ($J) whose run ends with PAGES
# pages free
step_job() {
	J=$(table_job "$1")
	wait_for 30 is_state "$J" running
	check "$1: the disk is left $2 pages while the job runs" leave "$2"
	go "$1"
}
step_job RD $((P + M))
D=$J
check "collect: the copy for the checker is refused, and tried again" \
	wait_for 15 logged "job_retry job=$D step=collect code=-28"
quiet_add 2
expect_eq "... the job stays checking" checking "$(state "$D")"
empty
api_wait_job "$D"
expect_eq "... space back: released" released "$(api_field state)"

step_job RE $((2 * P + M))
E=$J
check "check: the checker runs" wait_for 15 sbx_alive "$E-check"
quiet_add 3
check "... and its sandbox waits to collect what it checked" sbx_alive "$E-check"
expect_eq "... the job stays checking" checking "$(state "$E")"
empty
api_wait_job "$E"
expect_eq "... space back: released" released "$(api_field state)"

step_job RF $((2 * P + CK + M))
F=$J
check "release: the copy to the release area is refused, and tried again" \
	wait_for 15 logged "job_retry job=$F step=release code=-28"
quiet_add 2
expect_eq "... the job stays checking, nothing recorded as released" "checking 0" \
	"$(state "$F") $(sqlite3 -readonly "$S/trexd.db" "SELECT count(*) FROM outputs WHERE job = '$F'")"
empty
api_wait_job "$F"
expect_eq "... space back: released" "released True" "$(api_field state) $(api_field outputs.0.released)"
expect_eq "... the released file is the checked table" "$(sha256sum <"$T/data2/table.txt" | cut -d' ' -f1)" \
	"$(sha256sum <"$S/release/RF/$F/t.csv" | cut -d' ' -f1)"

# --- review: a checker's release on a full disk ---
chmod 777 "$T"
printf '{"manifest":{"project":"RG","dataset":"synth","runtime":"shell","command":["sh","-c","cat /data/text.txt >/output/h.txt"],"outputs":%s},"files":{}}' \
	"$TEXT_OUT" >"$T/g.json"
api_as 65534 POST /v1/jobs "$(cat "$T/g.json")" >/dev/null
G=$(api_field id)
api_wait_job "$G"
expect_eq "a text output is held for review" held "$(api_field state)"
check "the disk is full" fill
REVIEW='{"name":"h.txt","decision":"release","reason":"aggregate text"}'
expect_eq "review on a full disk: 507" 507 "$(api_req POST "/v1/jobs/$G/review" --data-binary "$REVIEW")"
expect_eq "... no_space" no_space "$(api_field error.code)"
expect_eq "... nothing recorded: held, no review, no copy" "held 0 no" \
	"$(state "$G") $(sqlite3 -readonly "$S/trexd.db" "SELECT count(*) FROM reviews WHERE job = '$G'") $([ -e "$S/release/RG/$G/h.txt" ] && echo yes || echo no)"
empty
expect_eq "space back: the same checker releases it" 200 "$(api_req POST "/v1/jobs/$G/review" --data-binary "$REVIEW")"
expect_eq "... released" "released True" "$(state "$G") $(api_field outputs.0.released)"

# --- what holds across all of it ---
expect_eq "trexd was never restarted" "$PID2" "$PID"
check "trexd did not spin while the disk was full ($QUIET_TICKS ticks in $QUIET_SECONDS s)" \
	test "$QUIET_TICKS" -le $((QUIET_SECONDS * 5))
# each job's run and check are audited once, and every job has ended
python3 - "$S/audit.log" >"$T/audit_counts" <<'EOF'
import collections, json, sys
runs, checks = collections.Counter(), collections.Counter()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "run":
        runs[e["job"]] += 1
    elif e["event"] == "check":
        checks[e["job"]] += 1
bad = [j for j in set(runs) | set(checks) if runs[j] != 1 or checks[j] != 1]
print(len(runs), len(bad))
EOF
read -r NRUNS NBAD <"$T/audit_counts"
expect_eq "every job's run and check are audited exactly once ($NRUNS jobs)" 0 "$NBAD"
expect_eq "no job is left queued, running or checking" 0 \
	"$(sqlite3 -readonly "$S/trexd.db" "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running', 'checking')")"
check "the audit chain is intact" "$BIN/trex" audit verify "$S/audit.log"
trexd_stop
expect_eq "trexd stops cleanly" 0 $?
expect_eq "store integrity after stop" ok "$(sqlite3 "$S/trexd.db" 'PRAGMA integrity_check' 2>&1)"

done_testing
