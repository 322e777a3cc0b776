#!/bin/sh
# The reproducibility record of the signed release manifest (docs/api.md
# "Release manifest", docs/CONTRACTS.md section 4): a released job's
# manifest names the runtime's identity (interpreter versions, a digest of
# the installed packages, found by a probe the monitor runs in
# trex-sandbox), the dataset's content digest (computed once per dataset
# version by the sandboxed index build, cached beside the index), the
# policy pack's name and digest, trex's version and the job's limits; the
# signature covers it (a changed field fails `trex verify`); `trex fetch`
# shows it; `trex run --local --like JOB` reruns the job's code on dummy
# data with the same runtime and policy, and warns when this machine's
# differ. A hostile researcher's angle: the record holds no data value and
# no path.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_needs root sandbox check
trexd_init trexd-repro
TREX="$BIN/trex --socket $SOCK"

# the dataset: values a record must never carry (a sentinel category, an
# identifier) in a folder whose name must not leak either
DATA=$T/secret-folder-xq7
mkdir -p "$DATA"
{
	echo "patient_id,age_band,sex,note"
	i=0
	while [ $i -lt 60 ]; do
		printf '%064x,%s,%s,SENTINELVALUE%d\n' $((i + 77777)) "$([ $((i % 2)) = 0 ] && echo 20-29 || echo 30-39)" \
			"$([ $((i % 3)) = 0 ] && echo F || echo M)" $i
		i=$((i + 1))
	done
} >"$DATA/patients.csv"
chmod 755 "$DATA"
chmod 644 "$DATA/patients.csv"
trexd_config_write '"concurrency": 1' '"require_permit": false' \
	"\"datasets\": {\"synth\": {\"path\": \"$DATA\", \"id_columns\": [\"patient_id\"]}}"
check "trexd starts" trexd_start

PY=$(base64 -w0 <<'PY'
import csv
n = {}
for r in csv.DictReader(open("/data/patients.csv")):
    n[(r["age_band"], r["sex"])] = n.get((r["age_band"], r["sex"]), 0) + 1
with open("/output/t.csv", "w") as f:
    f.write("age_band,sex,n\n")
    for (a, s), c in sorted(n.items()):
        f.write(f"{a},{s},{c * 10}\n")
PY
)
OUTS='[{"path":"t.csv","kind":"frequency_table","dimensions":["age_band","sex"],"count":"n","bins":{"age_band":[20,30,40]},"labels":{"sex":["F","M"]}}]'
submit() { api_submit REPRO synth python3 '["python3","a.py"]' "$OUTS" '{"memory_mb":700}' "{\"a.py\":\"$PY\"}"; }

J1=$(submit)
check "job 1 ends" api_wait_job "$J1"
expect_eq "job 1 released" released "$(api_field state)"
expect_eq "GET /v1/jobs/ID/release" 200 "$(api_get "/v1/jobs/$J1/release")"
cp "$TREXD_BODY" "$T/m1.json"
cat "$T/m1.json"
done_testing
