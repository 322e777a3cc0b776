#!/bin/sh
# The SACRO Viewer export (trex-check --acro-json DIR, policies/check/acro.c):
#  - compared field by field with the results.json ACRO 1.0.1 itself wrote
#    for the same tables (tests/disclosure/acro/reference, made by
#    acro/make_reference.py; made afresh and compared too when ACRO_SRC
#    names an ACRO checkout whose Debian dependencies are installed);
#  - secondary suppression (which ACRO never does) and rounding, with
#    positions derived by hand;
#  - the folder: its own (new or empty), holding only released copies and
#    their checksums, none when the run fails, so SACRO Viewer, which opens
#    the files results.json names next to it, can never show or zip a raw
#    output.
. "$(cd "$(dirname "$0")/../.." && pwd)/tests/lib.sh"
. "$TREX_ROOT/tests/lib_check.sh"
check_init acro-export
SACRO="$TREX_ROOT/tests/disclosure/acro/sacro_check.py"
REF="$TREX_ROOT/tests/disclosure/acro/reference"

# sacro_check.py's "ok|NAME" / "not ok|NAME|WHY" lines as TAP
tap() {
	"$@" >tap.txt 2>&1 || echo "not ok|$*|$(tail -3 tap.txt | tr '\n' ' ')" >>tap.txt
	while IFS='|' read -r res test why; do
		if [ "$res" = ok ]; then ok "$test"; else not_ok "$test" "$why"; fi
	done <tap.txt
}

# --- against ACRO 1.0.1's own export of the same tables ---
cp -r "$REF/input" ref && mkdir ref/out
(cd ref && "$CHECK" --json --manifest manifest.json --out out --acro-json export \
	freq1.csv freq2.csv mag2.csv >report.json 2>err)
expect_eq "reference tables checked" "0 suppressed" "$? $(jq -r .verdict ref/report.json)"
tap /usr/bin/python3 "$SACRO" reference "$REF/acro" ref/export "$REF/input" ref/out ref/report.json
if [ -n "${ACRO_SRC:-}" ]; then
	if /usr/bin/python3 "$TREX_ROOT/tests/disclosure/acro/make_reference.py" fresh >/dev/null 2>&1; then
		mkdir fresh/input/out
		(cd fresh/input && "$CHECK" --json --manifest manifest.json --out out --acro-json export \
			freq1.csv freq2.csv mag2.csv >report.json 2>/dev/null)
		tap /usr/bin/python3 "$SACRO" reference fresh/acro fresh/input/export fresh/input \
			fresh/input/out fresh/input/report.json
	else
		not_ok "ACRO run from ACRO_SRC=$ACRO_SRC" "make_reference.py failed"
	fi
fi

# --- secondary suppression: hand-derived (cases/margins_2d_rectangle: the
# primary A,F and the least-loss rectangle A,M C,F C,M, rows 2, 7, 8; n is
# column 2, so the viewer's y is 1) ---
mkdir sec sec/out
printf 'geo,sex,n\nA,F,4\nA,M,20\nA,Total,24\nB,F,15\nB,M,30\nB,Total,45\nC,F,25\nC,M,12\nC,Total,37\nTotal,F,44\nTotal,M,62\nTotal,Total,106\n' >sec/t.csv
echo '{"outputs": [{"path": "t.csv", "kind": "frequency_table", "dimensions": ["geo", "sex"], "count": "n", "total_codes": {"geo": ["Total"], "sex": ["Total"]}},
 {"path": "m.csv", "kind": "magnitude_table", "dimensions": ["region"], "value": "cost", "contributors": "n", "largest": ["top1", "top2"], "total_codes": {"region": ["Total"]}}]}' >sec/m.json
