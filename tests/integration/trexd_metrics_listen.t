#!/bin/sh
# metrics_listen: a read-only TCP listener for Prometheus. GET /metrics
# only (the same exposition as on the unix socket, to anyone who reaches
# the port); nothing of the API is served there; a bad address is a
# config error naming the key; a reload may not move it.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_init trexd-metrics-listen
mkdir -p "$T/d"
trexd_config_write '"require_permit": false' '"metrics_listen": "127.0.0.1:0"' \
	'"datasets": {"d": {"path": "'"$T/d"'", "id_columns": []}}'
check "trexd starts with metrics_listen" trexd_start
addr=$(sed -n 's/.*event=trexd_started .*metrics=\([0-9.]*:[0-9]*\) .*/\1/p' "$TREXD_LOG" | tail -1)
check "the start line names the bound address" sh -c "echo '$addr' | grep -qE '^127\.0\.0\.1:[1-9][0-9]*\$'"
tcp() { curl -s -o "$T/tcp" -w '%{http_code}' "$@"; }
api_get /v1/jobs >/dev/null
expect_eq "GET /metrics over TCP" 200 "$(tcp -D "$T/h" "http://$addr/metrics")"
check "... Prometheus text" grep -qi '^content-type: text/plain; version=0.0.4' "$T/h"
check "... the same families as on the socket" grep -qx '# TYPE trexd_api_requests_total counter' "$T/tcp"
check "... trex_build_info" grep -qE '^trex_build_info\{version="[^"]+"\} 1$' "$T/tcp"
check "... counts the socket's requests" grep -qE '^trexd_api_requests_total\{route="list",code="2xx"\} [1-9]' "$T/tcp"
check "every line is a comment or NAME{labels} VALUE" sh -c "! grep -vE '^(# (HELP|TYPE) .*|[a-z_]+(\{[a-z]+=\"[^\"]*\"(,[a-z]+=\"[^\"]*\")*\})? [0-9.e+-]+)\$' '$T/tcp'"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	expect_eq "... to any local user (no identity on this port)" 200 \
		"$(setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -o /dev/null -w '%{http_code}' "http://$addr/metrics")"
fi
expect_eq "POST /metrics: 405" 405 "$(tcp -X POST "http://$addr/metrics")"
expect_eq "no API there: GET /v1/jobs is 404" 404 "$(tcp "http://$addr/v1/jobs")"
expect_eq "... nor POST /v1/jobs" 404 "$(tcp -X POST -d '{}' "http://$addr/v1/jobs")"
expect_eq "... nor /healthz" 404 "$(tcp "http://$addr/healthz")"
check "... which says so" grep -q 'GET /metrics only' "$T/tcp"
expect_eq "a body over 4 KiB: 413" 413 "$(head -c 8000 /dev/zero | tr '\0' a | tcp -X GET --data-binary @- "http://$addr/metrics")"
api_get /metrics >/dev/null
check "its scrapes are counted as route metrics" grep -qE '^trexd_api_requests_total\{route="metrics",code="2xx"\} [1-9]' "$TREXD_BODY"

# a reload may not move it
cp "$TREXD_CONF" "$T/good.json"
sed -i 's/"127.0.0.1:0"/"127.0.0.1:1"/' "$TREXD_CONF"
kill -HUP "$PID"
n=0; while ! grep -q 'config_reload_failed.*metrics_listen' "$TREXD_LOG" && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
check "SIGHUP that moves metrics_listen is refused" grep -q 'event=config_reload_failed kept=old error=.*metrics_listen" changed: it needs a restart' "$TREXD_LOG"
expect_eq "... the listener stays" 200 "$(tcp "http://$addr/metrics")"
check "trexd stops" trexd_stop
expect_eq "... and the port is closed" 000 "$(tcp --max-time 2 "http://$addr/metrics")"

# a bad address is a config error naming the key
cp "$T/good.json" "$TREXD_CONF"
sed -i 's/"127.0.0.1:0"/"localhost:9100"/' "$TREXD_CONF"
out=$("$BIN/trexd" -n --config "$TREXD_CONF" 2>&1)
expect_eq "metrics_listen must be numeric" 1 "$?"
case "$out" in *trexd.json:*'metrics_listen: "localhost" is not a numeric IP address'*) ok "... the error names file, line and key" ;;
*) not_ok "... the error names file, line and key" "$out" ;; esac
done_testing
