#!/bin/sh
# clang's static analyzer (clang --analyze, the engine behind scan-build)
# over every C file of the tree, one compiler run per file, JOBS at a time
# (TREX_ANALYZE_JOBS, default 2): `make analyze`, after cppcheck.t. Not in
# `make check`: the analyzer reads every system header again for each of
# the ~220 files, which takes tens of minutes on two cores. Prints TAP like
# the suites; nothing is written into build/. A false positive is avoided
# by making the code say what the analyzer cannot see (common/err.h's
# model of trex_err_set, config.c's nonnull), or marked with
# #ifndef __clang_analyzer__ and a comment saying why.
#
# Not yet clean (2026-12-07): a first run over 95 of the files (policies/,
# runner/, part of sandbox/) left 35 findings in 19 files to triage, 10 of
# them in policies/check/stream.c's key arrays; the rest of the tree has
# not been through it yet. `make analyze` fails until they are done.
. "$TREX_ROOT/tests/lib.sh"
cd "$TREX_ROOT" || exit 1
JOBS=${TREX_ANALYZE_JOBS:-2}
LOG=$(mktemp -d /tmp/trex-analyze.XXXXXX)
trap 'rm -rf "$LOG"' EXIT

# the sources: every component, the tests and the benchmarks
SRCS=$(git ls-files '*.c' 2>/dev/null || find . -name '*.c' -not -path './build*')
# paths.c takes the installation's folders from the Makefile
PATHS_DEFS="-DTREX_DATADIR=\"/x\" -DTREX_SANDBOX=\"/x\" -DTREX_CHECK=\"/x\" -DTREX_TREXD=\"/x\" -DTREX_CONFIG=\"/x\" -DTREX_STATEDIR=\"/x\""

CLANG=$(command -v clang-14 || command -v clang)
if [ -z "$CLANG" ]; then
	not_ok "clang is installed (make deps)"
else
	PKG=$(pkg-config --cflags libuv libseccomp libcap openssl jansson sqlite3 2>/dev/null)
	# one compiler run per file, JOBS at a time; -analyzer-werror makes
	# a finding fail the file
	export CLANG PKG PATHS_DEFS
	echo "$SRCS" | xargs -P "$JOBS" -n 8 sh -c '
		for f in "$@"; do
			$CLANG --analyze -std=gnu11 -D_GNU_SOURCE $PATHS_DEFS -I. -Icommon \
				-I/usr/share/include/llhttp $PKG \
				-Xclang -analyzer-werror -Xclang -analyzer-output=text \
				-o /dev/null "$f" || echo "FAILED $f"
		done' sh >"$LOG/clang" 2>&1
	if ! grep -q '^FAILED ' "$LOG/clang"; then
		ok "clang static analyzer: no finding"
	else
		not_ok "clang static analyzer: no finding" \
			"$(grep -c '^FAILED' "$LOG/clang") files with findings:"
		grep -E 'error: .*\[[a-zA-Z.]+\]$' "$LOG/clang" | sort -u | sed 's/^/# /'
	fi
fi
done_testing
