#!/bin/sh
# Slow and idle clients: a request trickled byte by byte gets 408 once
# request_timeout_ms has passed since its first byte, while other clients
# are served; a silent connection is closed after idle_timeout_ms; a slow
# request that completes in time is answered; bad values are refused.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_init trexd-slow
mkdir -p "$T/data"
trexd_config_write '"require_permit": false' "\"datasets\": {\"d\": {\"path\": \"$T/data\", \"id_columns\": []}}" \
	'"request_timeout_ms": 0'
out=$("$BIN/trexd" -n --config "$TREXD_CONF" 2>&1)
case "$out" in *'"request_timeout_ms" must be an integer from 1 to 3600000'*) ok "request_timeout_ms 0 refused, named" ;;
*) not_ok "request_timeout_ms 0 refused" "$out" ;; esac
trexd_config_write '"require_permit": false' "\"datasets\": {\"d\": {\"path\": \"$T/data\", \"id_columns\": []}}" \
	'"request_timeout_ms": 400' '"idle_timeout_ms": 1500'
check "trexd starts with short timeouts" trexd_start

# slow.py MODE: "trickle" sends a request one byte per 100 ms for at most
# 20 s; "idle" sends nothing; "late" sends a request in two halves 100 ms
# apart. Prints the status line's code and "closed" once trexd hangs up.
cat >"$T/slow.py" <<'PY'
import socket, sys, time
mode, path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX); s.connect(path); s.settimeout(0.1)
req = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 400 + b"\r\n\r\n"
got, sent, end = b"", 0, time.time() + 20
if mode == "late":
    s.sendall(req[:20]); time.sleep(0.1); s.sendall(req[20:]); sent = len(req)
while time.time() < end:
    if mode == "trickle" and sent < len(req):
        try:
            s.send(req[sent:sent + 1]); sent += 1
        except OSError:
            pass
    try:
        b = s.recv(4096)
    except socket.timeout:
        continue
    except OSError:
        b = b""
    if not b:
        break
    got += b
    if mode == "late" and b"\r\n\r\n" in got:
        break
code = got.split(b" ")[1].decode() if got.startswith(b"HTTP/1.1 ") else "-"
body = got.split(b"\r\n\r\n", 1)[1].decode() if b"\r\n\r\n" in got else ""
print(" ".join(x for x in (code, "closed" if time.time() < end and mode != "late" else "open", body.strip()) if x))
PY
python3 "$T/slow.py" trickle "$SOCK" >"$T/trickle" 2>&1 &
SLOW=$!
sleep 0.2
expect_eq "another client is served while one trickles" 200 "$(api_get /healthz)"
wait "$SLOW"
case "$(cat "$T/trickle")" in
'408 closed {"error":{"code":"timeout","message":"the request did not arrive whole within 400 ms"}}') ok "a trickled request gets 408 timeout, then the connection closes" ;;
*) not_ok "trickled request" "$(cat "$T/trickle")" ;; esac
check "the timeout is logged" grep -q 'event=http_request_timeout' "$TREXD_LOG"
expect_eq "an idle connection is closed by trexd" "- closed" "$(python3 "$T/slow.py" idle "$SOCK")"
case "$(python3 "$T/slow.py" late "$SOCK")" in 200\ open*) ok "a request in two halves within the limit is answered" ;;
*) not_ok "request in halves" ;; esac
expect_eq "still serving" 200 "$(api_get /healthz)"
done_testing
