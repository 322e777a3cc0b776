#!/bin/sh
# GET /v1/jobs/{id}/acro: the SACRO Viewer export trex-check writes in the
# checker's pass (runner/job.c, --acro-json), through a real trexd and real
# jobs. Output checkers and auditors get it (runner/view.c: the full view),
# never a researcher of the job's project, whatever other roles they hold,
# nor an operator; every read is audited (acro_view) and every refusal too.
# The export holds the released copies only: a held table's marker label
# (built at run time) is nowhere in it, the copy is the released file and
# not the raw output, and the viewer's highlights land on the hidden cells
# (primary and secondary). An export over its bound is left out and the
# job is released all the same; no declared output may name the export's
# folder.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox check setpriv
trexd_init trexd-acro
mkdir -p "$T/data"
chmod 755 "$T/data"
ALICE=1001 BOB=1002 CAROL=1003 ERIN=1005 OSCAR=1006 MALLORY=1008
trexd_config_write '"require_permit": false' '"concurrency": 2' \
	"\"datasets\": {\"d\": {\"path\": \"$T/data\", \"id_columns\": []}}" \
	"\"users\": {
    \"alice\": {\"uid\": $ALICE, \"roles\": [\"researcher\"], \"projects\": [\"P1\"]},
    \"bob\": {\"uid\": $BOB, \"roles\": [\"researcher\"], \"projects\": [\"P2\"]},
    \"carol\": {\"uid\": $CAROL, \"roles\": [\"checker\"]},
    \"erin\": {\"uid\": $ERIN, \"roles\": [\"auditor\"]},
    \"oscar\": {\"uid\": $OSCAR, \"roles\": [\"operator\"]},
    \"mallory\": {\"uid\": $MALLORY, \"roles\": [\"researcher\", \"checker\", \"auditor\"], \"projects\": [\"P1\"]}
  }"
check "trexd starts" trexd_start
chmod 777 "$T"
req() { api_as "$@"; }
code() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$TREXD_BODY" 2>/dev/null; }
# submit UID COMMAND_JSON OUTPUTS_JSON [LIMITS_JSON]: the new job's id
submit() {
	req "$1" POST /v1/jobs "{\"manifest\":{\"project\":\"P1\",\"dataset\":\"d\",\"runtime\":\"shell\",\"command\":$2,\"outputs\":$3${4:+,\"limits\":$4}},\"files\":{}}" >/dev/null
	api_field id
}
wait_job() { api_wait_as "$@"; }

# t.csv: the rectangle of tests/disclosure/cases/margins_2d_rectangle (A,F
# primary; A,M, B,F, B,M its complements); h.csv: held (its total does not
# add up), with a label that must never reach the export
OUTS='[{"path":"t.csv","kind":"frequency_table","dimensions":["geo","sex"],"count":"n","total_codes":{"geo":["Total"],"sex":["Total"]},"labels":{"geo":["A","B","C"],"sex":["F","M"]}},
 {"path":"h.csv","kind":"frequency_table","dimensions":["g"],"count":"n","total_codes":{"g":["Total"]},"labels":{"g":["x"]}}]'
J=$(submit $ALICE '["sh","-c","printf \"geo,sex,n\\nA,F,4\\nA,M,20\\nA,Total,24\\nB,F,15\\nB,M,30\\nB,Total,45\\nC,F,25\\nC,M,12\\nC,Total,37\\nTotal,F,44\\nTotal,M,62\\nTotal,Total,106\\n\" >/output/t.csv; m=CNR; printf \"g,n\\nx,3\\n${m}YAHELD,40\\nTotal,99\\n\" >/output/h.csv"]' "$OUTS")
S=$(submit $ALICE '["sleep","300"]' '[]')
check "a job with a suppressed and a held table ends" wait_job "$J" $ALICE
expect_eq "... partially released: t.csv suppressed, h.csv held" "partially_released h.csv:review t.csv:suppressed" \
	"$(api_field state) $(python3 -c 'import json,sys; print(" ".join(sorted(o["name"] + ":" + o["verdict"] for o in json.load(open(sys.argv[1]))["outputs"])))' "$TREXD_BODY")"

