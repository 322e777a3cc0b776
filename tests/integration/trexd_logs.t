#!/bin/sh
# A job's stdout and stderr: held until a checker releases each (GET
# /v1/jobs/{id}/logs/{name} refuses with 409 log_held before, serves the
# exact bytes after, 403 log_rejected for a rejected one, 409
# job_not_finished while the job runs), only to who may see the job, and
# every decision and read audited. Real jobs: needs root and the sandbox.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox check setpriv
trexd_init trexd-logs
mkdir -p "$T/data"
chmod 755 "$T/data"
ALICE=1001 BOB=1002 CAROL=1003 DAVE=1004 ERIN=1005 MALLORY=1008
config() {
	trexd_config_write "$@" '"require_permit": false' '"concurrency": 2' \
	"\"datasets\": {\"d\": {\"path\": \"$T/data\", \"id_columns\": []}}" \
	"\"users\": {
    \"alice\": {\"uid\": $ALICE, \"roles\": [\"researcher\"], \"projects\": [\"P1\"]},
    \"bob\": {\"uid\": $BOB, \"roles\": [\"researcher\"], \"projects\": [\"P2\"]},
    \"carol\": {\"uid\": $CAROL, \"roles\": [\"checker\"]},
    \"dave\": {\"uid\": $DAVE, \"roles\": [\"checker\"]},
    \"erin\": {\"uid\": $ERIN, \"roles\": [\"auditor\"]},
    \"mallory\": {\"uid\": $MALLORY, \"roles\": [\"researcher\", \"checker\"], \"projects\": [\"P1\"]}
  }"
}
config
check "trexd starts" trexd_start
chmod 777 "$T"
as() { u=$1; shift; setpriv --reuid "$u" --regid "$u" --clear-groups "$@"; }
# req UID METHOD PATH [BODY]: status on stdout, body in $TREXD_BODY
req() { api_as "$@"; }
code() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$TREXD_BODY" 2>/dev/null; }
# submit UID COMMAND_JSON: the new job's id
submit() {
	req "$1" POST /v1/jobs "{\"manifest\":{\"project\":\"P1\",\"dataset\":\"d\",\"runtime\":\"shell\",\"command\":$2,\"outputs\":[]},\"files\":{}}" >/dev/null
	api_field id
}
wait_job() { api_wait_as "$@"; }

A=$(submit $ALICE '["sh","-c","printf \"hello out\\n\"; printf \"warn: 2 rows\\n\" >&2"]')
S=$(submit $ALICE '["sleep","300"]')
M=$(submit $MALLORY '["sh","-c","echo mine"]')
check "a job that prints ends" wait_job "$A" $ALICE
expect_eq "... released (no outputs declared)" released "$(api_field state)"
expect_eq "... its stdout held in the job document, its size hidden from the submitter" "stdout None held" "$(api_field logs.0.name) $(api_field logs.0.size) $(api_field logs.0.state)"
req $CAROL GET "/v1/jobs/$A" >/dev/null
expect_eq "... a checker sees the held log's size" "stdout 10 held" "$(api_field logs.0.name) $(api_field logs.0.size) $(api_field logs.0.state)"

expect_eq "GET logs: 200" 200 "$(req $ALICE GET "/v1/jobs/$A/logs")"
expect_eq "... both logs, held, sizes hidden (a held log's size is a figure the job chose)" "stdout None held stderr None held" \
	"$(api_field logs.0.name) $(api_field logs.0.size) $(api_field logs.0.state) $(api_field logs.1.name) $(api_field logs.1.size) $(api_field logs.1.state)"
req $CAROL GET "/v1/jobs/$A/logs" >/dev/null
expect_eq "... a checker gets their sizes" "stdout 10 held stderr 13 held" \
	"$(api_field logs.0.name) $(api_field logs.0.size) $(api_field logs.0.state) $(api_field logs.1.name) $(api_field logs.1.size) $(api_field logs.1.state)"
