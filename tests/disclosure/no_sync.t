#!/bin/sh
# trex-check --no-sync (trexd passes it): released copies are still written
# to a temporary file and renamed into place, only not fsync'd. Without it,
# one fsync per released copy, before its rename. strace shows both.
. "$(cd "$(dirname "$0")/../.." && pwd)/tests/lib.sh"
. "$TREX_ROOT/tests/lib_check.sh"
check_init no-sync
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace (make deps)"; exit 0; }

printf 'a,n\nx,3\ny,40\n' >t.csv
printf 'a,n\nu,50\nv,60\n' >u.csv
mkdir sync nosync
ARGS="--json --kind frequency_table --dimensions a --count n"
# trace: fsync and rename calls, "fsync" or "rename NAME" per line
calls() {
	sed -n -e 's/^[0-9]* *//' -e 's/^\(fsync\|fdatasync\)(.*/fsync/p' \
		-e 's/^rename[a-z0-9]*(.*"[^"]*\/\([^"/]*\)"[^"]*= 0$/rename \1/p' "$1" | tr '\n' ' '
}
# shellcheck disable=SC2086
strace -f -qq -e trace=fsync,fdatasync,rename,renameat,renameat2 -o trace.sync \
	"$CHECK" --out sync $ARGS t.csv u.csv >stdout.sync
expect_eq "exit status" 0 $?
# shellcheck disable=SC2086
strace -f -qq -e trace=fsync,fdatasync,rename,renameat,renameat2 -o trace.nosync \
	"$CHECK" --no-sync --out nosync $ARGS t.csv u.csv >stdout.nosync
expect_eq "exit status, --no-sync" 0 $?
expect_eq "each copy fsync'd, then renamed" "fsync rename t.csv fsync rename u.csv " \
	"$(calls trace.sync)"
expect_eq "--no-sync: renamed, not fsync'd" "rename t.csv rename u.csv " "$(calls trace.nosync)"
expect_eq "same released copies" "" "$(diff -r sync nosync 2>&1)"
expect_eq "no temporary file left" "t.csv u.csv" "$(cd nosync && ls -A | tr '\n' ' ' | sed 's/ $//')"
expect_eq "same report" "" "$(cmp stdout.sync stdout.nosync 2>&1)"
expect_eq "released t.csv" "a,n
x,
y,40" "$(cat nosync/t.csv)"
if "$CHECK" --help | grep -q -- '--no-sync'; then ok "--help names --no-sync"; else
	not_ok "--help names --no-sync"; fi
done_testing
