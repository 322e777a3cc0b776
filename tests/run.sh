#!/bin/sh
# The one test driver behind `make check`. Every suite is a program that
# prints TAP lines ("ok N - name" / "not ok N - name") and a plan
# ("1..N", first or last):
#   - cmocka unit tests:  $BUILD/tests/unit/test_*   (CMOCKA_MESSAGE_OUTPUT=TAP)
#   - everything else:    tests/<suite>/*.t          (executable scripts)
# What counts, so that a total cannot flatter:
#   - "ok N - name # SKIP why" is a skip, never a pass; a skip must say why
#     (an empty reason is a failure). "1..0 # SKIP why" skips a whole suite.
#   - A suite without a plan, or whose plan does not match the tests it
#     printed, counts one failure (a suite that died half-way has no plan
#     or a short one).
#   - A suite that exits non-zero without reporting a failure counts as
#     one failure (a crash must never pass).
# The skipped tests are listed with their reasons, then a line "N
# skipped", then the last line: "N passed, N failed".
set -u
BUILD=${BUILD:-build}
export BUILD
TREX_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export TREX_ROOT
LOGDIR=$(mktemp -d /tmp/trex-check.XXXXXX)
passed=0
failed=0
skipped=0
failures=""
skiplist="$LOGDIR/skipped.list"
: >"$skiplist"

# tap_count LOG: "pass fail skip planned tests bad_skips"
tap_count() {
	awk '
	/^ok / {
		if (match($0, /#[ \t]*[Ss][Kk][Ii][Pp]/)) {
			s++
			why = substr($0, RSTART + RLENGTH)
			gsub(/^[ \t:]+|[ \t]+$/, "", why)
			if (why == "") bad++
		} else p++
		next
	}
	/^not ok / { f++; next }
	/^1\.\.[0-9]+/ { n = substr($0, 4) + 0; plan += n; plans++
		if (n == 0 && $0 ~ /#[ \t]*[Ss][Kk][Ii][Pp][ \t:]*[^ \t]/) whole = 1 }
	END { printf "%d %d %d %d %d %d %d\n", p, f, s, plans ? plan : -1, p + f + s, bad, whole }
	' "$1"
}

run_suite() {
	name=$1
	shift
	log="$LOGDIR/$(echo "$name" | tr '/' '_').log"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	set -- $(tap_count "$log")
	p=$1 f=$2 s=$3 plan=$4 ran=$5 bad=$6 whole=$7
	if [ "$whole" -eq 1 ] && [ "$ran" -eq 0 ]; then
		s=1
		echo "$name: $(sed -n 's/^1\.\.0[ \t]*#[ \t]*[Ss][Kk][Ii][Pp][ \t:]*//p' "$log" | head -1)" >>"$skiplist"
	elif [ "$plan" -lt 0 ]; then
		f=$((f + 1))
		echo "not ok - $name printed no plan (1..N): it ended before done_testing" >>"$log"
	elif [ "$plan" -ne "$ran" ]; then
		f=$((f + 1))
		echo "not ok - $name planned $plan tests but printed $ran" >>"$log"
	fi
	if [ "$bad" -gt 0 ]; then
		f=$((f + bad))
		echo "not ok - $name: $bad skip(s) without a reason" >>"$log"
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	grep '^ok .*#[ 	]*[Ss][Kk][Ii][Pp]' "$log" |
		awk -v n="$name" '{ sub(/^ok [0-9]* *-? */, ""); print n ": " $0 }' >>"$skiplist"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	end=$(date +%s)
	if [ "$s" -gt 0 ]; then
		printf '%-44s %4d passed %4d failed %3d skipped  (%ds)\n' "$name" "$p" "$f" "$s" $((end - start))
	else
		printf '%-44s %4d passed %4d failed  (%ds)\n' "$name" "$p" "$f" $((end - start))
	fi
	grep '^not ok ' "$log" | sed 's/^/    /'
	if [ "$f" -ne 0 ]; then
		failures="$failures $log"
	fi
}

for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.o|*.d) continue ;; esac
	if [ -n "${TREX_ONLY:-}" ]; then
		case "unit/$(basename "$t")" in *"$TREX_ONLY"*) ;; *) continue ;; esac
	fi
	CMOCKA_MESSAGE_OUTPUT=TAP run_suite "unit/$(basename "$t")" "$t"
done

for t in $(ls "$TREX_ROOT"/tests/*/*.t 2>/dev/null | sort); do
	[ -x "$t" ] || continue
	rel=${t#"$TREX_ROOT"/tests/}
	if [ -n "${TREX_ONLY:-}" ]; then
		case "$rel" in *"$TREX_ONLY"*) ;; *) continue ;; esac
	fi
	run_suite "$rel" "$t"
done

if [ -n "$failures" ]; then
	echo
	echo "--- logs of failing suites (last 40 lines each) ---"
	for l in $failures; do
		echo "== $l"
		tail -n 40 "$l"
	done
fi
if [ "$skipped" -gt 0 ]; then
	echo
	echo "--- skipped, and why ---"
	sed 's/^/    /' "$skiplist"
fi
[ -z "$failures" ] && rm -rf "$LOGDIR"
echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
