#!/bin/sh
# The one test driver behind `make check`. Every suite is a program that
# prints TAP lines ("ok N - name" / "not ok N - name"):
#   - cmocka unit tests:  $BUILD/tests/unit/test_*   (CMOCKA_MESSAGE_OUTPUT=TAP)
#   - everything else:    tests/<suite>/*.t          (executable scripts)
# A suite that exits non-zero without reporting a failure counts as one
# failure (a crash must never pass). Last line: "N passed, N failed".
set -u
BUILD=${BUILD:-build}
export BUILD
TREX_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export TREX_ROOT
LOGDIR=$(mktemp -d /tmp/trex-check.XXXXXX)
passed=0
failed=0
failures=""

run_suite() {
	name=$1
	shift
	log="$LOGDIR/$(echo "$name" | tr '/' '_').log"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	end=$(date +%s)
	printf '%-44s %4d passed %4d failed  (%ds)\n' "$name" "$p" "$f" $((end - start))
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
[ -z "$failures" ] && rm -rf "$LOGDIR"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