expect_eq "the submitter reads a held stdout: 409" 409 "$(req $ALICE GET "/v1/jobs/$A/logs/stdout")"
expect_eq "... log_held" log_held "$(code)"
expect_eq "... saying why" "the stdout log of job $A is held for review: a checker must release it" "$(api_field error.message)"
out=$(as $ALICE "$BIN/trex" --socket "$SOCK" logs "$A" stdout 2>&1)
expect_eq "trex logs before the review: exit 1, trexd's reason" "1 trex logs: stdout of $A: trexd refused (HTTP 409 log_held): the stdout log of job $A is held for review: a checker must release it" "$? $out"
expect_eq "a researcher of another project: 404" 404 "$(req $BOB GET "/v1/jobs/$A/logs/stdout")"
expect_eq "... also for the list" 404 "$(req $BOB GET "/v1/jobs/$A/logs")"
expect_eq "an auditor: 403 forbidden" 403 "$(req $ERIN GET "/v1/jobs/$A/logs/stdout")"
expect_eq "... forbidden" forbidden "$(code)"
expect_eq "an unknown job: 404" 404 "$(req $CAROL GET "/v1/jobs/20261129T000000-000000000009/logs/stdout")"

# a running job has no logs yet
n=0
while [ $n -lt 100 ] && [ "$(req $ALICE GET "/v1/jobs/$S" >/dev/null; api_field state)" != running ]; do sleep 0.1; n=$((n + 1)); done
expect_eq "a running job's log: 409" 409 "$(req $CAROL GET "/v1/jobs/$S/logs/stdout")"
expect_eq "... job_not_finished" job_not_finished "$(code)"
expect_eq "... and it cannot be reviewed yet: 409 not_held" 409 \
	"$(req $CAROL POST "/v1/jobs/$S/review" '{"log":"stdout","decision":"release","reason":"r"}')"
req $ALICE POST "/v1/jobs/$S/cancel" >/dev/null

# a checker looks at the held log to review it (audited)
expect_eq "a checker reads the held stdout: 200" 200 "$(req $CAROL GET "/v1/jobs/$A/logs/stdout")"
expect_eq "... its exact bytes" "hello out" "$(cat "$TREXD_BODY")"
check "... audited as held_view" grep -q "\"checker\":\"carol\",\"event\":\"held_view\",\"job\":\"$A\",\"log\":\"stdout\"" "$T/state/audit.log"
check "a checker who submitted the job cannot read its held log" wait_job "$M" $MALLORY
expect_eq "... 409" 409 "$(req $MALLORY GET "/v1/jobs/$M/logs/stdout")"
expect_eq "... log_held" log_held "$(code)"
expect_eq "... nor review it: 403 own_job" 403 "$(req $MALLORY POST "/v1/jobs/$M/review" '{"log":"stdout","decision":"release","reason":"r"}')"

# review
expect_eq "a researcher cannot review: 403" 403 "$(req $ALICE POST "/v1/jobs/$A/review" '{"log":"stdout","decision":"release","reason":"r"}')"
for b in '{"log":"stdin","decision":"release","reason":"r"}' '{"log":"stdout","decision":"maybe","reason":"r"}' \
	'{"log":"stdout","decision":"release","reason":""}' '{"log":"stdout","decision":"release"}' \
	'{"log":"stdout","name":"x","decision":"release","reason":"r"}'; do
	expect_eq "review body $b: 400" 400 "$(req $CAROL POST "/v1/jobs/$A/review" "$b")"
done
expect_eq "a checker releases stdout: 200" 200 "$(req $CAROL POST "/v1/jobs/$A/review" '{"log":"stdout","decision":"release","reason":"no data in it"}')"
expect_eq "... released" "stdout release True" "$(api_field log) $(api_field decision) $(api_field released)"
req $ALICE GET "/v1/jobs/$A/logs" >/dev/null
expect_eq "once released, the submitter sees its size (the other stays hidden)" "stdout 10 released stderr None held" \
	"$(api_field logs.0.name) $(api_field logs.0.size) $(api_field logs.0.state) $(api_field logs.1.name) $(api_field logs.1.size) $(api_field logs.1.state)"
