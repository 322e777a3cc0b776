#!/bin/sh
# GET /metrics: Prometheus text with job counts by state, queue depth,
# running sandboxes, request counts and the handler latency histogram; for
# operators (root here) only.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_init trexd-metrics
mkdir -p "$T/d"
check "trexd starts" trexd_start --state-dir "$T/state" --socket "$SOCK" --dataset "d=$T/d"
get() { api_req GET "$1" -D "$T/head"; }
get /healthz >/dev/null
get /healthz >/dev/null
expect_eq "GET /metrics" 200 "$(get /metrics)"
check "Prometheus text content type" grep -qi '^content-type: text/plain; version=0.0.4' "$T/head"
check "queue depth" grep -qx 'trexd_queue_depth 0' "$T/body"
check "running sandboxes" grep -qx 'trexd_jobs_running 0' "$T/body"
check "requests by route and status class" grep -qx 'trexd_api_requests_total{route="health",code="2xx"} 2' "$T/body"
check "handler latency histogram" grep -qx 'trexd_api_handler_seconds_count 2' "$T/body"
check "histogram +Inf bucket" grep -qx 'trexd_api_handler_seconds_bucket{le="+Inf"} 2' "$T/body"
check "every line is a comment or NAME{labels} VALUE" sh -c "! grep -vE '^(# (HELP|TYPE) .*|[a-z_]+(\{[a-z]+=\"[^\"]*\"(,[a-z]+=\"[^\"]*\")*\})? [0-9.e+-]+)\$' '$T/body'"
expect_eq "POST /metrics: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST --unix-socket "$SOCK" http://trexd/metrics)"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		curl -s -w ' %{http_code}' --unix-socket "$SOCK" http://trexd/metrics)
	expect_eq "a researcher may not read metrics" 403 "${out##* }"
	case "$out" in *'"code": "forbidden"'* | *'"code":"forbidden"'*) ok "... with a code" ;;
	*) not_ok "... with a code" "$out" ;; esac
fi
done_testing
