#!/bin/sh
# Revocation of single client certificates (tls.crl, issue #18 item 8)
# against a real trexd: a CA and its CRLs made with `openssl ca` at test
# time, two client certificates; the revoked one is refused at the
# handshake while the other is served, a second revocation applies at the
# next SIGHUP (the privileged monitor hands the new CRL to the service as
# a further fd), and a CRL trexd cannot trust is a configuration error
# naming the file at start and keeps the old CRL at a reload.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_init trexd-crl
mkdir -p "$T/data" "$T/pki"

# --- a throwaway PKI with a CRL-issuing CA -----------------------------------
P=$T/pki
ca() { # ca NAME [SUBJECT]: a self-signed CA that may sign CRLs, and its `openssl ca` state
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$P/$1.key" -out "$P/$1.pem" -subj "${2:-/CN=$1}" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>>"$T/pki.log" &&
		: >"$P/$1.index" && echo 01 >"$P/$1.crlnum" &&
		printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\ndefault_crl_days = 1\n' \
			"$P/$1.index" "$P/$1.crlnum" >"$P/$1.cnf"
}
leaf() { # leaf CA NAME SUBJECT EXTENSIONS
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$P/$2.key" -out "$P/$2.csr" -subj "$3" 2>>"$T/pki.log" &&
		printf '%s\n' "$4" >"$P/$2.ext" &&
		openssl x509 -req -in "$P/$2.csr" -CA "$P/$1.pem" -CAkey "$P/$1.key" \
			-CAcreateserial -days 2 -out "$P/$2.pem" -extfile "$P/$2.ext" 2>>"$T/pki.log"
}
crl() { # crl CA OUT [openssl ca args]: the CA's current CRL
	c=$1 o=$2
	shift 2
	openssl ca -config "$P/$c.cnf" -gencrl -keyfile "$P/$c.key" -cert "$P/$c.pem" \
		-out "$P/$o" "$@" 2>>"$T/pki.log"
}
revoke() { # revoke CA NAME
	openssl ca -config "$P/$1.cnf" -revoke "$P/$2.pem" -keyfile "$P/$1.key" \
		-cert "$P/$1.pem" 2>>"$T/pki.log"
}
CLIENT="extendedKeyUsage=clientAuth"
ca ca && ca other && ca fake /CN=ca &&
	leaf ca srv /CN=trexd "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth" &&
	leaf ca nobody /CN=nobody "$CLIENT" &&
	leaf ca root /CN=root "$CLIENT" &&
	crl ca none.crl && revoke ca nobody && crl ca nobody.crl &&
	crl other other.crl && crl fake fake.crl &&
	crl ca short.crl -crlsec 1 &&
	cat "$P/nobody.crl" "$P/other.crl" >"$P/two.crl" &&
	printf 'not a CRL\n' >"$P/garbage.crl"
expect_eq "openssl made the test PKI and CRLs" 0 $?

# --- configuration -----------------------------------------------------------
conf() { # conf FILE CRL: "tls" with tls.crl CRL ("" for none)
	keep=$TREXD_CONF
	TREXD_CONF=$1
	c=
	[ -n "$2" ] && c=", \"crl\": \"$2\""
	trexd_config_write "\"sandbox\": \"$T/no-such-sandbox\"" '"require_permit": false' \
		"\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": []}}" \
		'"users": {"root": {"uid": 0, "roles": ["researcher", "operator"]},
            "nobody": {"uid": 65534, "roles": ["researcher"]}}' \
		"\"tls\": {\"listen\": \"127.0.0.1:0\", \"cert\": \"$P/srv.pem\", \"key\": \"$P/srv.key\",
          \"client_ca\": \"$P/ca.pem\"$c}"
	TREXD_CONF=$keep
}
nck() { "$BIN/trexd" -n --config "$1" 2>&1 | sed 's/^trexd: //'; }
conf "$T/c.json" "$P/no-such.crl"
expect_eq "-n: a missing CRL file is named" \
	"tls.crl $P/no-such.crl: No such file or directory" "$(nck "$T/c.json")"
conf "$T/c.json" "$P/garbage.crl"
expect_eq "-n: a file with no CRL in it" "tls.crl $P/garbage.crl: no PEM CRL in it" "$(nck "$T/c.json")"
conf "$T/c.json" "$P/other.crl"
expect_eq "-n: a CRL of a CA that is not tls.client_ca's" \
	"tls.crl $P/other.crl: CRL 1 is not signed by a CA of tls.client_ca" "$(nck "$T/c.json")"
conf "$T/c.json" "$P/fake.crl"
expect_eq "-n: a CRL naming the CA as issuer but signed by another key" \
	"tls.crl $P/fake.crl: CRL 1 is not signed by a CA of tls.client_ca" "$(nck "$T/c.json")"
conf "$T/c.json" "$P/two.crl"
expect_eq "-n: a good CRL followed by a foreign one: the second is named" \
	"tls.crl $P/two.crl: CRL 2 is not signed by a CA of tls.client_ca" "$(nck "$T/c.json")"
sleep 2 # short.crl's nextUpdate (1 s) has passed
conf "$T/c.json" "$P/short.crl"
expect_eq "-n: an expired CRL" \
	"tls.crl $P/short.crl: CRL 1 has expired (nextUpdate passed): issue a new one" "$(nck "$T/c.json")"
