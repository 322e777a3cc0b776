#!/bin/sh
# `make deb`: the Debian package of this tree, read with dpkg-deb (files,
# modes, conffiles, maintainer scripts), linted with lintian when it is
# installed (errors fail, warnings are shown), then installed with apt
# into a throwaway root: an overlay of this machine's / whose writes go to
# a tmpfs of a private mount namespace, so the accounts, statoverrides
# and unit symlinks its postinst makes vanish with the namespace. There
# trexd is started from the installed config, a job runs through the
# installed client, trexd, trex-sandbox and trex-check and is released,
# and the package is purged. No systemd runs there: the unit is verified,
# not started.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
case "$BUILD" in *build-san*)
	echo "1..0 # SKIP the package is made from the release build, not $BUILD"
	exit 0 ;;
esac
for c in dpkg-buildpackage dh; do
	if ! command -v $c >/dev/null; then
		echo "1..0 # SKIP $c missing (make deps installs debhelper)"
		exit 0
	fi
done
T=$(mktemp -d /tmp/trex-deb.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT

# (the log redirect inside: on `check` itself it would swallow its ok line)
check "make deb" sh -c 'make -s -C "$1" BUILD="$2" DEB_DIR="$3/deb" deb >"$3/make.log" 2>&1' _ "$TREX_ROOT" "$BUILD" "$T"
[ -s "$T/make.log" ] && grep -i 'error' "$T/make.log" | sed 's/^/# /' | tail -5
DEB=$(ls "$T"/deb/trex_*.deb 2>/dev/null | head -1)
check "... a trex_*.deb in DEB_DIR" test -f "$DEB"
check "... nothing written above the checkout" test ! -e "$TREX_ROOT/../trex_$(cd "$TREX_ROOT" && dpkg-parsechangelog -S Version)_$(dpkg-architecture -qDEB_HOST_ARCH).deb"
[ -f "$DEB" ] || { done_testing; exit 1; }

# files and modes: "MODE OWNER PATH" lines of the data archive
dpkg-deb -c "$DEB" | awk '{ sub(/^\.\//, "/", $6); print $1, $2, $6 }' >"$T/files"
has() { grep -qx -- "$1" "$T/files"; }
for f in /usr/sbin/trexd /usr/sbin/trex-sandbox /usr/bin/trex /usr/bin/trex-check; do
	check "$f, 0755 root" has "-rwxr-xr-x root/root $f"
done
for f in /lib/systemd/system/trexd.service /lib/systemd/system/trexd.socket /etc/trex/trexd.json \
	/usr/share/trex/disclosure/default.json /usr/share/trex/seccomp/default.policy \
	/usr/share/trex/trexd.json.sample; do
	check "$f, 0644 root" has "-rw-r--r-- root/root $f"
done
for m in man1/trex.1 man1/trex-check.1 man5/trexd.json.5 man5/trex-policy.5 \
	man5/trex-permit.5 man8/trexd.8 man8/trex-sandbox.8; do
	check "man page $m" has "-rw-r--r-- root/root /usr/share/man/$m.gz"
done
check "/var/lib/trex in the package" has "drwxr-xr-x root/root /var/lib/trex/"
expect_eq "nothing under /usr/local" "" "$(grep ' /usr/local' "$T/files")"

expect_eq "conffiles: /etc/trex/trexd.json" "/etc/trex/trexd.json" \
	"$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles)"
check "Depends: adduser" sh -c "dpkg-deb -f '$DEB' Depends | grep -q 'adduser'"
check "Depends: the shared libraries (libuv1)" sh -c "dpkg-deb -f '$DEB' Depends | grep -q 'libuv1'"
mkdir "$T/ctrl"
dpkg-deb -e "$DEB" "$T/ctrl"
for s in postinst prerm postrm; do
	check "$s, 0755 and parses" sh -c "test \"\$(stat -c %a '$T/ctrl/$s')\" = 755 && sh -n '$T/ctrl/$s'"
done
check "postinst makes the trex group and the trexd account" \
	sh -c "grep -q 'addgroup --system --quiet trex' '$T/ctrl/postinst' && grep -q 'adduser --system' '$T/ctrl/postinst'"
check "postinst enables trexd.service" grep -q "deb-systemd-helper enable 'trexd.service'" "$T/ctrl/postinst"

if command -v lintian >/dev/null; then
	lintian --tag-display-limit 0 "$DEB" >"$T/lintian" 2>&1
	grep '^W: ' "$T/lintian" | sed 's/^/# /'
	expect_eq "lintian: no errors" "" "$(grep '^E: ' "$T/lintian")"
else
	echo "# lintian not installed: not linted"
fi

# ---- apt install into a throwaway root --------------------------------
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	echo "# not root or no mount namespaces: install not tried"
	done_testing
	exit $?
fi
cp "$DEB" "$T/"; DEBNAME=$(basename "$DEB")
# runs inside the throwaway root: RESULT lines, read below
cat >"$T/inner.sh" <<'EOF'
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1 # $2"; }
t() { n=$1; shift; if "$@" >/tmp/t.out 2>&1; then pass "$n"; else fail "$n" "$(tail -1 /tmp/t.out)"; fi; }
eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected [$2] got [$3]"; fi; }
export DEBIAN_FRONTEND=noninteractive
# the host's user database must not know these names (or the test says
# nothing about the postinst)
eq "no trexd account before" "" "$(getent passwd trexd)"
t "apt install ./trex.deb" apt-get install -y -q --no-install-recommends /tmp/trex_*.deb
eq "trex group made" "trex" "$(getent group trex | cut -d: -f1)"
eq "trexd system account, no shell" "/usr/sbin/nologin" "$(getent passwd trexd | cut -d: -f7)"
uid=$(id -u trexd 2>/dev/null || echo 99999)
t "trexd is a system uid" test "$uid" -lt 1000
eq "/var/lib/trex trexd:trexd 0700" "700 trexd trexd" "$(stat -c '%a %U %G' /var/lib/trex)"
eq "/etc/trex/trexd.json root:trexd 0640" "640 root trexd" "$(stat -c '%a %U %G' /etc/trex/trexd.json)"
t "trexd.service enabled" test -L /etc/systemd/system/multi-user.target.wants/trexd.service
t "systemd-analyze verify trexd.service" systemd-analyze verify --man=no /lib/systemd/system/trexd.service
t "systemd-analyze verify trexd.socket" systemd-analyze verify --man=no /lib/systemd/system/trexd.socket
t "trexd.socket enabled" test -L /etc/systemd/system/sockets.target.wants/trexd.socket
eq "the unit waits for READY=1" "notify all" \
	"$(sed -n 's/^Type=//p; s/^NotifyAccess=//p' /lib/systemd/system/trexd.service | tr '\n' ' ' | sed 's/ $//')"
# a second install (an upgrade to the same version) keeps the operator's
# edit of the conffile and the accounts, modes and statoverrides
printf '\n' >>/etc/trex/trexd.json
sum=$(md5sum </etc/trex/trexd.json)
t "install again" dpkg -i /tmp/trex_*.deb
eq "... keeps the edited trexd.json" "$sum" "$(md5sum </etc/trex/trexd.json)"
eq "... and its owner and mode" "640 root trexd" "$(stat -c '%a %U %G' /etc/trex/trexd.json)"
eq "... one trexd account" 1 "$(getent passwd | grep -c '^trexd:')"
eq "trexd -n accepts the installed config" "config ok" "$(/usr/sbin/trexd -n --config /etc/trex/trexd.json 2>&1)"
t "man trexd finds the page" sh -c 'MANPAGER=cat man -w trexd | grep -q /usr/share/man/man8/trexd.8.gz'
# what systemd's RuntimeDirectory= and Group=trex would make; trexd runs
# as the unit runs it: group trex, no_new_privs and the unit's capability
# bounding set (CAP_SYS_ADMIN ... -> -all,+sys_admin,...)
mkdir -m 0750 /run/trex && chgrp trex /run/trex
bset=-all$(sed -n 's/^CapabilityBoundingSet=//p' /lib/systemd/system/trexd.service | tr ' ' '\n' |
	sed -n 's/^CAP_\(.*\)/,+\1/p' | tr 'A-Z' 'a-z' | tr -d '\n')
eq "the unit has a bounding set" yes "$(case $bset in *sys_admin*) echo yes ;; *) echo "$bset" ;; esac)"
setpriv --regid=trex --keep-groups --no-new-privs --bounding-set "$bset" /usr/sbin/trexd --config /etc/trex/trexd.json >/tmp/trexd.log 2>&1 &
pid=$!
i=0
while [ ! -S /run/trex/trexd.sock ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
eq "socket root:trex 0660" "660 root trex" "$(stat -c '%a %U %G' /run/trex/trexd.sock 2>&1)"
t "healthz over the socket" curl -sf --unix-socket /run/trex/trexd.sock http://trex/healthz
# who may connect: members of trex (adduser alice trex), nobody else
gid=$(getent group trex | cut -d: -f3)
t "a member of trex reaches the socket" setpriv --reuid=65534 --regid=65534 --groups="$gid" \
	curl -sf --unix-socket /run/trex/trexd.sock http://trex/healthz
t "... anyone else cannot" sh -c '! setpriv --reuid=65534 --regid=65534 --clear-groups \
	curl -sf --unix-socket /run/trex/trexd.sock http://trex/healthz'
kill -TERM $pid; wait $pid
t "trexd made its state in /var/lib/trex" test -f /var/lib/trex/trexd.db
eq "... the store is the service account's" trexd "$(stat -c %U /var/lib/trex/trexd.db)"
eq "... the signing key root's, 0600" "600 root" "$(stat -c '%a %U' /var/lib/trex/trexd.key)"
# a job, through the installed client, trexd, trex-sandbox and trex-check
# (quick start: no permit; the installed binaries find each other and the
# packs through /usr, nothing from the checkout)
mkdir -p /srv/trexdata /tmp/job
printf 'age_band,sex,n\n20-29,F,120\n20-29,M,131\n30-39,F,99\n30-39,M,87\n' >/srv/trexdata/x.csv
chmod 755 /srv/trexdata; chmod 644 /srv/trexdata/x.csv
cat >/tmp/job/manifest.json <<'M'
{"project": "P1", "dataset": "d", "runtime": "shell",
 "command": ["sh", "-c", "cp /data/x.csv /output/t.csv"],
 "outputs": [{"path": "t.csv", "kind": "frequency_table", "dimensions": ["age_band", "sex"], "count": "n",
   "labels": {"age_band": ["20-29", "30-39"], "sex": ["F", "M"]}}]}
M
setpriv --regid=trex --keep-groups --no-new-privs --bounding-set "$bset" /usr/sbin/trexd --state-dir /var/lib/trex \
	--socket /run/trex/trexd.sock --dataset d=/srv/trexdata --id-columns d= >/tmp/trexd2.log 2>&1 &
pid=$!
i=0
while [ ! -S /run/trex/trexd.sock ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
id=$(trex submit /tmp/job/manifest.json 2>/tmp/submit.err)
eq "trex submit" 0 $?
t "trex wait" trex wait "$id" --timeout 60
trex status "$id" >/tmp/status 2>&1
st=$(sed -n "s/^ *state: *\\([a-z_]*\\).*/\\1/p" /tmp/status)
eq "the job is released" released "$st"
[ "$st" = released ] || sed "s/^/# /" /tmp/status
kill -TERM $pid; wait $pid
t "dpkg --purge trex" dpkg --purge trex
t "binaries removed" test ! -e /usr/sbin/trexd -a ! -e /usr/bin/trex
t "conffile and unit removed" test ! -e /etc/trex/trexd.json -a ! -e /lib/systemd/system/trexd.service
t "unit symlink removed" test ! -e /etc/systemd/system/multi-user.target.wants/trexd.service
eq "statoverrides removed" "" "$(dpkg-statoverride --list | grep -E ' (/var/lib/trex|/etc/trex/trexd.json)$')"
t "the state folder's records stay" test -f /var/lib/trex/trexd.db
EOF
cat >"$T/outer.sh" <<EOF
set -e
mount --make-rprivate /
mount -t tmpfs -o mode=0700 tmpfs "$T/ovl"
mkdir "$T/ovl/u" "$T/ovl/w" "$T/ovl/m"
mount -t overlay overlay -o lowerdir=/,upperdir="$T/ovl/u",workdir="$T/ovl/w" "$T/ovl/m"
R="$T/ovl/m"
mount --rbind /proc "\$R/proc"
mount --rbind /dev "\$R/dev"
mount --rbind /sys "\$R/sys"
mount -t tmpfs tmpfs "\$R/run"
mount -t tmpfs tmpfs "\$R/tmp"
cp "$T/$DEBNAME" "$T/inner.sh" "\$R/tmp/"
# the overlay becomes / (not a chroot: trex-sandbox's pivot_root needs
# the root to be a mount)
cd "\$R"
mkdir .oldroot
pivot_root . .oldroot
umount -l /.oldroot
exec chroot / /bin/sh /tmp/inner.sh
EOF
mkdir "$T/ovl"
# the overlay shows this machine's dpkg database as it is: wait (up to 5
# min) while another apt or dpkg holds it, or the copy is half-written
dpkg_busy() {
	python3 -c 'import fcntl, sys
f = open("/var/lib/dpkg/lock-frontend", "a")
try:
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    sys.exit(0)
sys.exit(1)'
}
i=0
while dpkg_busy && [ $i -lt 300 ]; do sleep 1; i=$((i + 1)); done
unshare -m --propagation private sh "$T/outer.sh" >"$T/inner.out" 2>"$T/inner.err"
rc=$?
while IFS= read -r line; do
	case "$line" in
	"PASS "*) ok "root: ${line#PASS }" ;;
	"FAIL "*) l=${line#FAIL }; not_ok "root: ${l%% # *}" "${l#* # }" ;;
	"# "*) echo "$line" ;;
	esac
done <"$T/inner.out"
expect_eq "the throwaway root ran to its end" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/inner.err" | tail -5
check "nothing left on this machine: no trexd account" sh -c '! getent passwd trexd >/dev/null'
check "... no trex package installed" sh -c '! dpkg-query -W -f="\${Status}" trex 2>/dev/null | grep -q installed'
done_testing
