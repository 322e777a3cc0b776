# Shared helpers for shell test suites (tests/*/*.t). Source it:
#   . "$TREX_ROOT/tests/lib.sh"
# then call `ok NAME` / `not_ok NAME [WHY]` or `check NAME CMD...`, and
# `done_testing` at the end. Output is TAP, read by tests/run.sh.
: "${TREX_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
case "$BUILD" in /*) BIN="$BUILD" ;; *) BIN="$TREX_ROOT/$BUILD" ;; esac
TAP_N=0
TAP_FAILED=0
ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
not_ok() {
	TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	[ $# -gt 1 ] && echo "# $2"
	return 0
}
# check NAME CMD... : passes when CMD exits 0
check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name" "command failed: $*"; fi; }
# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected [$2] got [$3]"; fi
}
done_testing() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }
