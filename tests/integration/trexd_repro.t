#!/bin/sh
# The reproducibility record of the signed release manifest (docs/api.md
# "Release manifest", docs/CONTRACTS.md section 4): a released job's
# manifest names the runtime's identity (interpreter versions, a digest of
# the installed packages, found by a probe the monitor runs in
# trex-sandbox once per start or reload), the dataset's content digest
# (computed once per dataset version by the sandboxed index build, cached
# beside the index), the policy pack's name and digest, trex's version and
# the job's limits; the signature covers it (a changed field fails `trex
# verify`, a manifest without a record still verifies); `trex fetch` shows
# it; `trex run --local --like JOB` reruns the job's code on dummy data
# with the same runtime and policy, and warns when this machine's code,
# pack or runtime differ. A hostile researcher's angle: the record holds
# no data value and no path, and another project's researcher gets
# nothing of it.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_needs root sandbox check setpriv sqlite3
trexd_init trexd-repro
ALICE=1001 FRANK=1007
as() { u=$1; shift; (cd "$T/work" && setpriv --reuid "$u" --regid "$u" --clear-groups "$@"); }
mkdir -p "$T/work" "$T/home"
chown $ALICE:$ALICE "$T/work" "$T/home"
chmod 777 "$T"
export HOME=$T/home

# the dataset: values a record must never carry (a sentinel text, the
# identifiers) in a folder whose name must not leak either
DATA=$T/secret-folder-xq7
mkdir -p "$DATA"
gen() {
	python3 - "$DATA/patients.csv" "$1" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("patient_id,age_band,sex,note\n")
    for i in range(int(sys.argv[2])):
        f.write("%064x,%s,%s,SENTINELVALUE%d\n" % (0xABC000 + i * 7919, "20-29" if i % 2 else "30-39",
                                                 "F" if i % 3 else "M", i))
PY
	chmod 644 "$DATA/patients.csv"
}
gen 60
chmod 755 "$DATA"
trexd_config_write '"concurrency": 1' '"require_permit": false' \
	"\"datasets\": {\"synth\": {\"path\": \"$DATA\", \"id_columns\": [\"patient_id\"]}}" \
	"\"users\": {
    \"alice\": {\"uid\": $ALICE, \"roles\": [\"researcher\"], \"projects\": [\"REPRO\"]},
    \"frank\": {\"uid\": $FRANK, \"roles\": [\"researcher\"], \"projects\": [\"OTHER\"]}
  }"
check "trexd starts" trexd_start
TREX="$BIN/trex --socket $SOCK"
PUB=$T/state/trexd.pub

# the job's code, in alice's folder as she submitted it
mkdir -p "$T/work/job"
cat >"$T/work/job/a.py" <<'PY'
import csv
n = {}
for r in csv.DictReader(open("/data/patients.csv")):
    n[(r["age_band"], r["sex"])] = n.get((r["age_band"], r["sex"]), 0) + 1
with open("/output/t.csv", "w") as f:
    f.write("age_band,sex,n\n")
    for (a, s), c in sorted(n.items()):
        f.write(f"{a},{s},{c * 10}\n")
PY
cat >"$T/work/job/manifest.json" <<'JSON'
{"project": "REPRO", "dataset": "synth", "runtime": "python3", "command": ["python3", "a.py"],
 "limits": {"memory_mb": 700},
 "outputs": [{"path": "t.csv", "kind": "frequency_table", "dimensions": ["age_band", "sex"],
              "count": "n", "bins": {"age_band": [20, 30, 40]}, "labels": {"sex": ["F", "M"]}}]}
