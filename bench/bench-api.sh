#!/bin/sh
# make bench-api: trexd's API under 1000 concurrent keep-alive connections
# on its unix socket, 1 request in 10 a job submission (a 1 KiB bundle, so
# the SQLite commit and the bundle's fsyncs are on the path) and the rest
# GET /v1/jobs/{id}; then nginx serving a static JSON file of the same size
# with keep-alive on 127.0.0.1, driven by the same client (apiload). Reports
# throughput, p50/p99 latency and trexd's peak RSS. Loopback only.
set -eu
: "${BUILD:=build}"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) BIN=$BUILD ;; *) BIN=$ROOT/$BUILD ;; esac
CONNS=${CONNS:-1000}
SECS=${SECS:-10}
T=$(mktemp -d /tmp/bench-api.XXXXXX)
PID=
NPID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$NPID" ] && kill "$NPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
ulimit -n 20000 2>/dev/null || true
mkdir -p "$T/state" "$T/data"
chmod 755 "$T" "$T/data"
# concurrency 1: the jobs submitted run one at a time beside the bench and
# do not compete much with trexd's loop for the CPU
cat >"$T/trexd.json" <<JSON
{"state_dir": "$T/state", "socket": "$T/s.sock", "require_permit": false,
 "concurrency": 1, "datasets": {"d": {"path": "$T/data"}}}
JSON
"$BIN/trexd" --config "$T/trexd.json" >"$T/trexd.log" 2>&1 &
PID=$!
i=0
while [ ! -S "$T/s.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
CODE=$(head -c 768 /dev/zero | base64 -w0)
printf '{"manifest":{"project":"B","dataset":"d","runtime":"shell","command":["true"],"outputs":[]},"files":{"a.sh":"%s"}}' "$CODE" >"$T/post.json"
ID=$(curl -s --unix-socket "$T/s.sock" -X POST --data-binary @"$T/post.json" http://trexd/v1/jobs |
	sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
[ -n "$ID" ] || { echo "bench-api: trexd refused the job"; cat "$T/trexd.log"; exit 1; }
curl -s --unix-socket "$T/s.sock" "http://trexd/v1/jobs/$ID" >"$T/job.json"

echo "trexd: $CONNS connections, ${SECS}s, GET /v1/jobs/ID + 1 in 10 POST /v1/jobs"
TREXD=$("$BIN/apiload" "$T/s.sock" "$CONNS" "$SECS" "/v1/jobs/$ID" /v1/jobs 10 <"$T/post.json")
RSS=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
echo "$TREXD rss_peak_kb=$RSS"
echo "trexd: reads only"
READS=$("$BIN/apiload" "$T/s.sock" "$CONNS" "$SECS" "/v1/jobs/$ID" - 0 </dev/null)
echo "$READS"
NGINX="null"
if command -v nginx >/dev/null; then
	mkdir -p "$T/www" "$T/ngx"
	cp "$T/job.json" "$T/www/job.json"
	cat >"$T/ngx/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $T/ngx/nginx.pid;
error_log $T/ngx/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:18089;
		root $T/www;
	}
}
NGX
	nginx -c "$T/ngx/nginx.conf" -p "$T/ngx" &
	NPID=$!
	sleep 0.5
	echo "nginx (1 worker): $CONNS connections, ${SECS}s, GET /job.json"
	NGINX=$("$BIN/apiload" 18089 "$CONNS" "$SECS" /job.json - 0 </dev/null)
	echo "$NGINX"
else
	echo "nginx not installed: no comparison (apt-get install nginx)"
fi
echo "jobs stored: $(sqlite3 "$T/state/trexd.db" 'SELECT count(*) FROM jobs' 2>/dev/null || echo '?')"
