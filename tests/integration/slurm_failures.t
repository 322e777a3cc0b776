#!/bin/sh
# The Slurm executor when things go wrong, against a real one-node Slurm:
# a queued job shows Slurm's reason in its state; cancel is scancel, with
# nothing left in the partition; the wall limit is trex-sandbox's, in
# seconds, on the node; outputs changed in the staging area after the
# node wrote its status record are refused: the job fails, nothing is
# released. Skips when Slurm cannot start here.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_init trexd-slurm-fail
. "$TREX_ROOT/tests/lib_slurm.sh"
slurm_up
slurm_config '"concurrency": 4'
sed -i 's/"concurrency": 2,//' "$TREXD_CONF"
check "trexd starts" trexd_start
# state ID: "STATE | REASON", without a python per call (the machine may be busy)
state() {
	api_get "/v1/jobs/$1" >/dev/null
	st=$(grep -o '"state": *"[a-z_]*"' "$TREXD_BODY" | head -1 | sed 's/.*: *"//; s/"$//')
	why=$(grep -o '"reason": *"[^"]*"' "$TREXD_BODY" | head -1 | sed 's/.*: *"//; s/"$//')
	echo "$st | $why"
}
# wait_for ID TEXT: until the job's "state | reason" holds TEXT (15 s at most)
wait_for() {
	n=0
	while [ $n -lt 150 ]; do
		case "$(state "$1")" in *"$2"*) return 0 ;; esac
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# the node has 2 CPUs, a job takes 1: the third waits for resources
A=$(api_submit S big shell '["sleep","300"]' '[]')
B=$(api_submit S big shell '["sleep","300"]' '[]')
C=$(api_submit S big shell '["sleep","300"]' '[]')
check "the first runs on Slurm" wait_for "$A" "running | running on Slurm"
check "the second runs on Slurm" wait_for "$B" "running | running on Slurm"
check "the third waits, Slurm's reason in its state" wait_for "$C" "running | queued on Slurm (Resources)"
echo "# $(state "$C")"
expect_eq "cancel the queued one: 202" 202 "$(api_post "/v1/jobs/$C/cancel")"
check "... it ends cancelled" wait_for "$C" "cancelled | cancelled by root"
expect_eq "cancel a running one: 202" 202 "$(api_post "/v1/jobs/$A/cancel")"
check "... it ends cancelled" wait_for "$A" "cancelled | cancelled by root"
api_post "/v1/jobs/$B/cancel" >/dev/null
check "... and the other" wait_for "$B" "cancelled"
n=0
while [ -n "$(slurm_jobs)" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
expect_eq "nothing of trexd's is left in the partition" "" "$(slurm_jobs)"

# the wall limit in seconds, on the node (Slurm's own is in minutes)
ID=$(api_submit S big shell '["sleep","30"]' '[]' '{"wall_seconds":1}')
check "timeout: the job ends" api_wait_job "$ID"
expect_eq "timeout: timed_out" timed_out "$(api_field state)"
expect_eq "timeout: reason" "the job exceeded its wall-clock limit of 1 s" "$(api_field reason)"

# tampering: the table is changed after the node's status record; trexd's
# service is stopped (SIGSTOP) meanwhile, so that it cannot import first
ID=$(api_submit S big shell '["sh","-c","while [ ! -e /job/go ]; do sleep 0.05; done; printf \"age_band,n\\n20-29,120\\n\" > /output/t.csv"]' \
	'[{"path":"t.csv","kind":"text"}]')
check "tamper: the job runs on Slurm" wait_for "$ID" "running | running on Slurm"
SVC=$(ps -o pid= --ppid "$PID" -o comm= | awk '$2 == "trexd" { print $1 }' | head -1)
check "tamper: trexd's service process found" test -n "$SVC"
kill -STOP "$SVC"
touch "$T/stage/$ID/a1/code/go"
n=0
while [ ! -e "$T/stage/$ID/a1/result/status" ] && [ $n -lt 300 ]; do sleep 0.05; n=$((n + 1)); done
check "the node wrote its status record" test -e "$T/stage/$ID/a1/result/status"
printf 'age_band,n\n20-29,2\n' >"$T/stage/$ID/a1/stage/t.csv"
kill -CONT "$SVC"
check "tampered: the job ends" api_wait_job "$ID"
expect_eq "tampered: failed" failed "$(api_field state)"
expect_eq "tampered: the reason says where, not what" \
	"Slurm attempt 1: output 1: its size or SHA-256 differs from the status record: nothing is released" \
	"$(api_field reason)"
expect_eq "tampered: nothing to fetch" 404 "$(api_get "/v1/jobs/$ID/outputs/t.csv")"
check "tampered: nothing in the release area" test ! -e "$T/state/release/S/$ID"
done_testing
