#!/bin/sh
# Permits, roles, approval, review, release manifests and the audit trail,
# end to end through a real trexd with real jobs. Callers are distinct
# unix uids (setpriv), named in the config's "users". Every protection is
# tested by the refusal it must produce, so removing it fails a test.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root setpriv
trexd_init trexd-access
TREXD_BODY=$T/out
export HOME=$T/home
mkdir -p "$T/data" "$HOME" "$T/k"
printf 'age_band,sex\n20-29,F\n' >"$T/data/patients.csv"
chmod 755 "$T/data" "$HOME"
chmod 644 "$T/data/patients.csv"

# alice, bob: researchers of P1; frank: of P9; carol: approver+checker;
# dave: checker; erin: auditor; oscar: operator; mallory: all three of
# researcher, approver, checker (separation of duties); uid 1099 unknown
ALICE=1001 BOB=1002 CAROL=1003 DAVE=1004 ERIN=1005 OSCAR=1006 FRANK=1007 MALLORY=1008 NOBODY=1099
"$BIN/trex" permit keygen "$T/k/approver.key" "$T/k/approver.pub" >/dev/null
"$BIN/trex" permit keygen "$T/k/rogue.key" "$T/k/rogue.pub" >/dev/null
# write_config [MEMBER...]: the access configuration, plus MEMBERs
write_config() {
	trexd_config_write '"concurrency": 2' \
		"\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": []}, \"other\": {\"path\": \"$T/data\", \"id_columns\": []}}" \
		"\"approver_keys\": [\"$T/k/approver.pub\"]" \
		'"revoked_permits": ["PERMIT-REVOKED"]' \
		'"audit_checkpoint_every": 5' "$@" \
		"\"users\": {
    \"alice\": {\"uid\": $ALICE, \"roles\": [\"researcher\"], \"projects\": [\"P1\"]},
    \"bob\": {\"uid\": $BOB, \"roles\": [\"researcher\"], \"projects\": [\"P1\"]},
    \"frank\": {\"uid\": $FRANK, \"roles\": [\"researcher\"], \"projects\": [\"P9\"]},
    \"carol\": {\"uid\": $CAROL, \"roles\": [\"approver\", \"checker\"]},
    \"dave\": {\"uid\": $DAVE, \"roles\": [\"checker\"]},
    \"erin\": {\"uid\": $ERIN, \"roles\": [\"auditor\"]},
    \"oscar\": {\"uid\": $OSCAR, \"roles\": [\"operator\"]},
    \"mallory\": {\"uid\": $MALLORY, \"roles\": [\"researcher\", \"approver\", \"checker\"], \"projects\": [\"P1\"]}
  }"
}
write_config
as() { u=$1; shift; setpriv --reuid "$u" --regid "$u" --clear-groups "$@"; }
# req UID METHOD PATH [BODYFILE]: status on stdout, body in $T/body.UID
req() {
	rm -f "$T/out"
	if [ -n "${4:-}" ]; then
		as "$1" curl -s -o "$T/out" -w '%{http_code}' --unix-socket "$SOCK" -X "$2" \
			--data-binary @"$4" "http://trexd$3"
	else
		as "$1" curl -s -o "$T/out" -w '%{http_code}' --unix-socket "$SOCK" -X "$2" "http://trexd$3"
	fi
}
code() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$T/out" 2>/dev/null; }
chmod 777 "$T"   # curl -o from other uids
# permit NAME ID PROJECT RESEARCHERS DATASETS RUNTIMES FROM UNTIL STRICT [KEY]
permit() {
	cat >"$T/$1.unsigned" <<JSON
{"permit_id": "$2", "project": "$3", "researchers": $4, "datasets": $5,
 "runtimes": $6, "policy": "default", "valid_from": "$7", "valid_until": "$8",
 "strict": $9}
JSON
	"$BIN/trex" permit sign --key "${10:-$T/k/approver.key}" "$T/$1.unsigned" -o "$T/$1.permit"
}
NOW_FROM=2020-01-01T00:00:00Z NOW_UNTIL=2099-01-01T00:00:00Z
permit ok PERMIT-1 P1 '["alice","bob","mallory"]' '["synth"]' '["python3","shell"]' $NOW_FROM $NOW_UNTIL false
permit strict PERMIT-S P1 '["alice","mallory"]' '["synth","other"]' '["python3","shell"]' $NOW_FROM $NOW_UNTIL true
permit strict3 PERMIT-S3 P1 '["alice","mallory"]' '["synth"]' '["python3","shell"]' $NOW_FROM $NOW_UNTIL true
# PERMIT-S again, signed with another disclosure policy
sed 's/"policy": "default"/"policy": "strict"/' "$T/strict.unsigned" >"$T/strict2.unsigned"
"$BIN/trex" permit sign --key "$T/k/approver.key" "$T/strict2.unsigned" -o "$T/strict2.permit"
permit expired PERMIT-E P1 '["alice"]' '["synth"]' '["shell"]' 2020-01-01T00:00:00Z 2021-01-01T00:00:00Z false
permit future PERMIT-F P1 '["alice"]' '["synth"]' '["shell"]' 2090-01-01T00:00:00Z 2099-01-01T00:00:00Z false
permit revoked PERMIT-REVOKED P1 '["alice"]' '["synth"]' '["shell"]' $NOW_FROM $NOW_UNTIL false
permit rogue PERMIT-R P1 '["alice"]' '["synth"]' '["shell"]' $NOW_FROM $NOW_UNTIL false "$T/k/rogue.key"
permit otherproj PERMIT-P P2 '["alice"]' '["synth"]' '["shell"]' $NOW_FROM $NOW_UNTIL false
permit otherds PERMIT-D P1 '["alice"]' '["other"]' '["shell"]' $NOW_FROM $NOW_UNTIL false
permit otherrt PERMIT-T P1 '["alice"]' '["synth"]' '["r"]' $NOW_FROM $NOW_UNTIL false
sed 's/"synth"/"other"/' "$T/ok.permit" >"$T/forged.permit"

