#!/bin/sh
# `make install`: the FHS layout under DESTDIR, and installed binaries that
# find their packs and profile through the prefix compiled into them, not
# through where they sit. PREFIX is a real folder under /tmp so the staged
# tree, once moved there (as a package manager does), is what they read.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
T=$(mktemp -d /tmp/trex-install.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
P=$T/prefix
S=$T/stage$P
san=
case "$BUILD" in *build-san*) san=SAN=1 ;; esac
inst() {
	make -s -C "$TREX_ROOT" BUILD="$BUILD" $san PREFIX="$P" SYSCONFDIR="$P/etc" \
		LOCALSTATEDIR="$P/var" "$@" >"$T/make.log" 2>&1
}
check "make install DESTDIR=... PREFIX=..." inst install DESTDIR="$T/stage"
[ -s "$T/make.log" ] && sed 's/^/# /' "$T/make.log" | tail -5
check "nothing written outside DESTDIR" test ! -e "$P"
mode() { stat -c %a "$1" 2>/dev/null; }
for f in bin/trex bin/trex-check sbin/trexd sbin/trex-sandbox; do
	expect_eq "$f, 0755" 755 "$(mode "$S/$f")"
done
for f in share/trex/disclosure/default.json share/trex/disclosure/strict.json \
	share/trex/seccomp/default.policy share/trex/trexd.json.sample; do
	expect_eq "$f, 0644" 644 "$(mode "$S/$f")"
done
expect_eq "etc/trex/trexd.json, 0640" 640 "$(mode "$S/etc/trex/trexd.json")"
expect_eq "var/lib/trex, 0700" 700 "$(mode "$S/var/lib/trex")"
for m in trex.1 trex-check.1 trexd.json.5 trex-policy.5 trex-permit.5 trexd.8 trex-sandbox.8; do
	expect_eq "man page $m, 0644" 644 "$(mode "$S/share/man/man${m##*.}/$m")"
done
check "the sample config names the state folder" grep -q "\"state_dir\": \"$P/var/lib/trex\"" "$S/etc/trex/trexd.json"

# a second install keeps the operator's config
echo '{"state_dir": "/srv/trex", "socket": "/run/trex/s"}' >"$S/etc/trex/trexd.json"
check "install again" inst install DESTDIR="$T/stage"
check "... keeps an existing /etc/trex/trexd.json" grep -q /srv/trex "$S/etc/trex/trexd.json"
cp "$S/share/trex/trexd.json.sample" "$S/etc/trex/trexd.json"

mv "$S" "$P"
printf 'age_band,n\n20-29,40\n30-39,35\n' >"$T/ok.csv"
tc() { env -u TREX_POLICY_DIR "$1" --policy strict --json --kind frequency_table \
	--dimensions age_band --count n "$T/ok.csv" >"$T/report" 2>"$T/err"; }
check "installed trex-check runs with --policy strict" tc "$P/bin/trex-check"
check "... read from PREFIX/share/trex" grep -q '"policy":{"name":"strict"' "$T/report"
mkdir -p "$T/elsewhere/bin"
cp "$P/bin/trex-check" "$T/elsewhere/bin/"
check "a copy elsewhere still finds the prefix's packs" tc "$T/elsewhere/bin/trex-check"
mv "$P/share/trex/disclosure/strict.json" "$T/strict.json"
if tc "$P/bin/trex-check"; then not_ok "without the installed pack it fails"; else ok "without the installed pack it fails"; fi
check "... naming the prefix's path" grep -q "$P/share/trex/disclosure/strict.json" "$T/err"
mv "$T/strict.json" "$P/share/trex/disclosure/strict.json"

expect_eq "installed trexd -n accepts the sample config" "config ok" "$("$P/sbin/trexd" -n --config "$P/etc/trex/trexd.json" 2>&1)"
mv "$P/share/trex/disclosure/default.json" "$T/default.json"
"$P/sbin/trexd" -n --config "$P/etc/trex/trexd.json" >/dev/null 2>"$T/err"
expect_eq "... and fails without the prefix's default pack" 1 $?
check "... naming it" grep -q "$P/share/trex/disclosure/default.json" "$T/err"
mv "$T/default.json" "$P/share/trex/disclosure/default.json"

# the build tree's binaries keep reading this checkout
check "build/trex-check finds the tree's packs" tc "$BIN/trex-check"

check "make uninstall" inst uninstall
expect_eq "... removes binaries, packs and man pages" "" "$(find "$P/bin" "$P/sbin" "$P/share" -type f)"
check "... keeps /etc/trex and /var/lib/trex" test -f "$P/etc/trex/trexd.json" -a -d "$P/var/lib/trex"
done_testing
