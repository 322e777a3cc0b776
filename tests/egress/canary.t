#!/bin/sh
# Canary exfiltration suite (issue #11): everything a researcher can obtain
# about hostile jobs is scanned for the dataset's content.
#
# A dataset of 300 rows whose identifiers and some values are canaries
# (dataset.py) is read by hostile jobs in Python, R and shell (jobs/) that
# try every channel around the checked files: output names, long names,
# many and undeclared files, exit codes, signals, crashes and parse errors
# quoting data, stdout/stderr, identifiers in tables and inside labels,
# raw rows as labels of released, suppressed or blocked tables, suppressed
# counts, an undeclared column, a label the checker quotes, run figures
# (wall and CPU time, memory, log sizes) carrying data, declared outputs
# written per data bit. One benign job makes a proper table.
#
# Then every answer the researcher (alice, a real uid through setpriv)
# can get about those jobs is saved: every route of docs/api.md she may
# call or try (with the headers and the error bodies), the event stream
# live and resumed (whole, per job, per project), and `trex` in every verb
# and format she can run, including the files `trex fetch` writes. scan.py
# scans the bytes, not the fields, so the suite holds whatever shape the
# answers take:
#   - canary: the prefix CNRY7Q anywhere (any case), also after JSON and
#     percent unescaping;
#   - row: three consecutive fields of a dataset row as consecutive tokens
#     (tokens are split at whitespace and , ; | : = " ' ` \ / ( ) [ ] { }
#     < > & ? # ! *, the dataset's column names dropped), which catches
#     CSV, JSON lists and JSON objects keyed by the column names;
#   - figure: a run figure of the job's record (audit log), a log size
#     or the size of a file it wrote that was not released, shown exactly,
#     or time to 0.1 s, memory to 0.5 MiB (to the MiB for the job whose
#     allocation is data), sizes to 0.1 KiB;
#   - digest: the SHA-256 of a file it wrote that was not released;
#   - pair: a value a job derived from data (exit status, signal,
#     suppressed counts) that tells apart two runs of the same code on two
#     rows, in both directions, on the same channel.
# (scan.py's header defines each precisely.) Each (channel, job) with a
# hit is one failing line; a job with none is one passing line. Positive
# controls: the scanner's own test on planted leaks, and the same scan
# over a checker's view of the same jobs, which must find what checkers
# need to decide (held file, held log, exact run figures, exit status,
# signal, suppressed counts). The benign table must still reach the
# researcher. Residual (reported, not failed): which declared outputs a
# job wrote is visible by design (released or missing), so 8 declared
# outputs carry 8 bits per job (jobs/bits.py).
#
# Run: TREX_ONLY=egress make test-run (or sh tests/egress/canary.t after
# make); TREX_EGRESS_KEEP=DIR keeps every answer and trexd's state there.
# Needs root, the sandbox, trex-check, setpriv and Rscript (skips without).
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox check setpriv Rscript
trexd_init trexd-egress
E=$TREX_ROOT/tests/egress
# Debian's python3 (a pyenv shim first in PATH costs a second a call)
PY=$(command -v /usr/bin/python3 || command -v python3)
SCAN="$PY $E/scan.py"
ALICE=1001 DAVE=1004
V=$T/views
mkdir -p "$T/data" "$V" "$T/home"
$PY "$E/dataset.py" "$T/data" >"$T/facts.json" || exit 1
chmod 755 "$T/data" "$T/home"
chmod 644 "$T/data/patients.csv" "$T/facts.json"
export HOME="$T/home"
trexd_config_write '"concurrency": 4' '"require_permit": false' \
	"\"datasets\": {\"cohort\": {\"path\": \"$T/data\", \"id_columns\": [\"patient_id\"]}}" \
	"\"users\": {
    \"alice\": {\"uid\": $ALICE, \"roles\": [\"researcher\"]},
    \"dave\": {\"uid\": $DAVE, \"roles\": [\"checker\"]}
  }"
fact() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$T/facts.json" "$1"; }

# --- preflight: the scanner finds planted leaks and nothing in clean text
$SCAN selftest "$T/data/patients.csv" >"$T/selftest" 2>&1
check "scanner self-test: planted canary, rows, figures and pairs found; clean text clean" \
	grep -qx "selftest ok" "$T/selftest"
[ "$TAP_FAILED" -eq 0 ] || { cat "$T/selftest"; done_testing; exit 1; }

