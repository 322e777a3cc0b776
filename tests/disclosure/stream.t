#!/bin/sh
# The streaming check (policies/check/stream.c) in a real trex-check run:
# bounded memory on a large table, the same report and released copy as
# --whole, a missing --out folder, and a table whose rows are not grouped
# (checked whole instead). tests/fuzz/fuzz_stream.c compares both paths on
# generated tables cut into tiny batches; cases.t on every hand-made case.
. "$(cd "$(dirname "$0")/../.." && pwd)/tests/lib.sh"
. "$TREX_ROOT/tests/lib_check.sh"
check_init stream

# 1,000,000 cells (100 x 100 x 100, about 17 MB), sorted as a group-by
# writes them, about 1% under the threshold
awk 'BEGIN { print "a,b,c,n"; x = 7;
	for (i = 0; i < 100; i++) for (j = 0; j < 100; j++) for (k = 0; k < 100; k++) {
		x = (x * 1103515245 + 12345) % 2147483648;
		printf "a%d,b%d,c%d,%d\n", i, j, k, (x % 100 == 0) ? x % 9 + 1 : 10 + x % 500 } }' >big.csv
ARGS="--json --no-sync --kind frequency_table --dimensions a,b,c --count n"
mkdir out.s out.w
# shellcheck disable=SC2086
/usr/bin/time -f %M -o rss.s "$CHECK" --out out.s $ARGS big.csv >s.json
expect_eq "streamed: exit status" 0 $?
# shellcheck disable=SC2086
/usr/bin/time -f %M -o rss.w "$CHECK" --whole --out out.w $ARGS big.csv >w.json
expect_eq "whole: exit status" 0 $?
expect_eq "verdict" suppressed "$(jq -r .verdict s.json)"
expect_eq "same report" "" "$(cmp s.json w.json 2>&1)"
expect_eq "same released copy" "" "$(diff -r out.s out.w 2>&1)"
rs=$(cat rss.s)
rw=$(cat rss.w)
# the table is 17 MB: held whole it is the arena, the offsets and the
# per-row arrays; streamed, a 1 MiB batch and the codes and slices
case "$BIN" in
*-san*)
	# ASan's shadow memory and quarantine are most of a sanitizer
	# build's RSS: only the plain build's figures mean anything
	ok "streamed peak RSS under 32 MB # SKIP sanitizer build (${rs} KB)"
	ok "the whole-table check holds the table # SKIP sanitizer build (${rw} KB)" ;;
*)
	if [ "$rs" -lt 32768 ]; then ok "streamed peak RSS under 32 MB (${rs} KB)"; else
		not_ok "streamed peak RSS under 32 MB" "${rs} KB"; fi
	if [ "$rw" -gt $((rs + 32768)) ]; then ok "the whole-table check holds the table (${rw} KB)"; else
		not_ok "the whole-table check holds the table" "${rw} KB vs ${rs} KB"; fi ;;
esac

# --out that does not exist yet: created, as the whole-table check does
ARGS="--json --no-sync --kind frequency_table --dimensions a,b --count n"
printf 'a,b,n\nx,p,3\nx,q,40\ny,p,20\ny,q,30\n' >t.csv
# shellcheck disable=SC2086
"$CHECK" --out new/dir $ARGS t.csv >new.json
expect_eq "missing --out: exit status" 0 $?
expect_eq "missing --out: released" "a,b,n
x,p,
x,q,40
y,p,20
y,q,30" "$(cat new/dir/t.csv 2>&1)"

# rows not grouped by their dimensions: a prefix (x) comes back after its
# run ended, so the check cannot tell repeats apart without every key: it
# is checked whole, with the same result as --whole
printf 'a,b,n\nx,p,30\ny,p,20\nx,q,40\ny,q,3\n' >u.csv
mkdir u.s u.w
# shellcheck disable=SC2086
"$CHECK" --out u.s $ARGS u.csv >us.json
# shellcheck disable=SC2086
"$CHECK" --whole --out u.w $ARGS u.csv >uw.json
expect_eq "ungrouped: same report" "" "$(cmp us.json uw.json 2>&1)"
expect_eq "ungrouped: same released copy" "" "$(diff -r u.s u.w 2>&1)"
expect_eq "ungrouped: row 4 suppressed" "4" \
	"$(jq -c '[.files[0].cells[]|select(.action=="primary")|.row]|join(",")' -r us.json)"
printf 'a,b,n\nx,p,30\ny,p,20\nx,p,40\n' >d.csv
# shellcheck disable=SC2086
"$CHECK" --out u.s $ARGS d.csv >d.json
expect_eq "ungrouped repeat: microdata at row 3" "fail 3" \
	"$(jq -r '.files[0].verdict + " " + (.files[0].cells[0].row|tostring)' d.json)"
done_testing
