#!/bin/sh
# trexd's TLS listener against a real daemon on 127.0.0.1 (an ephemeral
# port, read back from trexd's start line): TLS 1.3 only, mutual TLS, the
# client certificate's CN is the user (the same uid and name as on the unix
# socket, event streams filtered for it), bad requests get the same JSON
# errors as on the unix socket while another TLS client keeps being served,
# slow handshakes are closed, the trex CLI verifies trexd, and a SIGHUP
# reloads the certificates or keeps the old ones. The CA and every
# certificate are made at test time with the openssl CLI.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_init trexd-tls
mkdir -p "$T/data" "$T/pki"

# --- a throwaway PKI --------------------------------------------------------
P=$T/pki
ca() { # ca NAME: a self-signed CA
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$P/$1.key" -out "$P/$1.pem" -subj "/CN=$1" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign" 2>>"$T/pki.log"
}
leaf() { # leaf CA NAME SUBJECT EXTENSIONS
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$P/$2.key" -out "$P/$2.csr" -subj "$3" 2>>"$T/pki.log" &&
		printf '%s\n' "$4" >"$P/$2.ext" &&
		openssl x509 -req -in "$P/$2.csr" -CA "$P/$1.pem" -CAkey "$P/$1.key" \
			-CAcreateserial -days 2 -out "$P/$2.pem" -extfile "$P/$2.ext" 2>>"$T/pki.log"
}
CLIENT="extendedKeyUsage=clientAuth"
SERVER="subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
ca ca && ca other &&
	leaf ca srv /CN=trexd "$SERVER" &&
	leaf ca srv2 /CN=trexd-rotated "subjectAltName=DNS:trexd.example
extendedKeyUsage=serverAuth" &&
	leaf ca nobody /CN=nobody "$CLIENT" &&
	leaf ca root /CN=root "$CLIENT" &&
	leaf ca ghost /CN=no-such-account-here "$CLIENT" &&
	leaf ca nocn "/O=trex test" "$CLIENT" &&
	leaf ca servonly /CN=nobody "extendedKeyUsage=serverAuth" &&
	leaf other evil /CN=nobody "$CLIENT"
expect_eq "openssl made the test PKI" 0 $?

# --- configuration -----------------------------------------------------------
conf() { # conf FILE TLS_OBJECT: the "tls" member on line 10
	keep=$TREXD_CONF
	TREXD_CONF=$1
	trexd_config_write "\"sandbox\": \"$T/no-such-sandbox\"" '"require_permit": false' \
		"\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": []}}" \
		'"users": {"root": {"uid": 0, "roles": ["researcher", "operator"]},
            "nobody": {"uid": 65534, "roles": ["researcher"]}}' "\"tls\": $2"
	TREXD_CONF=$keep
}
TLSOK="{\"listen\": \"127.0.0.1:0\", \"cert\": \"$P/srv.pem\", \"key\": \"$P/srv.key\",
          \"client_ca\": \"$P/ca.pem\", \"handshake_timeout_ms\": 500}"
conf "$TREXD_CONF" "$TLSOK"
# -n loads the files; sandbox checks are not the point here
nck() { "$BIN/trexd" -n --config "$1" 2>&1 | sed 's/^trexd: //'; }
conf "$T/bad1.json" "{\"listen\": \"127.0.0.1:0\", \"cert\": \"$P/srv.pem\", \"key\": \"$P/nobody.key\", \"client_ca\": \"$P/ca.pem\"}"
expect_eq "-n: a key that does not match the cert" \
	"tls.key $P/nobody.key does not match tls.cert $P/srv.pem (key values mismatch)" \
	"$(nck "$T/bad1.json")"
conf "$T/bad2.json" "{\"listen\": \"127.0.0.1:0\", \"cert\": \"$P/srv.pem\", \"key\": \"$P/srv.key\", \"client_ca\": \"$P/none.pem\"}"
expect_eq "-n: a missing client CA file" \
	"tls.client_ca $P/none.pem: No such file or directory" "$(nck "$T/bad2.json")"
