#!/bin/sh
# The --json report of tables whose cells run to megabytes: with --json
# alone trex-check keeps the last table (and any smaller than its cells'
# text) and writes its cells straight to stdout through a 256 KiB buffer
# (report.c report_cells_write), flushing many times, and once growing it
# for a key longer than the buffer when escaped. That stdout must be
# byte-identical to the one built as text (TREX_CHECK_CELLS_AS_TEXT).
. "$(cd "$(dirname "$0")/../.." && pwd)/tests/lib.sh"
. "$TREX_ROOT/tests/lib_check.sh"
check_init report-stream

# 20000 cells under the threshold (~2.6 MB of cells), then one whose key is
# 60000 bytes with a quote in it (escaping may take 6 bytes a byte: more
# than the buffer)
awk 'BEGIN {
	print "a,b,n"
	for (i = 0; i < 200; i++) for (j = 0; j < 100; j++) printf "k%d,b%d,3\n", i, j
	s = "\"\"q"
	for (i = 0; i < 59999; i++) s = s "x"
	printf "\"%s\",b0,4\n", s
}' >t.csv
# a small table checked first, written on its own: stdout holds both kinds
printf 'a,b,n\nx,p,3\nx,q,40\n' >s.csv
mkdir out out.text
ARGS="--kind frequency_table --dimensions a,b --count n"
# shellcheck disable=SC2086
"$CHECK" --json --out out $ARGS s.csv t.csv >stdout 2>stderr
expect_eq "exit status" 0 $?
# shellcheck disable=SC2086
TREX_CHECK_CELLS_AS_TEXT=1 "$CHECK" --json --out out.text $ARGS s.csv t.csv >stdout.text 2>/dev/null
if cmp -s stdout stdout.text; then ok "report streamed = report built"; else
	not_ok "report streamed = report built" "$(cmp stdout stdout.text 2>&1)"; fi
expect_eq "cells per file" "[1,20001]" "$(jq -c '[.files[].cells|length]' stdout)"
expect_eq "rows in order" "true" \
	"$(jq -c '[.files[1].cells[].row] == [range(1;20002)]' stdout)"
expect_eq "long key" "60001 true" \
	"$(jq -r '.files[1].cells[20000].key.a | "\(length) \(startswith("\"q"))"' stdout)"
expect_eq "released copies" "" "$(diff -r out out.text 2>&1)"
done_testing
