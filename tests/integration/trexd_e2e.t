#!/bin/sh
# trexd end to end with the real trex-sandbox (and trex-check when it is
# built): jobs that fail, time out, produce nothing, produce outputs that are
# checked and released, and a shutdown while a job runs. Needs root (the
# sandbox does).
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox
trexd_init trexd-e2e
mkdir -p "$T/data"
printf 'age_band,sex\n20-29,F\n' >"$T/data/patients.csv"
chmod 755 "$T/data"
chmod 644 "$T/data/patients.csv"
trexd_config_write '"concurrency": 1' '"require_permit": false' \
	"\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": []}}"

# submit RUNTIME COMMAND_JSON OUTPUTS_JSON [LIMITS_JSON] [FILE B64]: prints the id
submit() {
	files='{}'
	[ $# -ge 6 ] && files="{\"$5\":\"$6\"}"
	api_submit "${PROJECT:-E2E}" synth "$1" "$2" "$3" "${4:-{\}}" "$files"
}

check "trexd starts with the real sandbox" trexd_start

ID=$(submit shell '["sh","-c","exit 3"]' '[]')
check "exit 3: job ends" api_wait_job "$ID"
expect_eq "exit 3: failed" failed "$(api_field state)"
expect_eq "exit 3: reason (a class, not the code: researchers see it)" "the job exited with a non-zero status" "$(api_field reason)"
expect_eq "exit 3: run record, exact for root" 3 "$(api_field run.exit_code)"

ID=$(submit shell '["sleep","30"]' '[]' '{"wall_seconds":1}')
check "timeout: job ends" api_wait_job "$ID"
expect_eq "timeout: timed_out" timed_out "$(api_field state)"
expect_eq "timeout: reason" "the job exceeded its wall-clock limit of 1 s" "$(api_field reason)"

ID=$(submit shell '["sh","-c","echo hello; echo oops >&2; head -1 /data/patients.csv"]' '[]')
check "no outputs: job ends" api_wait_job "$ID"
expect_eq "no outputs: released" released "$(api_field state)"
expect_eq "stdout is kept and held" "stdout 19 held" "$(api_field logs.0.name) $(api_field logs.0.size) $(api_field logs.0.state)"
expect_eq "stdout content (job read /data)" "hello
age_band,sex" "$(cat "$T/state/jobs/$ID/logs/stdout")"
expect_eq "stderr is kept" "oops" "$(cat "$T/state/jobs/$ID/logs/stderr")"

ID=$(submit shell '["sh","-c","echo x > /output/other.csv"]' '[{"path":"x.csv","kind":"text"}]')
check "missing output: job ends" api_wait_job "$ID"
expect_eq "missing output: blocked" blocked "$(api_field state)"
expect_eq "missing output: verdict" "missing not produced" "$(api_field outputs.0.verdict) $(api_field outputs.0.summary)"
api_get "/v1/jobs/$ID/outputs" >/dev/null
expect_eq "undeclared file never released" '{"outputs":[]}' "$(tr -d ' \n' <"$T/body")"

ID=$(submit shell '["sh","-c","echo no > /data/x"]' '[]')
check "write to /data: job ends" api_wait_job "$ID"
expect_eq "write to /data fails" failed "$(api_field state)"

if [ -x "$BIN/trex-check" ] && [ -f "$TREX_ROOT/policies/disclosure/default.json" ]; then
	PY=$(base64 -w0 <<'PY'
rows = [("20-29", "F", 120), ("20-29", "M", 131), ("30-39", "F", 99), ("30-39", "M", 87)]
with open("/output/age_sex.csv", "w") as f:
    f.write("age_band,sex,n\n")
    for a, s, n in rows:
        f.write(f"{a},{s},{n}\n")
with open("/output/fig.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n")
PY
)
	ID=$(submit python3 '["python3","a.py"]' \
		'[{"path":"age_sex.csv","kind":"frequency_table","dimensions":["age_band","sex"],"count":"n","bins":{"age_band":[20,30,40]},"labels":{"sex":["F","M"]}},{"path":"fig.png","kind":"figure"}]' \
		'{}' a.py "$PY")
	check "checked job ends" api_wait_job "$ID"
	expect_eq "table passes, figure held" "partially_released" "$(api_field state)"
	expect_eq "table verdict" pass "$(api_field outputs.0.verdict)"
	expect_eq "figure verdict" review "$(api_field outputs.1.verdict)"
	expect_eq "report recorded" trex-check "$(api_field report.tool)"
	SHA=$(api_field outputs.0.sha256)
	expect_eq "fetch released table" 200 "$(api_get "/v1/jobs/$ID/outputs/age_sex.csv")"
	expect_eq "fetched bytes match sha256" "$SHA" "$(sha256sum <"$T/body" | cut -d' ' -f1)"
	check "release area holds the table" test -f "$T/state/release/E2E/$ID/age_sex.csv"
	expect_eq "held figure is not fetchable" 404 "$(api_get "/v1/jobs/$ID/outputs/fig.png")"

	# a small cell, declared in a subfolder: suppressed, then released
	PY=$(base64 -w0 <<'PY'
import os
os.makedirs("/output/tables")
rows = [("20-29", "F", 120), ("20-29", "M", 3), ("30-39", "F", 99), ("30-39", "M", 87)]
with open("/output/tables/small.csv", "w") as f:
    f.write("age_band,sex,n\n")
    for a, s, n in rows:
        f.write(f"{a},{s},{n}\n")
PY
)
	ID=$(submit python3 '["python3","a.py"]' \
		'[{"path":"tables/small.csv","kind":"frequency_table","dimensions":["age_band","sex"],"count":"n","bins":{"age_band":[20,30,40]},"labels":{"sex":["F","M"]}}]' \
		'{}' a.py "$PY")
	check "suppressed job ends" api_wait_job "$ID"
	expect_eq "suppressed output is released" released "$(api_field state)"
	expect_eq "verdict suppressed" suppressed "$(api_field outputs.0.verdict)"
	expect_eq "fetch from a subfolder (encoded /)" 200 "$(api_get "/v1/jobs/$ID/outputs/tables%2Fsmall.csv")"
	check "the small count is not in the released file" sh -c "! grep -q ',3\$' '$T/body'"
	expect_eq "the large counts are" "120" "$(grep '20-29,F' "$T/body" | cut -d, -f3 | tr -d '\r')"
else
	# make check builds both: their absence is a broken build, not a skip
	not_ok "trex-check end to end" "trex-check or policies/disclosure/default.json missing"
fi

# round-robin across projects with concurrency 1: while a P1 job blocks
# (until the test creates /data/go), P1 and P2 jobs queue; P2's runs first
BLOCK=$(PROJECT=P1 submit shell '["sh","-c","while [ ! -e /data/go ]; do sleep 0.05; done"]' '[]')
B=$(PROJECT=P1 submit shell '["sh","-c","date +%s%N"]' '[]')
C=$(PROJECT=P2 submit shell '["sh","-c","date +%s%N"]' '[]')
api_get "/v1/jobs/$B" >/dev/null
expect_eq "second job of P1 waits" queued "$(api_field state)"
touch "$T/data/go"
check "blocking job ends" api_wait_job "$BLOCK"
check "P1 job ends" api_wait_job "$B"
check "P2 job ends" api_wait_job "$C"
tb=$(cat "$T/state/jobs/$B/logs/stdout")
tc=$(cat "$T/state/jobs/$C/logs/stdout")
check "P2's job ran before P1's second job" test "$tc" -lt "$tb"

ID=$(submit shell '["sleep","60"]' '[]')
i=0
while [ $i -lt 100 ]; do api_get "/v1/jobs/$ID" >/dev/null; [ "$(api_field state)" = running ] && break; sleep 0.1; i=$((i + 1)); done
expect_eq "long job is running" running "$(api_field state)"
trexd_stop
expect_eq "SIGTERM with a running job: exit 0" 0 $?
check "restart" trexd_start
api_get "/v1/jobs/$ID" >/dev/null
expect_eq "job stopped by shutdown is failed" failed "$(api_field state)"
expect_eq "with a reason" "trexd stopped while the job was running" "$(api_field reason)"
done_testing
