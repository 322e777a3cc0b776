#!/bin/sh
# GET /v1/events: the exact event sequences of jobs seen by subscribers,
# the job and project filters, access (another user sees none of root's
# jobs), Last-Event-ID resume and the reset beyond the ring, the
# subscriber cap (503), a reader that stops reading is dropped while the
# others keep being served, and SIGTERM ends open streams. Needs root
# (the sandbox does) and curl. trex wait follows these streams: it ends
# with the job, reads the job only twice, and outlives a trexd restart.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox curl setpriv
trexd_init trexd-events
CURLS=
trexd_at_exit() { for p in $CURLS; do kill "$p" 2>/dev/null; done; }
mkdir -p "$T/d"
chmod 755 "$T/d"
trexd_config_write '"require_permit": false' '"concurrency": 1' \
	"\"datasets\": {\"d\": {\"path\": \"$T/d\", \"id_columns\": []}}" \
	'"events": {"max_subscribers": 4, "queue_kb": 4}'
check "trexd starts" trexd_start

# subscribe NAME [curl args...]: a stream into $T/NAME.ev, back once the
# server's first comment shows it is subscribed
subscribe() {
	n=$1; shift
	curl -sN --unix-socket "$SOCK" "$@" >"$T/$n.ev" 2>/dev/null &
	CURLS="$CURLS $!"
	eval "PID_$n=$!"
	i=0
	while ! grep -q '^: trexd events' "$T/$n.ev" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
# the events of a stream file, one per line: "ID STATE" (job ids shown as
# their test names from $T/names), or "reset LAST_ID"
events() {
	python3 - "$1" "$T/names" <<'PY'
import json, sys
names = dict(l.split() for l in open(sys.argv[2])) if len(sys.argv) > 2 else {}
ev = {}
for line in open(sys.argv[1]).read().split("\n"):
    if line == "":
        if ev.get("event") == "job":
            d = json.loads(ev["data"])
            print(names.get(d["id"], d["id"]), d["state"])
        elif ev.get("event") == "reset":
            print("reset", json.loads(ev["data"])["last_id"] == int(ev["id"]))
        ev = {}
    elif not line.startswith(":"):
        k, _, v = line.partition(": ")
        ev[k] = v
PY
}
# the id: of the Nth job event with this job and state in a stream file
event_id() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
ev = {}
for line in open(sys.argv[1]).read().split("\n"):
    if line == "":
        if ev.get("event") == "job":
            d = json.loads(ev["data"])
            if d["id"] == sys.argv[2] and d["state"] == sys.argv[3]:
                print(ev["id"]); break
        ev = {}
    elif not line.startswith(":"):
        k, _, v = line.partition(": ")
        ev[k] = v
PY
}
job_req() { printf '{"manifest":{"project":"%s","dataset":"d","runtime":"shell","command":%s,"outputs":[]},"files":{}}' "$1" "$2"; }
submit() { api_submit "$1" d shell "$2" '[]'; }
submit_as_nobody() {
	job_req "$1" "$2" >"$T/req.json"
	chmod 644 "$T/req.json"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		curl -s --unix-socket "$SOCK" -X POST --data-binary @"$T/req.json" http://trexd/v1/jobs |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("id", "none"))'
}
state() { api_get "/v1/jobs/$1" >/dev/null; api_field state; }
wait_state() {
	i=0
	while [ $i -lt 300 ] && [ "$(state "$1")" != "$2" ]; do sleep 0.1; i=$((i + 1)); done
	expect_eq "$3" "$2" "$(state "$1")"
}
# wait until a stream file has N job events
wait_events() {
	i=0
	while [ $i -lt 300 ] && [ "$(events "$1" | wc -l)" -lt "$2" ]; do sleep 0.1; i=$((i + 1)); done
}
: >"$T/names"

