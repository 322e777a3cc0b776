#!/bin/sh
# trexd HTTP API against a real daemon on a temporary socket and state
# folder: submission is durable before 201, every malformed request gets a
# JSON error with a stable code, and the daemon keeps serving afterwards.
# Jobs here never run (the sandbox path does not exist): this suite is about
# the API; trexd_e2e.t runs real jobs.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_init trexd-api
mkdir -p "$T/data"
trexd_config_write "\"sandbox\": \"$T/no-such-sandbox\"" '"require_permit": false' \
	"\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": []}}" '"limits": {"max": {"memory_mb": 4096}}'

"$BIN/trexd" -n --config "$T/trexd.json" >"$T/n.out" 2>&1
expect_eq "trexd -n refuses a missing sandbox" 1 $?
expect_eq "trexd -n says which" "trexd: sandbox $T/no-such-sandbox: No such file or directory" "$(cat "$T/n.out")"
mkdir -p "$T/pol" && echo '{}' >"$T/pol/default.json"
printf '{"sandbox": "/bin/true", "check": "/bin/true", "policy_dir": "%s"}' "$T/pol" >"$T/ok.json"
out=$("$BIN/trexd" -n --config "$T/ok.json" --state-dir "$T/state" --socket "$SOCK" 2>&1)
expect_eq "trexd -n refuses a pack trex-check would refuse" \
	"trexd: $T/pol/default.json: a policy needs 'name' and 'version'" "$out"
echo '{"name": "t", "version": "1"}' >"$T/pol/default.json"
"$BIN/trexd" -n --state-dir "$T/state" --socket "$SOCK" --dataset "synth=$T/data" --id-columns synth= \
	--config /dev/null >/dev/null 2>&1
expect_eq "trexd -n refuses an empty config file" 1 $?
printf '{"sandbox": "/bin/true", "check": "/bin/true", "policy_dir": "%s"}' "$T/pol" >"$T/ok.json"
out=$("$BIN/trexd" -n --config "$T/ok.json" --state-dir "$T/state" --socket "$SOCK" 2>&1)
expect_eq "trexd -n accepts a good config" "config ok" "$out"
echo '{"state_dir": "/x", "sockte": "/y"}' >"$T/bad.json"
out=$("$BIN/trexd" -n --config "$T/bad.json" 2>&1)
expect_eq "trexd -n names file, line and unknown key" \
	"trexd: $T/bad.json:1: unknown key \"sockte\" in the top level" "$out"
"$BIN/trexd" --help | grep -q -- '--state-dir' && ok "--help documents --state-dir" || not_ok "--help"
"$BIN/trexd" --bogus >/dev/null 2>&1; expect_eq "unknown option exits 2" 2 $?

check "trexd starts and listens" trexd_start
expect_eq "socket mode defaults to 0666" 666 "$(stat -c %a "$SOCK")"
expect_eq "GET /healthz" 200 "$(api_req GET /healthz)"

A=$(printf 'print("hello")\n' | base64 -w0)
MAN='{"project":"P1","dataset":"synth","runtime":"python3","command":["python3","a.py"],"outputs":[{"path":"t.csv","kind":"frequency_table","dimensions":["age"],"count":"n"}]}'
printf '{"manifest":%s,"files":{"a.py":"%s","lib/b.py":""}}' "$MAN" "$A" >"$T/job.json"
expect_eq "POST /v1/jobs answers 201" 201 "$(api_req POST /v1/jobs --data-binary @"$T/job.json")"
ID=$(api_field id)
expect_eq "201 carries state queued" queued "$(api_field state)"
# durable before 201: kill -9 at once, restart, the job and its bundle are there
trexd_kill
check "bundle file written" cmp -s "$T/state/jobs/$ID/code/a.py" /dev/stdin <<PY
print("hello")
PY
check "empty bundle file written" test -f "$T/state/jobs/$ID/code/lib/b.py"
check "trexd restarts on the same state" trexd_start
expect_eq "GET /v1/jobs/ID after a crash" 200 "$(api_req GET "/v1/jobs/$ID")"
expect_eq "job keeps its project" P1 "$(api_field project)"
expect_eq "job submitted_by is the peer" "$(id -un)" "$(api_field submitted_by)"
expect_eq "a job whose sandbox cannot start is failed" failed "$(api_field state)"
case "$(api_field reason)" in "could not start"*) ok "reason says why" ;; *) not_ok "reason" "$(api_field reason)" ;; esac
expect_eq "GET outputs of a failed job" 200 "$(api_req GET "/v1/jobs/$ID/outputs")"
expect_eq "no released outputs" '{"outputs": []}' "$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$T/body")"
expect_eq "GET an output not released" 404 "$(api_req GET "/v1/jobs/$ID/outputs/t.csv")"

