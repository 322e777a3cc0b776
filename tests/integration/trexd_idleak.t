#!/bin/sh
# trexd end to end: a dataset declares id_columns; trexd builds its
# identifier index once (cached under STATE/idindex) and the checker fails
# any output carrying one of those identifiers, reason "identifier", without
# echoing the value. Needs root (the sandbox does) and trex-check.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

if [ ! -x "$BIN/trex-sandbox" ] || [ ! -x "$BIN/trex-check" ] || [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs $BIN/trex-sandbox, $BIN/trex-check and root"
	exit 0
fi

T=$(mktemp -d /tmp/trexd-idleak.XXXXXX)
SOCK=$T/s.sock
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

ID1=3f1c9a0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a
mkdir -p "$T/data" "$T/state"
printf 'patient_id,age_band,sex\n%s,20-29,F\n9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b,30-39,M\n' \
	"$ID1" >"$T/data/patients.csv"
chmod 755 "$T" "$T/data"
chmod 644 "$T/data/patients.csv"
cat >"$T/trexd.json" <<JSON
{
  "state_dir": "$T/state",
  "socket": "$SOCK",
  "policy_dir": "$TREX_ROOT/policies/disclosure",
  "concurrency": 1,
  "require_permit": false,
  "datasets": {"synth": {"path": "$T/data", "id_columns": ["patient_id"]}}
}
JSON

start() {
	"$BIN/trexd" --config "$T/trexd.json" >>"$T/trexd.log" 2>&1 &
	PID=$!
	i=0
	while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -S "$SOCK" ]
}
get() { curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$SOCK" "http://trexd$1"; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$T/body" "$1"; }
submit() {
	printf '{"manifest":{"project":"ID","dataset":"synth","runtime":"shell","command":%s,"outputs":%s},"files":{}}' \
		"$1" "$2" >"$T/req.json"
	curl -s --unix-socket "$SOCK" -X POST --data-binary @"$T/req.json" http://trexd/v1/jobs |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("id", "none"))'
}
wait_job() {
	i=0
	while [ $i -lt 600 ]; do
		get "/v1/jobs/$1" >/dev/null
		case "$(field state)" in queued | running | checking) ;; *) return 0 ;; esac
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
DECL='[{"path":"t.csv","kind":"frequency_table","dimensions":["age_band","sex"],"count":"n"}]'

check "trexd starts" start

# the job copies a patient_id from /data into a declared table
ID=$(submit '["sh","-c","id=$(sed -n 2p /data/patients.csv | cut -d, -f1); printf \"age_band,sex,n,note\\n20-29,F,40,$id\\n30-39,M,35,\\n\" > /output/t.csv"]' "$DECL")
check "leaking job ends" wait_job "$ID"
expect_eq "leaking job: blocked" blocked "$(field state)"
expect_eq "leaking table: fail" fail "$(field outputs.0.verdict)"
expect_eq "leaking table: summary" "identifier leak" "$(field outputs.0.summary)"
case "$(field report.files.0.reasons.0)" in
identifier:*) ok "reason names the identifier rule" ;;
*) not_ok "reason names the identifier rule" "$(head -c 600 "$T/body")" ;;
esac
check "leaking table not in the release area" test ! -e "$T/state/release/ID/$ID/t.csv"
check "index cached in the state dir" sh -c "ls '$T'/state/idindex/*/ids.bin"
if grep -qF "$ID1" "$T/body" "$T/trexd.log"; then
	not_ok "identifier never echoed (report, trexd log)" "found"
else
	ok "identifier never echoed (report, trexd log)"
fi

# a value that merely looks like an identifier passes
ID=$(submit '["sh","-c","printf \"age_band,sex,n,note\\n20-29,F,40,0f1c9a0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a\\n30-39,M,35,\\n\" > /output/t.csv"]' "$DECL")
check "look-alike job ends" wait_job "$ID"
expect_eq "look-alike: released" released "$(field state)"
expect_eq "look-alike: pass" pass "$(field outputs.0.verdict)"
expect_eq "one index for the dataset" 1 "$(ls -d "$T"/state/idindex/*/ | wc -l)"

done_testing