conf "$T/bad3.json" "{\"listen\": \"127.0.0.1:0\", \"cert\": \"$P/srv.pem\", \"key\": \"$P/srv.key\",
  \"client_ca\": \"$P/ca.pem\", \"ciphers\": \"x\"}"
expect_eq "-n: unknown key in tls names file, line and key" \
	"$T/bad3.json:11: unknown key \"ciphers\" in tls" "$(nck "$T/bad3.json")"
conf "$T/bad4.json" "{\"listen\": \"localhost:8443\", \"cert\": \"$P/srv.pem\", \"key\": \"$P/srv.key\", \"client_ca\": \"$P/ca.pem\"}"
expect_eq "-n: listen must be a numeric address" \
	"$T/bad4.json:10: tls.listen: \"localhost\" is not a numeric IP address" "$(nck "$T/bad4.json")"
conf "$T/bad5.json" "{\"listen\": \"127.0.0.1:0\", \"cert\": \"$P/srv.pem\", \"key\": \"$P/srv.key\"}"
expect_eq "-n: client_ca is required" \
	"$T/bad5.json:10: tls: missing \"client_ca\"" "$(nck "$T/bad5.json")"
conf "$T/bad6.json" "{\"listen\": \"127.0.0.1:0\", \"cert\": \"srv.pem\", \"key\": \"$P/srv.key\", \"client_ca\": \"$P/ca.pem\"}"
expect_eq "-n: relative certificate path" \
	"$T/bad6.json:10: tls.cert must be an absolute path" "$(nck "$T/bad6.json")"

# --- start -------------------------------------------------------------------
check "trexd starts" trexd_start
# the start line comes once both listeners are up
i=0
while ! grep -q 'event=trexd_started' "$TREXD_LOG" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(sed -n 's/.*event=trexd_started .*tls=127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$TREXD_LOG")
case "$PORT" in [1-9]*) ok "trexd names its TLS port ($PORT)" ;; *) not_ok "TLS port" "$(cat "$TREXD_LOG")" ;; esac
URL=https://127.0.0.1:$PORT

# tls NAME METHOD PATH [curl args]: as client certificate NAME ("-" none);
# the body in $T/body, "STATUS CURL_EXIT" on stdout
tls() {
	n=$1 m=$2 p=$3
	shift 3
	if [ "$n" = - ]; then set -- "$@"; else set -- --cert "$P/$n.pem" --key "$P/$n.key" "$@"; fi
	: >"$T/body"
	code=$(curl -sS -o "$T/body" -w '%{http_code}' --cacert "$P/ca.pem" -X "$m" "$@" "$URL$p" 2>"$T/curl.err")
	echo "$code $?"
}
unix() { api_req "$@"; } # unix METHOD PATH [curl args]: status; body in $T/body
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$T/body" "$1"; }
logged() { grep -c "$1" "$TREXD_LOG"; }

# --- identity ----------------------------------------------------------------
MAN='{"project":"P1","dataset":"synth","runtime":"shell","command":["true"],"outputs":[]}'
printf '{"manifest":%s,"files":{"a.sh":""}}' "$MAN" >"$T/job.json"
expect_eq "root submits over the unix socket" 201 "$(unix POST /v1/jobs --data-binary @"$T/job.json")"
ROOTJOB=$(field id)
expect_eq "CN=nobody submits over TLS" "201 0" "$(tls nobody POST /v1/jobs --data-binary @"$T/job.json")"
NOBJOB=$(field id)
# pipelined over TLS around deferred submissions (submit.c answers from a
# pool thread): the answers come back in request order
python3 "$TREX_ROOT/tests/pipeline.py" tls "$PORT" "$P" "$T/job.json" POST:/v1/jobs:body GET:/healthz \
	POST:/v1/jobs:body GET:/nope >"$T/pipe" 2>&1