expect_eq "the submitter reads it: 200" 200 "$(req $ALICE GET "/v1/jobs/$A/logs/stdout")"
expect_eq "... its exact bytes" "hello out" "$(cat "$TREXD_BODY")"
expect_eq "... so does a researcher of the project" 200 "$(req $MALLORY GET "/v1/jobs/$A/logs/stdout")"
check "... each read audited as a download" sh -c "grep -c '\"event\":\"download\",\"job\":\"$A\",\"log\":\"stdout\"' '$T/state/audit.log' | grep -qx 2"
sha=$(printf 'hello out\n' | sha256sum | cut -d' ' -f1)
audit_review() {
	python3 - "$T/state/audit.log" "$A" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "log_review" and e["job"] == sys.argv[2] and e["log"] == "stdout":
        print(e["decision"], e["reviewer"], e["reason"], e["sha256"], e["size"])
PY
}
expect_eq "the release is audited with the log's hash" "release carol no data in it $sha 10" "$(audit_review)"
expect_eq "a second decision on it: 409 not_held" 409 "$(req $DAVE POST "/v1/jobs/$A/review" '{"log":"stdout","decision":"reject","reason":"r"}')"
expect_eq "stderr is still held" 409 "$(req $ALICE GET "/v1/jobs/$A/logs/stderr")"
expect_eq "a checker rejects stderr: 200, not released" "200 False" "$(req $DAVE POST "/v1/jobs/$A/review" '{"log":"stderr","decision":"reject","reason":"row counts"}') $(api_field released)"
expect_eq "the submitter reads it: 403" 403 "$(req $ALICE GET "/v1/jobs/$A/logs/stderr")"
expect_eq "... log_rejected" log_rejected "$(code)"
expect_eq "... and no checker reads it any more: 403" 403 "$(req $CAROL GET "/v1/jobs/$A/logs/stderr")"
out=$(as $ALICE "$BIN/trex" --socket "$SOCK" logs "$A" 2>"$T/err")
expect_eq "trex logs: the released stdout on stdout, exit 1 for the rejected stderr" "1 hello out" "$? $out"
expect_eq "... which it names on stderr" "trex logs: stderr of $A: trexd refused (HTTP 403 log_rejected): a checker rejected the stderr log of job $A: it is never released" "$(cat "$T/err")"
out=$(as $ALICE "$BIN/trex" --socket "$SOCK" logs "$A" stdout 2>&1)
expect_eq "trex logs JOB stdout: exit 0" "0 hello out" "$? $out"
as $ALICE "$BIN/trex" --socket "$SOCK" logs "$A" stdin 2>/dev/null
expect_eq "trex logs JOB stdin: usage error" 2 $?
req $ALICE GET "/v1/jobs/$A/logs" >/dev/null
expect_eq "the list shows both decisions" "released rejected" "$(api_field logs.0.state) $(api_field logs.1.state)"
req $ALICE GET "/v1/jobs/$A" >/dev/null
expect_eq "... and so does the job document" "released rejected" "$(api_field logs.0.state) $(api_field logs.1.state)"

# two_checkers: the first release is recorded, a second checker releases
trexd_stop
config '"two_checkers": true'
check "trexd restarts with two_checkers" trexd_start
B=$(submit $ALICE '["sh","-c","echo two"]')
check "a job ends" wait_job "$B" $ALICE
out=$(as $CAROL "$BIN/trex" --socket "$SOCK" review "$B" --log stdout --release --reason ok)
expect_eq "the first checker's release is recorded, not released (trex review --log)" "0 stdout: release recorded; a second checker must also release it" "$? $out"
expect_eq "... still held" 409 "$(req $ALICE GET "/v1/jobs/$B/logs/stdout")"
expect_eq "the same checker again: 409 already_reviewed" "409 already_reviewed" "$(req $CAROL POST "/v1/jobs/$B/review" '{"log":"stdout","decision":"release","reason":"ok"}') $(code)"
out=$(as $DAVE "$BIN/trex" --socket "$SOCK" review "$B" --log stdout --release --reason ok)
expect_eq "a second checker releases (trex review --log)" "0 stdout: released" "$? $out"
expect_eq "... served" "200 two" "$(req $ALICE GET "/v1/jobs/$B/logs/stdout") $(cat "$TREXD_BODY")"
expect_eq "the first job's decisions survived the restart" "released rejected" "$(req $ALICE GET "/v1/jobs/$A/logs" >/dev/null; api_field logs.0.state) $(api_field logs.1.state)"
done_testing
