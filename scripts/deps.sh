#!/bin/sh
# Install every Debian package the build, tests, demo and benchmarks need.
# Idempotent: packages already present are left alone.
set -eu
PKGS="build-essential pkg-config graphviz libuv1-dev libseccomp-dev libcap-dev libssl-dev
libjansson-dev libsqlite3-dev node-llhttp libglpk-dev libcmocka-dev
python3 python3-pandas r-base-core bubblewrap hyperfine uidmap sqlite3 openssl
util-linux iproute2 procps curl nginx wrk strace mandoc debhelper
chromium chromium-driver python3-selenium python3-prometheus-client"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing (run 'make deps' as root)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
