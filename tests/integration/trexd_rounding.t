#!/bin/sh
# trexd end to end, rounding packs (issue 14 item 5): under opensafely
# every count of every output is rounded by one function of the true
# count, so a cell released by one job as a frequency table's count and
# by a later job of the project as a magnitude table's contributor count
# has the same released value; and a later job that bands the project's cohort
# differently from an earlier release (overlapping groupings, which
# would pin a redacted cell: tests/disclosure/cases/
# rounding_overlapping_bands_outputs) is held, in that project only; the
# same counts released again by a later job leave as the same bytes.
# Needs root (the sandbox does) and trex-check.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"
trexd_needs root sandbox check
trexd_init trexd-round
trexd_ids_fixture
# the fixture's config, under the opensafely pack
trexd_config_write '"concurrency": 1' '"require_permit": false' '"policy": "opensafely"' \
	"\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": [\"patient_id\"]}}"
submit() { api_submit "${PROJECT:-RND}" synth shell "$1" "$2"; }
# verdict NAME...: the verdicts of the named outputs of the job in the body
verdict() {
	python3 -c 'import json,sys
o={x["name"]: x["verdict"] for x in json.load(open(sys.argv[1]))["outputs"]}
print(" ".join(o.get(n, "?") for n in sys.argv[2:]))' "$TREXD_BODY" "$@"
}
# reason NAME: the first reason of the named file of the report
reason() {
	python3 -c 'import json,sys
f=[x for x in json.load(open(sys.argv[1]))["report"]["files"] if x["file"] == sys.argv[2]]
print(f[0]["reasons"][0] if f and f[0]["reasons"] else "")' "$TREXD_BODY" "$1"
}
REGION='"labels":{"region":["A","B","C","D"]}'
DECL1="[{\"path\":\"counts.csv\",\"kind\":\"frequency_table\",\"dimensions\":[\"region\"],\"count\":\"n\",$REGION},{\"path\":\"ages10.csv\",\"kind\":\"frequency_table\",\"dimensions\":[\"age_band\"],\"count\":\"n\",\"bins\":{\"age_band\":[0,10,20,30]}}]"
JOB1='["sh","-c","printf \"region,n\\nA,24\\nB,13\\nC,7\\nD,40\\n\" > /output/counts.csv; printf \"age_band,n\\n0-9,15\\n10-19,0\\n20-29,18\\n30+,1\\n\" > /output/ages10.csv"]'
DECL2="[{\"path\":\"costs.csv\",\"kind\":\"magnitude_table\",\"dimensions\":[\"region\"],\"value\":\"cost\",\"contributors\":\"patients\",\"largest\":[\"top1\",\"top2\"],$REGION},{\"path\":\"ages5.csv\",\"kind\":\"frequency_table\",\"dimensions\":[\"age_group\"],\"count\":\"n\",\"bins\":{\"age_group\":[0,5,15,25]}}]"
JOB2='["sh","-c","printf \"region,cost,patients,top1,top2\\nA,2400,24,200,150\\nB,1300,13,150,120\\nC,700,7,100,90\\nD,4000,40,180,170\\n\" > /output/costs.csv; printf \"age_group,n\\n0-4,6\\n5-14,9\\n15-24,7\\n25+,12\\n\" > /output/ages5.csv"]'

check "trexd starts" trexd_start

ID1=$(submit "$JOB1" "$DECL1")
check "first job ends" api_wait_job "$ID1"
expect_eq "first job: both tables released, counts rounded" "released suppressed suppressed" \
	"$(api_field state) $(verdict counts.csv ages10.csv)"
expect_eq "... A 24 -> 25, B 13 -> 15, C 7 redacted" "$(printf 'region,n\nA,25\nB,15\nC,\nD,40')" \
	"$(cat "$T/state/release/RND/$ID1/counts.csv")"

# the same cohort's regions as a magnitude table, and a second age banding
ID2=$(submit "$JOB2" "$DECL2")
check "second job ends" api_wait_job "$ID2"
expect_eq "second job: the costs released, the other banding held" "suppressed review" \
	"$(verdict costs.csv ages5.csv)"
expect_eq "... its contributor counts are the first job's released counts, cell by cell" \
	"$(tail -n +2 "$T/state/release/RND/$ID1/counts.csv")" \
	"$(tail -n +2 "$T/state/release/RND/$ID2/costs.csv" | cut -d, -f1,3)"
case "$(reason ages5.csv)" in
*"overlapping groupings: age_group is banded differently from age_band of $ID1"*"ages10.csv, released earlier for this project"*)
	ok "... the reason names the earlier release" ;;
*) not_ok "... the reason names the earlier release" "$(head -c 600 "$T/body")" ;;
esac
check "... the held banding is not in the release area" test ! -e "$T/state/release/RND/$ID2/ages5.csv"

# the first job's region counts again, the same cohort: each count rounds
# as it did, so the copy is the first one byte for byte, and differencing
# (which compares what leaves) has nothing to hold
DECL4="[{\"path\":\"counts.csv\",\"kind\":\"frequency_table\",\"dimensions\":[\"region\"],\"count\":\"n\",$REGION}]"
ID4=$(submit '["sh","-c","printf \"region,n\\nA,24\\nB,13\\nC,7\\nD,40\\n\" > /output/counts.csv"]' "$DECL4")
check "a job releasing the same counts again ends" api_wait_job "$ID4"
expect_eq "... released" suppressed "$(verdict counts.csv)"
check "... the same bytes as the first release" \
	cmp "$T/state/release/RND/$ID1/counts.csv" "$T/state/release/RND/$ID4/counts.csv"

# another project never saw the first banding
ID3=$(PROJECT=OTHER submit "$JOB2" "$DECL2")
check "other project's job ends" api_wait_job "$ID3"
expect_eq "another project: both released" "suppressed suppressed" "$(verdict costs.csv ages5.csv)"

done_testing