# refusals: status, stable code, exact message
refuse() { # NAME STATUS CODE MESSAGE BODY
	printf '%s' "$5" >"$T/req.json"
	st=$(api_req POST /v1/jobs --data-binary @"$T/req.json")
	expect_eq "$1: status" "$2" "$st"
	expect_eq "$1: code" "$3" "$(api_field error.code)"
	[ -n "$4" ] && expect_eq "$1: message" "$4" "$(api_field error.message)"
	return 0
}
refuse "bad JSON" 400 bad_request "" '{"manifest": '
refuse "not an object" 400 bad_request "the body must be a JSON object" '[1]'
refuse "unknown body key" 400 bad_request 'unknown key "extra"; the keys are manifest, files, permit' '{"manifest":{},"files":{},"extra":1}'
refuse "a mistyped body key: did you mean" 400 bad_request 'unknown key "file" (did you mean "files"?); the keys are manifest, files, permit' '{"manifest":{},"file":{}}'
refuse "duplicate key" 400 bad_request "" '{"files":{},"files":{}}'
refuse "unknown manifest key" 400 bad_manifest 'manifest: unknown key "foo"; valid keys: project, permit, dataset, runtime, command, limits, outputs' \
	"{\"manifest\":$(echo "$MAN" | sed 's/^{/{"foo":1,/'),\"files\":{}}"
refuse "unknown dataset: the configured ones listed" 400 unknown_dataset 'unknown dataset "other"; valid datasets: synth' \
	"{\"manifest\":$(echo "$MAN" | sed 's/"synth"/"other"/'),\"files\":{}}"
refuse "unknown runtime: the configured ones listed" 400 unknown_runtime 'unknown runtime "julia"; valid runtimes: python3, r, shell' \
	"{\"manifest\":$(echo "$MAN" | sed 's/"python3","command"/"julia","command"/'),\"files\":{}}"
refuse "limit above max" 400 limit_exceeded 'manifest.limits.memory_mb: 5000 exceeds the maximum 4096' \
	"{\"manifest\":$(echo "$MAN" | sed 's/^{/{"limits":{"memory_mb":5000},/'),\"files\":{}}"
refuse "unsafe file name" 400 bad_request "" "{\"manifest\":$MAN,\"files\":{\"../x\":\"\"}}"
refuse "bad base64" 400 bad_request 'files.a.py: invalid base64' "{\"manifest\":$MAN,\"files\":{\"a.py\":\"!!!!\"}}"
expect_eq "refused jobs leave no folder" 1 "$(ls "$T/state/jobs" | wc -l)"

head -c $((17 * 1024 * 1024)) /dev/zero >"$T/big"
expect_eq "17 MiB body is refused with 413" 413 "$(api_req POST /v1/jobs -H 'Content-Type: application/json' --data-binary @"$T/big")"
expect_eq "413 code" too_large "$(api_field error.code)"
expect_eq "chunked 17 MiB body is refused with 413" 413 \
	"$(api_req POST /v1/jobs -H 'Transfer-Encoding: chunked' --data-binary @"$T/big")"
expect_eq "huge header is refused with 431" 431 \
	"$(api_req GET /healthz -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)")"
printf 'NOT HTTP\r\n\r\n' | python3 -c '
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())
print(s.recv(4096).split(b"\r\n")[0].decode())' "$SOCK" >"$T/raw" 2>&1
expect_eq "garbage gets a 400" "HTTP/1.1 400 Bad Request" "$(cat "$T/raw")"
expect_eq "unknown job 404" 404 "$(api_req GET /v1/jobs/20990101T000000-000000000000)"
expect_eq "404 code" not_found "$(api_field error.code)"
expect_eq "unknown route 404" 404 "$(api_req GET /v2/other)"
expect_eq "wrong method 405" 405 "$(api_req DELETE "/v1/jobs/$ID")"
expect_eq "still serving after all that" 200 "$(api_req GET /healthz)"