JSON
chown -R $ALICE:$ALICE "$T/work/job"
submit() { as $ALICE $TREX --json submit job/manifest.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
wait_released() { # ID NAME
	as $ALICE $TREX wait "$1" >/dev/null 2>&1
	expect_eq "$2: released" released "$(as $ALICE $TREX --json status "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')"
}
manifest() { # ID FILE: GET /v1/jobs/ID/release as alice
	api_as $ALICE GET "/v1/jobs/$1/release" >/dev/null
	cp "$TREXD_BODY" "$2"
}
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$@" 2>/dev/null; }

J1=$(submit)
wait_released "$J1" "job 1"
manifest "$J1" "$T/m1.json"

# --- each field, as documented
python3 - "$T/m1.json" "$(cat "$TREX_ROOT/common/version.h" | sed -n 's/.*TREX_VERSION "\(.*\)"/\1/p')" <<'PY' && ok "the record holds exactly the documented fields" || not_ok "record fields" "$(cat "$T/m1.json")"
import json, re, sys
m = json.load(open(sys.argv[1]))
r = m["reproducibility"]
hexd = lambda s: re.fullmatch("[0-9a-f]{64}", s) is not None
assert sorted(r) == ["dataset", "limits", "policy", "runtime", "trex_version"], sorted(r)
assert r["trex_version"] == sys.argv[2], r["trex_version"]
rt = r["runtime"]
assert sorted(rt) == ["interpreters", "like", "name", "packages", "packages_sha256"], sorted(rt)
assert rt["name"] == "python3" and rt["like"] == "python3"
assert re.fullmatch(r"3\.\d+\.\d+", rt["interpreters"]["python3"]), rt["interpreters"]
assert list(rt["interpreters"]) == ["python3"] and rt["packages"] > 0 and hexd(rt["packages_sha256"])
assert sorted(r["dataset"]) == ["content_sha256", "name"] and r["dataset"]["name"] == "synth"
assert hexd(r["dataset"]["content_sha256"])
assert sorted(r["policy"]) == ["name", "sha256"] and r["policy"]["name"] == "default" and hexd(r["policy"]["sha256"])
assert r["limits"] == {"memory_mb": 700, "cpu_seconds": 600, "wall_seconds": 900, "pids": 64, "output_mb": 50}, r["limits"]
PY
# the dataset's digest is over its files' contents, as documented
EXPECT=$(python3 - "$DATA" <<'PY'
import hashlib, sys
h = hashlib.sha256()
data = open(sys.argv[1] + "/patients.csv", "rb").read()
h.update(b"patients.csv\n%d\n" % len(data) + data)
print(h.hexdigest())
PY
)
expect_eq "content_sha256 is SHA-256 of each CSV's path, size and bytes" "$EXPECT" "$(field "$T/m1.json" reproducibility.dataset.content_sha256)"
expect_eq "the digest is cached beside the index" "$EXPECT" "$(cat "$T"/state/idindex/*/content.sha256)"
expect_eq "the cached digest is readable by all (the service serves it)" 644 "$(stat -c %a "$T"/state/idindex/*/content.sha256)"
# the pack's digest: the resolved pack, canonical (docs/api.md)
expect_eq "policy.sha256 is the resolved pack's digest, as trex run --local computes it" \
	"$(field "$T/m1.json" reproducibility.policy.sha256)" \
	"$(as $ALICE $TREX run --local --like "$J1" job --data "$DATA" --trexd-key "$PUB" --json -o out0 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["like"]["policy"]["here"])')"

# --- once per dataset version, once per runtime
J2=$(submit)
wait_released "$J2" "job 2"
manifest "$J2" "$T/m2.json"
expect_eq "job 2 on the same dataset: the same content digest" "$EXPECT" "$(field "$T/m2.json" reproducibility.dataset.content_sha256)"
expect_eq "the index (and digest) was built once for two jobs" 1 "$(grep -c 'monitor_id_index_build ' "$TREXD_LOG")"
expect_eq "the runtime was probed once for two jobs" 1 "$(grep -c 'monitor_runtime_probe ' "$TREXD_LOG")"
expect_eq "job 2: the same runtime identity" "$(field "$T/m1.json" reproducibility.runtime)" "$(field "$T/m2.json" reproducibility.runtime)"
gen 80
J3=$(submit)
wait_released "$J3" "job 3 (changed dataset)"
manifest "$J3" "$T/m3.json"
D3=$(field "$T/m3.json" reproducibility.dataset.content_sha256)
check "a changed dataset: another content digest" test -n "$D3" -a "$D3" != "$EXPECT"
expect_eq "... built once more" 2 "$(grep -c 'monitor_id_index_build ' "$TREXD_LOG")"
kill -HUP "$PID"
sleep 1
J4=$(submit)
wait_released "$J4" "job 4 (after a reload)"
expect_eq "a reload probes the runtime again" 2 "$(grep -c 'monitor_runtime_probe ' "$TREXD_LOG")"

# --- the signature covers the record
cp "$T/state/release/REPRO/$J1.release.json" "$T/r1.json"
check "trex verify accepts the manifest with its record" sh -c "$TREX verify '$T/r1.json' --trexd-key '$PUB' >/dev/null"
$TREX verify "$T/r1.json" --trexd-key "$PUB" >"$T/v.txt"
check "trex verify shows the record" grep -q "content sha256 $EXPECT" "$T/v.txt"
for f in trex_version runtime.packages_sha256 runtime.interpreters.python3 dataset.content_sha256 policy.sha256 policy.name limits.memory_mb; do
	python3 - "$T/r1.json" "$T/t.json" "$f" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
d = m["reproducibility"]
ks = sys.argv[3].split(".")
for k in ks[:-1]: d = d[k]
d[ks[-1]] = d[ks[-1]] + 1 if isinstance(d[ks[-1]], int) else d[ks[-1]] + "0"
json.dump(m, open(sys.argv[2], "w"))
PY
	out=$($TREX verify "$T/t.json" --trexd-key "$PUB" 2>&1)
	expect_eq "a changed $f fails trex verify" "1 the signature does not verify" \
		"$? $(echo "$out" | sed -n 's/.*: \(the signature does not verify\).*/\1/p')"
done
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); del m["reproducibility"]; json.dump(m, open(sys.argv[2], "w"))' "$T/r1.json" "$T/t.json"
out=$($TREX verify "$T/t.json" --trexd-key "$PUB" 2>&1)
check "a record removed fails trex verify" test $? -ne 0
# a job released before the record existed: its manifest, signed without one, verifies
sqlite3 "$T/state/trexd.db" "DELETE FROM job_repro WHERE job = '$J2'"
manifest "$J2" "$T/m2old.json"
check "a manifest without a record: none in it" sh -c "! grep -q reproducibility '$T/m2old.json'"
check "... and trex verify accepts it" sh -c "$TREX verify '$T/m2old.json' --trexd-key '$PUB' >/dev/null"

