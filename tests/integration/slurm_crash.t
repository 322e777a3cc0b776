#!/bin/sh
# kill -9 of trexd while its job is on Slurm, with the attempt recorded as
# "submitting" (what a crash between sbatch and recording Slurm's id
# leaves): at the next start, recovery re-queues the job, the Slurm
# executor finds attempt 1 on Slurm by its name and adopts it. One Slurm
# job, no second attempt, the outputs released. Then a clean stop
# (SIGTERM) leaves a job on Slurm for the next start to adopt, as a crash
# does: a restart loses no job. Skips when Slurm cannot start here.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_init trexd-slurm-crash
. "$TREX_ROOT/tests/lib_slurm.sh"
slurm_up
slurm_config '"on_crash": "requeue"' '"drain_seconds": 0'
check "trexd starts" trexd_start
reason() {
	api_get "/v1/jobs/$1" >/dev/null
	grep -o '"reason": *"[^"]*"' "$TREXD_BODY" | head -1 | sed 's/.*: *"//; s/"$//'
}

ID=$(api_submit S big shell '["sh","-c","while [ ! -e /job/go ]; do sleep 0.05; done; echo done > /output/r.txt"]' \
	'[{"path":"r.txt","kind":"text"}]')
n=0
while [ "$(reason "$ID")" != "running on Slurm" ] && [ $n -lt 150 ]; do sleep 0.1; n=$((n + 1)); done
expect_eq "the job runs on Slurm" "running on Slurm" "$(reason "$ID")"
trexd_kill
# the record as a crash between sbatch and its answer leaves it
sed -i 's/"slurm_id":"[0-9]*"/"slurm_id":""/; s/"state":"submitted"/"state":"submitting"/' \
	"$T/state/jobs/$ID/slurm.json"
check "the record says submitting, without Slurm's id" grep -q '"slurm_id":"","state":"submitting"' "$T/state/jobs/$ID/slurm.json"
expect_eq "the Slurm job outlives trexd" "trex-$ID-a1 RUNNING" "$(slurm_jobs)"
check "trexd starts again" trexd_start
n=0
while ! grep -q "slurm_adopted.*job=$ID" "$TREXD_LOG" && [ $n -lt 150 ]; do sleep 0.1; n=$((n + 1)); done
check "the attempt is adopted, found by its name" grep -q "event=slurm_adopted job=$ID attempt=1" "$TREXD_LOG"
touch "$T/stage/$ID/a1/code/go"
check "the job ends" api_wait_job "$ID"
expect_eq "held for review: the run came home" held "$(api_field state)"
check "no second attempt was staged" test ! -e "$T/stage/$ID/a2"
check "no second attempt was recorded" grep -q '"attempt":1,' "$T/state/jobs/$ID/slurm.json"
expect_eq "exactly one sbatch for the job" 1 "$(grep -c "event=slurm_submitting job=$ID" "$TREXD_LOG")"
expect_eq "nothing left in the partition" "" "$(slurm_jobs)"

ID=$(api_submit S big shell '["sh","-c","while [ ! -e /job/go ]; do sleep 0.05; done; echo done > /output/r.txt"]' \
	'[{"path":"r.txt","kind":"text"}]')
n=0
while [ "$(reason "$ID")" != "running on Slurm" ] && [ $n -lt 150 ]; do sleep 0.1; n=$((n + 1)); done
expect_eq "stop: the job runs on Slurm" "running on Slurm" "$(reason "$ID")"
check "stop: trexd stops cleanly" trexd_stop
check "stop: the job was left on Slurm" grep -q "event=slurm_left job=$ID" "$TREXD_LOG"
expect_eq "stop: the Slurm job still runs" "trex-$ID-a1 RUNNING" "$(slurm_jobs)"
check "stop: trexd starts again" trexd_start
n=0
while ! grep -q "slurm_adopted.*job=$ID" "$TREXD_LOG" && [ $n -lt 150 ]; do sleep 0.1; n=$((n + 1)); done
check "stop: the attempt is adopted" grep -q "event=slurm_adopted job=$ID attempt=1" "$TREXD_LOG"
touch "$T/stage/$ID/a1/code/go"
check "stop: the job ends" api_wait_job "$ID"
expect_eq "stop: held for review: the run came home" held "$(api_field state)"
check "stop: no second attempt" test ! -e "$T/stage/$ID/a2"
done_testing