check "trex permit verify accepts a good permit" "$BIN/trex" permit verify --key "$T/k/approver.pub" "$T/ok.permit"
out=$("$BIN/trex" permit verify --key "$T/k/approver.pub" "$T/forged.permit" 2>&1)
expect_eq "trex permit verify names a forged permit" "trex permit verify: permit_forged: permit PERMIT-1: signature does not match its content (forged or altered)" "$out"
out=$("$BIN/trex" permit verify --key "$T/k/approver.pub" --revoked PERMIT-1 "$T/ok.permit" 2>&1)
expect_eq "trex permit verify --revoked" "trex permit verify: permit_revoked: permit PERMIT-1 has been revoked" "$out"
"$BIN/trex" permit show "$T/strict.permit" | grep -q '^strict *yes' && ok "trex permit show: strict" || not_ok "permit show"

out=$("$BIN/trexd" -n --config "$T/trexd.json" 2>&1)
expect_eq "trexd -n accepts the access config" "config ok" "$out"
sed "s|$T/k/approver.pub|$T/k/missing.pub|" "$T/trexd.json" >"$T/badkey.json"
"$BIN/trexd" -n --config "$T/badkey.json" >/dev/null 2>&1
expect_eq "trexd -n refuses a missing approver key" 1 $?
check "trexd starts with permits, users and audit" trexd_start
check "trexd made its own key" test -s "$T/state/trexd.key" -a -s "$T/state/trexd.pub"

# body PERMITFILE|- PROJECT DATASET RUNTIME SCRIPT_B64 OUTPUTS [MANIFEST_PERMIT]
body() {
	mp=""
	[ -n "${7:-}" ] && mp="\"permit\":\"$7\","
	python3 - "$1" "$2" "$3" "$4" "$5" "$6" "$mp" >"$T/req.json" <<'PY'
import json, sys
pf, proj, ds, rt, b64, outs, mp = sys.argv[1:]
m = json.loads('{' + mp + '"project":"%s","dataset":"%s","runtime":"%s","command":["python3","a.py"],"outputs":%s}' % (proj, ds, rt, outs))
if rt == "shell":
    m["command"] = ["sh", "-c", "true"]
b = {"manifest": m, "files": {"a.py": b64}}
if pf != "-":
    b["permit"] = open(pf).read()
print(json.dumps(b))
PY
	chmod 644 "$T/req.json"
}
TABLE_FIG=$(base64 -w0 <<'PY'
rows = [("20-29", "F", 120), ("20-29", "M", 131), ("30-39", "F", 99), ("30-39", "M", 87)]
with open("/output/age_sex.csv", "w") as f:
    f.write("age_band,sex,n\n")
    for a, s, n in rows:
        f.write(f"{a},{s},{n}\n")
with open("/output/fig.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n")
PY
)
OUTS='[{"path":"age_sex.csv","kind":"frequency_table","dimensions":["age_band","sex"],"count":"n","bins":{"age_band":[20,30,40]},"labels":{"sex":["F","M"]}},{"path":"fig.png","kind":"figure"}]'
FIGONLY='[{"path":"fig.png","kind":"figure"}]'

