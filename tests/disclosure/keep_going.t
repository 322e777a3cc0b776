#!/bin/sh
# trex-check --keep-going (trexd passes it): a declared output that cannot
# be read as declared (malformed CSV, a declared column missing) fails
# alone, rule malformed_output, its reason the located error; the other
# files are checked and released as usual and the run exits 0. Without
# it, the same run ends with exit 2 and no report. A file that is not
# there is still bad usage either way.
. "$(cd "$(dirname "$0")/../.." && pwd)/tests/lib.sh"
. "$TREX_ROOT/tests/lib_check.sh"
check_init keep-going

printf 'g,n\nA,30\nB,40\n' >good.csv
printf 'g,N\nA,30\nB,40\n' >typo.csv
# a quote left open: the streaming check has begun the released copy
printf 'g,n\nA,30\n"B,40\nC,50\n' >broken.csv
cat >m.json <<'JSON'
{"outputs": [{"path": "good.csv", "kind": "frequency_table", "dimensions": ["g"], "count": "n"},
             {"path": "typo.csv", "kind": "frequency_table", "dimensions": ["g"], "count": "n"},
             {"path": "broken.csv", "kind": "frequency_table", "dimensions": ["g"], "count": "n"}]}
JSON
mkdir out1 out2
"$CHECK" --json --manifest m.json --out out1 good.csv typo.csv broken.csv >r1.json 2>err1
expect_eq "without --keep-going: a malformed output ends the run (exit 2)" 2 $?
check "... naming where" grep -q "typo.csv:1:1: missing_column" err1

"$CHECK" --json --keep-going --manifest m.json --out out2 good.csv typo.csv broken.csv >r2.json 2>err2
expect_eq "with --keep-going: exit 0" 0 $?
entry() { jq -c --arg f "$1" '.files[] | select(.file == $f) | [.verdict, .decisions, .released, (.cells | length)]' r2.json; }
expect_eq "the good table is checked and released" '["pass",[],"good.csv",0]' "$(entry good.csv)"
expect_eq "the table whose declared column is missing fails alone" \
	'["fail",[{"rule":"malformed_output","action":"fail","cells":0}],null,0]' "$(entry typo.csv)"
expect_eq "... its reason the located error" \
	"typo.csv:1:1: missing_column: declared count column 'n' is not in the header" \
	"$(jq -r '.files[] | select(.file == "typo.csv") | .reasons[0]' r2.json)"
expect_eq "the malformed CSV fails alone" "fail malformed_output" \
	"$(jq -r '.files[] | select(.file == "broken.csv") | "\(.verdict) \(.decisions[0].rule)"' r2.json)"
check "... its reason says where, never what" sh -c "jq -r '.files[] | select(.file == \"broken.csv\") | .reasons[0]' r2.json | grep -qx 'broken.csv:[0-9]*:[0-9]*: [a-z_]*: [a-zA-Z ]*'"
expect_eq "only the good table's copy is under --out" "good.csv" "$(ls out2 | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the run's verdict is the worst" fail "$(jq -r .verdict r2.json)"
"$CHECK" --json --keep-going --manifest m.json good.csv nothere.csv >/dev/null 2>err3
expect_eq "a file that is not there is still bad usage (exit 2)" 2 $?
done_testing