# magnitude: N has 5 contributors (primary), S its complement; cost and n
# (columns 1 and 2) are both hidden; top1, top2 never leave
printf 'region,cost,n,top1,top2\nN,1000,5,300,200\nS,2000,30,150,140\nE,3000,40,100,90\nTotal,6000,75,300,200\n' >sec/m.csv
(cd sec && "$CHECK" --json --manifest m.json --out out --acro-json acro t.csv m.csv >report.json)
R=sec/acro/results.json
expect_eq "secondary: primary cell" '[[0,1]]' "$(jq -c '.results.output_0.files[0].sdc.cells.MinimumThresholdCheck' $R)"
expect_eq "secondary: complements" '[[1,1],[6,1],[7,1]]' "$(jq -c '.results.output_0.files[0].sdc.cells.SecondarySuppression' $R)"
expect_eq "secondary: counts" '{"MinimumThresholdCheck":1,"SecondarySuppression":3}' \
	"$(jq -c '.results.output_0.files[0].sdc.summary|{MinimumThresholdCheck,SecondarySuppression}' $R)"
expect_eq "secondary: outcome by position" \
	'{"0":"MinimumThresholdCheck; ","1":"SecondarySuppression; ","2":"ok","3":"ok","4":"ok","5":"ok","6":"SecondarySuppression; ","7":"SecondarySuppression; ","8":"ok","9":"ok","10":"ok","11":"ok"}' \
	"$(jq -c '.results.output_0.outcome.n' $R)"
expect_eq "secondary: summary line" "true" \
	"$(jq '.results.output_0.summary|contains("\n SecondarySuppression: fail - 3 cells suppressed.\n")' $R)"
expect_eq "secondary: magnitude cells (cost and n hidden)" '[[[0,0],[0,1]],[[1,0],[1,1]]]' \
	"$(jq -c '.results.output_1.files[0].sdc.cells|[.MinimumThresholdCheck,.SecondarySuppression]' $R)"
expect_eq "secondary: magnitude outcome has the released columns only" '["cost","n"]' \
	"$(jq -c '.results.output_1.outcome|keys' $R)"
expect_eq "secondary: fair names ACRO's checks only" \
	'["NKCheck","PPercentCheck","PresenceOfLinkedTableCheck","MinimumThresholdCheck"]' \
	"$(jq -c '.results.output_1.fair.checks_needed' $R)"
tap /usr/bin/python3 "$SACRO" invariant sec/acro sec/report.json sec sec/out

# --- rounding pack: redacted counts are highlighted, rounded ones are not ---
mkdir rnd rnd/out
printf 'region,n\nA,0\nB,1\nC,7\nD,8\nE,12\nF,13\nG,20\nH,102\n' >rnd/t.csv
(cd rnd && "$CHECK" --json --policy opensafely --kind frequency_table --dimensions region --count n \
	--out out --acro-json acro t.csv >report.json)
R=rnd/acro/results.json
expect_eq "rounding: properties" '{"method":"pivot_table","mitigation":"round","round_base":5}' \
	"$(jq -c '.results.output_0.properties' $R)"
expect_eq "rounding: redacted cells" '[[1,0],[2,0]]' "$(jq -c '.results.output_0.files[0].sdc.cells.MinimumThresholdCheck' $R)"
expect_eq "rounding: no complements under rounding" 'null' "$(jq -c '.results.output_0.files[0].sdc.cells.SecondarySuppression' $R)"
expect_eq "rounding: config" '{"suppress":false,"safe_round_base":5}' "$(jq -c '{suppress,safe_round_base}' rnd/acro/config.json)"
tap /usr/bin/python3 "$SACRO" invariant rnd/acro rnd/report.json rnd rnd/out