expect_eq "TLS: pipelined answers in order around deferred submissions" "201 200 201 404" "$(cat "$T/pipe")"
expect_eq "CN=nobody reads its job over TLS" "200 0" "$(tls nobody GET "/v1/jobs/$NOBJOB")"
expect_eq "... stored as the account nobody (uid)" "$NOBJOB 65534" "$(field id) $(field submitted_uid)"
expect_eq "CN=nobody does not see root's job" "404 0" "$(tls nobody GET "/v1/jobs/$ROOTJOB")"
expect_eq "... not_found, as on the unix socket" not_found "$(field error.code)"
expect_eq "CN=root sees its own job over TLS" "200 0" "$(tls root GET "/v1/jobs/$ROOTJOB")"
expect_eq "... root's job" "0 $ROOTJOB" "$(field submitted_uid) $(field id)"
expect_eq "root's unix-socket view of nobody's TLS job" 200 "$(unix GET "/v1/jobs/$NOBJOB")"
expect_eq "... submitted_uid the same" 65534 "$(field submitted_uid)"
expect_eq "a CN with no account on the host: 403" "403 0" "$(tls ghost GET "/v1/jobs/$NOBJOB")"
expect_eq "... unknown_user" "unknown_user \"no-such-account-here\" is not an account of this host" \
	"$(field error.code) $(field error.message)"

# --- server-sent events over TLS, filtered for the certificate's user ---
curl -sN --max-time 60 --cacert "$P/ca.pem" --cert "$P/nobody.pem" --key "$P/nobody.key" \
	"$URL/v1/events" >"$T/events.out" 2>/dev/null &
EVPID=$!
i=0
while ! grep -q '^: trexd events' "$T/events.out" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "root submits while nobody listens over TLS" 201 "$(unix POST /v1/jobs --data-binary @"$T/job.json")"
HIDDEN=$(field id)
expect_eq "nobody submits over TLS" "201 0" "$(tls nobody POST /v1/jobs --data-binary @"$T/job.json")"
SEEN=$(field id)
i=0
while ! grep -q "$SEEN" "$T/events.out" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill "$EVPID" 2>/dev/null
wait "$EVPID" 2>/dev/null
expect_eq "the TLS event stream carries nobody's job (queued)" 1 \
	"$(grep -c "^data: {\"id\":\"$SEEN\",\"state\":\"queued\"" "$T/events.out")"
expect_eq "... and not root's" 0 "$(grep -c "$HIDDEN" "$T/events.out")"

# --- refused handshakes: curl exit 56 = the server's alert on first read,
# 35 = during the handshake; no HTTP answer in any case
expect_eq "no client certificate: no answer" "000 56" "$(tls - GET /healthz)"
grep -q 'alert certificate required' "$T/curl.err" && ok "... alert certificate required" ||
	not_ok "alert certificate required" "$(cat "$T/curl.err")"
expect_eq "... logged" 1 "$(logged 'tls_refused .*error="peer did not return a certificate"')"
expect_eq "certificate of another CA: no answer" "000 56" "$(tls evil GET /healthz)"
grep -q 'alert unknown ca' "$T/curl.err" && ok "... alert unknown ca" || not_ok "unknown ca" "$(cat "$T/curl.err")"
expect_eq "... logged" 1 "$(logged 'tls_refused .*error="client certificate: unable to get local issuer certificate"')"
expect_eq "certificate with no CN: no answer" "000 56" "$(tls nocn GET /healthz)"
expect_eq "... logged" 1 "$(logged 'tls_refused .*error="client certificate names no user')"
expect_eq "server-only certificate used as a client's: no answer" "000 56" "$(tls servonly GET /healthz)"
expect_eq "... logged" 1 "$(logged 'tls_refused .*error="client certificate: unsuitable certificate purpose"')"
out=$(openssl s_client -tls1_2 -connect "127.0.0.1:$PORT" -cert "$P/root.pem" -key "$P/root.key" \
	-CAfile "$P/ca.pem" </dev/null 2>&1)
