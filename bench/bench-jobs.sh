#!/bin/sh
# make bench-jobs: trexd's per-job overhead. N trivial jobs (`true`, no
# outputs, no check) are queued behind a job that holds trexd's one slot
# (concurrency 1) until all are queued, then run one after another; the figure is the median time from one job's
# start to the next one's (trexd's log: job_started), i.e. everything trexd
# does per job (the store's state changes, the audit lines, starting the
# sandbox and hearing of its end) plus trex-sandbox's own start and exit.
# BUILD=DIR picks the binaries, so two builds can be compared on the same
# machine back to back (bench/BENCHMARKS.md "Per-job overhead").
set -eu
: "${BUILD:=build}"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) BIN=$BUILD ;; *) BIN=$ROOT/$BUILD ;; esac
N=${N:-200}
T=$(mktemp -d /tmp/bench-jobs.XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
mkdir -p "$T/state" "$T/data"
chmod 755 "$T" "$T/data"
cat >"$T/trexd.json" <<JSON
{"state_dir": "$T/state", "socket": "$T/s.sock", "require_permit": false,
 "concurrency": 1, "datasets": {"d": {"path": "$T/data", "id_columns": []}}}
JSON
"$BIN/trexd" --config "$T/trexd.json" >"$T/trexd.log" 2>&1 &
PID=$!
i=0
while [ ! -S "$T/s.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
# the first job holds the only slot until every other one is queued
printf '{"manifest":{"project":"B","dataset":"d","runtime":"shell","command":["sh","-c","while [ ! -f /data/go ]; do sleep 0.05; done"],"outputs":[]},"files":{}}' >"$T/block.json"
curl -s -o /dev/null --unix-socket "$T/s.sock" -X POST --data-binary @"$T/block.json" http://trexd/v1/jobs
printf '{"manifest":{"project":"B","dataset":"d","runtime":"shell","command":["true"],"outputs":[]},"files":{}}' >"$T/post.json"
i=0
while [ $i -lt "$N" ]; do
	curl -s -o /dev/null --unix-socket "$T/s.sock" -X POST --data-binary @"$T/post.json" http://trexd/v1/jobs
	i=$((i + 1))
done
touch "$T/data/go"
i=0
while [ "$(grep -c 'event=job_finished' "$T/trexd.log")" -le "$N" ] && [ $i -lt 6000 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep 'event=job_started' "$T/trexd.log" | sed 's/^ts=\([^ ]*\) .*/\1/' |
	python3 -c '
import sys, statistics, datetime
ts = [datetime.datetime.strptime(l.strip(), "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() for l in sys.stdin]
# from the first trivial job on (the blocking one is ts[0])
d = [1000 * (b - a) for a, b in zip(ts[1:], ts[2:])]
print("jobs %d, start to next start: median %.2f ms, p10 %.2f ms, p90 %.2f ms" % (
    len(ts) - 1, statistics.median(d), sorted(d)[len(d) // 10], sorted(d)[len(d) * 9 // 10]))'
