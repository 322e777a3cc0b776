#!/bin/sh
# Measures the capacity of the channels between two concurrent jobs that
# trex-sandbox leaves open (tests/escape/RESIDUAL.md): a byte-range read
# lock on a shared read-only dataset file probed with F_GETLK, and the
# page cache of a shared dataset file (probed with preadv2 RWF_NOWAIT, by
# read timing, and with mincore(), which the kernel answers only for the
# caller's own mappings of files it cannot write). Not a test
# (the channels are open by design): run by hand, as root, after a build:
#   sh tests/escape/residual_channels.sh [BITS] [PERIODS_US...]
# Sender and receiver are two trex-sandbox jobs on one scratch dataset;
# the attack code (attacks/chan.c) runs only inside them. For each bit
# period it prints the bit rate (bits over the time the message took), the
# error rate p and the capacity of the binary symmetric channel,
# rate * (1 - H(p)).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) BIN=$BUILD ;; *) BIN=$ROOT/$BUILD ;; esac
SBX=${TREX_ESC_SANDBOX:-$BIN/trex-sandbox}
BITS=${1:-2000}
[ $# -gt 0 ] && shift
PERIODS=${*:-1000 200 50}
[ "$(id -u)" = 0 ] || { echo "residual_channels.sh: run as root (trex-sandbox)" >&2; exit 2; }
T=$(mktemp -d /tmp/trex-residual.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
mkdir "$T/att" "$T/data"
cp "$BIN/tests/escape/attack" "$T/att/attack"
printf 'id,age\n1,42\n' >"$T/data/lock.csv"
chmod 644 "$T/data/lock.csv"

run() { # FILE ARGS...: one job in the background, its stdout in FILE
	_f=$1
	shift
	mkdir -p "$T/out/$_f"
	"$SBX" --uid-range 430100:8 --data "$T/data" --output "$T/out/$_f" \
		--ro-bind "$T/att" /opt/attacks -- /opt/attacks/attack "$@" \
		</dev/null >"$T/$_f" 2>>"$T/err" &
}

capacity() { # LABEL PERIOD_US RESULT
	python3 - "$@" <<'PY'
import math, re, sys
label, period, res = sys.argv[1], int(sys.argv[2]), sys.argv[3]
m = re.match(r"bits=(\d+) errors=(\d+) us=(\d+)", res)
if not m:
    print(f"{label}: period {period} us: no result ({res})")
    sys.exit(0)
n, e, us = int(m.group(1)), int(m.group(2)), int(m.group(3))
p = e / n
h = 0 if p in (0, 1) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)
rate = n / (us / 1e6)  # what the message took, not the nominal period
print(f"{label}: period {period} us, {n} bits in {us / 1000:.0f} ms ({rate:.0f} bit/s), "
      f"error rate {p:.3f}, capacity {rate * (1 - h):.0f} bit/s")
PY
}

for period in $PERIODS; do
	# byte-range read lock on a shared read-only file
	start=$(( $(date +%s%N) + 1500000000 ))
	run lrecv lockchan_recv /data/lock.csv "$BITS" "$period" "$start"
	run lsend lockchan_send /data/lock.csv "$BITS" "$period" "$start"
	wait
	capacity "byte-range lock + F_GETLK" "$period" "$(cat "$T/lrecv")"
	# page cache of a shared file: one fresh (uncached) page per bit,
	# probed three ways
	for probe in nowait time mincore; do
		rm -f "$T/data/pages.bin"
		dd if=/dev/urandom of="$T/data/pages.bin" bs=4096 count="$BITS" conv=fsync status=none
		chmod 644 "$T/data/pages.bin"
		python3 -c 'import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' \
			"$T/data/pages.bin"
		start=$(( $(date +%s%N) + 1500000000 ))
		run precv pagechan_recv /data/pages.bin "$BITS" "$period" "$start" "$probe"
		run psend pagechan_send /data/pages.bin "$BITS" "$period" "$start"
		wait
		capacity "page cache + $probe" "$period" "$(cat "$T/precv")"
	done
done
[ -s "$T/err" ] && { echo "stderr of the jobs:"; cat "$T/err"; }
exit 0
