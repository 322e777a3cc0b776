#!/bin/sh
# SIGHUP: trexd reads its configuration again and switches to it only when
# it is valid; a broken file, or one changing what needs a restart, is
# logged and the old configuration stays in force. trexd -n checks a file.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

T=$(mktemp -d /tmp/trexd-reload.XXXXXX)
SOCK=$T/s.sock
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
mkdir -p "$T/state" "$T/a" "$T/b"
chmod 755 "$T" "$T/a" "$T/b"
# datasets CONCURRENCY
config() {
	cat >"$T/trexd.json" <<JSON
{
  "state_dir": "$T/state",
  "socket": "$SOCK",
  "policy_dir": "$TREX_ROOT/policies/disclosure",
  "require_permit": false,
  "concurrency": $2,
  "datasets": {$1}
}
JSON
}
# submit DATASET: prints the HTTP status (the job itself never matters)
submit() {
	printf '{"manifest":{"project":"R","dataset":"%s","runtime":"shell","command":["true"],"outputs":[]},"files":{}}' "$1" >"$T/req.json"
	curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$SOCK" -X POST --data-binary @"$T/req.json" http://trexd/v1/jobs
}
# hup: SIGHUP, then wait (bounded) for the Nth reload line of the log
hup() {
	before=$(grep -c 'event=config_reload' "$T/log")
	kill -HUP "$PID"
	i=0
	while [ $i -lt 100 ] && [ "$(grep -c 'event=config_reload' "$T/log")" = "$before" ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

config "\"a\": {\"path\": \"$T/a\"}" 1
check "trexd -n accepts the file" sh -c "'$BIN/trexd' -n --config '$T/trexd.json' | grep -q 'config ok'"
"$BIN/trexd" --config "$T/trexd.json" >"$T/log" 2>&1 &
PID=$!
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "trexd starts" test -S "$SOCK"
expect_eq "dataset b is unknown at first" 400 "$(submit b)"

config "\"a\": {\"path\": \"$T/a\"}, \"b\": {\"path\": \"$T/b\"}" 1
hup
check "SIGHUP: the reload is logged" grep -q 'event=config_reloaded' "$T/log"
expect_eq "SIGHUP: dataset b is now accepted" 201 "$(submit b)"

printf '{"state_dir": ' >"$T/trexd.json"
check "trexd -n refuses a broken file" sh -c "! '$BIN/trexd' -n --config '$T/trexd.json' 2>/dev/null"
hup
check "SIGHUP with a broken file: the error is logged" grep -q 'event=config_reload_failed kept=old' "$T/log"
expect_eq "... and the old configuration stays: b still accepted" 201 "$(submit b)"

config "\"a\": {\"path\": \"$T/a\"}" 2
hup
check "a change that needs a restart is refused" grep -q 'concurrency.* changed: it needs a restart' "$T/log"
expect_eq "... and the old configuration stays" 201 "$(submit b)"
expect_eq "trexd still healthy" 200 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://trexd/healthz)"
kill "$PID"
wait "$PID"
expect_eq "trexd stops cleanly after reloads" 0 $?
PID=

done_testing