# --- 1. every permit refusal, through trexd, with its stable code
refused() { # NAME STATUS CODE PERMITFILE PROJECT DATASET RUNTIME [UID] [MANIFEST_PERMIT]
	body "$4" "$5" "$6" "$7" "$TABLE_FIG" '[]' "${9:-}"
	st=$(req "${8:-$ALICE}" POST /v1/jobs "$T/req.json")
	expect_eq "permit refused ($1): HTTP $2 $3" "$2 $3" "$st $(code)"; [ "$st" = "$2" ] || cat "$T/out"
}
refused missing 400 permit_missing - P1 synth shell
refused forged 403 permit_forged "$T/forged.permit" P1 synth shell
refused untrusted 403 permit_untrusted_key "$T/rogue.permit" P1 synth shell
refused expired 403 permit_expired "$T/expired.permit" P1 synth shell
refused "not yet valid" 403 permit_not_yet_valid "$T/future.permit" P1 synth shell
refused revoked 403 permit_revoked "$T/revoked.permit" P1 synth shell
refused project 403 permit_wrong_project "$T/otherproj.permit" P1 synth shell
refused researcher 403 permit_researcher_not_covered "$T/otherrt.permit" P1 synth shell $BOB
refused dataset 403 permit_dataset_not_covered "$T/otherds.permit" P1 synth shell
refused runtime 403 permit_runtime_not_covered "$T/otherrt.permit" P1 synth shell
refused "manifest names another permit" 400 permit_mismatch "$T/ok.permit" P1 synth shell $ALICE PERMIT-X
refused malformed 400 permit_malformed "$T/ok.unsigned" P1 synth shell
body "$T/otherrt.permit" P1 synth shell "$TABLE_FIG" '[]'
req $ALICE POST /v1/jobs "$T/req.json" >/dev/null
expect_eq "refusal message is precise" "permit PERMIT-T does not cover runtime shell" "$(api_field error.message)"
sed 's/"policy": "default"/"policy": "defualt"/' "$T/ok.unsigned" >"$T/badpol.unsigned"
"$BIN/trex" permit sign --key "$T/k/approver.key" "$T/badpol.unsigned" -o "$T/badpol.permit"
body "$T/badpol.permit" P1 synth shell "$TABLE_FIG" '[]'
req $ALICE POST /v1/jobs "$T/req.json" >/dev/null
expect_eq "a permit naming a policy trexd does not have: the nearest, and trexd's policies" \
	"permit PERMIT-1 names disclosure policy \"defualt\", which this trexd does not have (did you mean \"default\"?); its policies: casd, datashield, default, opensafely-midpoint6, opensafely, strict" \
	"$(api_field error.message)"
for c in permit_missing permit_forged permit_untrusted_key permit_expired permit_not_yet_valid \
	permit_revoked permit_wrong_project permit_researcher_not_covered permit_dataset_not_covered \
	permit_runtime_not_covered; do
	grep -q "\"code\":\"$c\",\"decision\":\"refused\"" "$T/state/audit.log" &&
		ok "audit records refusal $c" || not_ok "audit records refusal $c"
done

grep -q '"code":"permit_forged","event":"submission_refused"' "$T/state/audit.log" &&
	ok "audit records the refused submission" || not_ok "submission_refused audited"
# --- 2. an accepted job; the permit's policy checks it
wait_job() { api_until_terminal req "$1" GET "/v1/jobs/$2"; } # UID ID: until terminal
body "$T/ok.permit" P1 synth python3 "$TABLE_FIG" "$OUTS"
expect_eq "alice submits under PERMIT-1" 201 "$(req $ALICE POST /v1/jobs "$T/req.json")"
J1=$(api_field id)
check "job ends" wait_job $ALICE "$J1"
expect_eq "table released, figure held" partially_released "$(api_field state)"
expect_eq "job shows its permit" PERMIT-1 "$(api_field permit.permit_id)"
expect_eq "submitted_by is the configured user name" alice "$(api_field submitted_by)"

# the CLI path: trex submit --permit, the manifest naming its permit
mkdir -p "$T/job"
printf 'print("hello")\n' >"$T/job/a.py"
cat >"$T/job/manifest.json" <<'JSON'
{"project": "P1", "permit": "PERMIT-1", "dataset": "synth", "runtime": "python3",
 "command": ["python3", "a.py"], "outputs": []}