expect_eq "openssl s_client -tls1_2 fails" 1 $?
echo "$out" | grep -q 'alert protocol version' && ok "... alert protocol version" ||
	not_ok "protocol version alert" "$out"
expect_eq "... logged" 1 "$(logged 'tls_refused .*error="unsupported protocol"')"
out=$(openssl s_client -tls1_3 -connect "127.0.0.1:$PORT" -cert "$P/root.pem" -key "$P/root.key" \
	-CAfile "$P/ca.pem" -verify_return_error </dev/null 2>&1)
echo "$out" | grep -q '^New, TLSv1.3, Cipher is' && ok "openssl s_client -tls1_3 connects" ||
	not_ok "TLS 1.3" "$out"

# --- bad requests over TLS, while another TLS client keeps being served -----
cat >"$T/raw.py" <<'PY'
# raw.py PKI PORT: a keep-alive TLS client A, bad requests on fresh TLS
# connections in between, A served after each; prints one line per answer
import json, socket, ssl, sys
pki, port = sys.argv[1], int(sys.argv[2])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(pki + "/ca.pem")
ctx.load_cert_chain(pki + "/nobody.pem", pki + "/nobody.key")
def conn():
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30),
                        server_hostname="127.0.0.1")
    return s
def answer(s):  # one HTTP answer: (status, json body, closed after?)
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            return ("eof", None, True)
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
    while len(body) < n:
        body += s.recv(65536)
    closed = b"connection: close" in head.lower()
    return (head.split(b" ")[1].decode(), json.loads(body), closed)
a = conn()
def a_ok(tag):
    a.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    st, j, closed = answer(a)
    print(tag, st, j["status"], "close" if closed else "keep-alive")
a_ok("A")
for name, req in [("garbage", b"NOT HTTP AT ALL\r\n\r\n"),
                  ("header", b"GET /healthz HTTP/1.1\r\nX-Big: " + b"x" * 40000 + b"\r\n\r\n"),
                  ("body", b"POST /v1/jobs HTTP/1.1\r\nContent-Length: 20000000\r\n\r\n")]:
    b = conn()
    b.sendall(req)
    st, j, closed = answer(b)
    print(name, st, j["error"]["code"], "close" if closed else "keep-alive")
    b.close()
    a_ok("A")
PY
python3 "$T/raw.py" "$P" "$PORT" >"$T/raw.out" 2>&1
expect_eq "bad requests over TLS: JSON errors, A still served on its connection" \
	"A 200 ok keep-alive
garbage 400 bad_request close
A 200 ok keep-alive
header 431 bad_request close
A 200 ok keep-alive
body 413 too_large close
A 200 ok keep-alive" "$(cat "$T/raw.out")"
# the same requests on the unix socket give the same answers
cat >"$T/rawunix.py" <<'PY'
import json, socket, sys
for req in [b"NOT HTTP AT ALL\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nX-Big: " + b"x" * 40000 + b"\r\n\r\n",
            b"POST /v1/jobs HTTP/1.1\r\nContent-Length: 20000000\r\n\r\n"]:
    s = socket.socket(socket.AF_UNIX); s.settimeout(30); s.connect(sys.argv[1])
    s.sendall(req)
    buf = b""
    while True:
        d = s.recv(65536)
        if not d: break
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    print(head.split(b" ")[1].decode(), json.loads(body)["error"])
PY
python3 "$T/rawunix.py" "$SOCK" >"$T/rawunix.out" 2>&1
expect_eq "... the same JSON errors as on the unix socket" \
	"400 {'code': 'bad_request', 'message': 'malformed HTTP request: HPE_INVALID_METHOD'}
