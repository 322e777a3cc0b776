#!/bin/sh
# A compute node lost under a running job (scontrol marks it down: Slurm
# says NODE_FAIL and kills the job, whose sandbox records a signal;
# --no-requeue keeps Slurm from running the job again):
# trexd submits a fresh attempt, audited, as another pool uid into a new
# staging folder; it runs once the node is back and the job ends as a
# job that ran once. Skips when Slurm cannot start here.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_init trexd-slurm-node
. "$TREX_ROOT/tests/lib_slurm.sh"
slurm_up
slurm_config
check "trexd starts" trexd_start
reason() {
	api_get "/v1/jobs/$1" >/dev/null
	grep -o '"reason": *"[^"]*"' "$TREXD_BODY" | head -1 | sed 's/.*: *"//; s/"$//'
}
# an attempt waits for /job/go, which the test gives attempt 2 only, and
# ends by itself after 30 s whatever happens (nothing of it can linger)
ID=$(api_submit S big shell '["sh","-c","i=0; while [ ! -e /job/go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo done > /output/r.txt"]' \
	'[{"path":"r.txt","kind":"text"}]' '{"wall_seconds":60}')
n=0
while [ "$(reason "$ID")" != "running on Slurm" ] && [ $n -lt 150 ]; do sleep 0.1; n=$((n + 1)); done
expect_eq "attempt 1 runs on Slurm" "running on Slurm" "$(reason "$ID")"
scontrol update nodename=trexn1 state=down reason=trex-test
n=0
while [ ! -e "$T/stage/$ID/a2/job.sh" ] && [ $n -lt 150 ]; do sleep 0.1; n=$((n + 1)); done
check "attempt 2 is staged after NODE_FAIL" test -d "$T/stage/$ID/a2"
touch "$T/stage/$ID/a2/code/go"
check "the retry is logged with Slurm's word" grep -q "event=slurm_retry job=$ID attempt=1 state=NODE_FAIL" "$TREXD_LOG"
# (ReturnToService=2 may have brought it back already)
scontrol update nodename=trexn1 state=resume 2>/dev/null || true
check "the job ends" api_wait_job "$ID"
echo "# $(api_field state): $(api_field reason)"
expect_eq "held for review: attempt 2's output came home" held "$(api_field state)"
u1=$(grep '"slurm_attempt"' "$T/state/audit.log" | grep '"attempt":1' | grep -o '"uid":[0-9]*' | head -1)
u2=$(grep '"slurm_attempt"' "$T/state/audit.log" | grep '"attempt":2' | grep -o '"uid":[0-9]*' | head -1)
check "each attempt ran as its own pool uid" test -n "$u1" -a -n "$u2" -a "$u1" != "$u2"
check "attempt 1 is audited as failed" sh -c "grep '\"slurm_attempt\"' '$T/state/audit.log' | grep '\"attempt\":1' | grep -q '\"state\":\"failed\"'"
check "attempt 2 is audited as imported" sh -c "grep '\"slurm_attempt\"' '$T/state/audit.log' | grep '\"attempt\":2' | grep -q '\"state\":\"imported\"'"
n=0
while [ -n "$(slurm_jobs)" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
expect_eq "nothing left in the partition" "" "$(slurm_jobs)"
done_testing