# --- the folder ---
mkdir fold fold/out
printf 'region,n\nA,3\nB,40\nC,50\n' >fold/t.csv
printf 'region,n\nA,3\nB,4,5\n' >fold/bad.csv
ARGS="--kind frequency_table --dimensions region --count n"
# beside the raw output: refused, nothing written there
# shellcheck disable=SC2086
(cd fold && "$CHECK" --json $ARGS --out out --acro-json . t.csv >stdout 2>stderr)
expect_eq "a folder holding other files is refused" 2 $?
check "... saying why" grep -q "acro-json .: not an empty folder" fold/stderr
expect_eq "... and nothing written beside the raw output" "bad.csv out stderr stdout t.csv" "$(cd fold && ls | tr '\n' ' ' | sed 's/ $//')"
# shellcheck disable=SC2086
(cd fold && "$CHECK" --json $ARGS --acro-json x t.csv >stdout 2>stderr)
expect_eq "--acro-json without --out is bad usage" 2 $?
check "... saying it needs --out" grep -q "needs --out" fold/stderr
# a run that fails (a malformed table) leaves no export behind
# shellcheck disable=SC2086
(cd fold && "$CHECK" --json $ARGS --out out --acro-json x1 t.csv bad.csv >stdout 2>stderr)
expect_eq "a failed run exits 2" 2 $?
check "... and leaves no export" test ! -e fold/x1
# an empty folder made beforehand is fine; names resolve inside it only
mkdir fold/x2
# shellcheck disable=SC2086
(cd fold && "$CHECK" --json $ARGS --out out --acro-json x2 t.csv >report.json 2>stderr)
expect_eq "an empty folder of its own is fine" 0 $?
expect_eq "names are plain names inside the folder" '["output_0_0.csv"]' \
	"$(jq -c '[.results[].files[].name|select(test("^[^/]+$") and (startswith(".")|not))]' fold/x2/results.json)"
check "the export's copy is the suppressed one, not the raw file" cmp -s fold/x2/output_0_0.csv fold/out/t.csv
if cmp -s fold/x2/output_0_0.csv fold/t.csv; then not_ok "... which differs from the raw file" "same bytes"; else ok "... which differs from the raw file"; fi
expect_eq "its checksum" "$(sha256sum fold/out/t.csv | cut -d' ' -f1)" "$(cat fold/x2/checksums/output_0_0.csv.txt)"
expect_eq "results.json's checksum" "$(sha256sum fold/x2/results.json | cut -d' ' -f1)" "$(cat fold/x2/checksums/results.json.txt)"
# a held or failed table is not in the export at all
printf 'region,n\nA,3\nA,40\n' >fold/micro.csv
# shellcheck disable=SC2086
(cd fold && "$CHECK" --json $ARGS --out out --acro-json x3 micro.csv t.csv >report.json 2>stderr)
expect_eq "a withheld table has no entry" '["output_1"]' "$(jq -c '.results|keys' fold/x3/results.json)"
expect_eq "... and no file" "checksums config.json output_1_0.csv results.json" "$(ls fold/x3 | tr '\n' ' ' | sed 's/ $//')"
tap /usr/bin/python3 "$SACRO" invariant fold/x3 fold/report.json fold fold/out
# nothing released: an export with no outputs, still valid for the viewer
# shellcheck disable=SC2086
(cd fold && "$CHECK" --json $ARGS --out out --acro-json x4 micro.csv >/dev/null 2>&1)
expect_eq "nothing released: empty results" '{"version":"1.0.1","results":{}}' "$(jq -c . fold/x4/results.json)"
# a bound on the export (trexd sets one): over it, no export, the check
# stands (exit 0, the released copy written); under it, the export
awk 'BEGIN { print "region,n"; for (i = 0; i < 100000; i++) printf "r%d,50\n", i }' >fold/big.csv
# shellcheck disable=SC2086
(cd fold && "$CHECK" --json $ARGS --out out --acro-json x5 --acro-max-mb 1 big.csv >report.json 2>stderr)
expect_eq "over --acro-max-mb: the check stands" "0 pass big.csv" \
	"$? $(jq -r '.verdict, .files[0].released' fold/report.json | tr '\n' ' ' | sed 's/ $//')"
check "... the released copy is written" cmp -s fold/out/big.csv fold/big.csv
check "... no export is left" test ! -e fold/x5
check "... and stderr says why" grep -q "acro export: larger than 1 MB, not written" fold/stderr
# shellcheck disable=SC2086
(cd fold && "$CHECK" --json $ARGS --out out --acro-json x6 --acro-max-mb 8 big.csv >/dev/null 2>&1)
expect_eq "under --acro-max-mb: the export" 100000 "$(jq '.results.output_0.outcome.n|length' fold/x6/results.json)"
done_testing
