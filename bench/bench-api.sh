#!/bin/sh
# make bench-api: trexd's API under 1000 concurrent keep-alive connections
# on its unix socket, 1 request in 10 a job submission (a 1 KiB bundle, so
# the SQLite commit and the bundle's fsyncs are on the path) and the rest
# GET /v1/jobs/{id}; then nginx serving a static JSON file of the same size
# with keep-alive on 127.0.0.1, driven by the same client (apiload). Reports
# throughput, p50/p99 latency and trexd's peak RSS. Loopback only.
# Then the same over TLS 1.3 with client certificates (see "TLS" below).
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
mkdir -p "$T/state" "$T/data" "$T/pki"
chmod 755 "$T" "$T/data"
# for the TLS runs: a throwaway PKI, a CA, a server certificate for
# 127.0.0.1 and a client certificate CN=root (the bench runs as root: the
# same caller as on the unix socket)
P=$T/pki
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-keyout "$P/ca.key" -out "$P/ca.pem" -subj /CN=bench-ca 2>/dev/null
pki_leaf() { # pki_leaf FILE CN SAN EKU
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/$1.key" \
		-out "$P/$1.csr" -subj "/CN=$2" 2>/dev/null
	printf 'subjectAltName=%s\nextendedKeyUsage=%s\n' "$3" "$4" >"$P/$1.ext"
	openssl x509 -req -in "$P/$1.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial \
		-days 1 -out "$P/$1.pem" -extfile "$P/$1.ext" 2>/dev/null
}
pki_leaf srv trexd IP:127.0.0.1 serverAuth
pki_leaf cli root DNS:bench clientAuth
# concurrency 1: the jobs submitted run one at a time beside the bench and
# do not compete much with trexd's loop for the CPU
cat >"$T/trexd.json" <<JSON
{"state_dir": "$T/state", "socket": "$T/s.sock", "require_permit": false,
 "concurrency": 1, "datasets": {"d": {"path": "$T/data", "id_columns": []}}}
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

echo "trexd: $CONNS connections, ${SECS}s, reads only (GET /v1/jobs/ID)"
READS=$("$BIN/apiload" "$T/s.sock" "$CONNS" "$SECS" "/v1/jobs/$ID" - 0 </dev/null)
echo "$READS"
# open loop: RATE requests/s offered over the same connections; latency
# from when each request was due (closed-loop latency is only CONNS/rps)
RATE=${RATE:-5000}
echo "trexd: reads only, open loop at $RATE req/s"
"$BIN/apiload" --rate "$RATE" "$T/s.sock" "$CONNS" "$SECS" "/v1/jobs/$ID" - 0 </dev/null
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
	# trexd logs a line per request (event=http_request) to its log
	# file: nginx's access log is the comparable work
	access_log $T/ngx/access.log;
	keepalive_requests 1000000;
	# a unix socket like trexd's (loopback TCP costs more per request)
	server {
		listen unix:$T/ngx/n.sock;
		root $T/www;
	}
	# the same without its access log: nginx's best case
	server {
		listen unix:$T/ngx/q.sock;
		root $T/www;
		access_log off;
	}
	# the TLS reference: mutual TLS 1.3 without session tickets, as trexd
	server {
		listen 127.0.0.1:18443 ssl;
		root $T/www;
		ssl_certificate $P/srv.pem;
		ssl_certificate_key $P/srv.key;
		ssl_protocols TLSv1.3;
		ssl_verify_client on;
		ssl_client_certificate $P/ca.pem;
		ssl_session_tickets off;
	}
}
NGX
	nginx -c "$T/ngx/nginx.conf" -p "$T/ngx" &
	NPID=$!
	sleep 0.5
	echo "nginx (1 worker, unix socket): $CONNS connections, ${SECS}s, GET /job.json"
	NGINX=$("$BIN/apiload" "$T/ngx/n.sock" "$CONNS" "$SECS" /job.json - 0 </dev/null)
	echo "$NGINX"
	echo "nginx: open loop at $RATE req/s"
	"$BIN/apiload" --rate "$RATE" "$T/ngx/n.sock" "$CONNS" "$SECS" /job.json - 0 </dev/null
	echo "nginx without its access log: $CONNS connections, ${SECS}s, GET /job.json"
	"$BIN/apiload" "$T/ngx/q.sock" "$CONNS" "$SECS" /job.json - 0 </dev/null
else
	echo "nginx not installed: no comparison (apt-get install nginx)"
fi
# submissions last: the jobs they queue run (concurrency 1) through the
# rest of the unix-socket runs, so the read runs above saw an idle trexd.
# Reads while 20 other connections submit without pause (the submissions'
# fsyncs run off the loop, runner/submit.c):
echo "trexd: reads only, beside 20 connections submitting back to back"
"$BIN/apiload" "$T/s.sock" 20 "$SECS" "/v1/jobs/$ID" /v1/jobs 1 <"$T/post.json" >"$T/storm.out" &
STORM=$!
"$BIN/apiload" "$T/s.sock" "$CONNS" "$SECS" "/v1/jobs/$ID" - 0 </dev/null
wait "$STORM"
echo "  the submitting connections: $(cat "$T/storm.out")"
echo "trexd: $CONNS connections, ${SECS}s, GET /v1/jobs/ID + 1 in 10 POST /v1/jobs"
TREXD=$("$BIN/apiload" "$T/s.sock" "$CONNS" "$SECS" "/v1/jobs/$ID" /v1/jobs 10 <"$T/post.json")
RSS=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
echo "$TREXD rss_peak_kb=$RSS"
# the same mix offered open loop at a tenth of RATE: what a reader waits
# while submissions arrive at a steady pace (get_p99_ms: reads alone)
echo "trexd: GET + 1 in 10 POST, open loop at $((RATE / 10)) req/s"
"$BIN/apiload" --rate "$((RATE / 10))" "$T/s.sock" "$CONNS" "$SECS" "/v1/jobs/$ID" /v1/jobs 10 <"$T/post.json"
echo "jobs stored: $(sqlite3 "$T/state/trexd.db" 'SELECT count(*) FROM jobs' 2>/dev/null || echo '?')"

