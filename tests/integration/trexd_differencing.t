#!/bin/sh
# trexd end to end, differencing: trexd hands the checker the tables already
# released for the job's project; a second table over the same dimensions
# that differs from the first by 3 people (< threshold 10) is held for
# review, reason "differencing". Needs root (the sandbox does) and trex-check.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_needs root sandbox check
trexd_init trexd-diff
trexd_ids_fixture
submit() { api_submit "${PROJECT:-DIFF}" synth shell "$1" "$2"; }
DECL='[{"path":"t.csv","kind":"frequency_table","dimensions":["age_band","sex"],"count":"n","bins":{"age_band":[20,30,40]},"labels":{"sex":["F","M"]}}]'
table() { printf '["sh","-c","printf \\"age_band,sex,n\\\\n20-29,F,120\\\\n20-29,M,131\\\\n30-39,F,%s\\\\n30-39,M,%s\\\\n\\" > /output/t.csv"]' "$1" "$2"; }

check "trexd starts" trexd_start

ID=$(submit "$(table 99 87)" "$DECL")
check "first job ends" api_wait_job "$ID"
expect_eq "first table released" released "$(api_field state)"
check "first table in the release area" test -f "$T/state/release/DIFF/$ID/t.csv"

# the same table minus 3 people: the subtraction shows a group of 3
ID=$(submit "$(table 97 86)" "$DECL")
check "second job ends" api_wait_job "$ID"
expect_eq "second table: review" review "$(api_field outputs.0.verdict)"
case "$(api_field report.files.0.reasons.0)" in
differencing:*) ok "reason names differencing" ;;
*) not_ok "reason names differencing" "$(head -c 600 "$T/body")" ;;
esac
check "second table not released" test ! -e "$T/state/release/DIFF/$ID/t.csv"

# far from it: released; and another project's releases do not count
ID=$(submit "$(table 60 86)" "$DECL")
check "third job ends" api_wait_job "$ID"
expect_eq "a table far from the first: pass" pass "$(api_field outputs.0.verdict)"
ID=$(PROJECT=OTHER submit "$(table 97 86)" "$DECL")
check "other project's job ends" api_wait_job "$ID"
expect_eq "another project: pass" pass "$(api_field outputs.0.verdict)"

done_testing