subscribe all "http://trexd/v1/events"
check "root subscribes" grep -q '^: trexd events' "$T/all.ev"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	curl -sN --unix-socket "$SOCK" http://trexd/v1/events >"$T/other.ev" 2>/dev/null &
CURLS="$CURLS $!"
PID_other=$!
i=0
while ! grep -q '^: trexd events' "$T/other.ev" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "another user subscribes" grep -q '^: trexd events' "$T/other.ev"
code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' --max-time 2 --unix-socket "$SOCK" http://trexd/v1/events)
expect_eq "a stream is 200 text/event-stream, no-cache, no length" \
	"text/event-stream|no-cache|0" \
	"$(tr -d '\r' <"$T/h" | sed -n 's/^Content-Type: //p')|$(tr -d '\r' <"$T/h" | sed -n 's/^Cache-Control: //p')|$(grep -ci '^content-length' "$T/h")"

OK=$(submit C '["sh","-c","echo hi"]')
echo "$OK ok" >>"$T/names"
wait_state "$OK" released "a job with no outputs is released"
BAD=$(submit C '["false"]')
echo "$BAD bad" >>"$T/names"
wait_state "$BAD" failed "a job that exits 1 fails"
MINE=$(submit_as_nobody N '["true"]')
echo "$MINE mine" >>"$T/names"
wait_state "$MINE" released "nobody's job is released"
wait_events "$T/all.ev" 11
expect_eq "root sees every state change of every job, in order" \
	"ok queued|ok running|ok checking|ok released|bad queued|bad running|bad failed|mine queued|mine running|mine checking|mine released" \
	"$(events "$T/all.ev" | paste -sd '|')"
wait_events "$T/other.ev" 4
expect_eq "another user sees only their own job" \
	"mine queued|mine running|mine checking|mine released" \
	"$(events "$T/other.ev" | paste -sd '|')"
ids=$(grep '^id: ' "$T/all.ev" | sed 's/^id: //' | python3 -c 'import sys; v=[int(l) for l in sys.stdin]; print(all(b == a + 1 for a, b in zip(v, v[1:])), len(v))')
expect_eq "event ids are consecutive" "True 11" "$ids"
check "each event is 'id', 'event: job', one 'data' line" \
	sh -c "grep -c '^event: job\$' '$T/all.ev' | grep -qx 11 && grep -c '^data: {' '$T/all.ev' | grep -qx 11"

# resume: everything after the given id (filters apply to what is replayed)
FIRST=$(event_id "$T/all.ev" "$OK" queued)
RUN=$(event_id "$T/all.ev" "$OK" running)
subscribe resume "http://trexd/v1/events" -H "Last-Event-ID: $RUN"
wait_events "$T/resume.ev" 9
expect_eq "Last-Event-ID replays the events after it" \
	"ok checking|ok released|bad queued|bad running|bad failed|mine queued|mine running|mine checking|mine released" \
	"$(events "$T/resume.ev" | paste -sd '|')"
kill "$PID_resume"
subscribe jobf "http://trexd/v1/events?job=$BAD" -H "Last-Event-ID: $((FIRST - 1))"
wait_events "$T/jobf.ev" 3
expect_eq "?job= filters" "bad queued|bad running|bad failed" "$(events "$T/jobf.ev" | paste -sd '|')"
kill "$PID_jobf"
subscribe projf "http://trexd/v1/events?project=N" -H "Last-Event-ID: $((FIRST - 1))"
wait_events "$T/projf.ev" 4
expect_eq "?project= filters" "mine queued|mine running|mine checking|mine released" \
	"$(events "$T/projf.ev" | paste -sd '|')"
kill "$PID_projf"
subscribe old "http://trexd/v1/events" -H "Last-Event-ID: 1"
wait_events "$T/old.ev" 1
expect_eq "an id older than the ring gets a reset event with the last id" "reset True" \
	"$(events "$T/old.ev" | paste -sd '|')"
