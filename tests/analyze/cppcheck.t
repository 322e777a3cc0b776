#!/bin/sh
# cppcheck over every C file of the tree (part of `make check` and of
# `make analyze`, which also runs clang's analyzer: tests/analyze/clang.sh).
# It must be clean: a finding is fixed, or, when it is a false positive,
# suppressed on its line with a comment saying why
# (/* cppcheck-suppress ID ; why */). Nothing is compiled.
. "$TREX_ROOT/tests/lib.sh"
cd "$TREX_ROOT" || exit 1
LOG=$(mktemp -d /tmp/trex-analyze.XXXXXX)
trap 'rm -rf "$LOG"' EXIT

# the sources: every component, the tests and the benchmarks
SRCS=$(git ls-files '*.c' 2>/dev/null || find . -name '*.c' -not -path './build*')
# paths.c takes the installation's folders from the Makefile
PATHS_DEFS="-DTREX_DATADIR=\"/x\" -DTREX_SANDBOX=\"/x\" -DTREX_CHECK=\"/x\" -DTREX_TREXD=\"/x\" -DTREX_CONFIG=\"/x\" -DTREX_STATEDIR=\"/x\""

# cppcheck reads no system header (it would take minutes): jansson's
# iteration macros come from tests/analyze/trex.cfg. One process, so that
# its whole-program checks (ctu*) run across files.
if ! command -v cppcheck >/dev/null; then
	not_ok "cppcheck is installed (make deps)"
else
	# shellcheck disable=SC2086
	cppcheck --quiet --std=c11 --library=tests/analyze/trex.cfg \
		-D_GNU_SOURCE $PATHS_DEFS -I. -Icommon \
		--enable=warning,portability --inline-suppr --error-exitcode=1 \
		--template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
		$SRCS >"$LOG/cppcheck" 2>&1
	st=$?
	if [ $st -eq 0 ] && ! grep -q ': \(error\|warning\|portability\|style\|performance\):' "$LOG/cppcheck"; then
		ok "cppcheck: no finding"
	else
		not_ok "cppcheck: no finding" "$(grep -E '^[^ ]+:[0-9]+:' "$LOG/cppcheck" | head -20)"
	fi
fi

done_testing
