#!/bin/sh
# GET /metrics: Prometheus text with job counts by state, queue depth,
# running sandboxes, request counts, the handler, sandbox start, queue
# wait, job and check duration histograms, verdicts by rule and the
# store's size; for operators (root here) only. The exposition is read
# by prometheus_client's own parser (python3-prometheus-client) too.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_init trexd-metrics
mkdir -p "$T/d"
check "trexd starts" trexd_start --state-dir "$T/state" --socket "$SOCK" --dataset "d=$T/d" --id-columns d=
get() { api_req GET "$1" -D "$T/head"; }
# promparse FILE: prometheus_client's text parser over FILE, then the
# conventions: "families N" when it parses and every counter is named
# *_total, every histogram's buckets are cumulative and end at +Inf =
# _count, every *_seconds family is a histogram and every *_bytes one a
# gauge; else the first breach
cat >"$T/promparse.py" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
fams = list(text_string_to_metric_families(text))
names = set()
for f in fams:
    if f.name in names:
        sys.exit("family %s twice" % f.name)
    names.add(f.name)
    if f.type == "counter":
        # the parser names a counter's samples *_total whatever the text
        # said: the text's own TYPE line must say it
        if "# TYPE %s_total counter\n" % f.name not in text:
            sys.exit("counter %s: not declared as %s_total" % (f.name, f.name))
        if any(s.value < 0 for s in f.samples):
            sys.exit("counter %s: negative" % f.name)
    if f.name.endswith("_seconds") and f.type != "histogram":
        sys.exit("%s is a %s, not a histogram" % (f.name, f.type))
    if f.name.endswith("_bytes") and f.type != "gauge":
        sys.exit("%s is a %s, not a gauge" % (f.name, f.type))
    if f.type == "histogram":
        b = [s for s in f.samples if s.name == f.name + "_bucket"]
        c = [s.value for s in f.samples if s.name == f.name + "_count"]
        les = [s.labels["le"] for s in b]
        vals = [s.value for s in b]
        if not b or les[-1] != "+Inf" or vals != sorted(vals) or len(c) != 1 or vals[-1] != c[0]:
            sys.exit("histogram %s: buckets %s, count %s" % (f.name, list(zip(les, vals)), c))
        if [float(x) for x in les[:-1]] != sorted(float(x) for x in les[:-1]):
            sys.exit("histogram %s: bounds out of order" % f.name)
print("families", len(fams))
PY
# Debian's python3 has the Debian package's module, a python3 ahead of it
# in PATH (pyenv) may not
PYPROM=
for py in python3 /usr/bin/python3; do
	"$py" -c 'import prometheus_client' 2>/dev/null && PYPROM=$py && break