# who gets it
expect_eq "the researcher who submitted it: 403" 403 "$(req $ALICE GET "/v1/jobs/$J/acro")"
expect_eq "... forbidden" forbidden "$(code)"
expect_eq "a researcher of another project: 403" 403 "$(req $BOB GET "/v1/jobs/$J/acro")"
expect_eq "a researcher of the project who is also checker and auditor: 403" 403 "$(req $MALLORY GET "/v1/jobs/$J/acro")"
expect_eq "... saying why" "reading a job's SACRO Viewer export of project P1 is for output checkers and auditors who do no research in it" \
	"$(api_field error.message)"
check "... refusal audited" grep -q "\"action\":\"reading a job's SACRO Viewer export\",\"event\":\"authz_failure\",.*\"uid\":$MALLORY" "$T/state/audit.log"
expect_eq "an operator: 403" 403 "$(req $OSCAR GET "/v1/jobs/$J/acro")"
expect_eq "an unknown job: 404" 404 "$(req $CAROL GET "/v1/jobs/20261129T000000-000000000009/acro")"
n=0
while [ $n -lt 100 ] && [ "$(req $ALICE GET "/v1/jobs/$S" >/dev/null; api_field state)" != running ]; do sleep 0.1; n=$((n + 1)); done
expect_eq "a running job: 409 job_not_finished" "409 job_not_finished" "$(req $CAROL GET "/v1/jobs/$S/acro") $(code)"
req $ALICE POST "/v1/jobs/$S/cancel" >/dev/null
expect_eq "an auditor: 200" 200 "$(req $ERIN GET "/v1/jobs/$J/acro")"
expect_eq "a checker: 200" 200 "$(req $CAROL GET "/v1/jobs/$J/acro")"
cp "$TREXD_BODY" "$T/bundle.json"
expect_eq "... the export's files" "checksums/output_0_0.csv.txt checksums/results.json.txt config.json output_0_0.csv results.json" \
	"$(python3 -c 'import json,sys; print(" ".join(sorted(f["name"] for f in json.load(open(sys.argv[1]))["files"])))' "$T/bundle.json")"
expect_eq "... the held table's label is nowhere in it" 0 "$(grep -c CNRYAHELD "$T/bundle.json")"
grep -q CNRYAHELD "$T/state/jobs/$J/checkin/h.csv"
expect_eq "... (it is in the held output)" 0 $?
sha=$(python3 -c 'import json,sys,hashlib; f={x["name"]: x for x in json.load(open(sys.argv[1]))["files"]}["results.json"]; print(hashlib.sha256(f["text"].encode()).hexdigest(), f["sha256"])' "$T/bundle.json")
expect_eq "... sizes and hashes as sent" "${sha#* } ${sha#* }" "$sha"
audit() {
	python3 - "$T/state/audit.log" "$J" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "acro_view" and e["job"] == sys.argv[2]:
        print(e["checker"], e["project"], e["files"], e["results_sha256"])
PY
}
expect_eq "every read is audited, with results.json's hash" "erin P1 5 ${sha#* }|carol P1 5 ${sha#* }" \
	"$(audit | tr '\n' '|' | sed 's/|$//')"

# unpacked into a folder of its own, as SACRO Viewer reads it
mkdir "$T/view"
python3 - "$T/bundle.json" "$T/view" <<'PY'
import base64, json, os, sys
for f in json.load(open(sys.argv[1]))["files"]:
    p = os.path.join(sys.argv[2], f["name"])
    os.makedirs(os.path.dirname(p), exist_ok=True)
    data = f["text"].encode() if "text" in f else base64.b64decode(f["base64"])
    open(p, "wb").write(data)
PY
req $ALICE GET "/v1/jobs/$J/outputs/t.csv" >/dev/null
check "the export's copy is the released t.csv" cmp -s "$TREXD_BODY" "$T/view/output_0_0.csv"
if cmp -s "$T/state/jobs/$J/checkin/t.csv" "$T/view/output_0_0.csv"; then
	not_ok "... not the raw output" "same bytes"
else ok "... not the raw output"; fi
# A,F = 4 is primary; the least-loss complements (the exact search) are
# A,M, C,F and C,M (20 + 25 + 12 = 57, where B's 15 + 30 would hide 65)
expect_eq "the viewer's highlights: the primary cell and its complements" \
	'{"MinimumThresholdCheck":[[0,1]],"SecondarySuppression":[[1,1],[6,1],[7,1]]}' \
	"$(jq -c '.results.output_0.files[0].sdc.cells|{MinimumThresholdCheck,SecondarySuppression}' "$T/view/results.json")"