431 {'code': 'bad_request', 'message': 'request line and headers exceed 32 KiB'}
413 {'code': 'too_large', 'message': 'request body exceeds the limit'}" "$(cat "$T/rawunix.out")"
cat >"$T/rawtls.py" <<'PY'
import json, socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(sys.argv[1] + "/ca.pem")
ctx.load_cert_chain(sys.argv[1] + "/nobody.pem", sys.argv[1] + "/nobody.key")
for req in [b"NOT HTTP AT ALL\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nX-Big: " + b"x" * 40000 + b"\r\n\r\n",
            b"POST /v1/jobs HTTP/1.1\r\nContent-Length: 20000000\r\n\r\n"]:
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=30),
                        server_hostname="127.0.0.1")
    s.sendall(req)
    buf = b""
    while True:
        try:
            d = s.recv(65536)
        except ssl.SSLZeroReturnError:
            break
        if not d: break
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    print(head.split(b" ")[1].decode(), json.loads(body)["error"])
PY
python3 "$T/rawtls.py" "$P" "$PORT" >"$T/rawtls.out" 2>&1
expect_eq "... word for word over TLS (closed with close_notify)" "$(cat "$T/rawunix.out")" "$(cat "$T/rawtls.out")"

# --- slow handshakes are closed (handshake_timeout_ms 500) -------------------
cat >"$T/slow.py" <<'PY'
# slow.py PORT MODE: connect and send nothing ("silent") or the first bytes
# of a ClientHello one at a time ("trickle"); print how the server ended it
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
hello = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])
s.settimeout(0.2)
for i in range(300):  # at most 60 s, far above the 0.5 s timeout
    if sys.argv[2] == "trickle" and i < len(hello):
        try:
            s.send(hello[i:i + 1])
        except OSError:
            print("closed"); sys.exit(0)
    try:
        d = s.recv(100)
        print("closed" if d == b"" else "data"); sys.exit(0)
    except socket.timeout:
        continue
    except ConnectionResetError:
        print("closed"); sys.exit(0)
print("still open")
PY
expect_eq "a silent client is closed after the handshake timeout" closed "$(python3 "$T/slow.py" "$PORT" silent)"
expect_eq "a trickling ClientHello is closed too" closed "$(python3 "$T/slow.py" "$PORT" trickle)"
expect_eq "... both logged" 2 "$(logged 'event=tls_handshake_timeout .*ms=500')"
expect_eq "served after the slow clients" "200 0" "$(tls root GET /healthz)"

# --- the trex CLI over TLS ---------------------------------------------------
TX="$BIN/trex --url $URL --cacert $P/ca.pem"
out=$($TX --cert "$P/nobody.pem" --key "$P/nobody.key" status "$NOBJOB" --json 2>&1)
expect_eq "trex --url status: exit 0" 0 $?
expect_eq "... nobody's job" "$NOBJOB" "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>&1)"
mkdir -p "$T/cli" && printf 'true\n' >"$T/cli/a.sh"
echo "$MAN" >"$T/cli/manifest.json"
out=$(TREX_URL=$URL TREX_CERT=$P/nobody.pem TREX_KEY=$P/nobody.key TREX_CACERT=$P/ca.pem \
	"$BIN/trex" submit "$T/cli/manifest.json" 2>"$T/submit.err")
expect_eq "trex submit with TREX_URL/TREX_CERT/TREX_KEY/TREX_CACERT: exit 0" 0 $?
expect_eq "... the job is nobody's on the unix socket" 200 "$(unix GET "/v1/jobs/$out")"
expect_eq "... submitted_uid" 65534 "$(field submitted_uid)"
out=$("$BIN/trex" --url "https://localhost:$PORT/" --cacert "$P/ca.pem" --cert "$P/root.pem" \
	--key "$P/root.key" status "$ROOTJOB" --json 2>&1)
expect_eq "trex --url https://localhost:PORT/ (DNS name in the SAN): exit 0" 0 $?
out=$($TX status "$NOBJOB" 2>&1)
expect_eq "trex without a client certificate: exit 1" 1 $?
expect_eq "... says trexd refused it" \
	"trex: TLS read with 127.0.0.1:$PORT failed: tlsv13 alert certificate required (trexd refused our client certificate: see --cert/--key)" "$out"