kill "$PID_old"
subscribe junk "http://trexd/v1/events" -H "Last-Event-ID: x1"
wait_events "$T/junk.ev" 1
expect_eq "an id that is not ours gets a reset event" "reset True" "$(events "$T/junk.ev" | paste -sd '|')"
kill "$PID_junk"
code=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	curl -s -o "$T/body" -w '%{http_code}' --max-time 5 --unix-socket "$SOCK" "http://trexd/v1/events?job=$OK")
expect_eq "?job= of a job the caller may not see: 404" 404 "$code"
expect_eq "a bad query: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket "$SOCK" "http://trexd/v1/events?job=a/b")"
expect_eq "an unknown parameter: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket "$SOCK" "http://trexd/v1/events?state=x")"
expect_eq "POST: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST --unix-socket "$SOCK" http://trexd/v1/events)"

# the cap: "all" and "other" are open; wait for the closed ones to go
i=0
while [ $i -lt 100 ] && [ "$(grep -c events_unsubscribed "$TREXD_LOG")" -lt 6 ]; do sleep 0.1; i=$((i + 1)); done
subscribe third "http://trexd/v1/events"
subscribe fourth "http://trexd/v1/events"
expect_eq "/metrics counts the open streams" 4 \
	"$(curl -s --unix-socket "$SOCK" http://trexd/metrics | sed -n 's/^trexd_event_streams //p')"
code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 5 --unix-socket "$SOCK" http://trexd/v1/events)
expect_eq "a fifth stream over max_subscribers 4: 503" 503 "$code"
check "... with a JSON error code" grep -q '"code":"too_many_subscribers"' "$T/body"
kill "$PID_third"
i=0
while [ $i -lt 100 ] && [ "$(grep -c events_unsubscribed "$TREXD_LOG")" -lt 7 ]; do sleep 0.1; i=$((i + 1)); done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --unix-socket "$SOCK" http://trexd/v1/events)
expect_eq "a client that goes frees its slot" 200 "$code"
kill "$PID_fourth"
i=0
while [ $i -lt 100 ] && [ "$(grep -c events_unsubscribed "$TREXD_LOG")" -lt 9 ]; do sleep 0.1; i=$((i + 1)); done

# a reader that stops reading (queue_kb 4) is dropped; the others get all
cat >"$T/stall.py" <<'PY'
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
s.connect(sys.argv[1])
s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
got = b""
while b": trexd events" not in got:
    got += s.recv(1)
open(sys.argv[2] + ".up", "w").close()
for _ in range(1200):  # until the test has seen trexd drop us
    if os.path.exists(sys.argv[2] + ".go"):
        break
    time.sleep(0.1)
