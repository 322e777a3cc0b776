#!/bin/sh
# No loops of files that call each other (issue #22 item 3): in each
# component the file-level call graph, read from the built objects by
# scripts/calls.py (nm), has no cycle, so every file can be read knowing
# only the files below it. trexd's runner/ still has two loops
# (docs/DESIGN.md, "Left"): they are listed here exactly, so a new one, or
# a wider one, fails. Needs the build (make all) and nm.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
cd "$TREX_ROOT" || exit 1
# one run over every component (python's start is the cost on a busy host)
expect_eq "no loop of files calling each other but runner/'s two known ones" \
	"runner/api.c runner/approve.c runner/cancel.c runner/codebooks.c runner/job.c runner/metrics.c runner/release.c runner/sched.c runner/submit.c runner/web.c
runner/audit_head.c runner/audit_log.c runner/roles.c" \
	"$(python3 scripts/calls.py "$BIN" common sandbox policies/check policies/seccomp agent bench/synth runner 2>&1)"
# the check can fail: a call back from a lower file is found
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/x"
printf 'int b(void);\nint a(void) { return b(); }\n' >"$T/a.c"
printf 'int a(void);\nint b(void) { return a(); }\n' >"$T/b.c"
cc -c -o "$T/x/a.o" "$T/a.c" && cc -c -o "$T/x/b.o" "$T/b.c"
expect_eq "a loop of two files is reported" "x/a.c x/b.c" "$(python3 scripts/calls.py "$T" x 2>&1)"
done_testing