out=$("$BIN/trex" --url "$URL" --cacert "$P/other.pem" --cert "$P/root.pem" --key "$P/root.key" \
	status "$ROOTJOB" 2>&1)
expect_eq "trex with the wrong --cacert: exit 4 (trexd not reached)" 4 $?
expect_eq "... trexd's certificate not trusted" \
	"trex: trexd's certificate at 127.0.0.1:$PORT is not trusted: unable to get local issuer certificate (see --cacert)" "$out"
out=$($TX --socket "$SOCK" status "$ROOTJOB" 2>&1)
expect_eq "trex --socket with --url: usage error" 2 $?
out=$("$BIN/trex" --url "http://127.0.0.1:$PORT" status "$ROOTJOB" 2>&1)
expect_eq "trex --url http://: usage error" 2 $?

# --- trex wait follows the job's event stream over TLS ---
out=$($TX --cert "$P/nobody.pem" --key "$P/nobody.key" wait "$SEEN" 2>&1)
expect_eq "trex --url wait: a failed job exits 13" 13 $?
expect_eq "... after following its events over TLS" 1 "$(logged "event=events_subscribed uid=65534 job=$SEEN ")"

# --- SIGHUP: certificates reloaded, or kept with an error --------------------
subject() {
	openssl s_client -connect "127.0.0.1:$PORT" -cert "$P/root.pem" -key "$P/root.key" \
		-CAfile "$P/ca.pem" </dev/null 2>/dev/null | sed -n 's/^subject=//p' | head -1
}
expect_eq "server certificate before the reload" "CN = trexd" "$(subject)"
reload_wait() { # reload_wait N: until the Nth reload line
	kill -HUP "$PID"
	i=0
	while [ "$(grep -c 'event=config_reload' "$TREXD_LOG")" -lt "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
conf "$TREXD_CONF" "{\"listen\": \"127.0.0.1:0\", \"cert\": \"$P/srv2.pem\", \"key\": \"$P/srv.key\",
          \"client_ca\": \"$P/ca.pem\", \"handshake_timeout_ms\": 500}"
reload_wait 1
expect_eq "a reload whose key does not match is refused" 1 \
	"$(logged "event=config_reload_failed kept=old error=\"tls.key $P/srv.key does not match tls.cert $P/srv2.pem")"
expect_eq "... the old certificate still served" "CN = trexd" "$(subject)"
expect_eq "... and requests too" "200 0" "$(tls nobody GET "/v1/jobs/$NOBJOB")"
conf "$TREXD_CONF" "{\"listen\": \"127.0.0.1:0\", \"cert\": \"$P/srv2.pem\", \"key\": \"$P/srv2.key\",
          \"client_ca\": \"$P/ca.pem\", \"handshake_timeout_ms\": 500}"
reload_wait 2
expect_eq "a good reload is applied" 1 "$(logged 'event=config_reloaded')"
expect_eq "... new connections get the new certificate" "CN = trexd-rotated" "$(subject)"
out=$($TX --cert "$P/root.pem" --key "$P/root.key" status "$ROOTJOB" 2>&1)
expect_eq "trex checks the IP against the new certificate's SAN (none): exit 4" 4 $?
expect_eq "... IP address mismatch" \
	"trex: trexd's certificate at 127.0.0.1:$PORT is not trusted: IP address mismatch (see --cacert)" "$out"
conf "$TREXD_CONF" "{\"listen\": \"127.0.0.1:1\", \"cert\": \"$P/srv2.pem\", \"key\": \"$P/srv2.key\",
          \"client_ca\": \"$P/ca.pem\"}"
reload_wait 3
expect_eq "changing tls.listen needs a restart" 1 \
	"$(grep -cF 'event=config_reload_failed kept=old error=""tls.listen" changed: it needs a restart"' "$TREXD_LOG")"

trexd_stop
expect_eq "trexd stops cleanly with TLS clients gone" 0 $?
PID=
done_testing
