#!/bin/sh
# trexd end to end, differencing: trexd hands the checker the tables already
# released for the job's project; a second table over the same dimensions
# that differs from the first by 3 people (< threshold 10) is held for
# review, reason "differencing". Needs root (the sandbox does) and trex-check.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

if [ ! -x "$BIN/trex-sandbox" ] || [ ! -x "$BIN/trex-check" ] || [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs $BIN/trex-sandbox, $BIN/trex-check and root"
	exit 0
fi

T=$(mktemp -d /tmp/trexd-diff.XXXXXX)
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
	printf '{"manifest":{"project":"%s","dataset":"synth","runtime":"shell","command":%s,"outputs":%s},"files":{}}' \
		"${PROJECT:-DIFF}" "$1" "$2" >"$T/req.json"
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
table() { printf '["sh","-c","printf \\"age_band,sex,n\\\\n20-29,F,120\\\\n20-29,M,131\\\\n30-39,F,%s\\\\n30-39,M,%s\\\\n\\" > /output/t.csv"]' "$1" "$2"; }

check "trexd starts" start

ID=$(submit "$(table 99 87)" "$DECL")
check "first job ends" wait_job "$ID"
expect_eq "first table released" released "$(field state)"
check "first table in the release area" test -f "$T/state/release/DIFF/$ID/t.csv"

# the same table minus 3 people: the subtraction shows a group of 3
ID=$(submit "$(table 97 86)" "$DECL")
check "second job ends" wait_job "$ID"
expect_eq "second table: review" review "$(field outputs.0.verdict)"
case "$(field report.files.0.reasons.0)" in
differencing:*) ok "reason names differencing" ;;
*) not_ok "reason names differencing" "$(head -c 600 "$T/body")" ;;
esac
check "second table not released" test ! -e "$T/state/release/DIFF/$ID/t.csv"

# far from it: released; and another project's releases do not count
ID=$(submit "$(table 60 86)" "$DECL")
check "third job ends" wait_job "$ID"
expect_eq "a table far from the first: pass" pass "$(field outputs.0.verdict)"
ID=$(PROJECT=OTHER submit "$(table 97 86)" "$DECL")
check "other project's job ends" wait_job "$ID"
expect_eq "another project: pass" pass "$(field outputs.0.verdict)"

done_testing
