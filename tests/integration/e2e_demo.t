#!/bin/sh
# End to end, as `make demo` runs it: a real trexd on a temporary socket,
# real sandboxes, the real checker, the trex CLI and the three example jobs
# against a trex-synth extract. Asserts what each job must end as:
#   crosstab-python  released; the fetched file's SHA-256 is the one listed
#   small-cells      released with its small cells empty, none below 10 shown
#   malicious        blocked: nothing released, nothing fetchable
# and that trexd still answers afterwards and stops cleanly.
. "$(dirname "$0")/../lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
PY=/usr/bin/python3
EX="$TREX_ROOT/examples"
trexd_init trex-e2e

missing=""
for b in trexd trex-sandbox trex-check trex trex-synth; do
	[ -x "$BIN/$b" ] || missing="$missing $b"
done
if [ -n "$missing" ]; then
	not_ok "binaries built" "missing in $BIN:$missing"
	done_testing
	exit 1
fi
ok "binaries built"
trex() { "$BIN/trex" --socket "$SOCK" "$@"; }
# json FILE EXPR: evaluate a python expression over the JSON document j
json() { $PY -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

"$BIN/trex-synth" --out "$T/data" --patients 5000 --seed 2026 --quiet
check "synthetic extract generated" test -s "$T/data/patients.csv"

# the examples run under one data permit, signed by an approver key that
# this trexd trusts (as scripts/demo.sh does)
mkdir -p "$T/keys"
"$BIN/trex" permit keygen "$T/keys/approver.key" "$T/keys/approver.pub" >/dev/null
cat >"$T/permit.unsigned.json" <<JSON
{"permit_id": "DEMO-P2026-041", "project": "P2026-041", "researchers": ["$(id -un)"],
 "datasets": ["snds-synth"], "runtimes": ["python3", "r"], "policy": "default",
 "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"}
JSON
check "trex permit sign" "$BIN/trex" permit sign --key "$T/keys/approver.key" \
	"$T/permit.unsigned.json" -o "$T/permit.json"
trexd_config_write "\"approver_keys\": [\"$T/keys/approver.pub\"]" \
	"\"datasets\": {\"snds-synth\": {\"path\": \"$T/data\", \"id_columns\": [\"patient_id\"]}}"
"$BIN/trexd" -n --config "$TREXD_CONF" >"$T/n.log" 2>&1
expect_eq "trexd accepts the config (trexd -n)" 0 $?
if trexd_start; then ok "trexd started"; else
	not_ok "trexd started" "$(tail -n 5 "$T/trexd.log" | tr '\n' ' ')"
	done_testing
	exit 1
fi

for j in crosstab-python small-cells malicious; do
	trex submit "$EX/$j/manifest.json" --permit "$T/permit.json" >"$T/$j.id" 2>"$T/$j.submit"
	expect_eq "submit $j" "0" "$?"
done
trex submit "$EX/crosstab-python/manifest.json" >/dev/null 2>"$T/nopermit"
expect_eq "submit without the permit: refused" \
	"trex: trexd refused (HTTP 400 permit_missing): this trexd requires a signed data permit with every job (trex submit --permit FILE)" \
	"$(cat "$T/nopermit")"
A=$(cat "$T/crosstab-python.id")
B=$(cat "$T/small-cells.id")
C=$(cat "$T/malicious.id")

# --- a: a table with large cells only is released as is
trex wait "$A" --timeout 300 >"$T/a.wait" 2>&1
expect_eq "a: wait exits 0 (released)" 0 $?
trex status "$A" --json >"$T/a.json"
expect_eq "a: state released" released "$(json "$T/a.json" 'j["state"]')"
expect_eq "a: age_sex.csv passed and released" "pass True" \
	"$(json "$T/a.json" '" ".join(str(x) for o in j["outputs"] if o["name"]=="age_sex.csv" for x in (o["verdict"], o["released"]))')"
trex outputs "$A" >"$T/a.outputs"
listed=$(awk -F'\t' '$1 == "age_sex.csv" { print $3 }' "$T/a.outputs")
trex fetch "$A" -o "$T/a" >/dev/null 2>"$T/a.fetch"
expect_eq "a: fetch exits 0" 0 $?
got=$(sha256sum "$T/a/age_sex.csv" 2>/dev/null | cut -d' ' -f1)
expect_eq "a: fetched file's sha256 is the listed one" "$listed" "$got"
expect_eq "a: sha256 in status matches too" "$got" \
	"$(json "$T/a.json" '[o["sha256"] for o in j["outputs"] if o["name"]=="age_sex.csv"][0]')"
expect_eq "a: long-format header" "age_band,sex,n" "$(head -n 1 "$T/a/age_sex.csv" 2>/dev/null | tr -d '\r')"
expect_eq "a: 10 cells (5 age bands x 2 sexes)" 11 "$(wc -l <"$T/a/age_sex.csv" 2>/dev/null | tr -d ' ')"

# --- b: small cells come out suppressed (empty) in the released copy
trex wait "$B" --timeout 300 >"$T/b.wait" 2>&1
expect_eq "b: wait exits 0 (released with suppression)" 0 $?
trex status "$B" --json >"$T/b.json"
expect_eq "b: verdict suppressed" suppressed \
	"$(json "$T/b.json" '[o["verdict"] for o in j["outputs"] if o["name"]=="ald_age_sex.csv"][0]')"
trex fetch "$B" ald_age_sex.csv -o "$T/b" >/dev/null 2>"$T/b.fetch"
expect_eq "b: fetch exits 0" 0 $?
F="$T/b/ald_age_sex.csv"
# CSV lines may end in CRLF (RFC 4180); the checks below ignore the CR
expect_eq "b: header kept" "condition,age_band,sex,n" "$(head -n 1 "$F" 2>/dev/null | tr -d '\r')"
expect_eq "b: every cell still there (3 x 5 x 2)" 31 "$(wc -l <"$F" 2>/dev/null | tr -d ' ')"
empty=$(awk -F, '{ sub(/\r$/, "") } NR > 1 && $4 == "" { n++ } END { print n + 0 }' "$F" 2>/dev/null)
check "b: some cells suppressed (empty)" test "${empty:-0}" -gt 0
small=$(awk -F, '{ sub(/\r$/, "") } NR > 1 && $4 != "" && $4 + 0 > 0 && $4 + 0 < 10 { n++ } END { print n + 0 }' "$F" 2>/dev/null)
expect_eq "b: no count between 1 and 9 left visible" 0 "${small:-x}"
kept=$(awk -F, '{ sub(/\r$/, "") } NR > 1 && $4 + 0 >= 10 { n++ } END { print n + 0 }' "$F" 2>/dev/null)
check "b: large cells released" test "${kept:-0}" -gt 0

# --- c: the malicious job releases nothing
trex wait "$C" --timeout 300 >"$T/c.wait" 2>&1
expect_eq "c: wait exits 12 (blocked)" 12 $?
trex status "$C" --json >"$T/c.json"
expect_eq "c: state blocked" blocked "$(json "$T/c.json" 'j["state"]')"
expect_eq "c: no output released" 0 \
	"$(json "$T/c.json" 'sum(1 for o in j["outputs"] if o.get("released"))')"
expect_eq "c: summary.csv failed the check" fail \
	"$(json "$T/c.json" '[o["verdict"] for o in j["outputs"] if o["name"]=="summary.csv"][0]')"
expect_eq "c: summary.csv: identifier leak (patient_id is a declared id column)" "identifier leak" \
	"$(json "$T/c.json" '[o.get("summary") for o in j["outputs"] if o["name"]=="summary.csv"][0]')"
expect_eq "c: outputs list empty" "" "$(trex outputs "$C" 2>/dev/null)"
trex fetch "$C" -o "$T/c" >/dev/null 2>&1
expect_eq "c: fetch exits 1" 1 $?
check "c: nothing written by fetch" test ! -e "$T/c/summary.csv" -a ! -e "$T/c/stolen.txt"
trex fetch "$C" stolen.txt -o "$T/c" >/dev/null 2>&1
expect_eq "c: the undeclared file cannot be fetched" 1 $?
check "c: logs held, not released" grep -q "stdout ([0-9]* bytes, held)" "$T/c.wait"

# --- the daemon survived all three
trex status "$A" >/dev/null 2>&1
expect_eq "trexd still answering" 0 $?
check "trexd still running" kill -0 "$PID"
kill -TERM "$PID"
i=0
while kill -0 "$PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$PID" 2>/dev/null; then not_ok "trexd stops on SIGTERM"; else
	ok "trexd stops on SIGTERM"
	wait "$PID" 2>/dev/null
	PID=
fi
done_testing