START=$(date +%s)
check "trexd starts" trexd_start
chmod 777 "$T"
as() { u=$1; shift; setpriv --reuid "$u" --regid "$u" --clear-groups "$@"; }

# the live event stream, open before the first submission
as $ALICE curl -sN --max-time 600 --unix-socket "$SOCK" http://trexd/v1/events \
	>"$T/events.live" 2>&1 &
EVPID=$!
stop_events() {
	[ -n "$EVPID" ] && kill "$EVPID" 2>/dev/null && wait "$EVPID" 2>/dev/null
	EVPID=
}
# TREX_EGRESS_KEEP=DIR keeps a copy of everything (answers, state) there
trexd_at_exit() {
	stop_events
	[ -n "${TREX_EGRESS_KEEP:-}" ] && cp -a "$T" "$TREX_EGRESS_KEEP"
	return 0
}
n=0
until grep -q 'trexd events' "$T/events.live" 2>/dev/null || [ $n -ge 100 ]; do
	sleep 0.05
	n=$((n + 1))
done

# submit LABEL RUNTIME FILE ARG OUTPUTS_JSON: as alice, in project
# cx-LABEL (a project per job, so that per-project views are per job);
# appends "LABEL ID DECLARED-NAMES" to $T/jobs
submit() {
	$PY - "$@" >"$T/req.json" <<'PY'
import base64, json, os, sys
label, runtime, path, arg, outs = sys.argv[1:6]
name = os.path.basename(path)
run = {"python3": ["python3"], "r": ["Rscript"], "shell": ["sh"]}[runtime]
m = {"project": "cx-" + label, "dataset": "cohort", "runtime": runtime,
     "command": run + [name] + ([arg] if arg else []), "outputs": json.loads(outs)}
files = {name: base64.b64encode(open(path, "rb").read()).decode()}
print(json.dumps({"manifest": m, "files": files}))
PY
	chmod 644 "$T/req.json"
	as $ALICE curl -s -o "$T/sub.out" --unix-socket "$SOCK" -X POST --data-binary @"$T/req.json" \
		http://trexd/v1/jobs
	id=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1])).get("id", ""))' "$T/sub.out" 2>/dev/null)
	if [ -z "$id" ]; then
		not_ok "submit $1" "$(head -c 300 "$T/sub.out")"
		return
	fi
	names=$($PY -c 'import json,sys; print(" ".join(o["path"] for o in json.loads(sys.argv[1])))' "$5")
	echo "$1 $id $names" >>"$T/jobs"
}
freq() { # PATH DIM...: a frequency table's declaration, count column n
	p=$1
	shift
	d=$(printf '"%s",' "$@")
	printf '{"path":"%s","kind":"frequency_table","dimensions":[%s],"count":"n"}' "$p" "${d%,}"
}
A=r$(fact A.row) B=r$(fact B.row)
J=$E/jobs
submit benign python3 "$J/benign.py" "" "[$(freq age_sex.csv age_band sex)]"
submit py-names python3 "$J/names.py" "" "[$(freq declared.csv label)]"
submit sh-names shell "$J/names.sh" "" '[]'
submit r-exit-a r "$J/exit.R" "$A" '[]'
submit r-exit-b r "$J/exit.R" "$B" '[]'
submit py-signal-a python3 "$J/signal.py" "$A" '[]'
submit py-signal-b python3 "$J/signal.py" "$B" '[]'
submit sh-suppressed-a shell "$J/suppressed.sh" "$A" "[$(freq groups.csv grp)]"
submit sh-suppressed-b shell "$J/suppressed.sh" "$B" "[$(freq groups.csv grp)]"
submit py-crash python3 "$J/crash.py" "" "[$(freq t.csv label)]"
submit r-crash r "$J/crash.R" "" '[]'
submit sh-dump shell "$J/dump.sh" "$A" '[]'
submit py-timing python3 "$J/timing.py" "$A" '[]'
submit py-rows-released python3 "$J/rows_released.py" "" "[$(freq labels.csv label)]"
submit r-rows-blocked r "$J/rows_blocked.R" "" "[$(freq rows.csv label)]"
submit py-ids python3 "$J/ids_in_table.py" "" "[$(freq ids.csv patient),$(freq inlabel.csv who)]"
submit sh-extra-column shell "$J/extra_column.sh" "" "[$(freq age_sex.csv age_band sex)]"
submit py-parse-dup python3 "$J/parse_dup.py" "" "[$(freq t.csv n)]"
submit sh-parse-quote shell "$J/parse_quote.sh" "" "[$(freq t.csv label)]"
submit sh-parse-column shell "$J/parse_column.sh" "" "[$(freq t.csv age)]"
submit py-margin-label python3 "$J/margin_label.py" "" "[$(freq m.csv grp)]"
submit py-bits python3 "$J/bits.py" "$A" "[$(for k in 0 1 2 3 4 5 6 7; do
	[ $k -gt 0 ] && printf ,
	freq "b$k.csv" g