conf "$T/c.json" "$P/nobody.crl"
# the next check of -n is the (absent) sandbox's: the TLS files passed
expect_eq "-n: the CA's own CRL is accepted" \
	"sandbox $T/no-such-sandbox: No such file or directory" "$(nck "$T/c.json")"

# --- start: a bad CRL stops trexd, naming the file ---------------------------
conf "$TREXD_CONF" "$P/other.crl"
"$BIN/trexd" --config "$TREXD_CONF" >"$T/bad-start.log" 2>&1
expect_eq "trexd with a foreign CRL does not start" 1 $?
expect_eq "... and says which file" 1 \
	"$(grep -c "tls.crl $P/other.crl: CRL 1 is not signed by a CA of tls.client_ca" "$T/bad-start.log")"

# the live CRL is a copy the test rewrites, as an operator would
cp "$P/nobody.crl" "$P/live.crl"
conf "$TREXD_CONF" "$P/live.crl"
check "trexd starts with tls.crl" trexd_start
i=0
while ! grep -q 'event=trexd_started' "$TREXD_LOG" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(sed -n 's/.*event=trexd_started .*tls=127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$TREXD_LOG")
case "$PORT" in [1-9]*) ok "trexd names its TLS port ($PORT)" ;; *) not_ok "TLS port" "$(cat "$TREXD_LOG")" ;; esac

tls() { # tls NAME PATH: "STATUS CURL_EXIT" as client certificate NAME
	code=$(curl -sS -o "$T/body" -w '%{http_code}' --cacert "$P/ca.pem" --cert "$P/$1.pem" \
		--key "$P/$1.key" "https://127.0.0.1:$PORT$2" 2>"$T/curl.err")
	echo "$code $?"
}
logged() { grep -c "$1" "$TREXD_LOG"; }
reload_wait() { # reload_wait N: until the Nth reload line (applied or refused)
	kill -HUP "$PID"
	i=0
	while [ "$(grep -c 'event=config_reload' "$TREXD_LOG")" -lt "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

expect_eq "the revoked certificate (CN=nobody) is refused at the handshake" "000 56" \
	"$(tls nobody /healthz)"
expect_eq "... logged as revoked" 1 "$(logged 'tls_refused .*error="client certificate: certificate revoked"')"
expect_eq "the other certificate (CN=root) is served" "200 0" "$(tls root /healthz)"

# --- revoke the second one too, reload ----------------------------------------
revoke ca root && crl ca both.crl
expect_eq "openssl revoked CN=root" 0 $?
cp "$P/both.crl" "$P/live.crl"
expect_eq "before the reload CN=root is still served (the CRL was read at start)" "200 0" \
	"$(tls root /healthz)"
reload_wait 1
expect_eq "SIGHUP applies the new CRL" 1 "$(logged 'event=config_reloaded')"
expect_eq "... CN=root is refused now" "000 56" "$(tls root /healthz)"
expect_eq "... logged as revoked" 2 "$(logged 'tls_refused .*error="client certificate: certificate revoked"')"

# --- a bad CRL at a reload keeps the old one and says why ---------------------
cp "$P/none.crl" "$P/ok.crl"
conf "$TREXD_CONF" "$P/other.crl"
reload_wait 2
expect_eq "a reload with a foreign CRL is refused, naming the file" 1 \
	"$(logged "event=config_reload_failed kept=old error=\"tls.crl $P/other.crl: CRL 1 is not signed by a CA of tls.client_ca")"
expect_eq "... the old CRL still applies (CN=root refused)" "000 56" "$(tls root /healthz)"
cp "$P/garbage.crl" "$P/live.crl"
conf "$TREXD_CONF" "$P/live.crl"
reload_wait 3
expect_eq "a reload with a CRL file that holds none is refused" 1 \
	"$(logged "event=config_reload_failed kept=old error=\"tls.crl $P/live.crl: no PEM CRL in it")"
expect_eq "... CN=nobody still refused" "000 56" "$(tls nobody /healthz)"

# --- an empty CRL revokes nothing; no tls.crl checks nothing -------------------
conf "$TREXD_CONF" "$P/ok.crl"
reload_wait 4
expect_eq "a CRL revoking nothing is applied" 2 "$(logged 'event=config_reloaded')"
expect_eq "... CN=root served again" "200 0" "$(tls root /healthz)"
expect_eq "... and CN=nobody" "200 0" "$(tls nobody /healthz)"
conf "$TREXD_CONF" ""
reload_wait 5
expect_eq "tls.crl removed at a reload: applied" 3 "$(logged 'event=config_reloaded')"
expect_eq "... CN=nobody served" "200 0" "$(tls nobody /healthz)"
conf "$TREXD_CONF" "$P/live.crl"
cp "$P/both.crl" "$P/live.crl"
reload_wait 6
expect_eq "tls.crl added at a reload: applied" 4 "$(logged 'event=config_reloaded')"
expect_eq "... CN=nobody refused again" "000 56" "$(tls nobody /healthz)"

trexd_stop
expect_eq "trexd stops cleanly" 0 $?
PID=
done_testing
