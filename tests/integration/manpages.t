#!/bin/sh
# The man pages (docs/man, mdoc): installed by `make install`, clean under
# `mandoc -Tlint` (every level, cross-references resolved against the
# installed pages), and true to the binaries: every long option a
# binary's --help names is in its page.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
T=$(mktemp -d /tmp/trex-man.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
PAGES="trex.1 trex-check.1 trexd.json.5 trex-policy.5 trex-permit.5 trexd.8 trex-sandbox.8"
if ! command -v mandoc >/dev/null || ! command -v makewhatis >/dev/null; then
	not_ok "mandoc is installed (make deps)"
	done_testing
	exit 1
fi
san=
case "$BUILD" in *build-san*) san=SAN=1 ;; esac
# (the log redirect inside: on `check` itself it would swallow its ok line)
check "make install PREFIX=..." sh -c 'make -s -C "$1" BUILD="$2" $3 PREFIX="$4/p" \
	SYSCONFDIR="$4/p/etc" LOCALSTATEDIR="$4/p/var" install >"$4/make.log" 2>&1' _ \
	"$TREX_ROOT" "$BUILD" "$san" "$T"
M=$T/p/share/man
for p in $PAGES; do
	expect_eq "$p installed, 0644" 644 "$(stat -c %a "$M/man${p##*.}/$p" 2>/dev/null)"
done
check "makewhatis indexes them" makewhatis "$M"
for p in $PAGES; do
	out=$(mandoc -Tlint -W style -M "$M" "$TREX_ROOT/docs/man/$p" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then ok "mandoc -Tlint $p: clean"
	else not_ok "mandoc -Tlint $p: clean" "$(echo "$out" | head -3)"; fi
done

# every --option of a binary's usage is in its page
opts() { "$@" --help 2>&1 | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }
for pair in trex:trex.1 trex-check:trex-check.1 trexd:trexd.8 trex-sandbox:trex-sandbox.8; do
	bin=${pair%%:*} page=${pair#*:}
	missing=
	for o in $(opts "$BIN/$bin"); do
		[ "$o" = --help ] && continue
		grep -qE -- "Fl -${o#--}( |$)|^\\.It .*Fl -${o#--}" "$TREX_ROOT/docs/man/$page" || missing="$missing $o"
	done
	expect_eq "$page names every option of $bin --help" "" "$missing"
done
# every trexd.json key is in trexd.json(5)
missing=
for k in $(sed -n '/^| key | type | default | meaning |$/,/^$/p' "$TREX_ROOT/docs/config.md" |
	sed -n 's/^| `\([a-z_]*\)` |.*/\1/p' | sort -u); do
	grep -q "Cm $k\b" "$TREX_ROOT/docs/man/trexd.json.5" || missing="$missing $k"
done
expect_eq "trexd.json.5 names every top-level key of docs/config.md" "" "$missing"
done_testing