done)]"
submit py-held-text python3 "$J/held_text.py" "" '[{"path":"notes.txt","kind":"text"}]'

# every job ends (trex wait as alice; it says when it gave up)
wait_all() {
	while read -r label id _; do
		as $ALICE "$BIN/trex" --socket "$SOCK" wait "$id" --timeout 300 >/dev/null 2>"$T/wait.err"
		if grep -q "not finished" "$T/wait.err"; then
			echo "# $label did not end"
			return 1
		fi
	done <"$T/jobs"
}
check "every hostile job ends" wait_all
echo "# jobs ran in $(($(date +%s) - START)) s"
stop_events

# --- what alice can obtain
# Answers are files $V/ROLE.JOB.PFX<n> listed in $V/index.ROLE.JOB as
# ROLE TAB JOB TAB CHANNEL TAB FILE (JOB "-" for answers about every job);
# PFX tells apart the writers that run at once for one job.
chmod 777 "$V"
N=0 PFX=c
answer() { # ROLE JOB CHANNEL: a new answer's file name in $f, indexed
	N=$((N + 1))
	f=$V/$1.$2.$PFX$N
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$f" >>"$V/index.$1.$2"
}
uid_of() { if [ "$1" = checker ]; then echo $DAVE; else echo $ALICE; fi; }
# grab ROLE JOB CHANNEL CMD...: CMD as ROLE's uid; its stdout, stderr and
# exit status are the answer
grab() {
	answer "$1" "$2" "$3"
	u=$(uid_of "$1")
	shift 3
	as "$u" "$@" >"$f" 2>&1
	echo "exit $?" >>"$f"
}
trex_() { # ROLE JOB CHANNEL ARG...: a trex verb
	a=$1 b=$2 c=$3
	shift 3
	grab "$a" "$b" "$c" "$BIN/trex" --socket "$SOCK" "$@"
}
# req ROLE JOB CHANNEL METHOD PATH [BODY]: an HTTP request for the next
# send (the answer: status line, headers and body)
req() {
	answer "$1" "$2" "$3"
	printf '%s\t%s\t%s\t%s\n' "$4" "$5" "$f" "${6:-}" >>"$T/batch.$1.$2"
}
# send ROLE JOB: the requests queued for ROLE about JOB, through one curl
send() {
	u=$(uid_of "$1")
	b=$T/batch.$1.$2
	set --
	while IFS='	' read -r m p out body; do
		[ $# -gt 0 ] && set -- "$@" --next
		set -- "$@" -s -i --max-time 20 --unix-socket "$SOCK" -X "$m" -o "$out"
		[ -n "$body" ] && set -- "$@" --data-binary "$body"
		set -- "$@" "http://trexd$p"
	done <"$b"
	rm -f "$b"
	as "$u" curl "$@"
}
FIRST=$(sed -n 's/^id: //p' "$T/events.live" | head -1)
check "the live event stream saw the jobs (first event id: ${FIRST:-none})" test -n "$FIRST"

researcher_views() { # LABEL ID NAMES...
	label=$1 id=$2 r=researcher
	shift 2
	P=cx-$label
	req $r "$label" "GET /v1/jobs/{id}" GET "/v1/jobs/$id"
	req $r "$label" "GET /v1/jobs/{id}/outputs" GET "/v1/jobs/$id/outputs"
	req $r "$label" "GET /v1/jobs/{id}/release" GET "/v1/jobs/$id/release"
	req $r "$label" "GET /v1/jobs/{id}/logs" GET "/v1/jobs/$id/logs"
	req $r "$label" "GET /v1/jobs/{id}/logs/stdout" GET "/v1/jobs/$id/logs/stdout"
	req $r "$label" "GET /v1/jobs/{id}/logs/stderr" GET "/v1/jobs/$id/logs/stderr"
	req $r "$label" "GET /v1/jobs?project={p}" GET "/v1/jobs?project=$P"
	req $r "$label" "GET /v1/audit/job/{id}" GET "/v1/audit/job/$id"
	req $r "$label" "GET /v1/audit/project/{p}" GET "/v1/audit/project/$P"
	req $r "$label" "POST /v1/jobs/{id}/cancel" POST "/v1/jobs/$id/cancel"
	req $r "$label" "GET /v1/audit/head" GET "/v1/audit/head"
	req $r "$label" "POST /v1/jobs/{id}/approve" POST "/v1/jobs/$id/approve" '{"job_sha256":"00"}'
	req $r "$label" "POST /v1/jobs/{id}/review (log)" POST "/v1/jobs/$id/review" \
		'{"log":"stdout","decision":"release","reason":"r"}'
	# a name the job wrote but did not declare (jobs/names.py)
	req $r "$label" "GET /v1/jobs/{id}/outputs/undeclared.csv" GET "/v1/jobs/$id/outputs/undeclared.csv"
	for name in "$@"; do
		req $r "$label" "GET /v1/jobs/{id}/outputs/{name}" GET "/v1/jobs/$id/outputs/$name"
		req $r "$label" "GET /v1/jobs/{id}/held/{name}" GET "/v1/jobs/$id/held/$name"
		req $r "$label" "POST /v1/jobs/{id}/review" POST "/v1/jobs/$id/review" \
			"{\"name\":\"$name\",\"decision\":\"release\",\"reason\":\"r\"}"
	done
	send $r "$label"
	mkdir -p "$T/fetch.$label" "$T/fetch1.$label"
	chmod 777 "$T/fetch.$label" "$T/fetch1.$label"
	for name in "$@" undeclared.csv; do
		trex_ $r "$label" "trex fetch JOB NAME" fetch "$id" "$name" -o "$T/fetch1.$label" \
			--trexd-key "$T/state/trexd.pub"
		trex_ $r "$label" "trex held" held "$id" "$name" -o "$T/fetch1.$label/held"
		trex_ $r "$label" "trex review" review "$id" "$name" --release --reason r
	done
	trex_ $r "$label" "trex status" status "$id"
	trex_ $r "$label" "trex status --json" status "$id" --json
	trex_ $r "$label" "trex wait" wait "$id" --timeout 10
	trex_ $r "$label" "trex wait --json" wait "$id" --json
	trex_ $r "$label" "trex outputs" outputs "$id"
	trex_ $r "$label" "trex outputs --json" outputs "$id" --json
	trex_ $r "$label" "trex logs" logs "$id"
	trex_ $r "$label" "trex logs stdout" logs "$id" stdout
	trex_ $r "$label" "trex logs stderr" logs "$id" stderr
	trex_ $r "$label" "trex logs --json" logs "$id" --json
	trex_ $r "$label" "trex list --project" list --project "$P"
	trex_ $r "$label" "trex list --project --json" list --project "$P" --json
	trex_ $r "$label" "trex review --log" review "$id" --log stderr --release --reason r
	trex_ $r "$label" "trex approve" approve "$id"
	trex_ $r "$label" "trex audit show --job" audit show --job "$id"
	trex_ $r "$label" "trex audit show --project" audit show --project "$P"
	trex_ $r "$label" "trex fetch -o DIR" fetch "$id" -o "$T/fetch.$label" --trexd-key "$T/state/trexd.pub"
	trex_ $r "$label" "trex fetch --json" fetch "$id" --json -o "$T/fetch.$label" --trexd-key "$T/state/trexd.pub"
	# what fetch wrote: the names, then each file
	answer $r "$label" "trex fetch -o DIR: file names"
	(cd "$T/fetch.$label" && find . -mindepth 1) >"$f" 2>&1
	find "$T/fetch.$label" "$T/fetch1.$label" -type f | while IFS= read -r w; do
		printf 'researcher\t%s\t%s\t%s\n' "$label" "trex fetch: file content" "$w" >>"$V/index.$r.$label"
	done
}
# a checker's view of the same job (positive control): the job document,
# every held output and the held logs
checker_views() { # LABEL ID NAMES...
	label=$1 id=$2 r=checker
	shift 2
	req $r "$label" "GET /v1/jobs/{id}" GET "/v1/jobs/$id"
	req $r "$label" "GET /v1/jobs/{id}/logs/stdout" GET "/v1/jobs/$id/logs/stdout"
	req $r "$label" "GET /v1/jobs/{id}/logs/stderr" GET "/v1/jobs/$id/logs/stderr"
	for name in "$@"; do
		req $r "$label" "GET /v1/jobs/{id}/held/{name}" GET "/v1/jobs/$id/held/$name"
	done
	send $r "$label"
}

# the event stream per job and per project, resumed after the first event
# (each stream read for 2 s; all at once)
pids=
while read -r label id _; do
	PFX=j grab researcher "$label" "GET /v1/events?job={id} (resumed)" curl -sN --max-time 2 \
		--unix-socket "$SOCK" -H "Last-Event-ID: $FIRST" "http://trexd/v1/events?job=$id" &
	pids="$pids $!"
	PFX=p grab researcher "$label" "GET /v1/events?project={p} (resumed)" curl -sN --max-time 2 \
		--unix-socket "$SOCK" -H "Last-Event-ID: $FIRST" "http://trexd/v1/events?project=cx-$label" &
	pids="$pids $!"
done <"$T/jobs"
wait $pids
# four jobs' views at a time (wait names them: trexd is a child too)
pids=
while read -r label id names; do
	# shellcheck disable=SC2086
	{ researcher_views "$label" "$id" $names; checker_views "$label" "$id" $names; } &
	pids="$pids $!"
	set -- $pids
	if [ $# -ge 4 ]; then
		wait $pids
		pids=
	fi
done <"$T/jobs"
wait $pids
# answers about every job at once
r=researcher
req $r - "GET /v1/jobs" GET "/v1/jobs?limit=500"
for s in failed blocked held released partially_released timed_out; do
	req $r - "GET /v1/jobs?state=S" GET "/v1/jobs?state=$s&limit=500"
done
req $r - "GET /v1/jobs?user=alice" GET "/v1/jobs?user=alice&limit=500"
req $r - "GET /metrics" GET /metrics
req $r - "GET /v1/trexd-key" GET /v1/trexd-key
req $r - "GET /healthz" GET /healthz
# the dataset's codebook (docs/datasets.md): three diag values are
# canaries held by one row each, every patient_id is one
req $r - "GET /v1/datasets" GET /v1/datasets
req $r - "GET /v1/datasets/{name}" GET /v1/datasets/cohort
CODEBOOK=$f
send $r -
# the answers are real ones: a codebook, and dummy files made from it
grep -q '"format": *"TREXCB1"' "$CODEBOOK" && grep -q '"age_band"' "$CODEBOOK" &&
	ok "the researcher gets the dataset's codebook" ||
	not_ok "the researcher gets the dataset's codebook" "$(head -c 300 "$CODEBOOK")"
trex_ $r - "trex datasets" datasets
trex_ $r - "trex datasets NAME" datasets cohort
trex_ $r - "trex datasets NAME --json" datasets cohort --json
# and the dummy data made from it, every file's bytes
mkdir -m 777 "$T/dummy"
grab $r - "trex dummy NAME -o DIR" sh -c '"$1" --socket "$2" dummy cohort -o "$3/d" --rows 300 && cat "$3"/d/*.csv' \
	_ "$BIN/trex" "$SOCK" "$T/dummy"
expect_eq "... and dummy data of its shape" "$(head -1 "$T/data/patients.csv")" \
	"$(head -1 "$T/dummy/d/patients.csv" 2>/dev/null)"
grab $r - "GET /v1/events" curl -sN --max-time 1 --unix-socket "$SOCK" http://trexd/v1/events
grab $r - "GET /v1/events (resumed)" curl -sN --max-time 1 --unix-socket "$SOCK" \
	-H "Last-Event-ID: $FIRST" http://trexd/v1/events
trex_ $r - "trex list" list
trex_ $r - "trex list --json" list --json
trex_ $r - "trex list --state failed" list --state failed
trex_ $r - "trex list --state blocked" list --state blocked
trex_ $r - "trex list --user alice" list --user alice
printf 'researcher\t-\tGET /v1/events (live)\t%s\n' "$T/events.live" >>"$V/index.researcher.-"
echo "# answers collected at $(($(date +%s) - START)) s"
cat "$V"/index.researcher.* >"$V/researcher.tsv"
cat "$V"/index.checker.* >"$V/checker.tsv"
echo "# $(wc -l <"$V/researcher.tsv") researcher answers, $(wc -l <"$V/checker.tsv") checker answers"

# the ground truth of what a job's figures are: its run record in the
# audit log, its kept logs' sizes, and the size and SHA-256 of every file it
# left in /output that was not released (the sandbox's stage copy)
$PY - "$T/state" "$T/jobs" >"$T/figures.json" <<'PY'
import hashlib, json, os, sys
state = sys.argv[1]
ids = {l.split()[1]: l.split()[0] for l in open(sys.argv[2])}
fig, dig = {}, {}
for l in open(os.path.join(state, "audit.log")):
    e = json.loads(l)
    if e.get("event") != "run" or e.get("job") not in ids:
        continue
    job, label = e["job"], ids[e["job"]]
    f = {k: v for k, v in e["run"].items()
         if k in ("wall_ms", "cpu_ms", "peak_memory_kb") and isinstance(v, int)}
    for log in ("stdout", "stderr"):
        p = os.path.join(state, "jobs", job, "logs", log)
        if os.path.exists(p):
            f[log + "_bytes"] = os.path.getsize(p)
    stage, n = os.path.join(state, "jobs", job, "stage"), 0
    released = os.path.join(state, "release", e["project"], job)
    for d, _, files in os.walk(stage):
        for name in files:
            p = os.path.join(d, name)
            if os.path.exists(os.path.join(released, os.path.relpath(p, stage))):
                continue
            if os.path.islink(p) or os.path.getsize(p) == 0:
                continue  # nothing to confirm: everyone knows the empty file's hash
            n += 1
            f["unreleased_output_%d_bytes" % n] = os.path.getsize(p)
            dig.setdefault(label, []).append(hashlib.sha256(open(p, "rb").read()).hexdigest())
    fig[label] = f
json.dump({"figures": fig, "digests": dig}, sys.stdout)
PY

# --- the scan
PAIRS="r-exit-a:r-exit-b:exit_code py-signal-a:py-signal-b:signal sh-suppressed-a:sh-suppressed-b:suppressed"
scan_tap() { # ROLE MODE: scan.py's verdict lines to TAP
	$SCAN scan "$T/data/patients.csv" "$T/facts.json" "$T/figures.json" "$V/$1.tsv" \
		--mode "$2" --pairs "$PAIRS" --memory-job py-timing >"$T/scan.$1" 2>&1
	rc=$?
	while IFS= read -r l; do
		case $l in
		"ok "*) ok "${l#ok }" ;;
		"not ok "*) not_ok "${l#not ok }" ;;
		"#"*) echo "$l" ;;
		esac
	done <"$T/scan.$1"
	# a crash of the scanner is a failure, whatever it printed before
	[ $rc -le 1 ] && grep -qx "# scan done" "$T/scan.$1" || not_ok "scan.py scanned the $1's answers" \
		"$(tail -5 "$T/scan.$1")"
}
scan_tap researcher clean
scan_tap checker control
echo "# scanned at $(($(date +%s) - START)) s"