done
promcheck() { # promcheck NAME: the parser's verdict on $T/body as a test
	if [ -z "$PYPROM" ]; then
		ok "$1 # SKIP python3-prometheus-client is not installed"
		return
	fi
	out=$("$PYPROM" "$T/promparse.py" "$T/body" 2>&1)
	case "$out" in "families "[1-9]*) ok "$1 ($out)" ;; *) not_ok "$1" "$out" ;; esac
}
get /healthz >/dev/null
get /healthz >/dev/null
expect_eq "GET /metrics" 200 "$(get /metrics)"
check "Prometheus text content type" grep -qi '^content-type: text/plain; version=0.0.4' "$T/head"
check "queue depth" grep -qx 'trexd_queue_depth 0' "$T/body"
check "trex_build_info names the release" grep -qxE 'trex_build_info\{version="[0-9]+\.[0-9]+\.[0-9]+"\} 1' "$T/body"
check "... typed a gauge" grep -qx '# TYPE trex_build_info gauge' "$T/body"
check "every counter ends in _total" sh -c "! grep '^# TYPE .* counter\$' '$T/body' | grep -v '_total counter\$'"
check "log lines name the route" grep -q 'event=http_request method=GET route=health status=200 ' "$TREXD_LOG"
check "... never by number" sh -c "! grep -E 'event=http_request .*route=[0-9]' '$TREXD_LOG'"
check "running sandboxes" grep -qx 'trexd_jobs_running 0' "$T/body"
check "requests by route and status class" grep -qx 'trexd_api_requests_total{route="health",code="2xx"} 2' "$T/body"
check "handler latency histogram" grep -qx 'trexd_api_handler_seconds_count 2' "$T/body"
check "histogram +Inf bucket" grep -qx 'trexd_api_handler_seconds_bucket{le="+Inf"} 2' "$T/body"
check "no sandbox started yet" grep -qx 'trexd_sandbox_start_seconds_count 0' "$T/body"
check "... its +Inf bucket" grep -qx 'trexd_sandbox_start_seconds_bucket{le="+Inf"} 0' "$T/body"
check "no output checked yet" grep -qx 'trexd_output_verdicts_total{verdict="pass"} 0' "$T/body"
expect_eq "... and no cell decision" 0 "$(grep -c '^trexd_check_cell_decisions_total' "$T/body")"
for h in trexd_job_queue_wait_seconds trexd_job_duration_seconds trexd_check_duration_seconds; do
	check "histogram $h, empty" grep -qx "${h}_count 0" "$T/body"
	check "... its +Inf bucket" grep -qx "${h}_bucket{le=\"+Inf\"} 0" "$T/body"
done
check "store size: trexd.db's bytes" grep -qE '^trexd_store_db_bytes [1-9][0-9]*$' "$T/body"
check "... no output released yet" grep -qx 'trexd_released_output_bytes 0' "$T/body"
check "... the state filesystem's free bytes" grep -qE '^trexd_state_free_bytes [1-9][0-9]*$' "$T/body"
expect_eq "no verdict by rule yet" 0 "$(grep -c '^trexd_output_rule_verdicts_total' "$T/body")"
promcheck "prometheus_client parses it; _total, _seconds, _bytes conventions and histograms hold"
check "every line is a comment or NAME{labels} VALUE" sh -c "! grep -vE '^(# (HELP|TYPE) .*|[a-z_]+(\{[a-z]+=\"[^\"]*\"(,[a-z]+=\"[^\"]*\")*\})? [0-9.e+-]+)\$' '$T/body'"
expect_eq "POST /metrics: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST --unix-socket "$SOCK" http://trexd/metrics)"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		curl -s -w ' %{http_code}' --unix-socket "$SOCK" http://trexd/metrics)
	expect_eq "a researcher may not read metrics" 403 "${out##* }"
	case "$out" in *'"code": "forbidden"'* | *'"code":"forbidden"'*) ok "... with a code" ;;
	*) not_ok "... with a code" "$out" ;; esac
fi

