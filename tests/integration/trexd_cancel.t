#!/bin/sh
# POST /v1/jobs/{id}/cancel: a queued job is cancelled at once; a running
# one has its sandbox killed and ends cancelled; a finished one is 409; a
# caller who may not see the job gets 404. Needs root (the sandbox does).
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox
trexd_init trexd-cancel
mkdir -p "$T/d"
chmod 755 "$T/d"
trexd_config_write '"require_permit": false' '"concurrency": 1' "\"datasets\": {\"d\": {\"path\": \"$T/d\", \"id_columns\": []}}"
check "trexd starts" trexd_start
submit() { api_submit C d shell '["sleep","300"]' '[]'; }
state() { curl -s --unix-socket "$SOCK" "http://trexd/v1/jobs/$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["state"], "|", d["reason"])'; }
cancel() { api_post "/v1/jobs/$1/cancel"; }
A=$(submit)
B=$(submit)
i=0
while [ $i -lt 100 ] && [ "$(state "$A")" != "running | " ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "the first job runs" "running | " "$(state "$A")"
expect_eq "the second is queued" "queued | " "$(state "$B")"
if command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST "http://trexd/v1/jobs/$A/cancel")
	expect_eq "another user cannot cancel (cannot see) the job" 404 "$out"
fi
expect_eq "cancel a queued job: 200" 200 "$(cancel "$B")"
expect_eq "... cancelled at once, with who" "cancelled | cancelled by root" "$(state "$B")"
expect_eq "cancel a running job: 202" 202 "$(cancel "$A")"
i=0
while [ $i -lt 200 ] && [ "$(state "$A")" = "running | " ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "... it ends cancelled" "cancelled | cancelled by root" "$(state "$A")"
check "... and its sandbox is gone" test -z "$(trexd_sandboxes "$A")"
expect_eq "cancel a finished job: 409" 409 "$(cancel "$A")"
check "... with a code" grep -q '"not_cancellable"' "$T/body"
expect_eq "cancel an unknown job: 404" 404 "$(cancel 20261129T000000-000000000009)"
expect_eq "GET on cancel: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" "http://trexd/v1/jobs/$A/cancel")"
done_testing
