#!/bin/sh
# Who sees what of a job (runner/view.c, SECURITY.md "What a researcher
# sees"), through a real trexd with real jobs: the submitting researcher
# gets result classes, rounded figures, counts and rule names; an operator
# the exact figures; a checker the full report, names included. Each job
# plants a marker (CNRYV..., built at run time so that the manifest, which
# the researcher wrote and sees, does not hold it) in a place a researcher
# must not see it:
# the researcher's answers never hold it, the checker's do (so the marker
# is really there and the test can fail).
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox check setpriv
trexd_init trexd-views
mkdir -p "$T/data"
chmod 755 "$T/data"
ALICE=1001 DAVE=1004 OSCAR=1006 MALLORY=1008 NOBODY=1009
trexd_config_write '"require_permit": false' '"concurrency": 2' \
	"\"datasets\": {\"d\": {\"path\": \"$T/data\", \"id_columns\": []}}" \
	"\"users\": {
    \"alice\": {\"uid\": $ALICE, \"roles\": [\"researcher\"], \"projects\": [\"P1\"]},
    \"dave\": {\"uid\": $DAVE, \"roles\": [\"checker\"]},
    \"oscar\": {\"uid\": $OSCAR, \"roles\": [\"operator\"]},
    \"mallory\": {\"uid\": $MALLORY, \"roles\": [\"researcher\", \"checker\", \"auditor\"], \"projects\": [\"P1\"]}
  }"
check "trexd starts" trexd_start
chmod 777 "$T"
as() { u=$1; shift; setpriv --reuid "$u" --regid "$u" --clear-groups "$@"; }
req() { api_as "$@"; }
# submit UID COMMAND_JSON OUTPUTS_JSON: the new job's id
submit() {
	req "$1" POST /v1/jobs "{\"manifest\":{\"project\":\"P1\",\"dataset\":\"d\",\"runtime\":\"shell\",\"command\":$2,\"outputs\":$3},\"files\":{}}" >/dev/null
	api_field id
}
wait_job() { api_wait_as "$@"; }
has() { grep -c "$1" "$TREXD_BODY"; }

# 1. a suppressed table whose small cell's label is a marker, an undeclared
#    file named after a marker, and a symlink (refused)
# (labels b and c declared: the marker label is the only one the dataset
# cannot produce, which the record-level rule tolerates: 1 of 3)
TABLE='[{"path":"t.csv","kind":"frequency_table","dimensions":["g"],"count":"n","labels":{"g":["b","c"]}}]'
J1=$(submit $ALICE '["sh","-c","m=CNR; printf \"g,n\\n${m}YVKEY,2\\nb,30\\nc,40\\n\" >/output/t.csv; : >/output/${m}YVNAME.txt; ln -s /etc/passwd /output/${m}YVLINK; echo done"]' "$TABLE")
check "job 1 ends" wait_job "$J1" $ALICE
expect_eq "... partially released or released (suppressed)" "released" "$(api_field state)"
expect_eq "researcher: no marker in the job document" 0 "$(has CNRYV)"
expect_eq "researcher: report withheld" None "$(api_field report)"
expect_eq "researcher: the output's verdict and release" "suppressed True" \
	"$(api_field outputs.0.verdict) $(api_field outputs.0.released)"
expect_eq "researcher: the rule that decided it, with counts (released)" "threshold primary" \
	"$(api_field outputs.0.decisions.0.rule) $(api_field outputs.0.decisions.0.action)"
expect_eq "researcher: run as a class, rounded, counts of ignored entries" "succeeded 1 1 1" \
	"$(api_field run.result) $(api_field run.wall_s) $(api_field run.undeclared_files) $(api_field run.refused_files)"
expect_eq "researcher: no exact figure" "" "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["run"]; print(" ".join(k for k in ("exit_code","wall_ms","cpu_ms","peak_memory_kb","host_uid","collected","refused","stdout_bytes") if k in r))' "$TREXD_BODY")"
out=$(as $ALICE "$BIN/trex" --socket "$SOCK" status "$J1" 2>&1)
expect_eq "researcher: trex status holds no marker" 0 "$(printf '%s' "$out" | grep -c CNRYV)"
check "... and says what happened" sh -c "printf '%s' \"\$1\" | grep -q 'released with cells suppressed: threshold'" - "$out"
check "... and how many entries were ignored" sh -c "printf '%s' \"\$1\" | grep -q '1 undeclared files ignored, 1 entries refused'" - "$out"
check "... with the hint to declare them" sh -c "printf '%s' \"\$1\" | grep -q 'hint: *only files declared under \"outputs\" in the manifest are checked'" - "$out"
out=$(as $ALICE "$BIN/trex" --socket "$SOCK" status "$J1" --json 2>&1)
expect_eq "researcher: trex status --json holds no marker" 0 "$(printf '%s' "$out" | grep -c CNRYV)"
req $ALICE GET "/v1/jobs?project=P1" >/dev/null
expect_eq "researcher: the listing holds no marker" 0 "$(has CNRYV)"
req $MALLORY GET "/v1/jobs/$J1" >/dev/null
expect_eq "a researcher of the project who is also checker and auditor: the researcher view" "0 None" \
	"$(has CNRYV) $(api_field report)"