# --- legitimate results still reach the researcher
B_ID=$(awk '$1 == "benign" { print $2 }' "$T/jobs")
fact benign_csv >"$T/benign.expected"
sed -i '$d' "$T/benign.expected" # fact's print added a newline
as $ALICE curl -s -o "$T/benign.got" -w '%{http_code}' --unix-socket "$SOCK" \
	"http://trexd/v1/jobs/$B_ID/outputs/age_sex.csv" >"$T/benign.code"
expect_eq "benign: the aggregated table is released to the researcher (HTTP 200)" 200 \
	"$(cat "$T/benign.code")"
check "benign: its bytes are the aggregate (smallest count $(fact benign_min))" \
	cmp -s "$T/benign.expected" "$T/benign.got"
check "benign: trex fetch wrote it" cmp -s "$T/benign.expected" "$T/fetch.benign/age_sex.csv"

# --- residual, reported: the written/missing pattern of declared outputs
BITS_ID=$(awk '$1 == "py-bits" { print $2 }' "$T/jobs")
got=0
for k in 7 6 5 4 3 2 1 0; do
	c=$(as $ALICE curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" \
		"http://trexd/v1/jobs/$BITS_ID/outputs/b$k.csv")
	got=$((got * 2 + (c == 200)))
done
echo "# residual: jobs/bits.py's byte $(fact A.bits) read back as $got from which of its 8 declared" \
	"outputs were released (by design: 1 bit per declared output)"
trexd_stop
done_testing