# --- TLS: a fresh trexd serving the same API over TLS 1.3 with client
# certificates, with an empty queue (the unix trexd is stopped first: its
# queued jobs would compete for the CPU); then nginx's TLS server with the
# same client, once trexd is stopped too. apiload makes every handshake
# first (all connections at once, non-blocking OpenSSL in its epoll loop),
# then times keep-alive requests on the established sessions.
[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
PID=
mkdir -p "$T/tstate"
cat >"$T/trexd-tls.json" <<JSON
{"state_dir": "$T/tstate", "socket": "$T/t.sock", "require_permit": false,
 "concurrency": 1, "datasets": {"d": {"path": "$T/data", "id_columns": []}},
 "tls": {"listen": "127.0.0.1:0", "cert": "$P/srv.pem", "key": "$P/srv.key",
         "client_ca": "$P/ca.pem"}}
JSON
"$BIN/trexd" --config "$T/trexd-tls.json" >"$T/trexd-tls.log" 2>&1 &
PID=$!
i=0
while ! grep -q event=trexd_started "$T/trexd-tls.log" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
TPORT=$(sed -n 's/.*event=trexd_started .*tls=127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$T/trexd-tls.log")
TLSCLI="--cert $P/cli.pem --key $P/cli.key --cacert $P/ca.pem"
TID=$(curl -s $TLSCLI -X POST --data-binary @"$T/post.json" "https://127.0.0.1:$TPORT/v1/jobs" |
	sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
[ -n "$TID" ] || { echo "bench-api: trexd (TLS) refused the job"; cat "$T/trexd-tls.log"; exit 1; }
rss_kb() { awk "/$1/ {print \$2}" "/proc/${2:-$PID}/status"; }
# CPU time (user + system, in clock ticks) a process has used so far
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
# tls_run PID STDIN ARGS...: apiload in the background, the server's RSS
# sampled halfway through (every connection established and busy), and
# the server's CPU time over the whole run (handshakes included) per
# request: a figure the load of other processes on the machine distorts
# much less than requests/s
tls_run() {
	pid=$1 in=$2
	shift 2
	c0=$(cpu_ticks "$pid")
	"$BIN/apiload" "$@" <"$in" >"$T/tls.out" &
	ALP=$!
	sleep $((SECS / 2 + 1))
	MID=$(rss_kb VmRSS "$pid")
	wait "$ALP"
	c1=$(cpu_ticks "$pid")
	req=$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' "$T/tls.out")
	echo "$(cat "$T/tls.out") rss_mid_kb=$MID rss_peak_kb=$(rss_kb VmHWM "$pid")" \
		"server_cpu_s=$(awk -v t=$((c1 - c0)) -v hz="$HZ" 'BEGIN {printf "%.2f", t / hz}')" \
		"server_cpu_us_per_req=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n="${req:-0}" \
			'BEGIN {printf "%.0f", n ? t / hz * 1e6 / n : 0}')"
}
# reads first, while no submitted job runs beside trexd (as for nginx below)
echo "trexd TLS 1.3 (mutual): $CONNS connections, ${SECS}s, GET /v1/jobs/ID (idle rss_kb=$(rss_kb VmRSS))"
tls_run "$PID" /dev/null $TLSCLI "tls:$TPORT" "$CONNS" "$SECS" "/v1/jobs/$TID" - 0
echo "trexd TLS 1.3: GET /v1/jobs/ID + 1 in 10 POST /v1/jobs (after the reads: its jobs would load them)"
tls_run "$PID" "$T/post.json" $TLSCLI "tls:$TPORT" "$CONNS" "$SECS" "/v1/jobs/$TID" /v1/jobs 10
# trexd's connection sweep gives freed heap back after a burst; it runs
# every 2.5 s, later while the loop commits the queued jobs' state changes
i=0
while [ "$(rss_kb VmRSS)" -gt 20000 ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
echo "trexd TLS: after the runs, connections closed: rss_kb=$(rss_kb VmRSS) after ${i}s"
kill "$PID" && wait "$PID" 2>/dev/null
PID=
if [ -n "$NPID" ]; then
	WPID=$(pgrep -P "$NPID" | head -1) # the worker (the master's child)
	echo "nginx (1 worker) TLS 1.3 (mutual): $CONNS connections, ${SECS}s, GET /job.json (worker rss_kb=$(rss_kb VmRSS "$WPID"))"
	tls_run "$WPID" /dev/null $TLSCLI tls:18443 "$CONNS" "$SECS" /job.json - 0
fi
