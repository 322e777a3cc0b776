#!/bin/sh
# docs/openapi.yaml and runner/api.c agree: every path and method the
# document lists is routed by a running trexd (neither "no route" nor 405),
# every path literal of api_route() appears in the document, and a method
# the document does not list for a path is answered 405.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "1..0 # SKIP needs python3-yaml"
	exit 0
fi
trexd_init trexd-openapi
mkdir -p "$T/d"
check "trexd starts" trexd_start --state-dir "$T/state" --socket "$SOCK" --dataset "d=$T/d" --id-columns d=

# METHOD PATH lines, placeholders filled in
python3 - "$TREX_ROOT/docs/openapi.yaml" >"$T/routes" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
fill = {"{id}": "20261129T000000-000000000001", "{name}": "x.csv", "{project}": "P1"}
for path, ops in d["paths"].items():
    for k, v in fill.items():
        path = path.replace(k, v)
    for m in ops:
        print(m.upper(), path)
PY
check "the document lists routes" test -s "$T/routes"
while read -r m p; do
	# an event stream never ends by itself: its status is all we need
	mt=60
	case "$p" in /v1/events) mt=2 ;; esac
	code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time "$mt" -X "$m" --unix-socket "$SOCK" "http://trexd$p")
	if [ "$code" = 405 ] || grep -q '"no route' "$T/body"; then
		not_ok "$m $p is routed" "got $code $(cat "$T/body")"
	else
		ok "$m $p is routed ($code)"
	fi
	# the other method is not allowed
	other=GET; [ "$m" = GET ] && other=POST
	if ! grep -qx "$other $p" "$T/routes"; then
		expect_eq "$other $p: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X "$other" --unix-socket "$SOCK" "http://trexd$p")"
	fi
done <"$T/routes"

# the other way: every path literal in api_route() is in the document
sed -n '/^void api_route(/,/^}/p' "$TREX_ROOT/runner/api.c" |
	grep -o '"/[^"]*"' | tr -d '"' | sed 's|/$||' | sort -u >"$T/literals"
check "api_route() has path literals" test -s "$T/literals"
while read -r lit; do
	[ -z "$lit" ] && continue
	if grep -q "^  $lit" "$TREX_ROOT/docs/openapi.yaml" ||
		grep -qE "^  /[^ ]*$lit(/|:)" "$TREX_ROOT/docs/openapi.yaml"; then
		ok "route literal $lit is documented"
	else
		not_ok "route literal $lit is documented" "not in docs/openapi.yaml"
	fi
done <"$T/literals"
done_testing