# pipelining across a submission, whose disk writes run off the loop
# (submit.c): the answers come back in request order on one connection
python3 "$TREX_ROOT/tests/pipeline.py" unix "$SOCK" "$T/job.json" POST:/v1/jobs:body GET:/healthz \
	POST:/v1/jobs:bad POST:/v1/jobs:body GET:/nope >"$T/pipe" 2>&1
expect_eq "pipelined answers in order around deferred submissions" "201 200 400 201 404" "$(cat "$T/pipe")"
# a client that submits and hangs up before the answer loses nothing and
# disturbs nobody: the job is stored, trexd keeps serving
before=$(sqlite3 "$T/state/trexd.db" 'SELECT count(*) FROM jobs')
python3 - "$SOCK" "$T/job.json" <<'PY'
import socket, sys
body = open(sys.argv[2], "rb").read()
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"POST /v1/jobs HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
s.close()
PY
expect_eq "still serving after a client left mid-submission" 200 "$(api_req GET /healthz)"
i=0; while [ "$(sqlite3 "$T/state/trexd.db" 'SELECT count(*) FROM jobs')" = "$before" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "the abandoned submission was stored" $((before + 1)) "$(sqlite3 "$T/state/trexd.db" 'SELECT count(*) FROM jobs')"

# trex submit: trexd's refusal, plain, with the manifest's line at fault
mkdir -p "$T/cli"
cat >"$T/cli/m.json" <<'JSON'
{
  "project": "P1",
  "dataset": "synth",
  "runtime": "python3",
  "command": ["python3", "a.py"],
  "outputs": [
    {"path": "a.csv", "kind": "frequency_table", "dimensions": ["x"], "count": "n"},
    {"path": "b.csv", "kind": "frequency_tabel", "dimensions": ["x"], "count": "n"}
  ]
}
JSON
out=$("$BIN/trex" --socket "$SOCK" submit "$T/cli/m.json" 2>&1)
expect_eq "trex submit: a mistyped output kind, its line, the valid kinds and the nearest (exit 1)" \
	"1 trex submit: $T/cli/m.json:8: trexd refused (HTTP 400 bad_manifest): manifest.outputs[1].kind: must be one of frequency_table, magnitude_table, summary_statistics, regression, survival_table, figure, text (did you mean \"frequency_table\"?)" "$? $out"
sed -i 's/frequency_tabel/frequency_table/; s/"outputs"/"output"/' "$T/cli/m.json"
out=$("$BIN/trex" --socket "$SOCK" submit "$T/cli/m.json" 2>&1)
expect_eq "trex submit: a mistyped manifest key" \
	"trex submit: $T/cli/m.json:6: trexd refused (HTTP 400 bad_manifest): manifest: unknown key \"output\" (did you mean \"outputs\"?); valid keys: project, permit, dataset, runtime, command, limits, outputs" "$out"
sed -i 's/"output"/"outputs"/; s/"synth"/"snyth"/' "$T/cli/m.json"
out=$("$BIN/trex" --socket "$SOCK" submit "$T/cli/m.json" 2>&1)
expect_eq "trex submit: an unknown dataset, the configured ones listed" \
	"trex submit: $T/cli/m.json:3: trexd refused (HTTP 400 unknown_dataset): unknown dataset \"snyth\" (did you mean \"synth\"?); valid datasets: synth" "$out"

# keep-alive: two requests on one connection
n=$(curl -s -v --unix-socket "$SOCK" http://trexd/healthz http://trexd/healthz 2>&1 | grep -c 'Re-using existing connection\|Reusing existing connection')
expect_eq "keep-alive reuses the connection" 1 "$n"

trexd_stop; rc=$?
expect_eq "SIGTERM: exit 0" 0 "$rc"
check "SIGTERM: socket removed" test ! -e "$SOCK"
done_testing
