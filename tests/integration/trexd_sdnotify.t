#!/bin/sh
# systemd's protocols (runner/sdnotify.c; debian/trex.trexd.service and
# trex.trexd.socket): readiness on $NOTIFY_SOCKET only once the API
# answers, RELOADING/READY around a SIGHUP, STOPPING on SIGTERM; and the
# API socket handed over by socket activation: served, left in place at
# exit (systemd owns it), refused when it is not the configured socket.
# systemd's side is tests/integration/sdnotify.py, a child of this test.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_needs python3 curl
trexd_init trexd-sdnotify
PY="$TREX_ROOT/tests/integration/sdnotify.py"
LST=
trexd_at_exit() { [ -n "$LST" ] && kill "$LST" 2>/dev/null; }
trexd_config_write '"require_permit": false'

# wait_line FILE PATTERN [N]: until FILE has N (default 1) lines matching
# PATTERN, or about 30 s; a bound, not a timing assertion
count_lines() { c=$(grep -c -- "$2" "$1" 2>/dev/null); echo "${c:-0}"; }
wait_line() {
	i=0
	while [ "$(count_lines "$1" "$2")" -lt "${3:-1}" ] && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(count_lines "$1" "$2")" -ge "${3:-1}" ]
}

# --- readiness -------------------------------------------------------------
N=$T/notify
python3 "$PY" listen "$N.sock" "$N" &
LST=$!
wait_line "$N" '^listening$' || not_ok "notify listener started"
NOTIFY_SOCKET=$N.sock "$BIN/trexd" --config "$TREXD_CONF" >>"$TREXD_LOG" 2>&1 &
PID=$!
check "READY=1 arrives" wait_line "$N" '^READY=1$'
# READY is sent after the socket is bound and the loop is about to run:
# the API answers at once (a request queued in the backlog is served)
expect_eq "the API answers once READY=1 was sent" 200 "$(api_get /healthz)"
kill -HUP "$PID"
check "SIGHUP: RELOADING=1" wait_line "$N" '^RELOADING=1$'
check "then READY=1 again" wait_line "$N" '^READY=1$' 2
expect_eq "RELOADING comes before the second READY" "READY=1 RELOADING=1 READY=1" \
	"$(grep -E '^(READY|RELOADING)=1$' "$N" | head -3 | tr '\n' ' ' | sed 's/ $//')"
check "trexd stops on SIGTERM" trexd_stop
check "SIGTERM: STOPPING=1" grep -q '^STOPPING=1$' "$N"
kill "$LST" 2>/dev/null
wait "$LST" 2>/dev/null
LST=
# no NOTIFY_SOCKET: nothing is sent and nothing is logged about it
check "trexd starts without NOTIFY_SOCKET" trexd_start
check "trexd stops" trexd_stop
check "no sd_notify failure logged" sh -c "! grep -q sd_notify_failed '$TREXD_LOG'"

# --- socket activation -----------------------------------------------------
rm -f "$SOCK"
python3 "$PY" activate "$SOCK" 1 -- "$BIN/trexd" --config "$TREXD_CONF" >>"$TREXD_LOG" 2>&1 &
PID=$!
check "activated trexd serves the inherited socket" trexd_wait_socket
expect_eq "the API answers on it" 200 "$(api_get /healthz)"
check "the start line says where the socket came from" \
	grep -q "event=trexd_started socket=$SOCK socket_from=systemd" "$TREXD_LOG"
ino=$(stat -c %i "$SOCK")
expect_eq "its mode is systemd's, not socket_mode's" 666 "$(stat -c %a "$SOCK")"
check "trexd stops" trexd_stop
expect_eq "the socket stays after exit (systemd owns it)" "$ino" "$(stat -c %i "$SOCK" 2>/dev/null)"
# the control: a trexd that bound the socket itself removes it at exit
check "trexd binding its own socket starts" trexd_start
check "and stops" trexd_stop
check "and removes its socket" test ! -e "$SOCK"

# refusals: each a clear error, nothing served
python3 "$PY" activate "$SOCK" 2 -- "$BIN/trexd" --config "$TREXD_CONF" >"$T/two.log" 2>&1
expect_eq "two sockets: exit 1" 1 "$?"
check "two sockets: the error names LISTEN_FDS" grep -q 'LISTEN_FDS must be 1' "$T/two.log"
rm -f "$SOCK" "$SOCK.1"
python3 "$PY" activate "$T/other.sock" 1 -- "$BIN/trexd" --config "$TREXD_CONF" >"$T/other.log" 2>&1
expect_eq "a socket at another path: exit 1" 1 "$?"
check "the error names both paths" grep -q "socket passed is $T/other.sock, but trexd.json's socket is $SOCK" "$T/other.log"
# LISTEN_PID of another process: not ours, ignored (trexd binds its own)
LISTEN_PID=1 LISTEN_FDS=1 "$BIN/trexd" --config "$TREXD_CONF" >>"$TREXD_LOG" 2>&1 &
PID=$!
check "LISTEN_PID of another process is ignored: trexd binds its own socket" trexd_wait_socket
expect_eq "and serves it" 200 "$(api_get /healthz)"
check "trexd stops" trexd_stop
done_testing