# a real job: one table with one cell under the threshold (suppressed,
# rule threshold, action primary), one text (review), one never written
# (missing): the start latency, verdicts and cell decisions count them
if [ "$(id -u)" = 0 ] && [ -x "$BIN/trex-sandbox" ] && [ -x "$BIN/trex-check" ]; then
	trexd_stop
	check "trexd restarts" trexd_start --state-dir "$T/state" --socket "$SOCK" --dataset "d=$T/d" --id-columns d=
	script=$(printf '%s\n' 'printf "age_band,sex,n\n20-29,F,3\n20-29,M,131\n30-39,F,99\n30-39,M,87\n" >/output/t.csv' \
		'echo hi >/output/note.txt' | base64 -w0)
	id=$(api_submit P d shell '["sh","a.sh"]' \
		'[{"path":"t.csv","kind":"frequency_table","dimensions":["age_band","sex"],"count":"n","bins":{"age_band":[20,30,40]},"labels":{"sex":["F","M"]}},{"path":"note.txt","kind":"text"},{"path":"gone.csv","kind":"text"}]' \
		'{}' "{\"a.sh\":\"$script\"}")
	check "a job ends" api_wait_job "$id"
	expect_eq "... partially released" partially_released "$(api_field state)"
	get /metrics >/dev/null
	# the 201 is sent after the submission's disk work (submit.c): it is
	# counted then, not as a 5xx when the handler returned
	check "the submission counts as a 2xx" grep -qx 'trexd_api_requests_total{route="submit",code="2xx"} 1' "$T/body"
	check "... and not as a 5xx" sh -c "! grep -q 'route=\"submit\",code=\"5xx\"' '$T/body'"
	check "its log line names route and job" grep -q "event=http_request method=POST route=submit status=201 uid=0 job=$id\$" "$TREXD_LOG"
	check "a job route's log line names the job" grep -q "event=http_request method=GET route=job status=200 uid=0 job=$id\$" "$TREXD_LOG"
	get /metrics >/dev/null
	check "one sandbox start observed" grep -qx 'trexd_sandbox_start_seconds_count 1' "$T/body"
	check "... in the +Inf bucket" grep -qx 'trexd_sandbox_start_seconds_bucket{le="+Inf"} 1' "$T/body"
	check "... with a positive sum" grep -qE '^trexd_sandbox_start_seconds_sum 0\.0*[1-9]|^trexd_sandbox_start_seconds_sum [1-9]' "$T/body"
	check "... buckets cumulative and ending at 1" sh -c "grep '^trexd_sandbox_start_seconds_bucket' '$T/body' | awk '{ if (\$2 < p) exit 1; p = \$2 } END { exit p != 1 }'"
	for v in "pass 0" "suppressed 1" "review 1" "fail 0" "missing 1" "other 0"; do
		check "verdict ${v% *}: ${v#* }" grep -qx "trexd_output_verdicts_total{verdict=\"${v% *}\"} ${v#* }" "$T/body"
	done
	expect_eq "cell decisions: one threshold primary, nothing else" \
		'trexd_check_cell_decisions_total{rule="threshold",action="primary"} 1' \
		"$(grep '^trexd_check_cell_decisions_total' "$T/body")"
	for h in trexd_job_queue_wait_seconds trexd_job_duration_seconds trexd_check_duration_seconds; do
		check "$h: one observation" grep -qx "${h}_count 1" "$T/body"
		check "... in the +Inf bucket" grep -qx "${h}_bucket{le=\"+Inf\"} 1" "$T/body"
	done
	check "the job ran for a positive time" grep -qE '^trexd_job_duration_seconds_sum (0\.0*[1-9]|[1-9])' "$T/body"
	check "the check took a positive time" grep -qE '^trexd_check_duration_seconds_sum (0\.0*[1-9]|[1-9])' "$T/body"
	expect_eq "verdicts by rule: the suppressed table by threshold, the text held as unchecked" \
		'trexd_output_rule_verdicts_total{verdict="suppressed",rule="threshold"} 1
trexd_output_rule_verdicts_total{verdict="review",rule="no_automatic_check"} 1' \
		"$(grep '^trexd_output_rule_verdicts_total' "$T/body")"
	check "released output bytes counted" grep -qE '^trexd_released_output_bytes [1-9][0-9]*$' "$T/body"
	promcheck "prometheus_client parses it after a job"
	api_get "/v1/jobs/$id" >/dev/null
check "the run record keeps no start timestamp" sh -c "grep -q wall_ms '$TREXD_BODY' && ! grep -q started_ns '$TREXD_BODY'"
get /metrics >/dev/null
	check "the job's state is counted" grep -qx 'trexd_jobs{state="partially_released"} 1' "$T/body"
	check "every line is still a comment or NAME{labels} VALUE" sh -c "! grep -vE '^(# (HELP|TYPE) .*|[a-z_]+(\{[a-z]+=\"[^\"]*\"(,[a-z]+=\"[^\"]*\")*\})? [0-9.e+-]+)\$' '$T/body'"
fi
done_testing
