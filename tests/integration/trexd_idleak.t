#!/bin/sh
# trexd end to end: a dataset declares id_columns; trexd builds its
# identifier index once (cached under STATE/idindex) and the checker fails
# any output carrying one of those identifiers, reason "identifier", without
# echoing the value. Needs root (the sandbox does) and trex-check.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_needs root sandbox check
trexd_init trexd-idleak
trexd_ids_fixture
submit() { api_submit ID synth shell "$1" "$2"; }
DECL='[{"path":"t.csv","kind":"frequency_table","dimensions":["age_band","sex","note"],"count":"n","bins":{"age_band":[20,30,40]},"labels":{"sex":["F","M"]}}]'

check "trexd starts" trexd_start

# the job copies a patient_id from /data into a declared table
ID=$(submit '["sh","-c","id=$(sed -n 2p /data/patients.csv | cut -d, -f1); printf \"age_band,sex,n,note\\n20-29,F,40,$id\\n30-39,M,35,\\n\" > /output/t.csv"]' "$DECL")
check "leaking job ends" api_wait_job "$ID"
expect_eq "leaking job: blocked" blocked "$(api_field state)"
expect_eq "leaking table: fail" fail "$(api_field outputs.0.verdict)"
expect_eq "leaking table: summary" "identifier leak" "$(api_field outputs.0.summary)"
case "$(api_field report.files.0.reasons.0)" in
identifier:*) ok "reason names the identifier rule" ;;
*) not_ok "reason names the identifier rule" "$(head -c 600 "$T/body")" ;;
esac
check "leaking table not in the release area" test ! -e "$T/state/release/ID/$ID/t.csv"
check "index cached in the state dir" sh -c "ls '$T'/state/idindex/*/ids.bin"
# the cell's key names the row for the checker (root gets the full view);
# the reasons and trexd's log never hold the value (researchers never get
# the report at all: trexd_views.t, tests/egress)
api_field report.files.0.reasons >"$T/reasons"
if grep -qF "$ID1" "$T/reasons" "$T/trexd.log"; then
	not_ok "identifier never echoed (report reasons, trexd log)" "found"
else
	ok "identifier never echoed (report reasons, trexd log)"
fi

check "index in the current format" sh -c "head -c 8 '$T'/state/idindex/*/ids.bin | grep -qx TREXIDS2"

# the whole raw row as a label: the identifier inside it (issue #11 item 7b)
ID=$(submit '["sh","-c","printf \"age_band,sex,note,n\\n20-29,F,\\\"$(sed -n 2p /data/patients.csv)\\\",12\\n\" > /output/t.csv"]' "$DECL")
check "row-label job ends" api_wait_job "$ID"
expect_eq "row-label job: blocked" blocked "$(api_field state)"
expect_eq "row-label table: fail" fail "$(api_field outputs.0.verdict)"
# (its label is also no category of the dataset: held as record-level too)
expect_eq "row-label table: failed by the identifier rule" '[{"rule":"identifier","action":"fail","cells":1}]' \
	"$(jq -c '[.report.files[0].decisions[]|select(.action=="fail")]' "$T/body")"
if grep -qF "$ID1" "$T/body"; then not_ok "row label: identifier never echoed" "found"; else
	ok "row label: identifier never echoed"; fi

check "category domains cached beside the index" sh -c "ls '$T'/state/idindex/*/domains.json"

# labels the dataset cannot produce and the manifest did not declare: held
# as possible record-level data (issue #11 item 7c)
UNDECL='[{"path":"t.csv","kind":"frequency_table","dimensions":["who"],"count":"n"}]'
ID=$(submit '["sh","-c","printf \"who,n\\nAlice Martin,12\\nBob Durand,12\\n\" > /output/t.csv"]' "$UNDECL")
check "made-up labels job ends" api_wait_job "$ID"
expect_eq "made-up labels: held" held "$(api_field state)"
expect_eq "made-up labels: record_level" '[{"rule":"record_level","action":"review","cells":0}]' \
	"$(jq -c .report.files[0].decisions "$T/body")"

# a value that merely looks like an identifier passes
ID=$(submit '["sh","-c","printf \"age_band,sex,n,note\\n20-29,F,40,0f1c9a0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a\\n30-39,M,35,\\n\" > /output/t.csv"]' "$DECL")
check "look-alike job ends" api_wait_job "$ID"
expect_eq "look-alike: released" released "$(api_field state)"
expect_eq "look-alike: pass" pass "$(api_field outputs.0.verdict)"
expect_eq "one index for the dataset" 1 "$(ls -d "$T"/state/idindex/*/ | wc -l)"

done_testing