JSON
chmod -R a+rX "$T/job" && chmod 644 "$T/ok.permit" "$T/expired.permit"
JC=$(as $ALICE "$BIN/trex" --socket "$SOCK" submit "$T/job/manifest.json" --permit "$T/ok.permit" 2>/dev/null)
check "trex submit --permit: accepted" wait_job $ALICE "$JC"
expect_eq "trex submit --permit: the job ran" released "$(api_field state)"
out=$(as $ALICE "$BIN/trex" --socket "$SOCK" submit "$T/job/manifest.json" --permit "$T/expired.permit" 2>&1)
expect_eq "trex submit: the manifest's permit must be the one sent" \
	"trex: trexd refused (HTTP 400 permit_mismatch): the manifest names permit PERMIT-1 but permit PERMIT-E was sent" "$out"

# --- 3. route x role matrix (J1 is alice's, project P1)
matrix() { # NAME UID METHOD PATH WANT [BODY]
	expect_eq "matrix: $1" "$5" "$(req "$2" "$3" "$4" "${6:-}")"
}
printf '{"name":"fig.png","decision":"reject","reason":"x"}' >"$T/bad_review.json"
printf '{"bundle_sha256":"00"}' >"$T/bad_approve.json"
chmod 644 "$T"/*.json
matrix "unknown uid: job" $NOBODY GET "/v1/jobs/$J1" 403
expect_eq "unknown uid: code" unknown_user "$(code)"
matrix "unknown uid: health" $NOBODY GET /healthz 200
matrix "submitter sees job" $ALICE GET "/v1/jobs/$J1" 200
matrix "same-project researcher sees job" $BOB GET "/v1/jobs/$J1" 200
matrix "other-project researcher: 404" $FRANK GET "/v1/jobs/$J1" 404
matrix "approver sees job" $CAROL GET "/v1/jobs/$J1" 200
matrix "auditor sees job" $ERIN GET "/v1/jobs/$J1" 200
matrix "operator sees job" $OSCAR GET "/v1/jobs/$J1" 200
matrix "researcher downloads released" $ALICE GET "/v1/jobs/$J1/outputs/age_sex.csv" 200
matrix "other-project researcher cannot download" $FRANK GET "/v1/jobs/$J1/outputs/age_sex.csv" 404
matrix "checker cannot download" $DAVE GET "/v1/jobs/$J1/outputs/age_sex.csv" 403
matrix "auditor cannot download" $ERIN GET "/v1/jobs/$J1/outputs/age_sex.csv" 403
matrix "operator cannot submit" $OSCAR POST /v1/jobs 403 "$T/req.json"
matrix "checker cannot submit" $DAVE POST /v1/jobs 403 "$T/req.json"
matrix "researcher cannot read held file" $ALICE GET "/v1/jobs/$J1/held/fig.png" 403
matrix "auditor cannot read held file" $ERIN GET "/v1/jobs/$J1/held/fig.png" 403
matrix "checker reads held file" $DAVE GET "/v1/jobs/$J1/held/fig.png" 200
mkdir -p "$T/held" && chmod 777 "$T/held"
as $DAVE "$BIN/trex" --socket "$SOCK" held "$J1" fig.png -o "$T/held/fig.png"
expect_eq "trex held saves the held bytes" "$(printf '\211PNG\r\n\032\n' | sha256sum)" "$(sha256sum <"$T/held/fig.png")"
matrix "researcher cannot review" $ALICE POST "/v1/jobs/$J1/review" 403 "$T/bad_review.json"
matrix "auditor cannot review" $ERIN POST "/v1/jobs/$J1/review" 403 "$T/bad_review.json"
matrix "researcher cannot approve" $ALICE POST "/v1/jobs/$J1/approve" 403 "$T/bad_approve.json"
matrix "checker-only cannot approve" $DAVE POST "/v1/jobs/$J1/approve" 403 "$T/bad_approve.json"
matrix "researcher cannot read audit" $ALICE GET "/v1/audit/job/$J1" 403
matrix "approver cannot read audit" $CAROL GET "/v1/audit/job/$J1" 403
matrix "auditor reads audit" $ERIN GET "/v1/audit/job/$J1" 200
matrix "auditor reads project audit" $ERIN GET "/v1/audit/project/P1" 200
matrix "researcher gets release manifest" $ALICE GET "/v1/jobs/$J1/release" 200
matrix "other-project researcher: no manifest" $FRANK GET "/v1/jobs/$J1/release" 404
grep -q '"event":"authz_failure"' "$T/state/audit.log" && ok "authorisation failures audited" || not_ok "authz audited"
grep -q '"event":"auth_failure"' "$T/state/audit.log" && ok "unknown callers audited" || not_ok "auth audited"

# --- 4. review: held output shown to checkers, decision shown to the researcher
out=$(as $ALICE "$BIN/trex" --socket "$SOCK" review "$J1" fig.png --release --reason "ok" 2>&1)
expect_eq "trex review as researcher refused" 1 $?
out=$(as $DAVE "$BIN/trex" --socket "$SOCK" review "$J1" fig.png --release --reason "a logo, no data" 2>&1)
expect_eq "checker releases the figure" "fig.png: released" "$out"
req $ALICE GET "/v1/jobs/$J1" >/dev/null
expect_eq "state after review" released "$(api_field state)"
as $ALICE "$BIN/trex" --socket "$SOCK" status "$J1" >"$T/status.txt" 2>&1
grep -q 'review: *fig.png: release by dave (a logo, no data)' "$T/status.txt" &&
	ok "trex status shows the decision and reason" || not_ok "status shows review" "$(cat "$T/status.txt")"
matrix "reviewed figure downloadable" $ALICE GET "/v1/jobs/$J1/outputs/fig.png" 200
matrix "second review of the same output refused" $DAVE POST "/v1/jobs/$J1/review" 409 "$T/bad_review.json"

# rejection: figure only, rejected -> rejected
body "$T/ok.permit" P1 synth python3 "$TABLE_FIG" "$FIGONLY"
req $BOB POST /v1/jobs "$T/req.json" >/dev/null
J2=$(api_field id)
wait_job $BOB "$J2"
expect_eq "figure-only job held" held "$(api_field state)"
echo "# reason: $(api_field reason)"
as $CAROL "$BIN/trex" --socket "$SOCK" review "$J2" fig.png --reject --reason "shows a small cell" >/dev/null
req $BOB GET "/v1/jobs/$J2" >/dev/null
expect_eq "rejected job" rejected "$(api_field state)"
matrix "rejected figure not downloadable" $BOB GET "/v1/jobs/$J2/outputs/fig.png" 404

# --- 5. separation of duties and strict approval: what is approved is the
# whole job (job_sha256 over the manifest with every limit written out,
# the permit's policy and each file's SHA-256 and size), and any change to
# it waits for a new approval
# sbody [PYTHON...]: the strict job's request into $T/req.json, after
# running each statement on m (manifest), files (name -> bytes), pf (permit file)
sbody() {
	python3 - "$T" "$@" >"$T/req.json" <<'PY'
import base64, json, sys
t = sys.argv[1]
m = {"project": "P1", "dataset": "synth", "runtime": "python3", "command": ["python3", "a.py"],
     "outputs": [{"path": "fig.png", "kind": "figure"}]}
files = {"a.py": b'open("/output/fig.png", "wb").write(b"\\x89PNG\\r\\n\\x1a\\n")\n'}
pf = t + "/strict.permit"
for stmt in sys.argv[2:]:
    exec(stmt)
print(json.dumps({"manifest": m, "files": {k: base64.b64encode(v).decode() for k, v in files.items()},
                  "permit": open(pf).read()}))
PY
	chmod 644 "$T/req.json"
}
sbody
expect_eq "strict job accepted" 201 "$(req $MALLORY POST /v1/jobs "$T/req.json")"
JS=$(api_field id)
expect_eq "strict job awaits approval" awaiting_approval "$(api_field state)"
SHA=$(api_field bundle_sha256)
JSHA=$(api_field job_sha256)
check "the answer names the job's job_sha256" sh -c "echo '$JSHA' | grep -Eqx '[0-9a-f]{64}'"
sleep 1
req $MALLORY GET "/v1/jobs/$JS" >/dev/null
expect_eq "an unapproved job never runs" awaiting_approval "$(api_field state)"
expect_eq "the job document carries job_sha256" "$JSHA" "$(api_field job_sha256)"
expect_eq "the stored manifest has every limit written out" 1024 "$(api_field manifest.limits.memory_mb)"
expect_eq "... and the permit it runs under" PERMIT-S "$(api_field manifest.permit)"
file_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"]["a.py"][sys.argv[2]])' "$T/out" "$1"; }
expect_eq "the job document lists each file's digest" \
	"$(python3 -c 'import base64,hashlib,json,sys; print(hashlib.sha256(base64.b64decode(json.load(open(sys.argv[1]))["files"]["a.py"])).hexdigest())' "$T/req.json")" \
	"$(file_field sha256)"
# the approver is shown the whole job and approves nothing without --digest
out=$(as $CAROL "$BIN/trex" --socket "$SOCK" approve "$JS" 2>"$T/approve.err")
expect_eq "trex approve without --digest approves nothing (exit 3)" 3 $?
printf '%s\n' "$out" >"$T/approve.out"
for want in 'command      ["python3","a.py"]' 'dataset      "synth"' 'runtime      "python3"' \
	'policy       "default"' 'permit       "PERMIT-S"' '  {"kind":"figure","path":"fig.png"}' \
	'limits       {"cpu_seconds":600,"memory_mb":1024,"output_mb":50,"pids":64,"wall_seconds":900}' \
	"  $(file_field sha256)  $(file_field size)  \"a.py\"" "job_sha256   $JSHA"; do
	grep -qxF "$want" "$T/approve.out" && ok "trex approve shows: $want" || not_ok "trex approve shows: $want" "$out"
done
grep -qF "trex approve $JS --digest $JSHA" "$T/approve.err" && ok "trex approve says how to approve" ||
	not_ok "trex approve hint" "$(cat "$T/approve.err")"
req $MALLORY GET "/v1/jobs/$JS" >/dev/null
expect_eq "... and the job still waits" awaiting_approval "$(api_field state)"
out=$(as $MALLORY "$BIN/trex" --socket "$SOCK" approve "$JS" --digest "$JSHA" 2>&1)
expect_eq "self-approval refused" 1 $?
printf '{"job_sha256":"%s"}' "$(echo "$JSHA" | tr 0-9a-f 1-9a-f0)" >"$T/wrong.json"
printf '{"bundle_sha256":"%s"}' "$SHA" >"$T/oldform.json"
chmod 644 "$T/wrong.json" "$T/oldform.json"
matrix "approving another job digest refused" $CAROL POST "/v1/jobs/$JS/approve" 409 "$T/wrong.json"
expect_eq "... code job_mismatch" job_mismatch "$(code)"
matrix "a bundle hash approves nothing any more" $CAROL POST "/v1/jobs/$JS/approve" 400 "$T/oldform.json"
out=$(as $CAROL "$BIN/trex" --socket "$SOCK" approve "$JS" --digest "$(echo "$JSHA" | tr 0-9a-f 1-9a-f0)" 2>&1)
expect_eq "trex approve --digest of another job approves nothing" 1 $?
req $MALLORY GET "/v1/jobs/$JS" >/dev/null
expect_eq "... the job still waits" awaiting_approval "$(api_field state)"
out=$(as $CAROL "$BIN/trex" --socket "$SOCK" approve "$JS" --digest "$JSHA" 2>&1 | tail -1)
expect_eq "approver approves the exact job" "approved job $JS, job_sha256 $JSHA" "$out"
check "approved job runs" wait_job $MALLORY "$JS"
expect_eq "approved job held its figure" held "$(api_field state)"
matrix "self-review refused" $MALLORY POST "/v1/jobs/$JS/review" 403 "$T/bad_review.json"
expect_eq "self-review code" own_job "$(code)"
grep -q "\"approver\":\"carol\",\"bundle_sha256\":\"$SHA\",\"event\":\"approval\",\"job\":\"$JS\",\"job_sha256\":\"$JSHA\"" \
	"$T/state/audit.log" && ok "the approval is audited with the job digest" || not_ok "approval audited"
# resubmit: strict <NAME> <WANT_STATE> [PYTHON...]
strict() {
	name=$1 want=$2
	shift 2
	sbody "$@"
	req $MALLORY POST /v1/jobs "$T/req.json" >/dev/null
	expect_eq "$name" "$want" "$(api_field state)"
}
strict "the same job again: already approved" queued
strict "the default limits written out: the same job, already approved" queued \
	'm["limits"] = {"memory_mb": 1024, "cpu_seconds": 600, "wall_seconds": 900, "pids": 64, "output_mb": 50}'
strict "the manifest naming its permit: the same job" queued 'm["permit"] = "PERMIT-S"'
# each field of the job changed after the approval: a new approval is needed
strict "changed command (same files) waits" awaiting_approval \
	'm["command"] = ["sh", "-c", "cat /data/patients.csv; sh analysis.sh"]'
expect_eq "... although its bundle_sha256 is the approved one" "$SHA" "$(api_field bundle_sha256)"
strict "changed dataset waits" awaiting_approval 'm["dataset"] = "other"'
strict "changed runtime waits" awaiting_approval 'm["runtime"] = "shell"'
strict "changed outputs waits" awaiting_approval 'm["outputs"].append({"path": "t.csv", "kind": "text"})'
strict "changed output declaration waits" awaiting_approval 'm["outputs"][0]["kind"] = "text"'
strict "changed limit waits" awaiting_approval 'm["limits"] = {"wall_seconds": 901}'
strict "changed file waits" awaiting_approval 'files["a.py"] += b"# x\n"'
strict "added file waits" awaiting_approval 'files["b.py"] = b""'
strict "renamed file waits" awaiting_approval 'files["b.py"] = files.pop("a.py")'
strict "changed policy (the permit re-signed) waits" awaiting_approval 'pf = t + "/strict2.permit"'
JP=$(api_field id)
as $CAROL "$BIN/trex" --socket "$SOCK" approve "$JP" 2>/dev/null | grep -qx 'policy       "strict"' &&
	ok "... trex approve shows its policy" || not_ok "trex approve shows the policy"
strict "another strict permit waits" awaiting_approval 'pf = t + "/strict3.permit"'

# --- 6. signed release manifest and trex fetch
req $ALICE GET "/v1/jobs/$J1" >/dev/null
J1SHA=$(api_field job_sha256)
req $ALICE GET "/v1/jobs/$J1/release" >/dev/null
expect_eq "manifest names the reviewer" dave "$(api_field files.1.reviewer)"
expect_eq "manifest names the job the files came from" "$J1SHA" "$(api_field job_sha256)"
expect_eq "manifest hash of the table" "$(sha256sum <"$T/state/release/P1/$J1/age_sex.csv" | cut -d' ' -f1)" "$(api_field files.0.sha256)"
check "manifest copy in the release area" test -s "$T/state/release/P1/$J1.release.json"
mkdir -p "$T/dl" && chmod 777 "$T/dl"
as $ALICE "$BIN/trex" --socket "$SOCK" fetch "$J1" -o "$T/dl" --trexd-key "$T/state/trexd.pub" >/dev/null 2>&1
expect_eq "trex fetch verifies and downloads" 0 $?
"$BIN/trex" permit keygen "$T/k/other.key" "$T/k/other.pub" >/dev/null
chmod 644 "$T/k/other.pub" "$T/state/trexd.pub"
out=$(as $ALICE "$BIN/trex" --socket "$SOCK" fetch "$J1" -o "$T/dl" --trexd-key "$T/k/other.pub" 2>&1)
# key ids: SHA-256 of the raw Ed25519 key, the last 32 bytes of the PEM's DER
kid() { sed '1d;$d' "$1" | base64 -d | tail -c 32 | sha256sum | cut -c1-16; }
expect_eq "trex fetch refuses a manifest signed by another key, naming both key ids" \
	"trex fetch: the release manifest of job $J1 is not signed by this trexd's key: it names trexd key $(kid "$T/state/trexd.pub"), the key given or pinned is $(kid "$T/k/other.pub") (a rotated key? ask the operator)" "$out"

# --- 7. nothing released without a check or review record
req $ALICE GET "/v1/jobs/$J1" >/dev/null
python3 - "$T/state/audit.log" "$T/out" <<'PY' && ok "every released file has a check or review record" || not_ok "release records"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
job = json.load(open(sys.argv[2]))
for o in job["outputs"]:
    if not o["released"]:
        continue
    by_check = any(l["event"] == "check" and l.get("job") == job["id"] and
                   any(f["file"] == o["name"] and f["released"] and f.get("sha256") == o["sha256"] for f in l["files"])
                   for l in lines)
    by_review = any(l["event"] == "release" and l.get("job") == job["id"] and l["file"] == o["name"] and l["sha256"] == o["sha256"]
                    for l in lines) and any(l["event"] == "review" and l.get("job") == job["id"] and l["file"] == o["name"] for l in lines)
    assert by_check or by_review, o["name"]
assert any(l["event"] == "download" and l.get("job") == job["id"] for l in lines)
assert any(l["event"] == "run" and l.get("job") == job["id"] and "wall_ms" in l["run"] for l in lines)
assert any(l["event"] == "approval" for l in lines)
PY
as $ERIN "$BIN/trex" --socket "$SOCK" audit show --job "$J1" >"$T/show.txt" 2>&1
grep -q "\"event\":\"review\"" "$T/show.txt" && ok "trex audit show --job (auditor)" || not_ok "audit show" "$(head -c 300 "$T/show.txt")"

# --- 8. tamper detection (the log of a stopped trexd ends with a checkpoint)
check "trexd stops" trexd_stop
L=$T/state/audit.log
PUB=$T/state/trexd.pub
check "audit verify: intact, signed, complete" "$BIN/trex" audit verify --trexd-key "$PUB" --complete "$L"
verify_fails() { # NAME FILE EXPECTED_SUBSTRING
	out=$("$BIN/trex" audit verify --trexd-key "$PUB" --complete "$2" 2>&1)
	rc=$?
	case "$out" in *"$3"*) [ $rc -eq 1 ] && ok "tamper: $1" || not_ok "tamper: $1" "rc $rc" ;;
	*) not_ok "tamper: $1" "got: $out" ;; esac
}
sed '5s/"event":"[a-z_]*"/"event":"nothing"/' "$L" >"$T/edit.log"
verify_fails "edited line" "$T/edit.log" "line 6: previous-line hash does not match (line 5 was edited"
sed '5d' "$L" >"$T/del.log"
verify_fails "deleted line" "$T/del.log" "line 5: sequence number 6, expected 5"
awk 'NR==4{l=$0; next} NR==5{print; print l; next} {print}' "$L" >"$T/swap.log"
verify_fails "reordered lines" "$T/swap.log" "line 4: sequence number 5, expected 4"
sed '3p' "$L" >"$T/ins.log"
verify_fails "inserted line" "$T/ins.log" "line 4: sequence number 3, expected 4"
head -c -20 "$L" >"$T/trunc.log"
verify_fails "truncated mid-line" "$T/trunc.log" "truncated"
head -n -1 "$L" >"$T/cut.log"
verify_fails "last line cut" "$T/cut.log" "does not end with trexd's signed stop"
head -n -2 "$L" >"$T/cut.log"
verify_fails "last two lines cut" "$T/cut.log" "does not end with trexd's signed stop"
# a forger who edits a line and recomputes the whole chain is caught by
# the checkpoint signatures
python3 - "$L" "$T/rechain.log" <<'PY'
import hashlib, json, sys
out, prev = [], "0" * 64
for i, l in enumerate(open(sys.argv[1])):
    j = json.loads(l)
    if i == 2:
        j["user"] = "someone-else"
    j["prev"] = prev
    t = json.dumps(j, separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    prev = hashlib.sha256(t.encode()).hexdigest()
    out.append(t + "\n")
open(sys.argv[2], "w").writelines(out)
PY
"$BIN/trex" audit verify "$T/rechain.log" >/dev/null 2>&1
expect_eq "rechained log passes the bare chain check" 0 $?
verify_fails "rechained log" "$T/rechain.log" "checkpoint signature does not verify"
check "trexd reopens its intact log" trexd_start
trexd_stop
cp "$T/edit.log" "$L"
"$BIN/trexd" --config "$T/trexd.json" >"$T/broken.log" 2>&1
expect_eq "trexd refuses to append to a tampered log" 1 $?

# --- 9. two-checker rule
write_config '"two_checkers": true'
rm -f "$L"
"$BIN/trexd" --config "$T/trexd.json" >"$T/removed.log" 2>&1
expect_eq "trexd refuses to start without the log its store knows" 1 $?
GENESIS=0000000000000000000000000000000000000000000000000000000000000000
grep -q "trexd: audit log ends at 0:$GENESIS but trexd.db records [0-9]*:[0-9a-f]\{64\}: lines were cut from the log" "$T/removed.log" &&
	ok "... naming both heads" || not_ok "removed log error" "$(cat "$T/removed.log")"
check "trexd restarts with two_checkers, accepting the new log" \
	trexd_start --config "$T/trexd.json" --accept-audit-head "0:$GENESIS"
grep -q '"event":"audit_head_override"' "$L" && ok "the acceptance is audited" || not_ok "override audited"
body "$T/ok.permit" P1 synth python3 "$TABLE_FIG" "$FIGONLY"
req $ALICE POST /v1/jobs "$T/req.json" >/dev/null
J3=$(api_field id)
wait_job $ALICE "$J3"
out=$(as $DAVE "$BIN/trex" --socket "$SOCK" review "$J3" fig.png --release --reason "fine" 2>&1)
expect_eq "first checker's release is recorded only" "fig.png: release recorded; a second checker must also release it" "$out"
matrix "same checker twice refused" $DAVE POST "/v1/jobs/$J3/review" 409 "$T/bad_review.json"
matrix "not released after one checker" $ALICE GET "/v1/jobs/$J3/outputs/fig.png" 404
as $CAROL "$BIN/trex" --socket "$SOCK" review "$J3" fig.png --release --reason "agreed" >/dev/null
matrix "released after a second checker" $ALICE GET "/v1/jobs/$J3/outputs/fig.png" 200
trexd_stop

done_testing