s.settimeout(60)
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
open(sys.argv[2], "wb").write(got + b"\n:eof\n")
PY
python3 "$T/stall.py" "$SOCK" "$T/stall.ev" &
STALL=$!
CURLS="$CURLS $STALL"
i=0
while [ ! -e "$T/stall.ev.up" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "a reader that will stop reading subscribes" test -e "$T/stall.ev.up"
BLOCK=$(submit B '["sleep","300"]')
echo "$BLOCK block" >>"$T/names"
wait_state "$BLOCK" running "a long job runs (the others queue behind it)"
n=0
while [ $n -lt 40 ]; do
	J=$(submit Q '["true"]')
	curl -s -o /dev/null --unix-socket "$SOCK" -X POST "http://trexd/v1/jobs/$J/cancel"
	n=$((n + 1))
done
i=0
while ! grep -q 'http_slow_reader.*stream=1' "$TREXD_LOG" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "trexd drops the stream that fell behind" grep -q 'http_slow_reader.*stream=1' "$TREXD_LOG"
touch "$T/stall.ev.go"
wait "$STALL"
check "... its reader gets the end of the stream" grep -q '^:eof$' "$T/stall.ev"
got=$(events "$T/stall.ev" | wc -l)
check "... after fewer events than were sent ($got < 82)" test "$got" -lt 82
wait_events "$T/all.ev" 93
expect_eq "a reader that keeps up gets every event (11 + 2 + 40 x 2)" 93 "$(events "$T/all.ev" | wc -l)"
expect_eq "... and the last is the 40th cancellation" "cancelled" "$(events "$T/all.ev" | tail -n 1 | cut -d' ' -f2)"
expect_eq "other requests are answered meanwhile" 200 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket "$SOCK" http://trexd/healthz)"
expect_eq "the other user saw none of root's jobs" 4 "$(events "$T/other.ev" | wc -l)"

# trex wait follows the job's events: it reads the job when subscribed
# and when the job ended, never polls in between
curl -s -o /dev/null --unix-socket "$SOCK" -X POST "http://trexd/v1/jobs/$BLOCK/cancel"
wait_state "$BLOCK" cancelled "the long job is cancelled"
reads() { grep -c 'event=http_request method=GET route=job ' "$TREXD_LOG"; }
subs() { grep -c "event=events_subscribed .*job=$1 " "$TREXD_LOG"; }
# a long job ahead of it, cancelled once trex wait has subscribed: the
# waited job is queued when trex wait reads it first, however slow the host
SLOW=$(submit W '["sleep","300"]')
W=$(submit W '["sh","-c","echo waited"]')
before=$(reads)
"$BIN/trex" --socket "$SOCK" wait "$W" --timeout 120 >"$T/wait.out" 2>&1 &
WP=$!
i=0
while { [ "$(subs "$W")" -lt 1 ] || [ $(($(reads) - before)) -lt 1 ]; } && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
curl -s -o /dev/null --unix-socket "$SOCK" -X POST "http://trexd/v1/jobs/$SLOW/cancel"
wait $WP
expect_eq "trex wait: a released job exits 0" 0 "$?"
check "... and prints the job" grep -q "state: *released" "$T/wait.out"
expect_eq "... reading it twice (subscribed, ended), not polling" 2 "$(($(reads) - before))"
expect_eq "... on one stream with ?job=" 1 "$(subs "$W")"
F=$(submit W '["false"]')
"$BIN/trex" --socket "$SOCK" wait "$F" --timeout 120 >"$T/wait.out" 2>&1
expect_eq "trex wait: a failed job exits 13" 13 "$?"
check "... and prints it" grep -q "state: *failed" "$T/wait.out"
BLOCK=$(submit B '["sleep","300"]')
wait_state "$BLOCK" running "another long job runs"
Q=$(submit W '["true"]')
"$BIN/trex" --socket "$SOCK" wait "$Q" --timeout 1 >"$T/wait.out" 2>&1
expect_eq "trex wait --timeout on a queued job: 5" 5 "$?"
check "... saying so" grep -q "not finished after 1 s" "$T/wait.out"
"$BIN/trex" --socket "$SOCK" wait 20261129T000000-000000000009 >"$T/wait.out" 2>&1
expect_eq "trex wait on an unknown job: 1" 1 "$?"
check "... with trexd's answer" grep -q "not_found" "$T/wait.out"

# a trexd restart does not end a wait: the stream is opened again
base=$(subs "$Q")
"$BIN/trex" --socket "$SOCK" wait "$Q" --timeout 300 >"$T/wait.out" 2>&1 &
WAITER=$!
CURLS="$CURLS $WAITER"
i=0
while [ "$(subs "$Q")" -le "$base" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "trex wait subscribed to the queued job" $((base + 1)) "$(subs "$Q")"

# SIGTERM: open streams do not hold the drain
trexd_stop
expect_eq "trexd stops with streams open, cleanly" 0 "$?"

i=0
while kill -0 "$PID_all" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "... and its subscribers see the stream end" sh -c "! kill -0 $PID_all 2>/dev/null"
check "trexd starts again" trexd_start
wait "$WAITER"
expect_eq "... and the wait ends when the job does: 0" 0 "$?"
check "... printing it" grep -q "state: *released" "$T/wait.out"
expect_eq "... after subscribing again" $((base + 2)) "$(subs "$Q")"
done_testing