# --- trex fetch shows it
out=$(as $ALICE $TREX fetch "$J1" -o dl --trexd-key "$PUB" 2>&1)
check "trex fetch: exit 0" test $? -eq 0
echo "$out" | grep -q "^  dataset  synth, content sha256 $EXPECT\$" && ok "trex fetch shows the dataset's digest" || not_ok "fetch dataset" "$out"
echo "$out" | grep -q "^  runtime  python3, python3 3\.[0-9.]*, [0-9]* packages sha256 $(field "$T/m1.json" reproducibility.runtime.packages_sha256)\$" &&
	ok "trex fetch shows the runtime's identity" || not_ok "fetch runtime" "$out"
echo "$out" | grep -q "^  policy   default, sha256 $(field "$T/m1.json" reproducibility.policy.sha256)\$" &&
	ok "trex fetch shows the policy's digest" || not_ok "fetch policy" "$out"
echo "$out" | grep -q "^  limits   cpu_seconds=600 memory_mb=700 output_mb=50 pids=64 wall_seconds=900\$" &&
	ok "trex fetch shows the limits" || not_ok "fetch limits" "$out"
expect_eq "trex fetch --json carries the signed record" "$(field "$T/m1.json" reproducibility)" \
	"$(as $ALICE $TREX fetch "$J1" -o dl2 --trexd-key "$PUB" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["reproducibility"])')"

# --- trex run --local --like: the released job rerun on dummy data
as $ALICE $TREX dummy synth -o dummy >/dev/null 2>&1
check "trex dummy makes the dummy data" test -s "$T/work/dummy/patients.csv"
as $ALICE $TREX run --local --like "${J1%????}" job --data dummy --trexd-key "$PUB" -o out1 >"$T/l1.out" 2>"$T/l1.err"
expect_eq "run --like (a job-id prefix): released on the dummy data" 0 $?
grep -q "rerunning job $J1 (runtime python3, policy default) on --data dummy, not its dataset synth (content sha256 $EXPECT)" "$T/l1.err" &&
	ok "run --like names the job, runtime, policy and dataset version" || not_ok "like header" "$(cat "$T/l1.err")"
check "run --like: code, policy and runtime the same, said" grep -q "code, policy and runtime are the released job's" "$T/l1.err"
check "run --like: no warning" sh -c "! grep -q warning '$T/l1.err'"
check "run --like ran the released code on the dummy data" test -s "$T/work/out1/released/t.csv"
expect_eq "run.json: like.same" True "$(field "$T/work/out1/run.json" like.same)"
# the code changed since: said per file
echo "# changed" >>"$T/work/job/a.py"
as $ALICE $TREX run --local --like "$J1" job --data dummy --trexd-key "$PUB" -o out2 >/dev/null 2>"$T/l2.err"
check "changed code: a warning naming the file" grep -q "trex run: warning: a.py: not the released job's file (its SHA-256 differs)" "$T/l2.err"
# a machine whose runtime or pack differs: said before the run
mkdir -p "$T/pol"
cp "$TREX_ROOT"/policies/disclosure/*.json "$T/pol/"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["safe_threshold"]=p.get("safe_threshold",10)+1; json.dump(p, open(sys.argv[1],"w"))' "$T/pol/default.json"
printf '{"policy_dir": "%s", "runtimes": {"python3": {"like": "shell"}}}\n' "$T/pol" >"$T/site.json"
chmod -R a+rX "$T/pol" "$T/site.json"
as $ALICE $TREX run --local --like "$J1" job --data dummy --trexd-key "$PUB" --trexd-config "$T/site.json" -o out3 >/dev/null 2>"$T/l3.err"
check "another pack: a warning" grep -q "trex run: warning: policy default here is not the pack the job was checked with" "$T/l3.err"
check "another runtime: a warning on its interpreters" grep -q "trex run: warning: the runtime's interpreters here are {\"sh\":\"dash\"}, the job ran with {\"python3\":" "$T/l3.err"
check "... and on its packages" grep -q "trex run: warning: the runtime's installed packages here" "$T/l3.err"
expect_eq "run.json: like.same false" False "$(field "$T/work/out3/run.json" like.same)"
out=$(as $ALICE $TREX run --local --like "$J1" job --data dummy --policy strict 2>&1)
expect_eq "--like with --policy: a usage error" "2 trex run: --like runs with the released job's policy: no --policy" "$? $(echo "$out" | head -1)"

# --- a hostile researcher's angle
for m in "$T/m1.json" "$T/m3.json"; do
	if grep -q -e SENTINEL -e secret-folder -e "$T" -e /tmp -e /srv -e /usr "$m" ||
		grep -q -E "0*abc[0-9a-f]{3}" "$m"; then
		not_ok "the record leaks a value or a path ($(basename "$m"))" "$(cat "$m")"
	else
		ok "no data value, identifier or path in the manifest ($(basename "$m"))"
	fi
done
expect_eq "another project's researcher: no manifest" 404 "$(api_as $FRANK GET "/v1/jobs/$J1/release")"
out=$(as $FRANK $TREX run --local --like "$J1" --data dummy --trexd-key "$PUB" 2>&1)
rc=$?
check "another project's researcher cannot rerun the job (exit $rc)" test $rc -ne 0 -a $rc -ne 2
echo "$out" | grep -q "SENTINEL\|secret-folder" && not_ok "frank's error leaks" "$out" || ok "frank's error names nothing of the job's data"
done_testing