expect_eq "... on the cells the copy hides (data row, column y + 1)" "|||" \
	"$(python3 -c 'import csv,json,sys
rows = list(csv.reader(open(sys.argv[1] + "/output_0_0.csv")))[1:]
cells = json.load(open(sys.argv[1] + "/results.json"))["results"]["output_0"]["files"][0]["sdc"]["cells"]
print("|".join(rows[x][y + 1] for c in cells.values() for x, y in c))' "$T/view")"
expect_eq "... which the viewer shows (checksums valid)" "ok" \
	"$(cd "$T/view" && for f in output_0_0.csv results.json; do [ "$(sha256sum $f | cut -d' ' -f1)" = "$(cat checksums/$f.txt)" ] || echo bad; done; echo ok)"
expect_eq "... the held table has no entry" '["output_0"]' "$(jq -c '.results|keys' "$T/view/results.json")"

# trex acro JOB -o DIR writes the same folder, checking sizes and hashes
as() { u=$1; shift; setpriv --reuid "$u" --regid "$u" --clear-groups "$@"; }
out=$(cd "$T" && as $CAROL "$BIN/trex" --socket "$SOCK" acro "$J" -o carol 2>&1)
expect_eq "trex acro: exit 0" "0 job $J: 5 files of its SACRO Viewer export in carol" "$? $out"
expect_eq "... the same files, byte for byte" "" "$(diff -r "$T/view" "$T/carol" 2>&1)"
out=$(cd "$T" && as $CAROL "$BIN/trex" --socket "$SOCK" acro "$J" -o carol 2>&1)
expect_eq "... never into a folder holding anything" "1 trex acro: carol: not an empty folder (the export goes in a folder of its own)" "$? $out"
out=$(cd "$T" && as $ALICE "$BIN/trex" --socket "$SOCK" acro "$J" -o alice 2>&1)
expect_eq "... a researcher: trexd's refusal, nothing written" \
	"1 trex: trexd refused (HTTP 403 forbidden): reading a job's SACRO Viewer export needs the role checker,auditor no" \
	"$? $out $(test -e "$T/alice" && echo yes || echo no)"

# an export over its bound (twice the job's output_mb): 40000 cells, all
# below the threshold, in 400 KB; the export names each (about 55 bytes a
# cell: over 2 MB). Left out, the job released all the same.
LABELS=$(python3 -c 'import json; print(json.dumps({"a": ["a%d" % i for i in range(200)], "b": ["b%d" % i for i in range(200)]}))')
B=$(submit $ALICE '["sh","-c","echo a,b,n >/output/big.csv; i=0; while [ $i -lt 200 ]; do j=0; while [ $j -lt 200 ]; do echo a$i,b$j,3; j=$((j + 1)); done; i=$((i + 1)); done >>/output/big.csv"]' \
	"[{\"path\":\"big.csv\",\"kind\":\"frequency_table\",\"dimensions\":[\"a\",\"b\"],\"count\":\"n\",\"labels\":$LABELS}]" '{"output_mb":1}')
check "a job whose export is over its bound ends" wait_job "$B" $ALICE
expect_eq "... released all the same" "released suppressed" "$(api_field state) $(api_field outputs.0.verdict)"
expect_eq "... without an export: 404" "404 not_found" "$(req $CAROL GET "/v1/jobs/$B/acro") $(code)"

# no declared output may be named into the export's folder
for p in .trex-acro .trex-acro/x.csv; do
	expect_eq "an output named $p: 400" 400 \
		"$(req $ALICE POST /v1/jobs "{\"manifest\":{\"project\":\"P1\",\"dataset\":\"d\",\"runtime\":\"shell\",\"command\":[\"true\"],\"outputs\":[{\"path\":\"$p\",\"kind\":\"text\"}]},\"files\":{}}")"
	expect_eq "... saying it is reserved" "manifest.outputs[0].path: \".trex-acro/\" is reserved" "$(api_field error.message)"
done
done_testing
