#!/bin/sh
# The Slurm executor end to end against a real one-node Slurm
# (scripts/slurm-local.sh): a job on a dataset routed to Slurm is staged,
# submitted as a pool uid, run by trex-sandbox rootless on the node, its
# outputs imported, checked by trex-check on trexd's host and released;
# a job on another dataset still runs locally. Skips when Slurm cannot
# start here (make check-slurm fails instead).
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_init trexd-slurm-e2e
. "$TREX_ROOT/tests/lib_slurm.sh"
slurm_up
slurm_config
check "trexd starts with a slurm section" trexd_start

PY=$(base64 -w0 <<'PY'
import os
rows = [("20-29", "F", 120), ("20-29", "M", 131), ("30-39", "F", 99), ("30-39", "M", 87)]
with open("/output/age_sex.csv", "w") as f:
    f.write("age_band,sex,n\n")
    for a, s, n in rows:
        f.write(f"{a},{s},{n}\n")
print("uid", os.getuid(), open("/data/patients.csv").readline().strip())
PY
)
TABLE='[{"path":"age_sex.csv","kind":"frequency_table","dimensions":["age_band","sex"],"count":"n","bins":{"age_band":[20,30,40]},"labels":{"sex":["F","M"]}}]'
ID=$(api_submit S big python3 '["python3","a.py"]' "$TABLE" '{}' "{\"a.py\":\"$PY\"}")
check "submitted" test "$ID" != none
check "the job ends" api_wait_job "$ID"
echo "# state: $(api_field state): $(api_field reason)"
expect_eq "released through trexd's own check" released "$(api_field state)"
expect_eq "table verdict" pass "$(api_field outputs.0.verdict)"
SHA=$(api_field outputs.0.sha256)
expect_eq "fetch the released table" 200 "$(api_get "/v1/jobs/$ID/outputs/age_sex.csv")"
expect_eq "fetched bytes match sha256" "$SHA" "$(sha256sum <"$T/body" | cut -d' ' -f1)"
expect_eq "stdout came home (the job read /data, as uid 1000 in its namespace)" \
	"uid 1000 age_band,sex" "$(cat "$T/state/jobs/$ID/logs/stdout")"
api_get "/v1/jobs/$ID" >/dev/null
expect_eq "the run record says rootless" rootless "$(api_field run.mode)"
check "the attempt is recorded" grep -q "\"name\":\"trex-$ID-a1\"" "$T/state/jobs/$ID/slurm.json"
check "... with Slurm's id" grep -q '"slurm_id":"[0-9][0-9]*"' "$T/state/jobs/$ID/slurm.json"
check "the audit log has the attempt before and after submission" \
	sh -c "grep '\"slurm_attempt\"' '$T/state/audit.log' | grep -q submitting && grep '\"slurm_attempt\"' '$T/state/audit.log' | grep -q submitted"
check "the staging area is removed after import" test ! -e "$T/stage/$ID"
check "trexd logged the Slurm executor" grep -q "job=$ID executor=slurm" "$TREXD_LOG"

# a local dataset still runs locally
ID=$(api_submit S d shell '["sh","-c","echo local"]' '[]')
check "local job ends" api_wait_job "$ID"
expect_eq "local job released" released "$(api_field state)"
check "... by the local executor" grep -q "job=$ID executor=local" "$TREXD_LOG"
check "... and not on Slurm" test ! -e "$T/state/jobs/$ID/slurm.json"

# a job submitted to the partition by hand, by a user outside the pool
printf "#!/bin/sh\ntrue\n" >"$T/hand.sh"
chmod 644 "$T/hand.sh"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups sbatch -p trex --chdir=/tmp "$T/hand.sh" 2>&1)
case "$out" in *"not permitted"*) ok "a job submitted by hand to the partition is refused" ;;
*) not_ok "a job submitted by hand to the partition is refused" "$out" ;; esac
done_testing
