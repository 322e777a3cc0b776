# Shell helpers for suites that run trex-check itself. Source it after
# tests/lib.sh:
#   . "$TREX_ROOT/tests/lib_check.sh"
#   check_init NAME      # $CHECK, the shipped rule packs, cwd = $W

# check_init NAME: $CHECK is the built trex-check, TREX_POLICY_DIR the
# packs of policies/disclosure, and the working folder a fresh
# /tmp/trex-NAME.XXXXXX ($W), removed at exit.
check_init() {
	CHECK="$BIN/trex-check"
	TREX_POLICY_DIR="$TREX_ROOT/policies/disclosure"
	export TREX_POLICY_DIR
	W=$(mktemp -d "/tmp/trex-$1.XXXXXX")
	trap 'rm -rf "$W"' EXIT
	cd "$W" || exit 1
}