req $DAVE GET "/v1/jobs/$J1" >/dev/null
expect_eq "checker: the full report holds the cell's key" 1 "$(grep -c '"key":{"g":"CNRYVKEY"}' "$TREXD_BODY")"
expect_eq "checker: the names of ignored entries" "CNRYVNAME.txt" \
	"$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["run"]; print(" ".join(x for x in r["collected"] if x != "t.csv"))' "$TREXD_BODY")"
check "checker: refused entry named" grep -q 'CNRYVLINK' "$TREXD_BODY"
req $OSCAR GET "/v1/jobs/$J1" >/dev/null
expect_eq "operator: exact figures, no names, no report" "0 0 2 1 None" \
	"$(api_field run.exit_code) $(has CNRYV) $(api_field run.collected) $(api_field run.refused) $(api_field report)"

# 2. exit code 77, a blocked table: the class, the rule names
J2=$(submit $ALICE '["sh","-c","exit $((70 + 7))"]' '[]')
check "job 2 ends" wait_job "$J2" $ALICE
expect_eq "researcher: failed, a reason without the code" "failed|the job exited with a non-zero status|failed" \
	"$(api_field state)|$(api_field reason)|$(api_field run.result)"
# the exit code as a value, or as a number in any text; ids, digests and
# times are random or clock-made and may hold the digits by chance
no77() {
	python3 -c 'import json,re,sys
hits=[]
def walk(v, k=""):
    if isinstance(v, dict):
        for kk, vv in v.items(): walk(vv, kk)
    elif isinstance(v, list):
        for vv in v: walk(vv, k)
    elif isinstance(v, bool): pass
    elif isinstance(v, (int, float)):
        if v == 77: hits.append(k)
    elif isinstance(v, str):
        if re.search(r"(^|_)(id|at|time|sha256|digest|etag)$", k) or k in ("created", "started", "finished", "updated"): return
        if re.search(r"(?<![0-9])77(?![0-9])", v): hits.append(k)
walk(json.load(open(sys.argv[1])))
print(len(hits), *hits)' "$TREXD_BODY"
}
expect_eq "researcher: 77 appears nowhere" 0 "$(no77)"
req $OSCAR GET "/v1/jobs/$J2" >/dev/null
expect_eq "operator: the exit code" 77 "$(api_field run.exit_code)"
n=$(no77)
check "... which the same search finds there ($n)" test "${n%% *}" -ge 1

# 3. the checker fails on a malformed output: the place, never the text
J3=$(submit $ALICE '["sh","-c","m=CNR; printf \"g,n\\n\\\"${m}YVQUOTE\\\"x,12\\n\" >/output/t.csv"]' "$TABLE")
check "job 3 ends" wait_job "$J3" $ALICE
expect_eq "researcher: the output fails alone (blocked: it was the only one)" blocked "$(api_field state)"
expect_eq "researcher: no marker in the reason" 0 "$(has CNRYV)"
expect_eq "researcher: the reason gives the place and the code, never the text" \
	"0 of 1 outputs released, 0 held for review, 1 blocked; cannot be checked: t.csv:2:13: text_after_quote (text after a closing quote)" "$(api_field reason)"
expect_eq "researcher: the output's rule" "fail malformed_output" "$(api_field outputs.0.verdict) $(api_field outputs.0.decisions.0.rule)"
req $DAVE GET "/v1/jobs/$J3" >/dev/null
expect_eq "checker: the checker's located error in the report" \
	"t.csv:2:13: text_after_quote: text after a closing quote" "$(api_field report.files.0.reasons.0)"

# 4. the event stream, as the researcher: summaries only
as $ALICE curl -s -N --max-time 2 --unix-socket "$SOCK" "http://trexd/v1/events?project=P1" \
	-H "Last-Event-ID: 0" >"$T/events.out" 2>/dev/null
expect_eq "researcher: the event stream holds no marker and no exit code" "0 0" \
	"$(grep -c CNRYV "$T/events.out") $(grep -c 'status 77' "$T/events.out")"
done_testing
